"""A small shop catalog on Redis fundamentals: hashes, counters, sets, lists and sorted sets."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import redis

from redisbehaviors.catalog.keys import CatalogKeys
from redisbehaviors.errors import InvalidInput, UnknownEntity
from redisbehaviors.idempotency import OPERATION_TTL_MS, operation_id, validate_operation_ttl
from redisbehaviors.scripts import load_script
from redisbehaviors.validation import (
    INT64_MAX,
    INT64_MIN,
    FieldValue,
    shown,
    validate_client,
    validate_count,
    validate_field_value,
    validate_id,
    validate_int64,
    validate_ttl_ms,
)

#: Fields only the catalog itself writes (through ``record_view``, ``like`` and ``adjust_stock``).
COUNTERS = ("views", "likes", "stock")
MAX_FIELD_VALUE_BYTES = 64 * 1024
#: Fields per ``put_product``/``update_product``: the script unpacks them onto the Lua stack.
MAX_FIELDS = 256
MAX_BATCH = 1000
MAX_RECENT = 10_000


@dataclass(frozen=True)
class ProductCard:
    """What a listing page shows for one product."""

    product_id: str
    name: str | None
    price: float | None
    views: int
    likes: int
    favorite: bool


@dataclass(frozen=True)
class LikeResult:
    changed: bool
    likes: int


def _validate_fields(fields: Mapping[str, FieldValue], *, allow_stock: bool) -> dict[str, FieldValue]:
    if not isinstance(fields, Mapping) or not fields:
        raise InvalidInput("fields must be a non-empty mapping of field name to value")
    if len(fields) > MAX_FIELDS:
        raise InvalidInput(f"at most {MAX_FIELDS} fields per call, got {len(fields)}")
    clean: dict[str, FieldValue] = {}
    for name, value in fields.items():
        validate_id(name, "field name", max_length=64)
        if name in COUNTERS and not (allow_stock and name == "stock"):
            raise InvalidInput(f"field {name!r} is a counter: change it through its own method")
        clean[name] = validate_field_value(name, value, max_bytes=MAX_FIELD_VALUE_BYTES)
    if "price" in clean:
        price = clean["price"]
        if isinstance(price, str) or price < 0:
            raise InvalidInput(f"price must be a non-negative number, got {price!r}")
    if "stock" in clean:
        validate_count(clean["stock"], "stock")
    return clean


def _encoded(value: FieldValue) -> str:
    """How redis-py would send a value (``repr`` of a number), so a script stores the same text."""
    return value if isinstance(value, str) else repr(value)


def _validate_bound(value: object, name: str) -> float:
    """A price bound: a number (``±inf`` for an open end), never NaN, a bool or an int beyond 64 bits."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidInput(f"{name} price bound must be a number, got {type(value).__name__}: {shown(value)}")
    if isinstance(value, int) and not INT64_MIN <= value <= INT64_MAX:
        raise InvalidInput(f"{name} price bound must fit in 64 bits, got {shown(value)}")
    if math.isnan(value):
        raise InvalidInput(f"{name} price bound must be a number, got nan")
    return float(value)


def _validate_ids(ids: Sequence[str], what: str) -> list[str]:
    """A list or tuple of ids (answers come in the order asked, so an unordered set is refused)."""
    if isinstance(ids, str | bytes):
        raise InvalidInput(f"{what}s must be a list or tuple of ids, not one string")
    if not isinstance(ids, Sequence):
        raise InvalidInput(f"{what}s must be a list or tuple of ids, got {type(ids).__name__}: {shown(ids)}")
    if len(ids) > MAX_BATCH:
        raise InvalidInput(f"at most {MAX_BATCH} {what}s per call, got {len(ids)}")
    return [validate_id(i, what) for i in ids]


class Catalog:
    """Products, counters, likes/favorites, recently viewed and discovery for one catalog partition.

    ``client`` must be created with ``decode_responses=True``; it may be a ``Redis`` or a
    ``RedisCluster``.  Every key lives under ``namespace`` and the partition's hash tag
    (see :mod:`redisbehaviors.catalog.keys`).

    Every call that writes is safe to retry (see "Exactly once under retries" in
    ``docs/fundamentals/catalog.md``): the scripts record a finished operation's reply for
    ``operation_ttl_ms`` under its operation id, which each call generates or takes as ``operation_id=``.
    """

    def __init__(
        self,
        client: redis.Redis | redis.RedisCluster,
        *,
        namespace: str = "shop",
        partition: str = "main",
        recent_limit: int = 20,
        recent_idle_ms: int = 30 * 24 * 3600 * 1000,
        operation_ttl_ms: int = OPERATION_TTL_MS,
    ) -> None:
        self.client = validate_client(client)
        self.keys = CatalogKeys(namespace, partition)
        self.recent_limit = validate_count(recent_limit, "recent_limit", minimum=1, maximum=MAX_RECENT)
        self.recent_idle_ms = validate_ttl_ms(recent_idle_ms, "recent_idle_ms")
        self.operation_ttl_ms = validate_operation_ttl(operation_ttl_ms)
        self._put = load_script(client, __package__, "put")
        self._like = load_script(client, __package__, "like")
        self._view = load_script(client, __package__, "view")
        self._incr = load_script(client, __package__, "incr")

    # ------------------------------------------------------------------------------------ products

    def put_product(
        self, product_id: str, fields: Mapping[str, FieldValue], *, operation_id: str | None = None
    ) -> bool:
        """Create or update a product field by field (``HSET``); returns True when it was new.

        The price index follows the ``price`` field in the same script, atomically (as ``MULTI`` would).
        """
        validate_id(product_id, "product id")
        clean = _validate_fields(fields, allow_stock=True)
        return self._write_product(product_id, clean, operation_id, must_exist=False) == 1

    def update_product(
        self, product_id: str, fields: Mapping[str, FieldValue], *, operation_id: str | None = None
    ) -> None:
        """Change some fields of an existing product; other fields (and concurrent writers' fields) stay."""
        validate_id(product_id, "product id")
        clean = _validate_fields(fields, allow_stock=False)
        if self._write_product(product_id, clean, operation_id, must_exist=True) == -1:
            raise UnknownEntity(f"unknown product {product_id!r}")

    def _write_product(
        self, product_id: str, fields: dict[str, FieldValue], given_id: str | None, *, must_exist: bool
    ) -> int:
        op = operation_id(given_id)
        price = _encoded(fields["price"]) if "price" in fields else ""
        pairs = [part for name, value in fields.items() for part in (name, _encoded(value))]
        return int(
            self._put(
                keys=[self.keys.product(product_id), self.keys.by_price, self.keys.operation(op)],
                args=[product_id, "1" if must_exist else "0", self.operation_ttl_ms, price, *pairs],
            )
        )

    def product(self, product_id: str) -> dict[str, str]:
        """Every field of a product (``HGETALL``); raises :class:`UnknownEntity` when there is none."""
        validate_id(product_id, "product id")
        fields = self.client.hgetall(self.keys.product(product_id))
        if not fields:
            raise UnknownEntity(f"unknown product {product_id!r}")
        return fields

    def product_fields(self, product_id: str, names: Sequence[str]) -> dict[str, str | None]:
        """Some fields of a product in one ``HMGET``; a field the product lacks reads as None."""
        validate_id(product_id, "product id")
        names = _validate_ids(names, "field name")
        if not names:
            raise InvalidInput("ask for at least one field")
        values = self.client.hmget(self.keys.product(product_id), names)
        return dict(zip(names, values, strict=True))

    # ------------------------------------------------------------------------------------ counters

    def record_view(self, product_id: str, user_id: str | None = None, *, operation_id: str | None = None) -> int:
        """Count a view, bump trending and, for a known viewer, the recently-viewed list: one round trip."""
        validate_id(product_id, "product id")
        viewer = validate_id(user_id, "user id") if user_id is not None else None
        op = self._operation(operation_id)
        recent = self.keys.recent(viewer) if viewer else self.keys.product(product_id)
        views = self._view(
            keys=[self.keys.product(product_id), self.keys.trending, recent, op],
            args=[product_id, self.recent_limit, self.recent_idle_ms, "1" if viewer else "0", self.operation_ttl_ms],
        )
        if views == -1:
            raise UnknownEntity(f"unknown product {product_id!r}")
        return int(views)

    def _operation(self, given: str | None) -> str:
        """The key of this call's operation record (under the partition's hash tag)."""
        return self.keys.operation(operation_id(given))

    def adjust_stock(self, product_id: str, delta: int, *, operation_id: str | None = None) -> int:
        """Add ``delta`` (may be negative) to the stock counter atomically; returns the new stock.

        There is no floor here: refusing to go below zero needs a check-and-write, which is the
        Lua topic's reservation service.
        """
        validate_id(product_id, "product id")
        validate_int64(delta, "stock delta")
        reply = self._incr(
            keys=[self.keys.product(product_id), self._operation(operation_id)],
            args=["stock", delta, self.operation_ttl_ms],
        )
        if reply[0] == 0:
            raise UnknownEntity(f"unknown product {product_id!r}")
        if reply[0] == -2:
            raise InvalidInput(f"stock of {product_id!r} changed by {delta} would not fit in 64 bits (nothing changed)")
        return int(reply[1])

    # ------------------------------------------------------------------------------------ likes

    def like(self, user_id: str, product_id: str, *, operation_id: str | None = None) -> LikeResult:
        """Like a product: idempotent; the like counter, likers and favorites change together."""
        return self._toggle(user_id, product_id, operation_id, like=True)

    def unlike(self, user_id: str, product_id: str, *, operation_id: str | None = None) -> LikeResult:
        """Take a like back: unliking what was never liked changes nothing."""
        return self._toggle(user_id, product_id, operation_id, like=False)

    def _toggle(self, user_id: str, product_id: str, given_id: str | None, *, like: bool) -> LikeResult:
        validate_id(user_id, "user id")
        validate_id(product_id, "product id")
        op = self._operation(given_id)
        keys = [self.keys.product(product_id), self.keys.likers(product_id), self.keys.favorites(user_id), op]
        changed, likes = self._like(keys=keys, args=[user_id, product_id, "1" if like else "0", self.operation_ttl_ms])
        if changed == -1:
            raise UnknownEntity(f"unknown product {product_id!r}")
        return LikeResult(bool(changed), int(likes))

    def likers(self, product_id: str) -> set[str]:
        validate_id(product_id, "product id")
        return set(self.client.smembers(self.keys.likers(product_id)))

    def favorites(self, user_id: str) -> set[str]:
        validate_id(user_id, "user id")
        return set(self.client.smembers(self.keys.favorites(user_id)))

    def favorite_count(self, user_id: str) -> int:
        validate_id(user_id, "user id")
        return int(self.client.scard(self.keys.favorites(user_id)))

    def are_favorites(self, user_id: str, product_ids: Sequence[str]) -> list[bool]:
        """Membership of many products at once (``SMISMEMBER``, Redis >= 6.2), in the order asked."""
        validate_id(user_id, "user id")
        ids = _validate_ids(product_ids, "product id")
        if not ids:
            return []
        return [bool(flag) for flag in self.client.smismember(self.keys.favorites(user_id), ids)]

    # ------------------------------------------------------------------------------------ recently viewed

    def recently_viewed(self, user_id: str, limit: int | None = None) -> list[str]:
        """Most recent first, without duplicates, at most ``recent_limit`` long."""
        validate_id(user_id, "user id")
        count = self.recent_limit if limit is None else validate_count(limit, "limit", minimum=1, maximum=MAX_RECENT)
        return list(self.client.lrange(self.keys.recent(user_id), 0, count - 1))

    # ------------------------------------------------------------------------------------ discovery

    def trending(self, top: int = 10) -> list[tuple[str, int]]:
        """The ``top`` most viewed products with their views, highest first.

        Equal scores are ordered by member bytes; with ``REV`` that order is reversed too, so
        among equally viewed products the one whose id sorts last comes first.
        """
        validate_count(top, "top", minimum=1, maximum=MAX_BATCH)
        rows = self.client.zrange(self.keys.trending, 0, top - 1, desc=True, withscores=True)
        return [(member, int(score)) for member, score in rows]

    def in_price_range(
        self, low: float, high: float, *, offset: int = 0, count: int = 20
    ) -> list[tuple[str, float]]:
        """Products priced in ``[low, high]``, cheapest first, paged with ``ZRANGE … BYSCORE LIMIT``."""
        low, high = _validate_bound(low, "low"), _validate_bound(high, "high")
        if low > high:
            raise InvalidInput(f"low price bound {low} is above high bound {high}")
        validate_count(offset, "offset")
        validate_count(count, "count", minimum=1, maximum=MAX_BATCH)
        rows = self.client.zrange(
            self.keys.by_price, low, high, byscore=True, offset=offset, num=count, withscores=True
        )
        return [(member, float(score)) for member, score in rows]

    # ------------------------------------------------------------------------------------ batch read

    def cards(self, product_ids: Sequence[str], user_id: str | None = None) -> list[ProductCard | None]:
        """Product cards for a listing page in one round trip; None where a product does not exist."""
        ids = _validate_ids(product_ids, "product id")
        viewer = validate_id(user_id, "user id") if user_id is not None else None
        if not ids:
            return []
        pipe = self.client.pipeline(transaction=False)
        for product_id in ids:
            pipe.hmget(self.keys.product(product_id), ["name", "price", "views", "likes"])
        if viewer:
            pipe.smismember(self.keys.favorites(viewer), ids)
        replies = pipe.execute()
        flags = [bool(f) for f in replies[-1]] if viewer else [False] * len(ids)
        cards: list[ProductCard | None] = []
        for product_id, (name, price, views, likes), favorite in zip(ids, replies, flags, strict=False):
            if name is None and price is None and views is None and likes is None:
                cards.append(None)
                continue
            cards.append(
                ProductCard(
                    product_id,
                    name,
                    float(price) if price is not None else None,
                    int(views or 0),
                    int(likes or 0),
                    favorite,
                )
            )
        return cards
