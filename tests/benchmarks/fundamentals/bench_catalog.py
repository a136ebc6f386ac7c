"""Fundamentals benchmarks: each group compares the catalog with a baseline measured in the same run.

Run: python -m pytest tests/benchmarks/fundamentals/bench_catalog.py -o python_files='bench_*.py' --benchmark-only
"""

from __future__ import annotations

from typing import Any

import pytest
import redis

from redisbehaviors.catalog import Catalog

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
