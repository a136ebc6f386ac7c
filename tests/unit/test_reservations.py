"""Unit tests of the reservation service: what the feature files do not state.

Validation and key schema run without Redis; the rest runs against the suite's real server
(or a spawned one when a test flushes functions).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
from collections.abc import Callable
from typing import Any

import pytest
import redis
from redis.crc import key_slot

from redisbehaviors.errors import InvalidInput
from redisbehaviors.reservations import (
    LIBRARY_NAME,
    HoldState,
    LibraryNotLoaded,
    OptimisticReservations,
    OrderConflict,
    Outcome,
    OutOfStock,
    ReservationKeys,
    Reservations,
    StockLevel,
    TooMuchContention,
    UnknownOrder,
    UnknownSku,
    deploy_library,
)
from redisbehaviors.reservations.engine import SCRIPT_NAMES, function_name, library_source, script_source
from redisbehaviors.reservations.model import MAX_LINES, Hold, validate_items
from redisbehaviors.testing import RedisServer, wait_until

# ------------------------------------------------------------------------------------------------ no Redis


def test_items_are_sorted_by_sku_so_the_same_order_compares_equal() -> None:
    assert validate_items({"B": 1, "A": 2}) == [("A", 2), ("B", 1)]
    assert validate_items([("B", 1), ("A", 2)]) == validate_items({"A": 2, "B": 1})


@pytest.mark.parametrize(
    ("items", "message"),
    [
        ("A", "items must be a mapping"),
        ({"A": True}, "must be an integer, got bool"),
        ({"A": 1_000_001}, "at most 1000000"),
        ([("A", 1, 2)], "must be a (SKU, quantity) pair"),
        ({f"S{i}": 1 for i in range(MAX_LINES + 1)}, f"at most {MAX_LINES} lines"),
        ({"a b": 1}, "no braces, colons or whitespace"),
        ({"A:available": 1}, "no braces, colons or whitespace"),
    ],
)
def test_bad_items_are_refused_with_a_message_naming_the_problem(items: Any, message: str) -> None:
    with pytest.raises(InvalidInput, match=re.escape(message)):
        validate_items(items)


def test_every_key_of_a_partition_shares_the_partition_hash_tag() -> None:
    keys = ReservationKeys("shop", "eu-1")
    assert keys.all == [f"shop:{{eu-1}}:{name}" for name in ("stock", "holds", "expiry", "done", "audit", "restocks")]
    assert {key_slot(k.encode()) for k in keys.all} == {key_slot(b"eu-1")}


@pytest.mark.parametrize("partition", ["{x}", "a:b", "", "x" * 65])
def test_a_partition_that_would_change_the_schema_is_refused(partition: str) -> None:
    with pytest.raises(InvalidInput):
        ReservationKeys("shop", partition)


def test_the_function_library_is_versioned_and_registers_every_script() -> None:
    code = library_source()
    assert code.startswith(f"#!lua name={LIBRARY_NAME}\n")
    for name in SCRIPT_NAMES:
        assert f"redis.register_function('{function_name(name)}', fn_{name})" in code
        assert script_source(name).startswith("#!lua\n-- Shared helpers")


def test_a_hold_reads_back_from_its_json_record() -> None:
    raw = json.dumps({"state": "confirmed", "deadline": "1700", "closed": "1650", "lines": [["A", 2]]})
    assert Hold.from_json("o1", raw) == Hold("o1", HoldState.CONFIRMED, 1700, {"A": 2}, 1650)


# ------------------------------------------------------------------------------------------------ real Redis


@pytest.fixture
def service(r: redis.Redis, ns: str) -> Reservations:
    reservations = Reservations(r, namespace=ns, audit_cap=100)
    reservations.set_stock("A", 5)
    return reservations


def _server_ms(client: redis.Redis) -> int:
    seconds, micros = client.time()
    return seconds * 1000 + micros // 1000


def _wait_past(client: redis.Redis, deadline: int) -> None:
    wait_until(lambda: _server_ms(client) > deadline, 10, what="server time past the deadline")


def test_the_constructor_loads_every_script_under_its_sha1(r: redis.Redis, service: Reservations) -> None:
    shas = [hashlib.sha1(script_source(n).encode()).hexdigest() for n in SCRIPT_NAMES]
    assert r.script_exists(*shas) == [True] * len(SCRIPT_NAMES)


def test_an_unknown_engine_is_refused(r: redis.Redis, ns: str) -> None:
    with pytest.raises(ValueError, match="engine must be"):
        Reservations(r, namespace=ns, engine="lua")  # type: ignore[arg-type]


def test_restocking_a_new_sku_defines_it(service: Reservations) -> None:
    assert service.restock("NEW", 4, "first-delivery") is True
    assert service.stock("NEW").total == 4


def test_reading_an_unknown_sku_raises(service: Reservations) -> None:
    with pytest.raises(UnknownSku, match="NOPE"):
        service.stock("NOPE")


def test_a_stock_take_below_the_reserved_amount_keeps_the_books_balanced(service: Reservations) -> None:
    service.reserve("o1", {"A": 3}, 60_000)
    level = service.set_stock("A", 0)
    assert (level.available, level.reserved, level.total) == (0, 3, 3)


def test_reading_extending_or_cancelling_an_unknown_order_raises(service: Reservations) -> None:
    for call in (service.hold, service.cancel, lambda o: service.extend(o, 1000)):
        with pytest.raises(UnknownOrder):
            call("ghost")


def test_an_expired_order_id_cannot_be_reserved_again(r: redis.Redis, service: Reservations) -> None:
    deadline = service.reserve("o1", {"A": 1}, 20).deadline_ms
    _wait_past(r, deadline)
    with pytest.raises(OrderConflict) as caught:
        service.reserve("o1", {"A": 1}, 60_000)
    assert caught.value.state == "expired"
    assert service.stock("A").available == 5


def test_the_sweeper_forgets_orders_closed_longer_ago_than_the_retention(r: redis.Redis, ns: str) -> None:
    service = Reservations(r, namespace=ns, retention_ms=1)
    service.set_stock("A", 5)
    service.reserve("o1", {"A": 1}, 60_000)
    assert service.confirm("o1") is Outcome.CONFIRMED
    closed = service.hold("o1").closed_ms
    assert closed is not None
    _wait_past(r, closed + 1)
    assert service.sweep().forgotten == 1
    with pytest.raises(UnknownOrder):
        service.hold("o1")
    assert service.reserve("o1", {"A": 1}, 60_000).outcome is Outcome.HELD  # the id is free again


def test_the_sweeper_drops_a_stale_index_entry_without_returning_stock(r: redis.Redis, service: Reservations) -> None:
    service.reserve("o1", {"A": 2}, 60_000)
    service.confirm("o1")
    r.zadd(service.keys.expiry, {"o1": 0})  # as if an old index entry had survived
    assert service.sweep().expired == 0
    assert r.zscore(service.keys.expiry, "o1") is None
    assert service.stock("A").sold == 2 and service.stock("A").available == 3


def test_the_audit_stream_is_empty_when_auditing_is_off(r: redis.Redis, ns: str) -> None:
    service = Reservations(r, namespace=ns)
    service.set_stock("A", 1)
    service.reserve("o1", {"A": 1}, 60_000)
    assert service.audit_log() == []
    assert r.exists(service.keys.audit) == 0


def test_the_audit_stream_records_expiry_by_the_sweeper(r: redis.Redis, service: Reservations) -> None:
    _wait_past(r, service.reserve("o1", {"A": 1}, 20).deadline_ms)
    service.sweep()
    assert service.audit_log()[-2:] == [{"event": "held", "order": "o1"}, {"event": "expired", "order": "o1"}]


def test_a_sweep_is_bounded_by_its_limit(r: redis.Redis, ns: str) -> None:
    service = Reservations(r, namespace=ns, reclaim_on_reserve=0)  # only the sweeper reclaims here
    service.set_stock("A", 5)
    deadlines = [service.reserve(f"o{i}", {"A": 1}, 20).deadline_ms for i in range(3)]
    _wait_past(r, max(deadlines))
    assert [service.sweep(limit=2).expired, service.sweep(limit=2).expired] == [2, 1]


def test_the_function_engine_reloads_its_library_after_function_flush(
    spawn_server: Callable[..., RedisServer], redis_target: Any
) -> None:
    if redis_target.version < (7, 0, 0):
        pytest.skip("Functions need Redis 7.0")
    client = spawn_server().client()
    service = Reservations(client, namespace="t", engine="function")
    service.set_stock("A", 2)
    client.function_flush()
    assert service.reserve("o1", {"A": 1}, 60_000).outcome is Outcome.HELD
    assert service.script_reloads == 1
    client.close()


# ------------------------------------------------------------------------------------------------ WATCH path


def test_the_watch_path_writes_holds_the_script_service_can_confirm(r: redis.Redis, service: Reservations) -> None:
    optimistic = OptimisticReservations(r, namespace=service.keys.namespace)
    assert optimistic.reserve("o1", {"A": 2}, 60_000).outcome is Outcome.HELD
    assert optimistic.reserve("o1", {"A": 2}, 60_000).outcome is Outcome.ALREADY_HELD
    assert service.confirm("o1") is Outcome.CONFIRMED
    assert service.stock("A").sold == 2


def test_the_watch_path_refuses_like_the_script(r: redis.Redis, service: Reservations) -> None:
    optimistic = OptimisticReservations(r, namespace=service.keys.namespace)
    with pytest.raises(OutOfStock) as caught:
        optimistic.reserve("o1", {"A": 9}, 60_000)
    assert caught.value.shortages["A"].available == 5
    with pytest.raises(UnknownSku):
        optimistic.reserve("o2", {"NOPE": 1}, 60_000)
    assert (optimistic.attempts, optimistic.aborts) == (2, 0)


def test_the_watch_path_gives_up_after_max_attempts(
    r: redis.Redis, service: Reservations, client_factory: Callable[..., Any]
) -> None:
    other = client_factory()

    def always_interfere(attempt: int) -> None:
        other.hset(service.keys.stock, "note", attempt)

    optimistic = OptimisticReservations(
        r, namespace=service.keys.namespace, max_attempts=3, on_watched=always_interfere
    )
    with pytest.raises(TooMuchContention):
        optimistic.reserve("o1", {"A": 1}, 60_000)
    assert (optimistic.attempts, optimistic.aborts) == (3, 3)
    assert service.stock("A").available == 5


def test_a_restock_id_is_validated_under_its_own_name(service: Reservations) -> None:
    with pytest.raises(InvalidInput, match="restock id 'a b'"):
        service.restock("A", 1, "a b")


def test_under_maxmemory_a_reservation_is_refused_before_it_writes_anything(
    spawn_server: Callable[..., RedisServer],
) -> None:
    client = spawn_server().client()
    service = Reservations(client, namespace="t")
    service.set_stock("A", 5)
    before = {key: client.dump(key) for key in service.keys.all}
    client.config_set("maxmemory-policy", "noeviction")
    client.config_set("maxmemory", "1")  # every byte in use is now over the limit
    with pytest.raises(redis.exceptions.OutOfMemoryError):
        service.reserve("o1", {"A": 1}, 60_000)  # #!lua, no allow-oom: refused up front
    client.config_set("maxmemory", "0")
    assert {key: client.dump(key) for key in service.keys.all} == before
    client.close()


# ------------------------------------------------------------------------------------------ issue 12: hardening


def test_a_client_returning_bytes_is_refused_at_construction(redis_target: Any, ns: str) -> None:
    raw = redis_target.client(decode_responses=False)
    with pytest.raises(InvalidInput, match="decode_responses=True"):
        Reservations(raw, namespace=ns)
    raw.close()


@pytest.mark.parametrize(
    "options",
    [{"retention_ms": 10**18}, {"operation_ttl_ms": 0}, {"engine": ["script"]}, {"load_library": "no"}],
)
def test_configuration_beyond_what_redis_accepts_is_refused(r: redis.Redis, ns: str, options: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput):
        Reservations(r, namespace=ns, **options)


def test_an_operation_id_is_an_identifier(r: redis.Redis, ns: str) -> None:
    service = Reservations(r, namespace=ns)
    service.set_stock("A", 5)
    for bad in ("", "a:b", "x" * 65, 7):
        with pytest.raises(InvalidInput, match="operation_id"):
            service.reserve("o1", {"A": 1}, 1000, operation_id=bad)  # type: ignore[arg-type]
    assert r.hlen(service.keys.holds) == 0


def test_a_caller_retrying_with_its_operation_id_gets_the_first_reply(r: redis.Redis, ns: str) -> None:
    service = Reservations(r, namespace=ns)
    service.set_stock("A", 5, operation_id="take-1")
    assert service.set_stock("A", 9, operation_id="take-1").available == 5  # the first run's reply, nothing set
    assert service.reserve("o1", {"A": 2}, 60_000, operation_id="cart-9").outcome is Outcome.HELD
    assert service.reserve("o1", {"A": 2}, 60_000, operation_id="cart-9").outcome is Outcome.HELD
    assert service.reserve("o1", {"A": 2}, 60_000).outcome is Outcome.ALREADY_HELD
    assert service.confirm("o1", operation_id="pay-3") is Outcome.CONFIRMED
    assert service.confirm("o1", operation_id="pay-3") is Outcome.CONFIRMED
    assert service.confirm("o1") is Outcome.ALREADY_CONFIRMED
    assert service.stock("A").sold == 2


def test_a_function_engine_told_not_to_load_needs_the_library_deployed(
    r: redis.Redis, redis_target: Any, ns: str
) -> None:
    if not redis_target.owned:
        pytest.skip("deletes and loads a Function library")
    with contextlib.suppress(redis.ResponseError):
        r.function_delete(LIBRARY_NAME)
    service = Reservations(r, namespace=ns, engine="function", load_library=False)
    with pytest.raises(LibraryNotLoaded, match="deploy_library"):
        service.set_stock("A", 1)
    assert r.keys(f"{ns}:*") == []
    deploy_library(r)
    assert service.set_stock("A", 1).available == 1 and service.script_reloads == 0


def test_the_deployed_library_rule_needs_only_fcall(r: redis.Redis, redis_target: Any, ns: str) -> None:
    """The third rule of the docs' Privileges section: no FUNCTION LOAD for the application user."""
    from tests.unit.test_acl import documented_rule

    if not redis_target.owned:
        pytest.skip("creates an ACL user")
    [rule] = [line for line in documented_rule("reservations") if "deployed beforehand" in line.label]
    assert "+fcall" in rule.tokens and not any(t.startswith("+function") for t in rule.tokens)
    user = f"rbt-deployed-{ns}"
    r.execute_command("ACL", "SETUSER", user, *[t.replace("<ns>", ns).replace("<password>", "pw") for t in rule.tokens])
    try:
        deploy_library(r)  # the admin's deployment step
        with redis_target.client(username=user, password="pw") as client:
            service = Reservations(client, namespace=ns, engine="function", load_library=False, audit_cap=10)
            service.set_stock("A", 3)
            assert service.restock("A", 1, "d1") is True
            assert service.reserve("o1", {"A": 2}, 60_000).outcome is Outcome.HELD
            assert service.extend("o1", 90_000) is Outcome.EXTENDED
            assert service.confirm("o1") is Outcome.CONFIRMED
            assert service.sweep().expired == 0 and service.hold("o1").state.value == "confirmed"
            assert service.stock("A") == StockLevel(2, 0, 2, 4)
            with pytest.raises(redis.exceptions.NoPermissionError):
                deploy_library(client)
    finally:
        r.execute_command("ACL", "DELUSER", user)
