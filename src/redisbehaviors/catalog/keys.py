"""The catalog's key schema: every key the catalog touches is built here.

All keys of one catalog partition share the hash tag ``{<partition>}``, so that a call which
touches a product, its likers and a user's favorites at once (``like``) stays in one cluster
slot and can run as one atomic script.  The trade-off: one partition is one slot on one node.
A shop that outgrows one node splits its catalog into partitions (per tenant, region or
category), each its own ``Catalog``.

    <ns>:{<partition>}:product:<id>        hash    name, price, …, views, likes, stock
    <ns>:{<partition>}:likers:<id>         set     users who like the product
    <ns>:{<partition>}:favorites:<user>    set     products the user likes
    <ns>:{<partition>}:recent:<user>       list    recently viewed products, most recent first
    <ns>:{<partition>}:trending            zset    product -> views
    <ns>:{<partition>}:by-price            zset    product -> price
    <ns>:{<partition>}:op:<operation id>   string  the reply of a finished operation, for its retries (PX)

Ids cannot contain ``:`` (see :func:`redisbehaviors.validation.validate_id`), so ``product:<id>``,
``op:<id>`` and the rest can never name the same key.
"""

from __future__ import annotations

from dataclasses import dataclass

from redisbehaviors.keyschema import tagged
from redisbehaviors.validation import validate_id, validate_namespace


@dataclass(frozen=True)
class CatalogKeys:
    namespace: str
    partition: str

    def __post_init__(self) -> None:
        validate_namespace(self.namespace)
        validate_id(self.partition, "partition")

    def _key(self, *parts: str) -> str:
        return tagged(self.namespace, self.partition, *parts)

    def product(self, product_id: str) -> str:
        return self._key("product", product_id)

    def products(self, product_ids: list[str]) -> list[str]:
        """``product(id)`` of each id (one prefix, joined once per id)."""
        prefix = self.product("")
        return [prefix + product_id for product_id in product_ids]

    def likers(self, product_id: str) -> str:
        return self._key("likers", product_id)

    def favorites(self, user_id: str) -> str:
        return self._key("favorites", user_id)

    def recent(self, user_id: str) -> str:
        return self._key("recent", user_id)

    def operation(self, operation_id: str) -> str:
        return self._key("op", operation_id)

    @property
    def trending(self) -> str:
        return self._key("trending")

    @property
    def by_price(self) -> str:
        return self._key("by-price")
