"""Steps of the reservation service (features/lua/reservations*.feature, :mod:`redisbehaviors.reservations`).

The scenario's :class:`StockWorld` holds the service (the standalone target with scripts and audit
on, unless a step chose another engine or server), the outcome of the latest call (a result, or the
exception the Then steps expect), and what the contention steps measured.
"""

from __future__ import annotations

import ast
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import redis
from pytest_bdd import given, parsers, step, then, when

from redisbehaviors.reservations import (
    OptimisticReservations,
    OutOfStock,
    Reservations,
    Shortage,
)
from redisbehaviors.reservations.engine import function_name
from redisbehaviors.testing import RedisServer, server_ms, wait_until
from tests.steps.redis_commands import normalize

DEADLINE = 15.0  # generous bound for anything that must happen "soon" on a loaded machine
ITEM = re.compile(r'(\d+) x "([^"]+)"')


def _items(text: str) -> dict[str, int]:
    return {sku: int(qty) for qty, sku in ITEM.findall(text)}


@dataclass
class Contention:
    """What the clients of a contention run got, and the services they used (for their counters)."""

    outcomes: list[str]
    services: list[Any]


@dataclass
class StockWorld:
    """The reservation service of one scenario and the outcome of its latest call."""

    client: redis.Redis
    namespace: str
    chosen: Reservations | None = None
    spare: RedisServer | None = None
    spare_client: redis.Redis | None = None
    result: Any = None
    error: Exception | None = None
    deadlines: dict[str, int] = field(default_factory=dict)  # server ms, per order held
    before: dict[str, Any] | None = None  # the partition's keys before a refused call
    optimistic: OptimisticReservations | None = None
    contention: Contention | None = None

    @property
    def service(self) -> Reservations:
        if self.chosen is None:
            self.chosen = Reservations(self.client, namespace=self.namespace, audit_cap=1000)
        return self.chosen

    def attempt(self, call: Callable[[], Any]) -> None:
        try:
            self.result, self.error = call(), None
        except Exception as exc:  # the Then steps say which error was expected
            self.result, self.error = None, exc

    def raise_unexpected(self) -> None:
        if self.error is not None:
            raise AssertionError(f"the stock service raised {self.error!r}") from self.error

    def partition_dump(self) -> dict[str, Any]:
        client = self.service.client
        return {key: client.dump(key) for key in self.service.keys.all}


@pytest.fixture
def stock(r: redis.Redis, ns: str) -> Iterator[StockWorld]:
    world = StockWorld(r, ns)
    yield world
    if world.spare_client is not None:
        world.spare_client.close()


# ------------------------------------------------------------------------------------- where the service runs


@given("the stock service runs as a Function library")
def service_as_function(stock: StockWorld) -> None:
    stock.chosen = Reservations(stock.client, namespace=stock.namespace, engine="function")


@given(parsers.re(r"the stock service runs on the cluster(?P<function> as a Function library)?"))
def service_on_cluster(cluster_client: redis.RedisCluster, stock: StockWorld, function: str | None) -> None:
    # FUNCTION LOAD goes to every primary; FCALL, like EVALSHA, goes to the node of its keys' slot.
    engine = "function" if function else "script"
    stock.chosen = Reservations(cluster_client, namespace=stock.namespace, engine=engine)


@given(parsers.re(r"the stock service runs (?:as (?P<engine>scripts|a Function library) )?on a separate server"))
def service_on_spare(spawn_server: Callable[..., RedisServer], stock: StockWorld, engine: str | None) -> None:
    stock.spare = spawn_server()
    stock.spare_client = stock.spare.client()
    kind = "function" if engine == "a Function library" else "script"
    stock.chosen = Reservations(stock.spare_client, namespace=stock.namespace, engine=kind)


# ---------------------------------------------------------------------------------------------------- calls


@given(parsers.parse('SKU "{sku}" has {units:d} units in stock'))
def sku_in_stock(stock: StockWorld, sku: str, units: int) -> None:
    stock.service.set_stock(sku, units)


@step(parsers.re(r'order "(?P<order>[^"]+)" (?P<verb>reserves|has reserved) (?P<items>.+?) for (?P<ttl>\d+) ms'))
def reserve(stock: StockWorld, order: str, verb: str, items: str, ttl: str) -> None:
    stock.attempt(lambda: stock.service.reserve(order, _items(items), int(ttl)))
    if verb == "has reserved":  # a precondition: it must have worked
        stock.raise_unexpected()
    if stock.error is None:
        stock.deadlines[order] = stock.result.deadline_ms


@when(parsers.re(r"an order is reserved with order id (?P<order>.+) and items (?P<items>.+)"))
def reserve_literal(stock: StockWorld, order: str, items: str) -> None:
    stock.before = stock.partition_dump()
    stock.attempt(lambda: stock.service.reserve(ast.literal_eval(order), ast.literal_eval(items), 60_000))


@when(parsers.parse("an order with an id of {length:d} characters reserves {items}"))
def reserve_long_id(stock: StockWorld, length: int, items: str) -> None:
    stock.before = stock.partition_dump()
    stock.attempt(lambda: stock.service.reserve("o" * length, _items(items), 60_000))


@step(parsers.re(r'order "(?P<order>[^"]+)" (?P<verb>is|has been) (?P<action>confirmed|cancelled|read)'))
def close_order(stock: StockWorld, order: str, verb: str, action: str) -> None:
    service = stock.service
    call = {"confirmed": service.confirm, "cancelled": service.cancel, "read": service.hold}
    stock.attempt(lambda: call[action](order))
    if verb == "has been":
        stock.raise_unexpected()


@step(parsers.parse('order "{order}" is extended by {ttl:d} ms'))
def extend_order(stock: StockWorld, order: str, ttl: int) -> None:
    stock.attempt(lambda: stock.service.extend(order, ttl))


@step(parsers.parse('the deadline of order "{order}" has passed'))
def deadline_passed(stock: StockWorld, order: str) -> None:
    deadline, service = stock.deadlines[order], stock.service
    wait_until(
        lambda: server_ms(service.client, service.keys.stock) > deadline,
        DEADLINE,
        what=f"server time past the deadline of {order}",
    )


@step(parsers.re(r"the sweeper (?:runs|has run)"))
def sweeper_runs(stock: StockWorld) -> None:
    stock.attempt(stock.service.sweep)


@step(parsers.parse('SKU "{sku}" is restocked with {units:d} units under restock id "{restock_id}"'))
def restock(stock: StockWorld, sku: str, units: int, restock_id: str) -> None:
    stock.attempt(lambda: stock.service.restock(sku, units, restock_id))


@when("the script cache is flushed")
def flush_scripts(stock: StockWorld) -> None:
    stock.service.client.script_flush()


@when("that server restarts after saving its data")
def restart_spare(stock: StockWorld) -> None:
    assert stock.spare is not None and stock.spare_client is not None, "the service runs on no separate server"
    stock.spare_client.save()
    stock.spare.restart()


# ------------------------------------------------------------------------------------------------- outcomes


@then(parsers.parse('the stock service answers "{outcome}"'))
def service_answers(stock: StockWorld, outcome: str) -> None:
    stock.raise_unexpected()
    result = stock.result
    got = getattr(result, "outcome", None) or getattr(result, "state", None) or result
    assert str(got) == outcome, f"expected {outcome!r}, the stock service answered {got!r}"


@then(parsers.parse('the stock service refuses with {error} saying "{text}"'))
def service_refuses(stock: StockWorld, error: str, text: str) -> None:
    assert stock.error is not None, f"expected {error}, the stock service answered {stock.result!r}"
    assert type(stock.error).__name__ == error, f"expected {error}, got {stock.error!r}"
    assert text in str(stock.error), f"expected {text!r} in {stock.error!s}"


@then(parsers.re(r"the refusal lists (?P<lines>.+)"))
def refusal_lists(stock: StockWorld, lines: str) -> None:
    error = stock.error
    assert isinstance(error, OutOfStock), f"expected OutOfStock, got {error!r}"
    found = re.findall(r'"([^"]+)" wanted (\d+) with (\d+) available', lines)
    want = {sku: Shortage(int(wanted), int(available)) for sku, wanted, available in found}
    assert error.shortages == want, f"expected {want}, got {error.shortages}"


@then("nothing was written to the partition")
def nothing_written(stock: StockWorld) -> None:
    assert stock.partition_dump() == stock.before


@then(parsers.parse('SKU "{sku}" has {available:d} available, {reserved:d} reserved and {sold:d} sold'))
def sku_levels(stock: StockWorld, sku: str, available: int, reserved: int, sold: int) -> None:
    level = stock.service.stock(sku)
    got = (level.available, level.reserved, level.sold)
    assert got == (available, reserved, sold), f"{sku}: expected {(available, reserved, sold)}, got {got}"
    assert level.available + level.reserved + level.sold == level.total


@then(parsers.re(r"the sweeper expired (?P<count>\d+) holds?"))
def sweeper_expired(stock: StockWorld, count: str) -> None:
    stock.raise_unexpected()
    assert stock.result.expired == int(count), f"expected {count} expired, got {stock.result}"


@then(parsers.re(r"the stock service reloaded its scripts (?P<count>\d+) times?"))
def reloads(stock: StockWorld, count: str) -> None:
    assert stock.service.script_reloads == int(count)


@then(parsers.parse("the restock {verdict}"))
def restock_verdict(stock: StockWorld, verdict: str) -> None:
    stock.raise_unexpected()
    assert stock.result is (verdict == "was applied"), f"restock returned {stock.result!r}"


@then(parsers.parse('the audit log lists "{events}"'))
def audit_lists(stock: StockWorld, events: str) -> None:
    got = [entry["event"] for entry in stock.service.audit_log()]
    assert got == [e.strip() for e in events.split(",")], f"audit log: {got}"


@then("every key of the partition hashes to one slot")
def partition_one_slot(stock: StockWorld) -> None:
    """Asked of the server (CLUSTER KEYSLOT), not of redis-py's own copy of the hashing rule."""
    client = stock.service.client
    assert isinstance(client, redis.RedisCluster), "the service does not run on the cluster"
    slots = {client.cluster_keyslot(key) for key in stock.service.keys.all}
    assert len(slots) == 1, f"the partition's keys are in slots {slots}"


@then(parsers.parse('FUNCTION LIST names the library "{library}" with the function "{name}"'))
def function_listed(stock: StockWorld, library: str, name: str) -> None:
    libraries = normalize(stock.service.client.function_list(library))
    assert libraries, f"library {library} is not loaded"
    # One shape for RESP2 and RESP3: a flat list holding the library name and its functions' names.
    flat = repr(libraries)
    assert f"'{library}'" in flat and f"'{function_name(name)}'" in flat, flat


# ---------------------------------------------------------------------------------- optimistic (WATCH) path


@when(parsers.parse('order "{order}" reserves {items} with WATCH while another client changes the stock once'))
def reserve_watch(stock: StockWorld, client_factory: Callable[..., Any], order: str, items: str) -> None:
    other = client_factory()
    keys = Reservations(stock.client, namespace=stock.namespace).keys

    def interfere(attempt: int) -> None:
        if attempt == 0:  # another SKU's counter: same hash, so the watched key changed
            other.hset(keys.stock, "unrelated:note", "changed")

    optimistic = OptimisticReservations(stock.client, namespace=stock.namespace, on_watched=interfere)
    stock.optimistic = optimistic
    stock.attempt(lambda: optimistic.reserve(order, _items(items), 60_000))


@then(parsers.parse("the WATCH reserve took {attempts:d} attempts of which {aborts:d} aborted"))
def watch_counts(stock: StockWorld, attempts: int, aborts: int) -> None:
    stock.raise_unexpected()
    optimistic = stock.optimistic
    assert optimistic is not None, "no WATCH reserve ran"
    assert (optimistic.attempts, optimistic.aborts) == (attempts, aborts)


@when(
    parsers.re(
        r'(?P<clients>\d+) clients each reserve 1 x "(?P<sku>[^"]+)" for (?P<orders>\d+) orders'
        r" (?P<path>with the script|with WATCH)"
    )
)
def contention(
    stock: StockWorld, client_factory: Callable[..., Any], clients: str, sku: str, orders: str, path: str
) -> None:
    ns, with_watch = stock.namespace, path == "with WATCH"
    services: list[Any] = [
        OptimisticReservations(c, namespace=ns) if with_watch else Reservations(c, namespace=ns)
        for c in (client_factory() for _ in range(int(clients)))
    ]
    outcomes: list[str] = []
    lock = threading.Lock()
    # Every round starts together, so the clients really do race for the same stock level.
    rounds = threading.Barrier(int(clients), timeout=60)

    def work(index: int) -> None:
        for n in range(int(orders)):
            rounds.wait()
            try:
                services[index].reserve(f"c{index}-o{n}", {sku: 1}, 60_000)
                outcome = "held"
            except OutOfStock:
                outcome = "refused"
            except Exception as exc:  # surfaced by the Then steps
                outcome = repr(exc)
            with lock:
                outcomes.append(outcome)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(int(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    stock.contention = Contention(outcomes, services)


def _contention(stock: StockWorld) -> Contention:
    assert stock.contention is not None, "no contention run happened"
    return stock.contention


@then(parsers.parse("{held:d} orders were held and {refused:d} refused"))
def contention_counts(stock: StockWorld, held: int, refused: int) -> None:
    outcomes = _contention(stock).outcomes
    others = sorted({o for o in outcomes if o not in ("held", "refused")})
    assert not others, f"unexpected outcomes: {others}"
    assert (outcomes.count("held"), outcomes.count("refused")) == (held, refused)


@then("the script path loaded each script once and never retried")
def script_never_retried(stock: StockWorld) -> None:
    assert sum(s.script_reloads for s in _contention(stock).services) == 0


@then("the WATCH path aborted and retried at least once")
def watch_aborted(stock: StockWorld) -> None:
    run = _contention(stock)
    attempts, aborts = sum(s.attempts for s in run.services), sum(s.aborts for s in run.services)
    assert aborts >= 1, f"no WATCH attempt aborted in {attempts} attempts"
    assert attempts == aborts + len(run.outcomes)
