"""The reservation service's key schema: every key it touches is built here.

Every key of one inventory partition shares the hash tag ``{<partition>}``, so a multi-SKU
order, the sweeper and confirm/cancel (which learn an order's SKUs only while they run) each
touch one cluster slot, and each script can be given the same fixed list of keys.

    <ns>:{<partition>}:stock      hash    <sku>:available, <sku>:reserved, <sku>:sold, <sku>:total
    <ns>:{<partition>}:holds      hash    order id -> JSON {state, deadline, closed, lines}
    <ns>:{<partition>}:expiry     zset    order id -> deadline (ms, server time), live holds only
    <ns>:{<partition>}:done       zset    order id -> when it was closed (ms), for retention
    <ns>:{<partition>}:audit      stream  state changes (when auditing is on)
    <ns>:{<partition>}:restocks   hash    restock id -> "<sku> <qty>"
    <ns>:{<partition>}:op:<id>    string  the reply of a finished set_stock/restock (JSON), kept for a retry

The trade-off: a partition is one slot, so it lives on one node and all its traffic goes there
(a hot slot).  A shop that outgrows one node splits its inventory into partitions (per warehouse,
region or tenant), each its own :class:`~redisbehaviors.reservations.Reservations`; an order then
has to be reserved in one partition.
"""

from __future__ import annotations

from dataclasses import dataclass

from redisbehaviors.keyschema import tagged
from redisbehaviors.validation import validate_id, validate_namespace


@dataclass(frozen=True)
class ReservationKeys:
    namespace: str
    partition: str

    def __post_init__(self) -> None:
        validate_namespace(self.namespace)
        validate_id(self.partition, "partition", max_length=64)

    def _key(self, name: str) -> str:
        return tagged(self.namespace, self.partition, name)

    @property
    def stock(self) -> str:
        return self._key("stock")

    @property
    def holds(self) -> str:
        return self._key("holds")

    @property
    def expiry(self) -> str:
        return self._key("expiry")

    @property
    def done(self) -> str:
        return self._key("done")

    @property
    def audit(self) -> str:
        return self._key("audit")

    @property
    def restocks(self) -> str:
        return self._key("restocks")

    @property
    def all(self) -> list[str]:
        """The six keys, in the order every script expects them as ``KEYS[1..6]``."""
        return [self.stock, self.holds, self.expiry, self.done, self.audit, self.restocks]

    def op(self, operation_id: str) -> str:
        """A call's operation record (operation ids are identifiers: no ``:``, so no collision)."""
        return tagged(self.namespace, self.partition, "op", operation_id)

    @staticmethod
    def field(sku: str, counter: str) -> str:
        """``field("A-1", "available")`` -> ``"A-1:available"`` (SKUs never contain ``:``)."""
        return f"{sku}:{counter}"
