"""Hostile input for every public entry point of the reservation service, both engines and the
optimistic path: each refused with ``InvalidInput`` (or the documented subclass) and nothing written.

The hostile strategies and the keyspace snapshot are the media pipeline's (``tests/properties/support.py``): huge
integers, non-finite floats, bools, wrong types, identifiers that are empty, too long or carry a
character the key schema forbids, malformed order lines.  Bounded under ``CI`` by the root conftest's
Hypothesis profile.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
import redis
from hypothesis import strategies as st

from redisbehaviors.reservations import (
    FunctionEngine,
    OptimisticReservations,
    ReservationKeys,
    Reservations,
    ScriptEngine,
    deploy_library,
)
from redisbehaviors.reservations.model import MAX_QUANTITY, MAX_STOCK, MAX_TTL_MS
from tests.properties.support import bad_flags, bad_ids, bad_ints, each_refused

SEEN: Counter[str] = Counter()
INT64_MAX = 2**63 - 1
BAD_ITEMS = st.one_of(
    st.sampled_from(
        [
            "A",
            b"A",
            5,
            None,
            {},
            [],
            {"A": 0},
            {"A": -1},
            {"A": 10**5000},
            {"A": 2**63},
            {"A": 1.5},
            {"A": float("nan")},
            {"A": True},
            {"A": "1"},
            {"A": MAX_QUANTITY + 1},
            [("A", 1), ("A", 1)],
            [("A",)],
            [["A", 1, 2]],
            ["A1"],
            {f"s{i}": 1 for i in range(101)},
            [("A", 1), "B"],
        ]
    ),
    st.builds(lambda sku: {sku: 1}, bad_ids(64).filter(lambda v: isinstance(v, str) or v is None)),
    st.builds(lambda qty: {"A": qty}, bad_ints(1, MAX_QUANTITY)),
)
BAD_OPERATION_IDS = bad_ids(64, none_ok=True)

Call = Callable[[Reservations, Any], Any]


def _construct(name: str) -> Call:
    return lambda s, v: Reservations(s.client, **{"namespace": s.keys.namespace, name: v})


def _optimistic(s: Reservations, **options: Any) -> OptimisticReservations:
    return OptimisticReservations(s.client, namespace=s.keys.namespace, **options)


CASES: list[tuple[str, st.SearchStrategy[Any], Call]] = [
    *[
        (f"Reservations({name})", strategy, _construct(name))
        for name, strategy in [
            ("namespace", bad_ids(64).filter(lambda v: not (isinstance(v, str) and ":" in v))),
            ("partition", bad_ids(64)),
            ("engine", st.sampled_from(["lua", "", "SCRIPT", None, 5, ["script"], b"script"])),
            ("audit_cap", bad_ints(0, 10_000_000)),
            ("reclaim_on_reserve", bad_ints(0, 10_000)),
            ("retention_ms", bad_ints(1, 2**53)),
            ("operation_ttl_ms", bad_ints(1, 86_400_000)),
            ("load_library", bad_flags()),
        ]
    ],
    ("Reservations(client)", st.sampled_from(["client", None, 5, object()]), lambda s, v: Reservations(v)),
    ("ScriptEngine(client)", st.sampled_from(["client", None, 5]), lambda s, v: ScriptEngine(v)),
    ("FunctionEngine(client)", st.sampled_from(["client", None, 5]), lambda s, v: FunctionEngine(v)),
    ("FunctionEngine(load)", bad_flags(), lambda s, v: FunctionEngine(s.client, load=v)),
    ("deploy_library(client)", st.sampled_from(["client", None, 5]), lambda s, v: deploy_library(v)),
    (
        "ReservationKeys(namespace)",
        bad_ids(64).filter(lambda v: not (isinstance(v, str) and ":" in v)),
        lambda s, v: ReservationKeys(v, "main"),
    ),
    ("ReservationKeys(partition)", bad_ids(64), lambda s, v: ReservationKeys("stock", v)),
    ("set_stock(sku)", bad_ids(64), lambda s, v: s.set_stock(v, 1)),
    ("set_stock(available)", bad_ints(0, MAX_STOCK), lambda s, v: s.set_stock("A", v)),
    ("set_stock(operation_id)", BAD_OPERATION_IDS, lambda s, v: s.set_stock("A", 1, operation_id=v)),
    ("restock(sku)", bad_ids(64), lambda s, v: s.restock(v, 1, "r1")),
    ("restock(quantity)", bad_ints(1, MAX_QUANTITY), lambda s, v: s.restock("A", v, "r1")),
    ("restock(restock_id)", bad_ids(64), lambda s, v: s.restock("A", 1, v)),
    ("restock(operation_id)", BAD_OPERATION_IDS, lambda s, v: s.restock("A", 1, "r1", operation_id=v)),
    ("stock(sku)", bad_ids(64), lambda s, v: s.stock(v)),
    ("reserve(order_id)", bad_ids(64), lambda s, v: s.reserve(v, {"A": 1}, 1000)),
    ("reserve(items)", BAD_ITEMS, lambda s, v: s.reserve("o9", v, 1000)),
    ("reserve(ttl_ms)", bad_ints(1, MAX_TTL_MS), lambda s, v: s.reserve("o9", {"A": 1}, v)),
    ("reserve(operation_id)", BAD_OPERATION_IDS, lambda s, v: s.reserve("o9", {"A": 1}, 1000, operation_id=v)),
    ("confirm(order_id)", bad_ids(64), lambda s, v: s.confirm(v)),
    ("confirm(operation_id)", BAD_OPERATION_IDS, lambda s, v: s.confirm("o1", operation_id=v)),
    ("cancel(order_id)", bad_ids(64), lambda s, v: s.cancel(v)),
    ("cancel(operation_id)", BAD_OPERATION_IDS, lambda s, v: s.cancel("o1", operation_id=v)),
    ("extend(order_id)", bad_ids(64), lambda s, v: s.extend(v, 1000)),
    ("extend(ttl_ms)", bad_ints(1, MAX_TTL_MS), lambda s, v: s.extend("o1", v)),
    ("extend(operation_id)", BAD_OPERATION_IDS, lambda s, v: s.extend("o1", 1000, operation_id=v)),
    ("hold(order_id)", bad_ids(64), lambda s, v: s.hold(v)),
    ("sweep(limit)", bad_ints(1, 10_000), lambda s, v: s.sweep(v)),
    ("audit_log(count)", bad_ints(1, 10_000), lambda s, v: s.audit_log(v)),
    ("OptimisticReservations(client)", st.sampled_from(["client", None, 5]), lambda s, v: OptimisticReservations(v)),
    ("OptimisticReservations(max_attempts)", bad_ints(1, 1_000_000), lambda s, v: _optimistic(s, max_attempts=v)),
    ("OptimisticReservations(on_watched)", st.sampled_from([5, "f", b"x"]), lambda s, v: _optimistic(s, on_watched=v)),
    ("OptimisticReservations(partition)", bad_ids(64), lambda s, v: _optimistic(s, partition=v)),
    ("OptimisticReservations.reserve(order_id)", bad_ids(64), lambda s, v: _optimistic(s).reserve(v, {"A": 1}, 1000)),
    ("OptimisticReservations.reserve(items)", BAD_ITEMS, lambda s, v: _optimistic(s).reserve("o9", v, 1000)),
    (
        "OptimisticReservations.reserve(ttl_ms)",
        bad_ints(1, MAX_TTL_MS),
        lambda s, v: _optimistic(s).reserve("o9", {"A": 1}, v),
    ),
    (
        "OptimisticReservations.reserve(operation_id)",
        BAD_OPERATION_IDS,
        lambda s, v: _optimistic(s).reserve("o9", {"A": 1}, 1000, operation_id=v),
    ),
]


@pytest.fixture(params=["script", "function"])
def service(request: pytest.FixtureRequest, r: redis.Redis, ns: str) -> Reservations:
    """A partition with something to lose: stock, a live hold, a confirmed order, a restock, an audit."""
    shop = Reservations(r, namespace=ns, engine=request.param, audit_cap=100)
    shop.set_stock("A", 10)
    shop.restock("A", 2, "r0")
    shop.reserve("o1", {"A": 2}, 60_000)
    shop.reserve("o2", {"A": 1}, 60_000)
    shop.confirm("o2")
    return shop


@pytest.mark.parametrize(("entry", "values", "call"), CASES, ids=[case[0] for case in CASES])
def test_every_hostile_value_is_refused_and_nothing_is_written(
    service: Reservations, r: redis.Redis, entry: str, values: st.SearchStrategy[Any], call: Call
) -> None:
    each_refused(service, r, values, call, SEEN, entry)


def test_the_figures() -> None:
    """Printed with ``pytest -s``: how many hostile values each entry point refused in this run."""
    print(f"reservations hostile input: {sum(SEEN.values())} values refused over {len(SEEN)} entry points")
    assert len(SEEN) == len(CASES) or not SEEN
