"""Hostile input to every public entry point of the catalog: refused with ``InvalidInput``, nothing written.

Hypothesis generates values a careless or hostile caller could pass: integers beyond 64 bits (``10**5000``
once killed the process inside hiredis's command packing, issue 12), ``2**63``, ``inf``/``nan``/``1e308``,
bools, wrong types, empty, overlong, unicode, control-character, brace and colon strings, hostile field
mappings, a client with ``decode_responses=False``.  Each example changes one argument of an otherwise valid
call; the call must raise :class:`InvalidInput` and leave every key of the server as it was (a ``DUMP`` of
the namespace and ``DBSIZE`` compared).  Bounded under ``CI`` by the root conftest's Hypothesis profiles.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pytest
import redis
from hypothesis import given
from hypothesis import strategies as st

from redisbehaviors.catalog import Catalog, CatalogKeys
from redisbehaviors.catalog.catalog import MAX_BATCH, MAX_FIELD_VALUE_BYTES, MAX_FIELDS, MAX_RECENT
from redisbehaviors.errors import InvalidInput
from redisbehaviors.idempotency import MAX_OPERATION_TTL_MS
from redisbehaviors.validation import INT64_MAX, INT64_MIN, MAX_ID_LENGTH, MAX_TTL_MS, validate_id, validate_ids
from tests.properties.support import outside

SAFE = "abcXYZ019_.@+-"
FORBIDDEN = [
    "{",
    "}",
    ":",
    " ",
    "\n",
    "\t",
    "\r",
    "\x00",
    "\x7f",
    "\x1b",
    "é",
    "ß",
    "\u200b",
    "\ud800",
    "🙂",
    "*",
    "?",
    "[",
    "]",
    "/",
    "%",
    "\\",
    '"',
    "'",
]
HUGE = [10**5000, -(10**5000), 10**30, 2**63, -(2**63) - 1, 2**64]
NOT_NUMBERS = [float("inf"), float("-inf"), float("nan"), True, False, None, "5", b"5", [1], {"a": 1}, 1 + 2j]

wrong_types = st.one_of(
    st.none(),
    st.booleans(),
    st.binary(max_size=8),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    st.sampled_from(HUGE),
    st.floats(),
)
hostile_ids = st.one_of(
    st.just(""),
    st.text(alphabet=SAFE, min_size=MAX_ID_LENGTH + 1, max_size=MAX_ID_LENGTH + 200),
    st.builds(
        lambda a, bad, b: a + bad + b,
        st.text(alphabet=SAFE, max_size=8),
        st.sampled_from(FORBIDDEN),
        st.text(max_size=8),
    ),
    wrong_types,
)
#: For an argument where None means "not given" (``operation_id``, an anonymous ``user_id``).
hostile_optional_ids = hostile_ids.filter(lambda v: v is not None)


def hostile_ints(minimum: int, maximum: int) -> st.SearchStrategy[Any]:
    """Anything but an int in ``[minimum, maximum]``: out of range, beyond 64 bits, not an int at all."""
    return outside(minimum, maximum, HUGE, st.sampled_from(NOT_NUMBERS), st.floats())


hostile_values = st.one_of(  # a hash field value
    st.sampled_from([*HUGE[:2], *HUGE[3:], float("inf"), float("nan"), True, None, b"x", [1], {"a": 1}]),
    st.builds(lambda a, b: a + "\ud800" + b, st.text(max_size=4), st.text(max_size=4)),  # not encodable
    st.just("x" * (MAX_FIELD_VALUE_BYTES + 1)),
)
hostile_fields = st.one_of(
    st.just({}),
    wrong_types.filter(lambda v: not isinstance(v, dict)),  # a generated dict may be a valid mapping
    st.dictionaries(st.integers(), st.integers(), min_size=1, max_size=2),  # field names that are not strings
    st.text(max_size=5),
    st.builds(lambda name: {name: "x"}, hostile_ids.filter(lambda v: isinstance(v, str | int | float | None))),
    st.builds(lambda value: {"name": "ok", "color": value}, hostile_values),
    st.sampled_from([{"views": 1}, {"likes": 1}, {f"f{i}": i for i in range(MAX_FIELDS + 1)}]),
    st.builds(lambda stock: {"stock": stock}, hostile_ints(0, INT64_MAX)),
    st.builds(
        lambda price: {"price": price},
        st.one_of(
            st.sampled_from([-1, -0.5, "10", float("nan"), float("inf"), *HUGE, True, None]), st.floats(max_value=-1e-9)
        ),
    ),
)
hostile_id_lists = st.one_of(
    st.just("p"),
    st.integers(),
    st.none(),
    st.floats(),
    st.lists(hostile_ids, min_size=1, max_size=3).map(lambda bad: ["p", *bad]),
    st.just([f"p{i}" for i in range(MAX_BATCH + 1)]),
)
hostile_bounds = st.one_of(st.sampled_from([float("nan"), *HUGE, True, None, "1", b"1", [1]]))


def one_hostile(valid: Mapping[str, Any], hostile: Mapping[str, st.SearchStrategy[Any]]) -> st.SearchStrategy[dict]:
    """Keyword arguments of a valid call with exactly one of them replaced by a hostile value."""
    return st.one_of(
        *(st.builds(lambda v, name=name: {**valid, name: v}, strategy) for name, strategy in hostile.items())
    )


def state(r: redis.Redis, ns: str) -> tuple[int, dict[str, bytes]]:
    with redis.Redis(connection_pool=r.connection_pool) as plain:
        names = sorted(plain.scan_iter(match=f"{ns}:*", count=1000))
        return plain.dbsize(), {name: plain.dump(name) for name in names}


@pytest.fixture
def shop(r: redis.Redis, ns: str) -> Catalog:
    catalog = Catalog(r, namespace=ns)
    catalog.put_product("p", {"name": "Lamp", "price": 10, "stock": 5})
    catalog.like("ana", "p")
    catalog.record_view("p", "ana")
    return catalog


@pytest.fixture
def refused(r: redis.Redis, ns: str, shop: Catalog) -> Callable[[Callable[[], Any]], None]:
    def check(call: Callable[[], Any]) -> None:
        before = state(r, ns)
        with pytest.raises(InvalidInput):
            call()
        assert state(r, ns) == before

    return check


# ---------------------------------------------------------------------------------------------- construction

CONSTRUCTOR = {
    "namespace": st.one_of(
        hostile_ids.filter(lambda v: v != "" and not (isinstance(v, str) and len(v) <= 64)),
        st.sampled_from(["", "a:", ":a", "a::b", "{x}", "a b", "x" * 65]),
    ),
    "partition": hostile_ids,
    "recent_limit": hostile_ints(1, MAX_RECENT),
    "recent_idle_ms": hostile_ints(1, MAX_TTL_MS),
    "operation_ttl_ms": hostile_ints(1, MAX_OPERATION_TTL_MS),
}


@given(kwargs=one_hostile({"namespace": "shop", "partition": "main"}, CONSTRUCTOR))
def test_the_catalog_refuses_hostile_settings(refused: Callable[..., None], r: redis.Redis, kwargs: dict) -> None:
    refused(lambda: Catalog(r, **kwargs))


@given(
    kwargs=one_hostile(
        {"namespace": "shop", "partition": "main"}, {"namespace": CONSTRUCTOR["namespace"], "partition": hostile_ids}
    )
)
def test_the_key_schema_refuses_hostile_parts(refused: Callable[..., None], kwargs: dict) -> None:
    refused(lambda: CatalogKeys(**kwargs))


@pytest.mark.parametrize("client", ["bytes", "not a client"])
def test_a_client_without_decode_responses_is_refused_at_construction(
    refused: Callable[..., None], redis_target: Any, client: str
) -> None:
    given_client = redis_target.client(decode_responses=False) if client == "bytes" else object()
    refused(lambda: Catalog(given_client, namespace="shop"))  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------- writes


#: A product write (``put_product``, ``update_product``) with one of its arguments hostile.
PRODUCT_WRITES = one_hostile(
    {"product_id": "p", "fields": {"name": "Lamp"}, "operation_id": None},
    {"product_id": hostile_ids, "fields": hostile_fields, "operation_id": hostile_optional_ids},
)


@given(kwargs=PRODUCT_WRITES)
def test_put_product_refuses_hostile_input(refused: Callable[..., None], shop: Catalog, kwargs: dict) -> None:
    refused(lambda: shop.put_product(**kwargs))


@given(kwargs=PRODUCT_WRITES)
def test_update_product_refuses_hostile_input(refused: Callable[..., None], shop: Catalog, kwargs: dict) -> None:
    refused(lambda: shop.update_product(**kwargs))


@given(
    kwargs=one_hostile(
        {"product_id": "p", "user_id": "ana", "operation_id": None},
        {"product_id": hostile_ids, "user_id": hostile_optional_ids, "operation_id": hostile_optional_ids},
    )
)
def test_record_view_refuses_hostile_input(refused: Callable[..., None], shop: Catalog, kwargs: dict) -> None:
    refused(lambda: shop.record_view(**kwargs))


@given(
    kwargs=one_hostile(
        {"product_id": "p", "delta": 1, "operation_id": None},
        {"product_id": hostile_ids, "delta": hostile_ints(INT64_MIN, INT64_MAX), "operation_id": hostile_optional_ids},
    )
)
def test_adjust_stock_refuses_hostile_input(refused: Callable[..., None], shop: Catalog, kwargs: dict) -> None:
    refused(lambda: shop.adjust_stock(**kwargs))


def test_a_stock_change_beyond_64_bits_is_refused_and_changes_nothing(
    refused: Callable[..., None], shop: Catalog
) -> None:
    shop.adjust_stock("p", INT64_MAX - 5)
    refused(lambda: shop.adjust_stock("p", 1))
    assert shop.product("p")["stock"] == str(INT64_MAX)


@pytest.mark.parametrize("method", ["like", "unlike"])
@given(
    kwargs=one_hostile(
        {"user_id": "ana", "product_id": "p", "operation_id": None},
        {"user_id": hostile_ids, "product_id": hostile_ids, "operation_id": hostile_optional_ids},
    )
)
def test_likes_refuse_hostile_input(refused: Callable[..., None], shop: Catalog, method: str, kwargs: dict) -> None:
    refused(lambda: getattr(shop, method)(**kwargs))


# ---------------------------------------------------------------------------------------------- reads


@pytest.mark.parametrize("method", ["product", "likers"])
@given(product_id=hostile_ids)
def test_product_reads_refuse_hostile_ids(
    refused: Callable[..., None], shop: Catalog, method: str, product_id: Any
) -> None:
    refused(lambda: getattr(shop, method)(product_id))


@pytest.mark.parametrize("method", ["favorites", "favorite_count"])
@given(user_id=hostile_ids)
def test_user_reads_refuse_hostile_ids(refused: Callable[..., None], shop: Catalog, method: str, user_id: Any) -> None:
    refused(lambda: getattr(shop, method)(user_id))


@given(
    kwargs=one_hostile(
        {"product_id": "p", "names": ["name"]},
        {"product_id": hostile_ids, "names": st.one_of(hostile_id_lists, st.just([]))},
    )
)
def test_product_fields_refuses_hostile_input(refused: Callable[..., None], shop: Catalog, kwargs: dict) -> None:
    refused(lambda: shop.product_fields(**kwargs))


@given(
    kwargs=one_hostile(
        {"user_id": "ana", "product_ids": ["p"]}, {"user_id": hostile_ids, "product_ids": hostile_id_lists}
    )
)
def test_are_favorites_refuses_hostile_input(refused: Callable[..., None], shop: Catalog, kwargs: dict) -> None:
    refused(lambda: shop.are_favorites(**kwargs))


@given(
    kwargs=one_hostile(
        {"user_id": "ana", "limit": 5},
        {"user_id": hostile_ids, "limit": hostile_ints(1, MAX_RECENT).filter(lambda v: v is not None)},
    )
)
def test_recently_viewed_refuses_hostile_input(refused: Callable[..., None], shop: Catalog, kwargs: dict) -> None:
    refused(lambda: shop.recently_viewed(**kwargs))


@given(top=hostile_ints(1, MAX_BATCH))
def test_trending_refuses_hostile_input(refused: Callable[..., None], shop: Catalog, top: Any) -> None:
    refused(lambda: shop.trending(top))


@given(
    kwargs=one_hostile(
        {"low": 0, "high": 100, "offset": 0, "count": 20},
        {
            "low": st.one_of(hostile_bounds, st.integers(min_value=101, max_value=INT64_MAX)),
            "high": st.one_of(hostile_bounds, st.floats(max_value=-1e-9, allow_nan=False)),
            "offset": hostile_ints(0, INT64_MAX),
            "count": hostile_ints(1, MAX_BATCH),
        },
    )
)
def test_in_price_range_refuses_hostile_input(refused: Callable[..., None], shop: Catalog, kwargs: dict) -> None:
    refused(lambda: shop.in_price_range(**kwargs))


@given(
    kwargs=one_hostile(
        {"product_ids": ["p"], "user_id": "ana"}, {"product_ids": hostile_id_lists, "user_id": hostile_optional_ids}
    )
)
def test_cards_refuses_hostile_input(refused: Callable[..., None], shop: Catalog, kwargs: dict) -> None:
    refused(lambda: shop.cards(**kwargs))


def _verdict(check: Callable[[], object]) -> object:
    try:
        return check()
    except InvalidInput as error:
        return f"refused: {error}"


@given(ids=st.lists(st.one_of(st.text(alphabet=SAFE, min_size=1, max_size=MAX_ID_LENGTH), hostile_ids), max_size=6))
def test_a_batch_of_ids_gets_the_verdict_of_its_first_bad_id(ids: list[Any]) -> None:
    """``validate_ids`` checks a batch with one regex call (``cards`` of 50 ids); it must accept and refuse
    exactly as ``validate_id`` on each id would, with the same message."""
    assert _verdict(lambda: validate_ids(list(ids), "product id")) == _verdict(
        lambda: [validate_id(value, "product id") for value in ids]
    )
