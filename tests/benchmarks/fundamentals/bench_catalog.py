"""Fundamentals benchmarks: each group compares the catalog with a baseline measured in the same run.

Besides the groups: an interleaved table of the counter (catalog, raw INCR, raw HINCRBY, one call
each in shuffled turns) and the split of ``adjust_stock``, ``like`` and ``cards`` (round trip, server,
client; see ``measure.py``).

Run: python -m pytest tests/benchmarks/fundamentals/bench_catalog.py -o python_files='bench_*.py' --benchmark-only
"""

from __future__ import annotations

from typing import Any

import pytest
import redis

from redisbehaviors.catalog import Catalog
from tests.benchmarks.measure import interleaved_medians, interleaved_table, split_call

PRODUCTS = [f"p{i}" for i in range(50)]


@pytest.fixture
def shop(r: redis.Redis, ns: str) -> Catalog:
    catalog = Catalog(r, namespace=ns)
    for index, product in enumerate(PRODUCTS):
        catalog.put_product(product, {"name": f"Product {index}", "price": index + 0.5, "stock": 10})
        if index % 3 == 0:
            catalog.like("ana", product)
    return catalog


def _role(benchmark: Any, role: str, goal: str) -> None:
    benchmark.extra_info.update(role=role, goal=goal)


# ---------------------------------------------------------------------------------- product cards


@pytest.mark.benchmark(group="fundamentals: 50 product cards")
def test_cards_naive_one_call_per_field(benchmark: Any, shop: Catalog, r: redis.Redis) -> None:
    _role(benchmark, "baseline", "")
    benchmark.extra_info["operations_per_call"] = len(PRODUCTS)  # cards made per call
    keys = shop.keys

    def naive() -> list[tuple[Any, ...]]:
        return [
            (
                r.hget(keys.product(p), "name"),
                r.hget(keys.product(p), "price"),
                r.hget(keys.product(p), "views"),
                r.hget(keys.product(p), "likes"),
                r.sismember(keys.favorites("ana"), p),
            )
            for p in PRODUCTS
        ]

    assert len(benchmark(naive)) == 50


@pytest.mark.benchmark(group="fundamentals: 50 product cards")
def test_cards_one_round_trip(benchmark: Any, shop: Catalog) -> None:
    _role(benchmark, "subject", "ratio <= 0.10")
    benchmark.extra_info["operations_per_call"] = len(PRODUCTS)
    cards = benchmark(shop.cards, PRODUCTS, "ana")
    assert sum(c.favorite for c in cards if c) == 17


# ---------------------------------------------------------------------------------- counters


@pytest.mark.benchmark(group="fundamentals: counter increment")
def test_counter_raw_incr(benchmark: Any, r: redis.Redis, key: Any) -> None:
    _role(benchmark, "baseline", "")
    name = key("counter")
    benchmark(r.incr, name)
    assert int(r.get(name)) > 0


@pytest.mark.benchmark(group="fundamentals: counter increment")
def test_counter_raw_hincrby_without_existence_check(benchmark: Any, shop: Catalog, r: redis.Redis) -> None:
    """What the catalog's script adds: HINCRBY alone would create a product that does not exist."""
    _role(benchmark, "subject", "")
    name = shop.keys.product("p1")
    benchmark(r.hincrby, name, "stock", 1)
    assert int(r.hget(name, "stock")) > 10


@pytest.mark.benchmark(group="fundamentals: counter increment")
def test_counter_catalog_adjust_stock(benchmark: Any, shop: Catalog) -> None:
    _role(benchmark, "subject", "ratio <= 1.10")
    benchmark(shop.adjust_stock, "p1", 1)
    assert shop.adjust_stock("p1", 0) > 10


# ---------------------------------------------------------------------------------- likes


@pytest.mark.benchmark(group="fundamentals: like")
def test_like_raw_sadd_hincrby_pipeline(benchmark: Any, shop: Catalog, r: redis.Redis) -> None:
    _role(benchmark, "baseline", "")
    keys = shop.keys

    def raw_like() -> list[Any]:
        pipe = r.pipeline(transaction=False)
        pipe.sadd(keys.likers("p2"), "bob")
        pipe.hincrby(keys.product("p2"), "likes", 1)
        return pipe.execute()

    benchmark(raw_like)


@pytest.mark.benchmark(group="fundamentals: like")
def test_like_catalog_idempotent_script(benchmark: Any, shop: Catalog) -> None:
    _role(benchmark, "subject", "")  # the issue sets no goal: reported for information
    users = iter(range(10**9))
    benchmark(lambda: shop.like(f"u{next(users)}", "p2"))


# ---------------------------------------------------------------------------------- interleaved and split


def test_interleaved_counter(benchmark: Any, shop: Catalog, r: redis.Redis, key: Any) -> None:
    counter, product = key("counter"), shop.keys.product("p1")
    candidates = {
        "raw INCR": lambda: r.incr(counter),
        "raw HINCRBY": lambda: r.hincrby(product, "stock", 1),
        "Catalog.adjust_stock": lambda: shop.adjust_stock("p1", 1),
    }
    medians = benchmark.pedantic(interleaved_medians, args=(candidates, 3000), rounds=1, iterations=1)
    comparisons = [("Catalog.adjust_stock", "raw INCR", "ratio <= 1.10"), ("raw HINCRBY", "raw INCR", "")]
    benchmark.extra_info.update(interleaved_table("fundamentals: counter increment", medians, comparisons))


@pytest.mark.parametrize("call", ["adjust_stock", "like", "cards of 50"])
def test_where_the_time_goes(benchmark: Any, metered: tuple[redis.Redis, redis.Redis], ns: str, call: str) -> None:
    client, admin = metered
    catalog = Catalog(client, namespace=ns)
    for index, product in enumerate(PRODUCTS):
        catalog.put_product(product, {"name": f"Product {index}", "price": index + 0.5, "stock": 10})
    users = iter(range(10**9))
    calls = {
        "adjust_stock": lambda: catalog.adjust_stock("p1", 1),
        "like": lambda: catalog.like(f"u{next(users)}", "p2"),
        "cards of 50": lambda: catalog.cards(PRODUCTS, "ana"),
    }
    result = benchmark.pedantic(split_call, args=("catalog", call, calls[call], client, admin), rounds=1, iterations=1)
    benchmark.extra_info.update(result)
