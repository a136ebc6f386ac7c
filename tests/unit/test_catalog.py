"""Catalog behaviour that the feature file does not state: validation details, round trips, cluster."""

from __future__ import annotations

from typing import Any

import pytest
import redis

from redisbehaviors.catalog import Catalog, CatalogKeys
from redisbehaviors.errors import InvalidInput, UnknownEntity
from redisbehaviors.evalsha import run_command
from tests.support import CountingConnection


@pytest.fixture
def catalog(r: redis.Redis, ns: str) -> Catalog:
    shop = Catalog(r, namespace=ns)
    for index in range(50):
        shop.put_product(f"p{index}", {"name": f"Product {index}", "price": index})
    return shop


def test_keys_of_one_partition_share_one_hash_tag() -> None:
    keys = CatalogKeys("shop", "eu")
    names = [keys.product("p1"), keys.likers("p1"), keys.favorites("ana"), keys.recent("ana"), keys.trending]
    assert {name.split("{")[1].split("}")[0] for name in names} == {"eu"}


def test_fifty_product_cards_take_one_round_trip(redis_target: Any, catalog: Catalog, ns: str) -> None:
    client = redis.Redis.from_url(
        redis_target.url, decode_responses=True, protocol=redis_target.protocol, connection_class=CountingConnection
    )
    shop = Catalog(client, namespace=ns)
    shop.cards(["p0"], user_id="ana")  # connect, and the first call may load the script (NOSCRIPT, then EVAL)
    CountingConnection.sends = 0
    cards = shop.cards([f"p{i}" for i in range(50)], user_id="ana")
    assert CountingConnection.sends == 1
    assert [c.product_id for c in cards if c] == [f"p{i}" for i in range(50)]
    client.close()


def test_a_card_whose_key_holds_another_type_raises_and_the_connection_stays_in_step(
    r: redis.Redis, catalog: Catalog
) -> None:
    """The script stops at the first WRONGTYPE and its one reply is the error: the next call reads its own."""
    r.set(catalog.keys.product("p7"), "not a hash")
    catalog.cards(["p1"])  # loads the script
    before = run_command(catalog.client, ("CLIENT", "ID"))
    with pytest.raises(redis.ResponseError, match=r"^WRONGTYPE"):
        catalog.cards(["p1", "p7", "p2"], user_id="ana")
    assert [card.product_id if card else None for card in catalog.cards(["p1", "nope", "p2"])] == ["p1", None, "p2"]
    assert run_command(catalog.client, ("CLIENT", "ID")) == before  # the same connection, never reconnected


def test_a_view_takes_one_round_trip(redis_target: Any, catalog: Catalog, ns: str) -> None:
    client = redis.Redis.from_url(
        redis_target.url, decode_responses=True, protocol=redis_target.protocol, connection_class=CountingConnection
    )
    shop = Catalog(client, namespace=ns)
    shop.record_view("p1", "ana")  # the first call may load the script (NOSCRIPT, then EVAL)
    CountingConnection.sends = 0
    shop.record_view("p2", "ana")
    assert CountingConnection.sends == 1
    client.close()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({}, "non-empty mapping"),
        ({"views": 3}, "is a counter"),
        ({"likes": 3}, "is a counter"),
        ({"price": -1}, "non-negative"),
        ({"price": "cheap"}, "non-negative number"),
        ({"price": float("nan")}, "finite"),
        ({"stock": 1.5}, "stock must be an integer"),
        ({"name": None}, "string or a number"),
        ({"name": True}, "string or a number"),
        ({"bad field": "x"}, "may only contain"),
        ({"name": "x" * 70_000}, "longer than"),
        # issue 12: a 5000-digit int killed the process in hiredis; stock beyond 64 bits broke adjust_stock later
        ({"name": 10**5000}, "signed 64-bit integer, got <an integer of 16610 bits>"),
        ({"stock": 10**30}, "field .stock. must be a signed 64-bit integer"),
        ({"stock": 2**63}, "field .stock. must be a signed 64-bit integer"),
        ({"price": 10**400}, "signed 64-bit integer"),
        ({"name": "a\ud800b"}, "not valid Unicode"),
        ({f"f{i}": i for i in range(257)}, "at most 256 fields"),
    ],
)
def test_bad_fields_are_refused_before_anything_is_written(
    catalog: Catalog, r: redis.Redis, fields: dict[str, Any], message: str
) -> None:
    before = r.dbsize()
    with pytest.raises(InvalidInput, match=message):
        catalog.put_product("new", fields)
    assert r.dbsize() == before


def test_validation_errors_are_value_errors_callers_can_catch() -> None:
    assert issubclass(InvalidInput, ValueError)
    assert issubclass(UnknownEntity, LookupError)


def test_a_namespace_with_a_hash_tag_is_refused(r: redis.Redis) -> None:
    with pytest.raises(InvalidInput, match="namespace"):
        Catalog(r, namespace="{shop}")


def test_adjusting_stock_of_an_unknown_product_creates_nothing(catalog: Catalog, r: redis.Redis) -> None:
    with pytest.raises(UnknownEntity):
        catalog.adjust_stock("ghost", 5)
    assert r.exists(catalog.keys.product("ghost")) == 0


def test_stock_changes_are_atomic_counters(catalog: Catalog) -> None:
    assert catalog.adjust_stock("p1", 10) == 10
    assert catalog.adjust_stock("p1", -3) == 7


def test_price_range_rejects_inverted_bounds(catalog: Catalog) -> None:
    with pytest.raises(InvalidInput, match="above high bound"):
        catalog.in_price_range(50, 10)


def test_the_product_reads_everything_and_unknown_products_raise(catalog: Catalog) -> None:
    assert catalog.product("p3") == {"name": "Product 3", "price": "3"}
    with pytest.raises(UnknownEntity, match="ghost"):
        catalog.product("ghost")


def test_a_batch_of_ids_as_one_string_is_refused(catalog: Catalog) -> None:
    with pytest.raises(InvalidInput, match="not one string"):
        catalog.cards("p1")


def test_cards_read_counters_beyond_what_a_lua_number_holds_exactly(catalog: Catalog, r: redis.Redis) -> None:
    # cards.lua sends a counter as an integer while a Lua double holds it exactly (below 2**53) and as
    # its stored text beyond that, so a card never shows a rounded count.
    catalog.put_product("big", {"name": "Lamp", "price": 2})
    catalog.put_product("edge", {"name": "Desk", "price": 3})
    r.hset(catalog.keys.product("big"), mapping={"views": 2**53 + 1, "likes": -(2**53) - 1})
    r.hset(catalog.keys.product("edge"), mapping={"views": 2**53 - 1, "likes": 7})
    r.hset(catalog.keys.product("bare"), "stock", 4)  # a hash with none of the card's fields reads as missing
    cards = catalog.cards(["big", "edge", "bare"], user_id="ana")
    assert [(c.views, c.likes, c.price, c.favorite) if c else None for c in cards] == [
        (2**53 + 1, -(2**53) - 1, 2.0, False),
        (2**53 - 1, 7, 3.0, False),
        None,
    ]


def test_the_catalog_works_unchanged_on_a_real_cluster(cluster_client: redis.RedisCluster, ns: str) -> None:
    shop = Catalog(cluster_client, namespace=ns, partition="eu")
    shop.put_product("lamp", {"name": "Lamp", "price": 20})
    shop.put_product("desk", {"name": "Desk", "price": 120})
    assert shop.like("ana", "lamp").likes == 1
    assert shop.record_view("lamp", "ana") == 1
    cards = shop.cards(["lamp", "desk", "ghost"], user_id="ana")
    assert [(c.product_id, c.likes, c.views, c.favorite) if c else None for c in cards] == [
        ("lamp", 1, 1, True),
        ("desk", 0, 0, False),
        None,
    ]
    assert shop.in_price_range(0, 100) == [("lamp", 20.0)]
    assert len({cluster_client.keyslot(shop.keys.product(p)) for p in ("lamp", "desk")}) == 1


# ---------------------------------------------------------------------------------------------- issue 12


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"recent_idle_ms": 10**20}, "recent_idle_ms must be at least 1 and at most 9007199254740992"),
        ({"recent_idle_ms": 0}, "recent_idle_ms must be at least 1"),
        ({"recent_limit": 10**5000}, "<an integer of 16610 bits>"),
        ({"operation_ttl_ms": 0}, "operation_ttl_ms"),
    ],
)
def test_absurd_settings_are_refused_at_construction(
    r: redis.Redis, ns: str, options: dict[str, Any], message: str
) -> None:
    with pytest.raises(InvalidInput, match=message):
        Catalog(r, namespace=ns, **options)


def test_a_client_with_bytes_replies_is_refused_at_construction(redis_target: Any, ns: str) -> None:
    client = redis_target.client(decode_responses=False)
    with pytest.raises(InvalidInput, match="decode_responses=True"):
        Catalog(client, namespace=ns)
    client.close()


def test_a_long_idle_ttl_within_the_limit_is_armed_exactly(catalog: Catalog, r: redis.Redis, ns: str) -> None:
    """Before the TTL check, recent_idle_ms=10**20 counted the view and then failed on PEXPIRE (a partial write)."""
    shop = Catalog(r, namespace=ns, recent_idle_ms=2**53)
    assert shop.record_view("p1", "ana") == 1
    assert r.pttl(shop.keys.recent("ana")) > 2**53 - 60_000


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda c: c.recently_viewed("ana", limit=10**30), "limit must be at least 1 and at most 10000"),
        (lambda c: c.in_price_range(10**400, 10**401), "low price bound must fit in 64 bits"),
        (lambda c: c.in_price_range(0, float("nan")), "high price bound must be a number"),
        (lambda c: c.adjust_stock("p1", 2**63), "stock delta must be at least"),
        (lambda c: c.cards(5), "list or tuple of ids, got int"),
        (lambda c: c.are_favorites("ana", {"p1"}), "list or tuple of ids, got set"),
        (lambda c: c.like("ana", "p1", operation_id="a:b"), "operation_id"),
    ],
)
def test_hostile_arguments_are_refused_with_invalid_input(
    catalog: Catalog, r: redis.Redis, call: Any, message: str
) -> None:
    before = r.dbsize()
    with pytest.raises(InvalidInput, match=message):
        call(catalog)
    assert r.dbsize() == before


def test_a_stock_sum_beyond_64_bits_is_refused_and_the_stock_stays(catalog: Catalog) -> None:
    assert catalog.adjust_stock("p1", 2**63 - 1) == 2**63 - 1  # exact: the script replies the stored text
    with pytest.raises(InvalidInput, match="would not fit in 64 bits"):
        catalog.adjust_stock("p1", 1)
    assert catalog.product("p1")["stock"] == str(2**63 - 1)


def test_prices_round_trip_as_redis_py_would_send_them(catalog: Catalog) -> None:
    catalog.put_product("f", {"name": "F", "price": 0.1, "stock": 2**63 - 1})
    assert catalog.product("f") == {"name": "F", "price": "0.1", "stock": str(2**63 - 1)}
    assert ("f", 0.1) in catalog.in_price_range(0, 0.1)
