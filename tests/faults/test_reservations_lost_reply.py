"""Exactly once under retries, for the reservations: every row of the table in docs/lua/reservations.md.

Each state change runs over a retrying client (redis-py's ``Retry``), with both engines: once with the
reply to its script (``EVALSHA``) or function (``FCALL``) lost after the server ran it (the
``lossy_proxy`` fixture drops the reply and closes the connection, so the client sends it again), and
many times under a ``CLIENT KILL`` storm.  A retry must return the first run's reply (``HELD``, not
``ALREADY_HELD``; ``True`` for the restock that added) and change nothing; the counters must equal what
the acknowledged calls of a fault-free run leave.  Figures are printed (``pytest -s``).
"""

from __future__ import annotations

from typing import Any

import pytest
import redis

from redisbehaviors.reservations import OptimisticReservations, Outcome, Reservations, StockLevel
from redisbehaviors.reservations.engine import ScriptEngine, function_name
from redisbehaviors.testing import wait_until
from redisbehaviors.testing.faults import ReplyDroppingProxy

ENGINES = ["script", "function"]
STORM_ORDERS = 500


def needle(service: Reservations, name: str) -> bytes:
    """The bytes that identify one script's call on the wire: its SHA-1, or its function's name."""
    engine = service.engine
    if isinstance(engine, ScriptEngine):
        return engine.shas[name].encode()
    return function_name(name).encode()


@pytest.fixture(params=ENGINES)
def lossy(request: pytest.FixtureRequest, lossy_proxy: ReplyDroppingProxy, lossy_client: redis.Redis, ns: str) -> Any:
    service = Reservations(lossy_client, namespace=ns, engine=request.param, audit_cap=1000)
    service.set_stock("A", 10)
    return service, lossy_proxy


def server_ms(r: redis.Redis) -> int:
    seconds, micros = r.time()
    return seconds * 1000 + micros // 1000


def audit_events(service: Reservations) -> list[str]:
    return [fields["event"] for _, fields in service.client.xrange(service.keys.audit)]  # all of it


# ------------------------------------------------------------------------------------------ reply lost


def test_a_lost_set_stock_reply_sets_once_and_keeps_what_happened_since(lossy: Any) -> None:
    service, proxy = lossy
    proxy.lose_reply_to(needle(service, "set_stock"))
    level = service.set_stock("B", 7)
    assert proxy.lost == 1
    assert level == StockLevel(7, 0, 0, 7) == service.stock("B")
    assert audit_events(service).count("stock-set") == 2  # A and B, once each


def test_a_lost_restock_reply_adds_once_and_reports_added(lossy: Any) -> None:
    service, proxy = lossy
    proxy.lose_reply_to(needle(service, "restock"))
    added = service.restock("A", 5, "delivery-1")
    print(f"restock, reply lost: {proxy.lost} lost, returned {added}, {service.stock('A')}")
    assert proxy.lost == 1
    assert added is True and service.stock("A") == StockLevel(15, 0, 0, 15)
    assert service.restock("A", 5, "delivery-1") is False  # another call with the same id


def test_a_lost_reserve_reply_holds_once_and_reports_held(lossy: Any) -> None:
    service, proxy = lossy
    proxy.lose_reply_to(needle(service, "reserve"))
    held = service.reserve("o1", {"A": 3}, 60_000)
    print(f"reserve, reply lost: {proxy.lost} lost, outcome {held.outcome}, {service.stock('A')}")
    assert proxy.lost == 1
    assert held.outcome is Outcome.HELD
    assert service.stock("A") == StockLevel(7, 3, 0, 10)
    assert service.reserve("o1", {"A": 3}, 60_000).outcome is Outcome.ALREADY_HELD  # another call is one
    assert audit_events(service).count("held") == 1


@pytest.mark.parametrize(
    ("action", "outcome", "level"),
    [
        ("confirm", Outcome.CONFIRMED, StockLevel(7, 0, 3, 10)),
        ("cancel", Outcome.CANCELLED, StockLevel(10, 0, 0, 10)),
    ],
)
def test_a_lost_confirm_or_cancel_reply_settles_once_and_reports_it(
    lossy: Any, action: str, outcome: Outcome, level: StockLevel
) -> None:
    service, proxy = lossy
    service.reserve("o1", {"A": 3}, 60_000)
    proxy.lose_reply_to(needle(service, action))
    settled = getattr(service, action)("o1")
    assert proxy.lost == 1
    assert settled is outcome and service.stock("A") == level
    assert getattr(service, action)("o1").value == f"already_{outcome.value}"
    assert audit_events(service).count(outcome.value) == 1


def test_a_lost_extend_reply_extends_once(lossy: Any) -> None:
    service, proxy = lossy
    first = service.reserve("o1", {"A": 1}, 5_000)
    proxy.lose_reply_to(needle(service, "extend"))
    assert service.extend("o1", 60_000) is Outcome.EXTENDED
    hold = service.hold("o1")
    assert proxy.lost == 1
    assert hold.deadline_ms >= first.deadline_ms + 50_000
    assert audit_events(service).count("extended") == 1


@pytest.mark.parametrize("name", ["sweep", "hold"])
def test_a_lost_sweep_or_hold_reply_expires_each_due_hold_once(lossy: Any, name: str, r: redis.Redis) -> None:
    """Idempotent by nature: the retry finds the due holds already expired; the stock came back once."""
    service, proxy = lossy
    held = service.reserve("o1", {"A": 4}, 1)
    wait_until(lambda: server_ms(r) > held.deadline_ms, timeout=5, what="the hold's deadline")
    proxy.lose_reply_to(needle(service, name))
    if name == "sweep":
        service.sweep()
    else:
        assert service.hold("o1").state.value == "expired"
    assert proxy.lost == 1
    assert service.stock("A") == StockLevel(10, 0, 0, 10)
    assert audit_events(service).count("expired") == 1


def test_a_lost_exec_reply_of_the_optimistic_reserve_holds_once(
    lossy_proxy: ReplyDroppingProxy, lossy_client: redis.Redis, r: redis.Redis, ns: str
) -> None:
    Reservations(r, namespace=ns).set_stock("A", 10)
    optimistic = OptimisticReservations(lossy_client, namespace=ns)
    lossy_proxy.lose_reply_to(b"EXEC")
    held = optimistic.reserve("o1", {"A": 3}, 60_000)
    level = Reservations(r, namespace=ns).stock("A")
    print(
        f"optimistic reserve, EXEC reply lost: {lossy_proxy.lost} lost, {held.outcome}, {level}, "
        f"{optimistic.attempts} attempts"
    )
    assert lossy_proxy.lost == 1
    assert held.outcome is Outcome.HELD and level == StockLevel(7, 3, 0, 10)


# ------------------------------------------------------------------------------------------ kill storm


@pytest.mark.standalone_only
@pytest.mark.parametrize("engine", ENGINES)
def test_checkouts_under_a_kill_storm_end_as_a_fault_free_run(
    kill_storm: Any, storm_client: redis.Redis, engine: str, ns: str
) -> None:
    """Each order: reserve, extend, then confirm (even orders) or cancel (odd ones); a restock every tenth
    order and a stock-take of another SKU.  Every reply is the fault-free one; the counters add up."""
    service = Reservations(storm_client, namespace=ns, engine=engine, audit_cap=100_000)  # type: ignore[arg-type]
    service.set_stock("A", 10 * STORM_ORDERS)
    wrong: list[str] = []
    restocked = 0

    def call(method: Any, *args: Any, op: str) -> Any:
        """One call; a ConnectionError here escaped the client's Retry.  None does: a connection the
        storm kills right after the pool reconnects it is taken again (redisbehaviors.evalsha)."""
        return method(*args, operation_id=op)

    with kill_storm(interval=0.01) as storm:
        for n in range(STORM_ORDERS):
            order = f"o{n}"
            if call(service.reserve, order, {"A": 2}, 60_000, op=f"r{n}").outcome is not Outcome.HELD:
                wrong.append(f"reserve {order}")
            if call(service.extend, order, 120_000, op=f"e{n}") is not Outcome.EXTENDED:
                wrong.append(f"extend {order}")
            expected = Outcome.CONFIRMED if n % 2 == 0 else Outcome.CANCELLED
            if call(service.confirm if n % 2 == 0 else service.cancel, order, op=f"s{n}") is not expected:
                wrong.append(f"settle {order}")
            if n % 10 == 0:
                restocked += 3
                if call(service.restock, "A", 3, f"delivery-{n}", op=f"d{n}") is not True:
                    wrong.append(f"restock {n}")
                if call(service.set_stock, "B", n, op=f"t{n}") != StockLevel(n, 0, 0, n):
                    wrong.append("set_stock")
    level, events = service.stock("A"), audit_events(service)
    sold = 2 * ((STORM_ORDERS + 1) // 2)
    total = 10 * STORM_ORDERS + restocked
    print(
        f"checkouts ({engine}) under a kill storm: {STORM_ORDERS} orders, {storm.kills} kills, {len(wrong)} wrong "
        f"replies; A {level}; audit held={events.count('held')} "
        f"confirmed={events.count('confirmed')} cancelled={events.count('cancelled')} "
        f"extended={events.count('extended')}"
    )
    assert storm.kills > 0
    assert wrong == []
    assert level == StockLevel(total - sold, 0, sold, total)
    assert events.count("held") == events.count("extended") == STORM_ORDERS
    assert events.count("confirmed") + events.count("cancelled") == STORM_ORDERS
    assert events.count("restocked") == STORM_ORDERS // 10
    assert service.stock("B").available == 10 * ((STORM_ORDERS - 1) // 10)


@pytest.mark.standalone_only
def test_optimistic_reserves_under_a_kill_storm_hold_each_order_once(
    kill_storm: Any, storm_client: redis.Redis, ns: str
) -> None:
    Reservations(storm_client, namespace=ns).set_stock("A", 10 * STORM_ORDERS)
    optimistic = OptimisticReservations(storm_client, namespace=ns)
    wrong = 0
    with kill_storm(interval=0.01) as storm:
        for n in range(STORM_ORDERS):
            for _ in range(5):  # a ConnectionError that escapes redis-py's retry: retried with the same id
                try:
                    held = optimistic.reserve(f"o{n}", {"A": 1}, 60_000, operation_id=f"r{n}")
                    break
                except redis.ConnectionError:
                    continue
            wrong += held.outcome is not Outcome.HELD
    level = Reservations(storm_client, namespace=ns).stock("A")
    print(
        f"optimistic reserve under a kill storm: {STORM_ORDERS} orders, {storm.kills} kills, {wrong} wrong replies, "
        f"{optimistic.attempts} attempts ({optimistic.aborts} aborted); A {level}"
    )
    assert storm.kills > 0 and wrong == 0
    assert level == StockLevel(9 * STORM_ORDERS, STORM_ORDERS, 0, 10 * STORM_ORDERS)
