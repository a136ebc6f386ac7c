"""The asyncio twin of :mod:`redisbehaviors.catalog.catalog`.

Same keys, same scripts, same errors, same method names and arguments; every method that talks to
Redis is a coroutine, and ``cards`` is still one round trip (one script)::

    shop = AsyncCatalog(client, namespace="shop", partition="eu")
    await shop.record_view("lamp", user_id="ana")
    cards = await shop.cards(["lamp", "desk"], user_id="ana")

Everything but the commands (validation, keys, the scripts' arguments, the reading of replies) is
:class:`redisbehaviors.catalog.catalog.CatalogCore`, shared with :class:`~redisbehaviors.catalog.Catalog`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import redis.asyncio

from redisbehaviors.catalog.catalog import CatalogCore, LikeResult, ProductCard
from redisbehaviors.errors import InvalidInput
from redisbehaviors.scripts import load_script
from redisbehaviors.validation import FieldValue, validate_client

AsyncClient = redis.asyncio.Redis | redis.asyncio.RedisCluster
ASYNC_CLIENTS = (redis.asyncio.Redis, redis.asyncio.RedisCluster)


class AsyncCatalog(CatalogCore):
    """See :class:`redisbehaviors.catalog.Catalog`; ``client`` is a ``redis.asyncio.Redis`` or
    ``redis.asyncio.RedisCluster`` created with ``decode_responses=True`` (anything else is refused at
    construction with :class:`InvalidInput`)."""

    client: AsyncClient

    def _checked_client(self, client: Any) -> Any:
        if not isinstance(client, ASYNC_CLIENTS):
            raise InvalidInput(
                f"client must be a redis.asyncio.Redis or redis.asyncio.RedisCluster, got {type(client).__name__}"
            )
        return validate_client(client)

    def _register(self, name: str) -> Any:
        # the short path of redisbehaviors.evalsha (NOSCRIPT: load again and retry), as Catalog's
        return load_script(self.client, __package__, name)

    # ------------------------------------------------------------------------------------ products

    async def put_product(
        self, product_id: str, fields: Mapping[str, FieldValue], *, operation_id: str | None = None
    ) -> bool:
        """See :meth:`redisbehaviors.catalog.Catalog.put_product`."""
        return self._created(await self._put(*self._put_call(product_id, fields, operation_id, must_exist=False)))

    async def update_product(
        self, product_id: str, fields: Mapping[str, FieldValue], *, operation_id: str | None = None
    ) -> None:
        """See :meth:`redisbehaviors.catalog.Catalog.update_product`."""
        self._updated(product_id, await self._put(*self._put_call(product_id, fields, operation_id, must_exist=True)))

    async def product(self, product_id: str) -> dict[str, str]:
        """See :meth:`redisbehaviors.catalog.Catalog.product`."""
        return self._found(product_id, await self.client.hgetall(self._product_key(product_id)))

    async def product_fields(self, product_id: str, names: Sequence[str]) -> dict[str, str | None]:
        """See :meth:`redisbehaviors.catalog.Catalog.product_fields`."""
        key, checked = self._fields_query(product_id, names)
        return self._named(checked, await self.client.hmget(key, checked))

    # ------------------------------------------------------------------------------------ counters

    async def record_view(self, product_id: str, user_id: str | None = None, *, operation_id: str | None = None) -> int:
        """See :meth:`redisbehaviors.catalog.Catalog.record_view`."""
        return self._views(product_id, await self._view(*self._view_call(product_id, user_id, operation_id)))

    async def adjust_stock(self, product_id: str, delta: int, *, operation_id: str | None = None) -> int:
        """See :meth:`redisbehaviors.catalog.Catalog.adjust_stock`."""
        return self._stock(product_id, delta, await self._incr(*self._stock_call(product_id, delta, operation_id)))

    # ------------------------------------------------------------------------------------ likes

    async def like(self, user_id: str, product_id: str, *, operation_id: str | None = None) -> LikeResult:
        """See :meth:`redisbehaviors.catalog.Catalog.like`."""
        call = self._like_call(user_id, product_id, operation_id, like=True)
        return self._liked(product_id, await self._like(*call))

    async def unlike(self, user_id: str, product_id: str, *, operation_id: str | None = None) -> LikeResult:
        """See :meth:`redisbehaviors.catalog.Catalog.unlike`."""
        call = self._like_call(user_id, product_id, operation_id, like=False)
        return self._liked(product_id, await self._like(*call))

    async def likers(self, product_id: str) -> set[str]:
        return set(await self.client.smembers(self._likers_key(product_id)))

    async def favorites(self, user_id: str) -> set[str]:
        return set(await self.client.smembers(self._favorites_key(user_id)))

    async def favorite_count(self, user_id: str) -> int:
        return int(await self.client.scard(self._favorites_key(user_id)))

    async def are_favorites(self, user_id: str, product_ids: Sequence[str]) -> list[bool]:
        """See :meth:`redisbehaviors.catalog.Catalog.are_favorites`."""
        key, ids = self._membership_query(user_id, product_ids)
        return self._flags(await self.client.smismember(key, ids)) if ids else []

    # ------------------------------------------------------------------------------------ recently viewed

    async def recently_viewed(self, user_id: str, limit: int | None = None) -> list[str]:
        """See :meth:`redisbehaviors.catalog.Catalog.recently_viewed`."""
        return list(await self.client.lrange(*self._recent_query(user_id, limit)))

    # ------------------------------------------------------------------------------------ discovery

    async def trending(self, top: int = 10) -> list[tuple[str, int]]:
        """See :meth:`redisbehaviors.catalog.Catalog.trending`."""
        return self._ranked(await self.client.zrange(**self._trending_query(top)))

    async def in_price_range(
        self, low: float, high: float, *, offset: int = 0, count: int = 20
    ) -> list[tuple[str, float]]:
        """See :meth:`redisbehaviors.catalog.Catalog.in_price_range`."""
        return self._priced(await self.client.zrange(**self._price_query(low, high, offset, count)))

    # ------------------------------------------------------------------------------------ batch read

    async def cards(self, product_ids: Sequence[str], user_id: str | None = None) -> list[ProductCard | None]:
        """See :meth:`redisbehaviors.catalog.Catalog.cards`: one round trip (one script)."""
        (keys, args), read = self._cards_call(product_ids, user_id)
        return read(await self._cards(keys, args)) if keys else []
