"""Every catalog operation under lost replies: the end state and the answers equal a fault-free run's.

redis-py retries a command on ``ConnectionError``.  When the server ran it and only the reply was lost,
an operation that is not idempotent applies twice: before operation ids, ``adjust_stock`` added 3 twice
and ``record_view`` counted two views for one call (issue 12).  Two faults, for every row of the table in
``docs/fundamentals/catalog.md`` ("Exactly once under retries"):

1. one reply lost after the server ran the command (``lossy_proxy``), the client retrying;
2. a ``CLIENT KILL`` storm every 5 ms while ``CALLS`` calls run (more, up to ``MAX_FACTOR`` times as many, until
   at least ``MIN_RETRIED`` command was cut off in flight: a kill between two calls only makes redis-py
   reconnect), each retried by redis-py and, when its retries run out, by the caller with the same
   operation id (the documented way to resolve it).

Each is compared with the same calls in a twin namespace without faults: the answers, and a ``DUMP`` of
every catalog key (operation records aside, whose names are random).  Figures are printed (``pytest -s``).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import pytest
import redis

from redisbehaviors.catalog import Catalog, LikeResult
from redisbehaviors.testing.faults import ReplyDroppingProxy
from tests.faults.support import MAX_FACTOR, MIN_RETRIED, CountingRetry, Operation, retrying, run_calls

CALLS = 1000


def _base(catalog: Catalog) -> None:
    """Two products, a like and views: every script has run once (loaded), so a lost reply is the only fault."""
    catalog.put_product("p", {"name": "Lamp", "price": 10, "stock": 5})
    catalog.put_product("q", {"name": "Desk", "price": 20.5})
    catalog.like("ana", "p")
    catalog.record_view("p", "ana")
    catalog.record_view("q", "ana")
    catalog.adjust_stock("q", 1)


def _likers(catalog: Catalog, calls: int) -> None:
    for index in range(calls):
        catalog.like(f"u{index}", "p")


OPERATIONS: list[Operation[Catalog]] = [
    # made idempotent: the script records the answer under the operation id
    Operation("put_product", lambda c, i, op: c.put_product(f"n{i}", {"name": f"N{i}", "price": i}, operation_id=op)),
    Operation("record_view", lambda c, i, op: c.record_view("p", "ana" if i % 2 else None, operation_id=op)),
    Operation("adjust_stock", lambda c, i, op: c.adjust_stock("p", 3 if i % 3 else -2, operation_id=op)),
    Operation("like", lambda c, i, op: c.like(f"u{i}", "p", operation_id=op)),
    Operation("unlike", lambda c, i, op: c.unlike(f"u{i}", "p", operation_id=op), setup=_likers),
    # idempotent by nature: the same fields written again, or a read
    Operation("update_product", lambda c, i, op: c.update_product("p", {"name": f"v{i}"}, operation_id=op)),
    Operation("product", lambda c, i, op: c.product("p")),
    Operation("product_fields", lambda c, i, op: c.product_fields("p", ["name", "stock", "none"])),
    Operation("likers", lambda c, i, op: c.likers("p")),
    Operation("favorites", lambda c, i, op: c.favorites("ana")),
    Operation("favorite_count", lambda c, i, op: c.favorite_count("ana")),
    Operation("are_favorites", lambda c, i, op: c.are_favorites("ana", ["p", "q", "x"])),
    Operation("recently_viewed", lambda c, i, op: c.recently_viewed("ana")),
    Operation("trending", lambda c, i, op: c.trending(5)),
    Operation("in_price_range", lambda c, i, op: c.in_price_range(0, 100)),
    Operation("cards", lambda c, i, op: c.cards(["p", "q", "x"], user_id="ana")),
]


def snapshot(client: redis.Redis, ns: str) -> dict[str, bytes]:
    """Every catalog key (its name without the namespace) and its ``DUMP``, operation records aside."""
    with redis.Redis(connection_pool=client.connection_pool) as plain:
        names = sorted(name for name in plain.scan_iter(match=f"{ns}:*", count=1000) if ":op:" not in name)
        return {name.removeprefix(ns): plain.dump(name) for name in names}


def operation_records(client: redis.Redis, ns: str) -> int:
    return sum(1 for _ in client.scan_iter(match=f"{ns}:*:op:*", count=1000))


def _fault_free(
    r: redis.Redis, ns: str, operation: Operation[Catalog], calls: int, setup: int = 1
) -> tuple[list[Any], dict[str, bytes]]:
    twin = f"{ns}-twin"
    catalog = Catalog(r, namespace=twin)
    _base(catalog)
    operation.setup(catalog, setup)
    answers, _ = run_calls(partial(operation.call, catalog), calls)
    return answers, snapshot(r, twin)


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda o: o.name)
def test_a_lost_reply_changes_nothing_but_what_one_call_does(
    operation: Operation[Catalog], lossy_proxy: ReplyDroppingProxy, redis_target: Any, r: redis.Redis, ns: str
) -> None:
    expected_answers, expected_state = _fault_free(r, ns, operation, 1)
    _base(Catalog(r, namespace=ns))
    operation.setup(Catalog(r, namespace=ns), 1)
    retry = CountingRetry(3)
    lossy = retrying(lossy_proxy.url, redis_target, retry=retry)
    catalog = Catalog(lossy, namespace=ns)
    lossy_proxy.lose_reply_to(ns.encode())  # the next command naming one of the catalog's keys
    answers, _ = run_calls(partial(operation.call, catalog), 1)
    state = snapshot(r, ns)
    print(
        f"\ncatalog.{operation.name}, lost reply: {lossy_proxy.lost} lost, {retry.failures} retried; "
        f"answer {answers[0]!r}; {len(state)} keys equal to the fault-free run: {state == expected_state}"
    )
    assert lossy_proxy.lost == 1
    assert retry.failures == 1
    assert answers == expected_answers
    assert state == expected_state
    lossy.close()


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda o: o.name)
def test_a_kill_storm_changes_nothing_but_what_the_calls_do(
    operation: Operation[Catalog], kill_storm: Callable[..., Any], redis_target: Any, r: redis.Redis, ns: str
) -> None:
    _base(Catalog(r, namespace=ns))
    operation.setup(Catalog(r, namespace=ns), MAX_FACTOR * CALLS)
    retry = CountingRetry(10)
    client = redis_target.client(retry=retry)
    catalog = Catalog(client, namespace=ns)
    with kill_storm(interval=0.005) as storm:
        answers, resent = run_calls(partial(operation.call, catalog), CALLS, more=lambda: retry.failures < MIN_RETRIED)
    state = snapshot(r, ns)
    calls = len(answers)
    expected_answers, expected_state = _fault_free(r, ns, operation, calls, setup=MAX_FACTOR * CALLS)
    wrong = sum(1 for got, want in zip(answers, expected_answers, strict=True) if got != want)
    print(
        f"\ncatalog.{operation.name}, kill storm: {calls} calls, {storm.kills} kills, {retry.failures} retried by "
        f"redis-py, {resent} resent with their operation id; {wrong} answers differ from the fault-free run; "
        f"end state equal: {state == expected_state}; {_summary(r, ns)}"
    )
    assert storm.kills > 0
    assert retry.failures >= MIN_RETRIED
    assert answers == expected_answers
    assert state == expected_state
    client.close()


def _summary(r: redis.Redis, ns: str) -> str:
    product = r.hgetall(Catalog(r, namespace=ns).keys.product("p"))
    return f"p = {product}, {operation_records(r, ns)} operation records"


def test_a_like_whose_reply_was_lost_still_answers_changed(
    lossy_proxy: ReplyDroppingProxy, lossy_client: redis.Redis, r: redis.Redis, ns: str
) -> None:
    """Without the record, the retry would find the like already there and answer ``changed=False``."""
    _base(Catalog(r, namespace=ns))
    lossy_proxy.lose_reply_to(b"bob")
    assert Catalog(lossy_client, namespace=ns).like("bob", "p") == LikeResult(True, 2)
    assert lossy_proxy.lost == 1


def test_a_caller_resending_with_its_operation_id_applies_the_stock_change_once(r: redis.Redis, ns: str) -> None:
    catalog = Catalog(r, namespace=ns)
    _base(catalog)
    assert catalog.adjust_stock("p", 7, operation_id="order-42") == 12
    assert catalog.adjust_stock("p", 7, operation_id="order-42") == 12
    assert catalog.adjust_stock("p", 7, operation_id="order-43") == 19
    assert 0 < r.pttl(catalog.keys.operation("order-42")) <= catalog.operation_ttl_ms
