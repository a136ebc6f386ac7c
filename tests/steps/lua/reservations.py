"""Steps of the Lua scripting topic (features/lua/): scripts as docstrings, busy scripts, the
cluster, replicas, Function libraries, and the reservation service.

Scripts are written as docstrings, so the Lua reads as Lua (quotes and all)::

    When the client runs EVAL with keys "k1 k2" and arguments "a1":
      \"\"\"
      return {KEYS[1], ARGV[1], #KEYS, #ARGV}
      \"\"\"
    Then the reply is ["k1", "a1", 2, 1]

Replies land where the shared steps of ``redis_commands.py`` look (``raw.last`` / ``raw.error``),
so ``the reply is …`` and ``the reply is an error saying …`` work after every step here.
"""

from __future__ import annotations

import ast
import contextlib
import hashlib
import re
import shlex
import threading
from collections.abc import Callable
from concurrent.futures import Future
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
from redisbehaviors.testing import RedisServer, wait_until
from tests.steps.redis_commands import RawCommands, assert_reply, normalize

DEADLINE = 15.0  # generous bound for anything that must happen "soon" on a loaded machine


def _execute(raw: RawCommands, args: list[Any], who: str = "default") -> None:
    """Send pre-split arguments the way ``raw.send`` sends a command line."""
    args = raw.namespaced([str(a) for a in args])
    try:
        raw.last, raw.error = raw.strip(raw.client(who).execute_command(*args)), None
    except redis.ResponseError as exc:
        raw.last, raw.error = None, exc


def _words(text: str | None) -> list[str]:
    return shlex.split(text) if text else []


def _script_command(command: str, script: str, keys: str | None, args: str | None) -> list[Any]:
    key_list = _words(keys)
    return [command, script, len(key_list), *key_list, *_words(args)]


# ---------------------------------------------------------------------------------------------------- scripts

RUNS = (
    r'(?:client "(?P<who>[^"]+)"|the client) (?:runs|has run) (?P<command>EVAL_RO|EVAL)'
    r'(?: with keys "(?P<keys>[^"]*)")?(?: and arguments "(?P<args>[^"]*)")?:'
)


@step(parsers.re(RUNS))
def run_script(
    raw: RawCommands, docstring: str, command: str, who: str | None, keys: str | None, args: str | None
) -> None:
    _execute(raw, _script_command(command, docstring, keys, args), who or "default")


@when(parsers.re(r'the client runs EVALSHA of that script(?: with keys "(?P<keys>[^"]*)")?'))
def run_evalsha(raw: RawCommands, ctx: dict[str, Any], keys: str | None) -> None:
    _execute(raw, _script_command("EVALSHA", ctx["sha"], keys, None))


@given("the client has loaded the script:")
def load_script(raw: RawCommands, ctx: dict[str, Any], docstring: str) -> None:
    ctx["sha"] = raw.must(f"SCRIPT LOAD {shlex.quote(docstring)}")


@then(parsers.re(r"SCRIPT EXISTS of that script replies (?P<value>.+)"))
def script_exists(raw: RawCommands, ctx: dict[str, Any], value: str) -> None:
    raw.send(f"SCRIPT EXISTS {ctx['sha']}")
    assert_reply(raw.last, value)


@when("the client runs EVAL twice:")
def run_twice(raw: RawCommands, ctx: dict[str, Any], docstring: str) -> None:
    ctx["twice"] = [raw.must(shlex.join(["EVAL", docstring, "0"])) for _ in range(2)]


@then("the two replies differ")
def replies_differ(ctx: dict[str, Any]) -> None:
    first, second = ctx["twice"]
    assert first != second, f"both runs replied {first!r}"


@when(parsers.re(r'(?P<clients>\d+) clients each run EVAL with keys "(?P<keys>[^"]*)" (?P<times>\d+) times:'))
def run_concurrently(
    raw: RawCommands, client_factory: Callable[..., Any], docstring: str, clients: str, keys: str, times: str
) -> None:
    args = raw.namespaced([str(a) for a in _script_command("EVAL", docstring, keys, None)])
    errors: list[BaseException] = []

    def work(client: redis.Redis) -> None:
        try:
            for _ in range(int(times)):
                client.execute_command(*args)
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)

    connections = [client_factory(single_connection_client=True) for _ in range(int(clients))]
    threads = [threading.Thread(target=work, args=(c,)) for c in connections]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, f"a client failed: {errors[0]!r}"


# ----------------------------------------------------------------------------------------------- busy scripts


class Background:
    """One command running in a thread on its own connection; its outcome is a Future."""

    def __init__(self, client: redis.Redis, args: list[Any]) -> None:
        self.future: Future[Any] = Future()
        self.thread = threading.Thread(target=self._run, args=(client, args), daemon=True)
        self.thread.start()

    def _run(self, client: redis.Redis, args: list[Any]) -> None:
        try:
            self.future.set_result(client.execute_command(*args))
        except BaseException as exc:
            self.future.set_exception(exc)


@given(parsers.parse("the busy-script threshold is {ms:d} ms"))
def busy_threshold(server_config: Callable[[str, str], None], redis_target: Any, ms: int) -> None:
    server_config(_busy_setting(redis_target.version), str(ms))


def _busy_setting(version: tuple[int, int, int]) -> str:
    """busy-reply-threshold since 7.0; before that the same setting was lua-time-limit."""
    return "busy-reply-threshold" if version >= (7, 0, 0) else "lua-time-limit"


@when(parsers.re(r'client "(?P<who>[^"]+)" starts EVAL(?: with keys "(?P<keys>[^"]*)")? in the background:'))
def start_background(
    raw: RawCommands,
    request: pytest.FixtureRequest,
    ctx: dict[str, Any],
    who: str,
    keys: str | None,
    docstring: str,
) -> None:
    args = raw.namespaced([str(a) for a in _script_command("EVAL", docstring, keys, None)])
    ctx["background"] = Background(raw.client(who), args)

    def stop_script() -> None:
        # Never leave the shared server busy: kill the (read-only) script if it still runs.
        if not ctx["background"].future.done():
            with contextlib.suppress(redis.RedisError), raw.client("janitor") as janitor:
                janitor.execute_command("SCRIPT", "KILL")
            ctx["background"].thread.join(DEADLINE)

    request.addfinalizer(stop_script)


def _poll_busy(
    send: Callable[[], None], error: Callable[[], BaseException | None], text: str, seconds: float
) -> None:
    def seen() -> bool:
        send()
        return error() is not None and text in str(error())

    wait_until(seen, seconds, what=f"an error saying {text!r}")


@step(
    parsers.re(
        r'within (?P<seconds>[\d.]+) seconds client "(?P<who>[^"]+)" gets an error saying "(?P<text>[^"]+)"'
        r' for "(?P<command>[^"]+)"'
    )
)
def busy_error(raw: RawCommands, seconds: str, who: str, text: str, command: str) -> None:
    _poll_busy(lambda: raw.send(command, who), lambda: raw.error, text, float(seconds))


@then(
    parsers.re(
        r'the background script of client "(?P<who>[^"]+)" ends with an error saying "(?P<text>[^"]+)"'
    )
)
def background_error(ctx: dict[str, Any], who: str, text: str) -> None:
    with pytest.raises(redis.ResponseError) as caught:
        ctx["background"].future.result(DEADLINE)
    assert text in str(caught.value), f"expected an error saying {text!r}, got {caught.value!s}"


# ---- a separate server, for scripts that cannot be killed


@given(parsers.parse("a separate server with a busy-script threshold of {ms:d} ms"))
def separate_server(
    spawn_server: Callable[..., RedisServer], redis_target: Any, ctx: dict[str, Any], ms: int
) -> None:
    ctx["spare"] = spawn_server({_busy_setting(redis_target.version): str(ms)})
    ctx["spare_clients"] = {}


def _spare_client(ctx: dict[str, Any], who: str) -> redis.Redis:
    clients = ctx["spare_clients"]
    if who not in clients:
        clients[who] = ctx["spare"].client(single_connection_client=True, socket_timeout=DEADLINE)
    return clients[who]


@when(parsers.re(r'a client of that server starts EVAL with keys "(?P<keys>[^"]*)" in the background:'))
def spare_background(ctx: dict[str, Any], request: pytest.FixtureRequest, keys: str, docstring: str) -> None:
    ctx["background"] = Background(_spare_client(ctx, "A"), _script_command("EVAL", docstring, keys, None))

    def shutdown() -> None:
        # An unkillable script leaves only SHUTDOWN NOSAVE (allowed while a script is busy).
        if ctx["spare"].is_running():
            with contextlib.suppress(redis.RedisError), ctx["spare"].client(socket_timeout=5) as janitor:
                janitor.execute_command("SHUTDOWN", "NOSAVE")
        for client in ctx["spare_clients"].values():
            client.close()

    request.addfinalizer(shutdown)


@step(
    parsers.re(
        r"within (?P<seconds>[\d.]+) seconds another client of that server gets an error"
        r' saying "(?P<text>[^"]+)" for "(?P<command>[^"]+)"'
    )
)
def spare_busy(ctx: dict[str, Any], seconds: str, text: str, command: str) -> None:
    state: dict[str, BaseException | None] = {"error": None}

    def send() -> None:
        try:
            _spare_client(ctx, "B").execute_command(*shlex.split(command))
            state["error"] = None
        except redis.ResponseError as exc:
            state["error"] = exc

    _poll_busy(send, lambda: state["error"], text, float(seconds))


@step(parsers.re(r'another client of that server sends "(?P<command>[^"]+)"'))
def spare_send(raw: RawCommands, ctx: dict[str, Any], command: str) -> None:
    try:
        raw.last, raw.error = _spare_client(ctx, "B").execute_command(*shlex.split(command)), None
    except redis.ResponseError as exc:
        raw.last, raw.error = None, exc
    except redis.ConnectionError as exc:  # SHUTDOWN closes the connection instead of replying
        raw.last, raw.error = None, None
        ctx["connection_closed"] = exc


@then(parsers.parse("that server has stopped within {seconds:d} seconds"))
def spare_stopped(ctx: dict[str, Any], seconds: int) -> None:
    wait_until(lambda: not ctx["spare"].is_running(), seconds, what="the server process to exit")


@then("the background script ended because the connection was closed")
def background_connection_closed(ctx: dict[str, Any]) -> None:
    with pytest.raises(redis.ConnectionError):
        ctx["background"].future.result(DEADLINE)


# ------------------------------------------------------------------------------------------------ replication


@when(parsers.parse('the primary runs EVAL with keys "{keys}":'))
def primary_eval(
    replica_set: Any, ns: str, ctx: dict[str, Any], request: pytest.FixtureRequest, keys: str, docstring: str
) -> None:
    names = [f"{{{ns}}}:{k}" for k in _words(keys)]
    ctx["script"] = docstring

    def forget() -> None:
        with replica_set.primary.client() as primary:
            primary.delete(*names)

    request.addfinalizer(forget)  # the replica set is shared by the whole run
    with replica_set.primary.client() as primary:
        ctx["primary_reply"] = primary.execute_command("EVAL", docstring, len(names), *names)
        assert primary.wait(1, 10_000) == 1, "the replica did not acknowledge the write"


@then(parsers.parse('the replica holds the same value of "{name}" as the primary'))
def replica_same_value(replica_set: Any, ns: str, name: str) -> None:
    key = f"{{{ns}}}:{name}"
    with replica_set.primary.client() as primary, replica_set.replicas[0].client() as replica:
        value = primary.get(key)
        assert value is not None, f"{name} was not written on the primary"
        assert replica.get(key) == value, f"replica has {replica.get(key)!r}, primary {value!r}"


@then("the replica's script cache does not have the script")
def replica_lacks_script(replica_set: Any, ctx: dict[str, Any]) -> None:
    sha = hashlib.sha1(ctx["script"].encode()).hexdigest()
    with replica_set.primary.client() as primary, replica_set.replicas[0].client() as replica:
        assert primary.script_exists(sha) == [True], "EVAL caches the script on the primary"
        assert replica.script_exists(sha) == [False]


# ---------------------------------------------------------------------------------------------------- cluster


@when(
    parsers.re(
        r'the cluster node of "(?P<first>[^"]+)" is sent EVAL with keys "(?P<keys>[^"]*)"'
        r'(?: and arguments "(?P<args>[^"]*)")?:'
    )
)
def cluster_eval(
    cluster_client: redis.RedisCluster,
    raw: RawCommands,
    ctx: dict[str, Any],
    first: str,
    keys: str,
    args: str | None,
    docstring: str,
) -> None:
    # Straight to the node: redis-py's cluster client would refuse cross-slot keys itself.
    names = ctx.get("key_names", {})
    arguments = " ".join(names.get(word, word) for word in _words(args))
    node = cluster_client.get_node_from_key(first)
    connection = cluster_client.get_redis_connection(node)
    try:
        reply = connection.execute_command(*_script_command("EVAL", docstring, keys, arguments))
        raw.last, raw.error = reply, None
    except redis.ResponseError as exc:
        raw.last, raw.error = None, exc


@given(parsers.parse('"{name}" names a key in another slot served by the node of "{key}"'))
def key_in_another_slot(cluster_client: redis.RedisCluster, ctx: dict[str, Any], name: str, key: str) -> None:
    """Find such a key rather than hard-coding one: slot ownership depends on the cluster."""
    node, slot = cluster_client.get_node_from_key(key).name, cluster_client.keyslot(key)
    for n in range(10_000):
        candidate = f"other:{n}"
        if (
            cluster_client.keyslot(candidate) != slot
            and cluster_client.get_node_from_key(candidate).name == node
        ):
            ctx.setdefault("key_names", {})[name] = candidate
            return
    raise AssertionError(f"no key found in another slot of the node serving {key!r}")


@then(parsers.parse('"{a}" and "{b}" hash to the same slot'))
def same_slot(cluster_client: redis.RedisCluster, a: str, b: str) -> None:
    assert cluster_client.keyslot(a) == cluster_client.keyslot(b)


# -------------------------------------------------------------------------------------------------- functions


@step(parsers.re(r"the client (?:loads|has loaded) the library(?P<replace> with REPLACE)?:"))
def load_library(raw: RawCommands, docstring: str, replace: str | None) -> None:
    _execute(raw, ["FUNCTION", "LOAD", *(["REPLACE"] if replace else []), docstring])


# ----------------------------------------------------------------------------------------------- reservations

ITEM = re.compile(r'(\d+) x "([^"]+)"')


def _items(text: str) -> dict[str, int]:
    return {sku: int(qty) for qty, sku in ITEM.findall(text)}


def _service(ctx: dict[str, Any], make: Callable[[], Reservations]) -> Reservations:
    if "service" not in ctx:
        ctx["service"] = make()
    return ctx["service"]


@pytest.fixture
def stock_service(r: redis.Redis, ns: str, ctx: dict[str, Any]) -> Reservations:
    """The scenario's reservation service: the standalone target, scripts, audit on (unless a step chose)."""
    return _service(ctx, lambda: Reservations(r, namespace=ns, audit_cap=1000))


@given("the stock service runs as a Function library")
def service_as_function(r: redis.Redis, ns: str, ctx: dict[str, Any]) -> None:
    ctx["service"] = Reservations(r, namespace=ns, engine="function")


@given(parsers.re(r"the stock service runs on the cluster(?P<function> as a Function library)?"))
def service_on_cluster(
    cluster_client: redis.RedisCluster, ns: str, ctx: dict[str, Any], function: str | None
) -> None:
    # FUNCTION LOAD goes to every primary; FCALL, like EVALSHA, goes to the node of its keys' slot.
    engine = "function" if function else "script"
    ctx["service"] = Reservations(cluster_client, namespace=ns, engine=engine)


@given(
    parsers.re(r"the stock service runs (?:as (?P<engine>scripts|a Function library) )?on a separate server")
)
def service_on_spare(
    spawn_server: Callable[..., RedisServer], ns: str, ctx: dict[str, Any], engine: str | None
) -> None:
    ctx["spare"] = spawn_server()
    ctx["spare_client"] = ctx["spare"].client()
    kind = "function" if engine == "a Function library" else "script"
    ctx["service"] = Reservations(ctx["spare_client"], namespace=ns, engine=kind)


@given(parsers.parse('SKU "{sku}" has {units:d} units in stock'))
def sku_in_stock(stock_service: Reservations, sku: str, units: int) -> None:
    stock_service.set_stock(sku, units)


def _attempt(ctx: dict[str, Any], call: Callable[[], Any]) -> None:
    try:
        ctx["result"], ctx["error"] = call(), None
    except Exception as exc:  # the Then steps say which error was expected
        ctx["result"], ctx["error"] = None, exc


@step(
    parsers.re(r'order "(?P<order>[^"]+)" (?P<verb>reserves|has reserved) (?P<items>.+?) for (?P<ttl>\d+) ms')
)
def reserve(
    stock_service: Reservations, ctx: dict[str, Any], order: str, verb: str, items: str, ttl: str
) -> None:
    _attempt(ctx, lambda: stock_service.reserve(order, _items(items), int(ttl)))
    if verb == "has reserved":  # a precondition: it must have worked
        _raise_unexpected(ctx)
    if ctx["error"] is None:
        ctx.setdefault("deadlines", {})[order] = ctx["result"].deadline_ms


@when(parsers.re(r"an order is reserved with order id (?P<order>.+) and items (?P<items>.+)"))
def reserve_literal(stock_service: Reservations, ctx: dict[str, Any], order: str, items: str) -> None:
    ctx["before"] = _partition_dump(stock_service)
    _attempt(ctx, lambda: stock_service.reserve(ast.literal_eval(order), ast.literal_eval(items), 60_000))


@when(parsers.parse("an order with an id of {length:d} characters reserves {items}"))
def reserve_long_id(stock_service: Reservations, ctx: dict[str, Any], length: int, items: str) -> None:
    ctx["before"] = _partition_dump(stock_service)
    _attempt(ctx, lambda: stock_service.reserve("o" * length, _items(items), 60_000))


def _partition_dump(service: Reservations) -> dict[str, Any]:
    client = service.client
    return {key: client.dump(key) for key in service.keys.all}


@step(parsers.re(r'order "(?P<order>[^"]+)" (?P<verb>is|has been) (?P<action>confirmed|cancelled|read)'))
def close_order(stock_service: Reservations, ctx: dict[str, Any], order: str, verb: str, action: str) -> None:
    call = {"confirmed": stock_service.confirm, "cancelled": stock_service.cancel, "read": stock_service.hold}
    _attempt(ctx, lambda: call[action](order))
    if verb == "has been":
        _raise_unexpected(ctx)


@step(parsers.parse('order "{order}" is extended by {ttl:d} ms'))
def extend_order(stock_service: Reservations, ctx: dict[str, Any], order: str, ttl: int) -> None:
    _attempt(ctx, lambda: stock_service.extend(order, ttl))


@step(parsers.parse('the deadline of order "{order}" has passed'))
def deadline_passed(stock_service: Reservations, ctx: dict[str, Any], order: str) -> None:
    deadline = ctx["deadlines"][order]
    client = stock_service.client

    def server_ms() -> int:
        if isinstance(client, redis.RedisCluster):  # the clock of the node that runs the scripts
            seconds, micros = client.time(target_nodes=client.get_node_from_key(stock_service.keys.stock))
        else:
            seconds, micros = client.time()
        return seconds * 1000 + micros // 1000

    wait_until(lambda: server_ms() > deadline, DEADLINE, what=f"server time past the deadline of {order}")


@step(parsers.re(r"the sweeper (?:runs|has run)"))
def sweeper_runs(stock_service: Reservations, ctx: dict[str, Any]) -> None:
    _attempt(ctx, stock_service.sweep)


@step(parsers.parse('SKU "{sku}" is restocked with {units:d} units under restock id "{restock_id}"'))
def restock(stock_service: Reservations, ctx: dict[str, Any], sku: str, units: int, restock_id: str) -> None:
    _attempt(ctx, lambda: stock_service.restock(sku, units, restock_id))


@when("the script cache is flushed")
def flush_scripts(stock_service: Reservations) -> None:
    stock_service.client.script_flush()


@when("that server restarts after saving its data")
def restart_spare(ctx: dict[str, Any]) -> None:
    ctx["spare_client"].save()
    ctx["spare"].restart()


def _raise_unexpected(ctx: dict[str, Any]) -> None:
    if ctx["error"] is not None:
        raise AssertionError(f"the stock service raised {ctx['error']!r}") from ctx["error"]


@then(parsers.parse('the stock service answers "{outcome}"'))
def service_answers(ctx: dict[str, Any], outcome: str) -> None:
    _raise_unexpected(ctx)
    result = ctx["result"]
    got = getattr(result, "outcome", None) or getattr(result, "state", None) or result
    assert str(got) == outcome, f"expected {outcome!r}, the stock service answered {got!r}"


@then(parsers.parse('the stock service refuses with {error} saying "{text}"'))
def service_refuses(ctx: dict[str, Any], error: str, text: str) -> None:
    assert ctx["error"] is not None, f"expected {error}, the stock service answered {ctx['result']!r}"
    assert type(ctx["error"]).__name__ == error, f"expected {error}, got {ctx['error']!r}"
    assert text in str(ctx["error"]), f"expected {text!r} in {ctx['error']!s}"


@then(parsers.re(r"the refusal lists (?P<lines>.+)"))
def refusal_lists(ctx: dict[str, Any], lines: str) -> None:
    error = ctx["error"]
    assert isinstance(error, OutOfStock), f"expected OutOfStock, got {error!r}"
    found = re.findall(r'"([^"]+)" wanted (\d+) with (\d+) available', lines)
    want = {sku: Shortage(int(wanted), int(available)) for sku, wanted, available in found}
    assert error.shortages == want, f"expected {want}, got {error.shortages}"


@then("nothing was written to the partition")
def nothing_written(stock_service: Reservations, ctx: dict[str, Any]) -> None:
    assert _partition_dump(stock_service) == ctx["before"]


@then(parsers.parse('SKU "{sku}" has {available:d} available, {reserved:d} reserved and {sold:d} sold'))
def sku_levels(stock_service: Reservations, sku: str, available: int, reserved: int, sold: int) -> None:
    level = stock_service.stock(sku)
    got = (level.available, level.reserved, level.sold)
    assert got == (available, reserved, sold), f"{sku}: expected {(available, reserved, sold)}, got {got}"
    assert level.available + level.reserved + level.sold == level.total


@then(parsers.re(r"the sweeper expired (?P<count>\d+) holds?"))
def sweeper_expired(ctx: dict[str, Any], count: str) -> None:
    _raise_unexpected(ctx)
    assert ctx["result"].expired == int(count), f"expected {count} expired, got {ctx['result']}"


@then(parsers.re(r"the stock service reloaded its scripts (?P<count>\d+) times?"))
def reloads(ctx: dict[str, Any], count: str) -> None:
    assert ctx["service"].script_reloads == int(count)


@then(parsers.parse("the restock {verdict}"))
def restock_verdict(ctx: dict[str, Any], verdict: str) -> None:
    _raise_unexpected(ctx)
    assert ctx["result"] is (verdict == "was applied"), f"restock returned {ctx['result']!r}"


@then(parsers.parse('the audit log lists "{events}"'))
def audit_lists(stock_service: Reservations, events: str) -> None:
    got = [entry["event"] for entry in stock_service.audit_log()]
    assert got == [e.strip() for e in events.split(",")], f"audit log: {got}"


@then("every key of the partition hashes to one slot")
def partition_one_slot(stock_service: Reservations) -> None:
    client = stock_service.client
    assert isinstance(client, redis.RedisCluster)
    slots = {client.keyslot(key) for key in stock_service.keys.all}
    assert len(slots) == 1, f"the partition's keys are in slots {slots}"


@then(parsers.parse('FUNCTION LIST names the library "{library}" with the function "{name}"'))
def function_listed(stock_service: Reservations, library: str, name: str) -> None:
    libraries = normalize(stock_service.client.function_list(library))
    assert libraries, f"library {library} is not loaded"
    # One shape for RESP2 and RESP3: a flat list holding the library name and its functions' names.
    flat = repr(libraries)
    assert f"'{library}'" in flat and f"'{function_name(name)}'" in flat, flat


# ---- optimistic (WATCH) path


@when(
    parsers.parse('order "{order}" reserves {items} with WATCH while another client changes the stock once')
)
def reserve_watch(
    r: redis.Redis, ns: str, ctx: dict[str, Any], client_factory: Callable[..., Any], order: str, items: str
) -> None:
    other = client_factory()
    keys = Reservations(r, namespace=ns).keys

    def interfere(attempt: int) -> None:
        if attempt == 0:  # another SKU's counter: same hash, so the watched key changed
            other.hset(keys.stock, "unrelated:note", "changed")

    optimistic = OptimisticReservations(r, namespace=ns, on_watched=interfere)
    ctx["optimistic"] = optimistic
    _attempt(ctx, lambda: optimistic.reserve(order, _items(items), 60_000))


@then(parsers.parse("the WATCH reserve took {attempts:d} attempts of which {aborts:d} aborted"))
def watch_counts(ctx: dict[str, Any], attempts: int, aborts: int) -> None:
    _raise_unexpected(ctx)
    optimistic = ctx["optimistic"]
    assert (optimistic.attempts, optimistic.aborts) == (attempts, aborts)


@when(
    parsers.re(
        r'(?P<clients>\d+) clients each reserve 1 x "(?P<sku>[^"]+)" for (?P<orders>\d+) orders'
        r" (?P<path>with the script|with WATCH)"
    )
)
def contention(
    ns: str,
    ctx: dict[str, Any],
    client_factory: Callable[..., Any],
    clients: str,
    sku: str,
    orders: str,
    path: str,
) -> None:
    with_watch = path == "with WATCH"
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
    ctx["contention"] = {"outcomes": outcomes, "services": services}


@then(parsers.parse("{held:d} orders were held and {refused:d} refused"))
def contention_counts(ctx: dict[str, Any], held: int, refused: int) -> None:
    outcomes = ctx["contention"]["outcomes"]
    others = sorted({o for o in outcomes if o not in ("held", "refused")})
    assert not others, f"unexpected outcomes: {others}"
    assert (outcomes.count("held"), outcomes.count("refused")) == (held, refused)


@then("the script path loaded each script once and never retried")
def script_never_retried(ctx: dict[str, Any]) -> None:
    assert sum(s.script_reloads for s in ctx["contention"]["services"]) == 0


@then("the WATCH path aborted and retried at least once")
def watch_aborted(ctx: dict[str, Any]) -> None:
    services = ctx["contention"]["services"]
    attempts, aborts = sum(s.attempts for s in services), sum(s.aborts for s in services)
    assert aborts >= 1, f"no WATCH attempt aborted in {attempts} attempts"
    assert attempts == aborts + len(ctx["contention"]["outcomes"])
