"""Errors the reservation service raises on purpose."""

from __future__ import annotations

from dataclasses import dataclass

from redisbehaviors.errors import InvalidInput, RedisBehaviorsError, UnknownEntity


class ReservationError(RedisBehaviorsError):
    """Base class of the reservation service's refusals."""


@dataclass(frozen=True)
class Shortage:
    """One line that could not be filled: how many were wanted and how many were available."""

    wanted: int
    available: int


class OutOfStock(ReservationError):
    """An order was refused because at least one line is short; nothing was reserved.

    ``shortages`` maps every short SKU to its :class:`Shortage`.
    """

    def __init__(self, order_id: str, shortages: dict[str, Shortage]) -> None:
        self.order_id = order_id
        self.shortages = shortages
        lines = "; ".join(f"{sku}: wanted {s.wanted}, available {s.available}" for sku, s in shortages.items())
        super().__init__(f"order {order_id!r} refused, nothing reserved: {lines}")


class UnknownSku(InvalidInput, UnknownEntity):
    """The call names SKUs that were never stocked; nothing was written."""

    def __init__(self, skus: list[str]) -> None:
        self.skus = skus
        super().__init__(f"unknown SKU(s), never stocked: {', '.join(skus)}")


class UnknownOrder(UnknownEntity):
    """No reservation exists (or is still remembered) for this order id."""


class OrderConflict(ReservationError):
    """The order id is already used: by a hold of other lines, or by an order that is no longer held."""

    def __init__(self, order_id: str, state: str) -> None:
        self.order_id = order_id
        self.state = state
        what = "holds other lines" if state == "held" else f"is already {state}"
        super().__init__(f"order {order_id!r} {what}: use a new order id")


class RestockConflict(ReservationError):
    """A restock id was reused for another SKU or quantity; nothing was added."""


class LibraryNotLoaded(ReservationError):
    """The Function library is missing and the engine was told not to load it (``load=False``)."""


class TooMuchContention(ReservationError):
    """The optimistic (WATCH) path gave up after its maximum number of attempts."""
