"""The asyncio twin of the catalog: the same keys, scripts, answers and errors through ``redis.asyncio``."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
import redis
import redis.asyncio

from redisbehaviors.catalog import AsyncCatalog, Catalog, LikeResult, ProductCard
from redisbehaviors.errors import InvalidInput, RedisBehaviorsError, UnknownEntity
from redisbehaviors.testing.plugin import RedisTarget
from tests.support import CountingAsyncConnection, assert_asyncio_twin, run_async

PUBLIC = sorted(name for name, value in vars(Catalog).items() if not name.startswith("_") and callable(value))


def snapshot(r: redis.Redis, namespace: str, *, records: bool = False) -> dict[str, bytes]:
    """Every key of a catalog namespace (its name without the namespace) and its ``DUMP``; operation records
    only with ``records`` (for a parity of two runs: their names are random unless the caller gave the id)."""
    names = sorted(name for name in r.scan_iter(match=f"{namespace}:*", count=1000) if records or ":op:" not in name)
    return {name.removeprefix(namespace): r.dump(name) for name in names}


# ------------------------------------------------------------------------------------------------ the mirror


def test_every_public_method_has_an_asyncio_twin_of_the_same_name_and_signature() -> None:
    assert len(PUBLIC) == 16
    assert_asyncio_twin(Catalog, AsyncCatalog, PUBLIC)


# ------------------------------------------------------------------------------------------------ every call


def test_every_call_answers_through_redis_asyncio(redis_target: RedisTarget, r: redis.Redis, ns: str) -> None:
    r.script_flush()  # the first call of each script meets NOSCRIPT and loads it

    async def scenario(client: redis.asyncio.Redis) -> None:
        shop = AsyncCatalog(client, namespace=ns, recent_limit=2)
        assert await shop.put_product("lamp", {"name": "Lamp", "price": 20, "stock": 5}) is True
        assert await shop.put_product("desk", {"name": "Desk", "price": 120.5}) is True
        assert await shop.put_product("lamp", {"name": "Lamp v2"}) is False
        assert await shop.update_product("desk", {"colour": "oak"}) is None
        assert await shop.product("desk") == {"name": "Desk", "price": "120.5", "colour": "oak"}
        assert await shop.product_fields("lamp", ["name", "stock", "none"]) == {
            "name": "Lamp v2",
            "stock": "5",
            "none": None,
        }
        assert await shop.record_view("lamp", "ana") == 1
        assert await shop.record_view("lamp") == 2
        assert await shop.record_view("desk", "ana") == 1
        assert await shop.adjust_stock("lamp", -2) == 3
        assert await shop.like("ana", "lamp") == LikeResult(True, 1)
        assert await shop.like("ana", "lamp") == LikeResult(False, 1)
        assert await shop.like("bob", "desk") == LikeResult(True, 1)
        assert await shop.unlike("bob", "desk") == LikeResult(True, 0)
        assert await shop.unlike("bob", "desk") == LikeResult(False, 0)
        assert await shop.likers("lamp") == {"ana"}
        assert await shop.favorites("ana") == {"lamp"}
        assert await shop.favorite_count("ana") == 1
        assert await shop.are_favorites("ana", ["desk", "lamp", "ghost"]) == [False, True, False]
        assert await shop.are_favorites("ana", []) == []
        assert await shop.recently_viewed("ana") == ["desk", "lamp"]
        assert await shop.recently_viewed("ana", limit=1) == ["desk"]
        assert await shop.trending(5) == [("lamp", 2), ("desk", 1)]
        assert await shop.in_price_range(0, 100) == [("lamp", 20.0)]
        assert await shop.in_price_range(0, float("inf"), offset=1, count=5) == [("desk", 120.5)]
        assert await shop.cards(["lamp", "ghost", "desk"], user_id="ana") == [
            ProductCard("lamp", "Lamp v2", 20.0, 2, 1, True),
            None,
            ProductCard("desk", "Desk", 120.5, 1, 0, False),
        ]
        assert await shop.cards(["desk"]) == [ProductCard("desk", "Desk", 120.5, 1, 0, False)]
        assert await shop.cards([]) == []

    run_async(redis_target, scenario)
    # The sync catalog reads what the asyncio one wrote: the same keys.
    assert Catalog(r, namespace=ns).product("lamp") == {
        "name": "Lamp v2",
        "price": "20",
        "stock": "3",
        "views": "2",
        "likes": "1",
    }


def test_cards_and_a_view_take_one_round_trip_each(redis_target: RedisTarget, ns: str) -> None:
    async def scenario(client: redis.asyncio.Redis) -> list[int]:
        shop = AsyncCatalog(client, namespace=ns)
        for index in range(50):
            await shop.put_product(f"p{index}", {"name": f"Product {index}", "price": index})
        await shop.record_view("p0", "ana")  # the view and cards scripts are loaded by now
        await shop.cards(["p0"])
        sends = []
        for call in (lambda: shop.cards([f"p{i}" for i in range(50)], user_id="ana"), lambda: shop.record_view("p1")):
            CountingAsyncConnection.sends = 0
            await call()
            sends.append(CountingAsyncConnection.sends)
        return sends

    assert run_async(redis_target, scenario, connection_class=CountingAsyncConnection) == [1, 1]


# ------------------------------------------------------------------------------------------------ parity

FLOW: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = [
    ("put_product", ("lamp", {"name": "Lamp", "price": 20, "stock": 5}), {}),
    ("put_product", ("desk", {"name": "Desk", "price": 120.5}), {"operation_id": "put-desk"}),
    ("put_product", ("desk", {"name": "Desk"}), {"operation_id": "put-desk"}),  # a retry: True again
    ("put_product", ("lamp", {"name": "Lamp v2", "price": 0.1}), {}),
    ("update_product", ("desk", {"colour": "oak"}), {}),
    ("update_product", ("ghost", {"colour": "oak"}), {}),
    ("update_product", ("desk", {"stock": 3}), {}),
    ("product", ("desk",), {}),
    ("product", ("ghost",), {}),
    ("product_fields", ("lamp", ["name", "stock", "none"]), {}),
    ("product_fields", ("lamp", []), {}),
    ("record_view", ("lamp", "ana"), {}),
    ("record_view", ("lamp",), {}),
    ("record_view", ("desk", "ana"), {}),
    ("record_view", ("lamp", "bob"), {"operation_id": "view-1"}),
    ("record_view", ("lamp", "bob"), {"operation_id": "view-1"}),
    ("record_view", ("ghost", "ana"), {}),
    ("adjust_stock", ("lamp", -2), {}),
    ("adjust_stock", ("lamp", 2**63 - 1), {}),
    ("adjust_stock", ("ghost", 1), {}),
    ("like", ("ana", "lamp"), {}),
    ("like", ("ana", "lamp"), {}),
    ("like", ("bob", "desk"), {"operation_id": "like-1"}),
    ("like", ("bob", "desk"), {"operation_id": "like-1"}),
    ("like", ("ana", "ghost"), {}),
    ("unlike", ("bob", "desk"), {}),
    ("unlike", ("bob", "desk"), {}),
    ("likers", ("lamp",), {}),
    ("favorites", ("ana",), {}),
    ("favorite_count", ("ana",), {}),
    ("are_favorites", ("ana", ["lamp", "desk", "ghost"]), {}),
    ("are_favorites", ("ana", {"lamp"}), {}),
    ("recently_viewed", ("ana",), {}),
    ("recently_viewed", ("bob",), {"limit": 0}),
    ("trending", (5,), {}),
    ("trending", (0,), {}),
    ("in_price_range", (0, 100), {}),
    ("in_price_range", (0, float("inf")), {"offset": 1, "count": 1}),
    ("in_price_range", (100, 0), {}),
    ("cards", (["lamp", "desk", "ghost"],), {"user_id": "ana"}),
    ("cards", (["lamp"],), {}),
    ("cards", ([],), {}),
    ("cards", ("lamp",), {}),
    ("put_product", ("bad{id}", {"name": "x"}), {}),
]


def _outcome(method: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """The reply of one call, or the error it raised (its type and message)."""
    try:
        return method(*args, **kwargs)
    except RedisBehaviorsError as exc:
        return type(exc).__name__, str(exc)


async def _async_outcome(method: Callable[..., Awaitable[Any]], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    try:
        return await method(*args, **kwargs)
    except RedisBehaviorsError as exc:
        return type(exc).__name__, str(exc)


def test_one_flow_gives_the_same_replies_and_the_same_keys_sync_and_asyncio(
    redis_target: RedisTarget, r: redis.Redis, ns: str
) -> None:
    assert {name for name, _, _ in FLOW} == set(PUBLIC)
    shop = Catalog(r, namespace=f"{ns}:sync", recent_limit=3)
    sync_replies = [_outcome(getattr(shop, name), args, kwargs) for name, args, kwargs in FLOW]

    async def scenario(client: redis.asyncio.Redis) -> list[Any]:
        twin = AsyncCatalog(client, namespace=f"{ns}:async", recent_limit=3)
        return [await _async_outcome(getattr(twin, name), args, kwargs) for name, args, kwargs in FLOW]

    async_replies = run_async(redis_target, scenario)
    for step, sync_reply, async_reply in zip(FLOW, sync_replies, async_replies, strict=True):
        assert async_reply == sync_reply, step
    # The flow did what it says: answers, retries answered as first, and every kind of error.
    assert sync_replies[:3] == [True, True, True]
    assert sync_replies[5] == ("UnknownEntity", "unknown product 'ghost'")
    assert sync_replies[14:16] == [3, 3]
    assert sync_replies[18][0] == "InvalidInput"
    assert sync_replies[22:24] == [LikeResult(True, 1), LikeResult(True, 1)]
    assert sum(1 for reply in sync_replies if isinstance(reply, tuple) and reply[0] == "InvalidInput") == 9
    sync_state, async_state = snapshot(r, f"{ns}:sync"), snapshot(r, f"{ns}:async")
    assert len(sync_state) == 8  # 2 products, lamp's likers, ana's favorites, 2 recent lists, trending, by-price
    assert async_state == sync_state
    assert sum(1 for _ in r.scan_iter(match=f"{ns}:async:*:op:*")) == sum(
        1 for _ in r.scan_iter(match=f"{ns}:sync:*:op:*")
    )


# ------------------------------------------------------------------------------------------------ errors


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("update_product", ("ghost", {"name": "x"})),
        ("product", ("ghost",)),
        ("record_view", ("ghost", "ana")),
        ("adjust_stock", ("ghost", 1)),
        ("like", ("ana", "ghost")),
        ("unlike", ("ana", "ghost")),
    ],
)
def test_an_unknown_product_raises_unknown_entity_and_writes_nothing(
    redis_target: RedisTarget, r: redis.Redis, ns: str, name: str, args: tuple[Any, ...]
) -> None:
    Catalog(r, namespace=ns).put_product("lamp", {"name": "Lamp"})
    before = snapshot(r, ns, records=True)

    async def scenario(client: redis.asyncio.Redis) -> None:
        with pytest.raises(UnknownEntity, match="unknown product 'ghost'"):
            await getattr(AsyncCatalog(client, namespace=ns), name)(*args)

    run_async(redis_target, scenario)
    assert snapshot(r, ns, records=True) == before


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda c: c.put_product("bad{id}", {"name": "x"}), "may only contain"),
        (lambda c: c.put_product("lamp", {"views": 3}), "is a counter"),
        (lambda c: c.put_product("lamp", {"price": -1}), "non-negative"),
        (lambda c: c.put_product("lamp", {"name": 10**5000}), "<an integer of 16610 bits>"),
        (lambda c: c.update_product("lamp", {"stock": 1}), "is a counter"),
        (lambda c: c.product(""), "must not be empty"),
        (lambda c: c.product_fields("lamp", []), "at least one field"),
        (lambda c: c.record_view("lamp", "a b"), "user id"),
        (lambda c: c.record_view("lamp", operation_id="a:b"), "operation_id"),
        (lambda c: c.adjust_stock("lamp", 2**63), "stock delta must be at least"),
        (lambda c: c.adjust_stock("lamp", 1.5), "stock delta must be an integer"),
        (lambda c: c.like("ana", "lamp", operation_id=""), "operation_id"),
        (lambda c: c.unlike("a:b", "lamp"), "user id"),
        (lambda c: c.likers(5), "product id must be a string"),
        (lambda c: c.favorites("{x}"), "user id"),
        (lambda c: c.favorite_count(None), "user id must be a string"),
        (lambda c: c.are_favorites("ana", {"lamp"}), "list or tuple of ids, got set"),
        (lambda c: c.recently_viewed("ana", limit=10**30), "limit must be at least 1 and at most 10000"),
        (lambda c: c.trending(1001), "top must be at least 1 and at most 1000"),
        (lambda c: c.in_price_range(50, 10), "above high bound"),
        (lambda c: c.in_price_range(0, float("nan")), "high price bound must be a number"),
        (lambda c: c.cards("lamp"), "not one string"),
        (lambda c: c.cards([f"p{i}" for i in range(1001)]), "at most 1000"),
    ],
)
def test_bad_input_raises_invalid_input_before_anything_is_written(
    redis_target: RedisTarget, r: redis.Redis, ns: str, call: Callable[[AsyncCatalog], Awaitable[Any]], message: str
) -> None:
    Catalog(r, namespace=ns).put_product("lamp", {"name": "Lamp"})
    before = snapshot(r, ns, records=True)

    async def scenario(client: redis.asyncio.Redis) -> None:
        with pytest.raises(InvalidInput, match=message):
            await call(AsyncCatalog(client, namespace=ns))

    run_async(redis_target, scenario)
    assert snapshot(r, ns, records=True) == before


def test_a_sync_client_or_a_bytes_client_is_refused_at_construction(
    redis_target: RedisTarget, r: redis.Redis, ns: str
) -> None:
    with pytest.raises(InvalidInput, match=r"client must be a redis\.asyncio\.Redis or .*, got Redis"):
        AsyncCatalog(r, namespace=ns)
    with pytest.raises(InvalidInput, match=r"redis\.asyncio\.Redis or .*, got object"):
        AsyncCatalog(object(), namespace=ns)  # type: ignore[arg-type]

    async def scenario(client: redis.asyncio.Redis) -> None:
        with pytest.raises(InvalidInput, match="decode_responses=True"):
            AsyncCatalog(redis.asyncio.Redis.from_url(redis_target.url), namespace=ns)
        with pytest.raises(InvalidInput, match="namespace"):
            AsyncCatalog(client, namespace="{shop}")
        with pytest.raises(InvalidInput, match="recent_idle_ms"):
            AsyncCatalog(client, namespace=ns, recent_idle_ms=10**20)

    run_async(redis_target, scenario)
    assert list(r.scan_iter(match=f"{ns}:*")) == []


# ------------------------------------------------------------------------------------------------ exactly once


def test_a_repeated_operation_id_applies_once_and_answers_as_the_first_time(
    redis_target: RedisTarget, r: redis.Redis, ns: str
) -> None:
    async def scenario(client: redis.asyncio.Redis) -> list[Any]:
        shop = AsyncCatalog(client, namespace=ns)
        answers = []
        for _ in range(3):  # the first call, then two retries with the same operation id
            answers.append(
                (
                    await shop.put_product("lamp", {"name": "Lamp"}, operation_id="op-put"),
                    await shop.record_view("lamp", "ana", operation_id="op-view"),
                    await shop.adjust_stock("lamp", 3, operation_id="op-stock"),
                    await shop.like("ana", "lamp", operation_id="op-like"),
                )
            )
        answers.append((await shop.record_view("lamp", "ana", operation_id="op-view-2"),))  # a new id counts
        answers.append((await shop.unlike("ana", "lamp", operation_id="op-unlike"),))
        answers.append((await shop.unlike("ana", "lamp", operation_id="op-unlike"),))
        return answers

    first = (True, 1, 3, LikeResult(True, 1))
    assert run_async(redis_target, scenario) == [
        first,
        first,
        first,
        (2,),
        (LikeResult(True, 0),),
        (LikeResult(True, 0),),
    ]
    shop = Catalog(r, namespace=ns)
    assert shop.product("lamp") == {"name": "Lamp", "views": "2", "stock": "3", "likes": "0"}
    assert shop.trending() == [("lamp", 2)]
    assert shop.recently_viewed("ana") == ["lamp"]
    assert shop.likers("lamp") == set()


# ------------------------------------------------------------------------------------------------ concurrency


def test_50_concurrent_tasks_recording_views_on_one_product_count_exactly_50(
    redis_target: RedisTarget, r: redis.Redis, ns: str
) -> None:
    async def scenario(client: redis.asyncio.Redis) -> list[int]:
        shop = AsyncCatalog(client, namespace=ns, recent_limit=5)
        await shop.put_product("lamp", {"name": "Lamp"})
        return await asyncio.gather(*(shop.record_view("lamp", f"u{i % 10}") for i in range(50)))

    answers = run_async(redis_target, scenario)
    assert sorted(answers) == list(range(1, 51))  # each task saw its own count: no view lost or doubled
    shop = Catalog(r, namespace=ns)
    assert shop.product("lamp")["views"] == "50"
    assert shop.trending() == [("lamp", 50)]
    assert [shop.recently_viewed(f"u{i}") for i in range(10)] == [["lamp"]] * 10


# ------------------------------------------------------------------------------------------------ cluster


def test_the_asyncio_catalog_works_unchanged_on_a_real_cluster(
    cluster_client: redis.RedisCluster, redis_target: RedisTarget, ns: str
) -> None:
    node = cluster_client.get_default_node()

    async def scenario() -> list[ProductCard | None]:
        client = redis.asyncio.RedisCluster(
            host=node.host, port=node.port, decode_responses=True, protocol=redis_target.protocol
        )
        try:
            shop = AsyncCatalog(client, namespace=ns, partition="eu")
            await shop.put_product("lamp", {"name": "Lamp", "price": 20})
            await shop.put_product("desk", {"name": "Desk", "price": 120})
            assert (await shop.like("ana", "lamp")).likes == 1
            assert await shop.record_view("lamp", "ana") == 1
            assert await shop.in_price_range(0, 100) == [("lamp", 20.0)]
            return await shop.cards(["lamp", "desk", "ghost"], user_id="ana")
        finally:
            await client.aclose()

    assert asyncio.run(scenario()) == [
        ProductCard("lamp", "Lamp", 20.0, 1, 1, True),
        ProductCard("desk", "Desk", 120.0, 0, 0, False),
        None,
    ]
    assert Catalog(cluster_client, namespace=ns, partition="eu").favorites("ana") == {"lamp"}
