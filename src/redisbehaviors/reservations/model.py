"""Values the reservation service returns, and the validation of what it is given."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from redisbehaviors.errors import InvalidInput
from redisbehaviors.validation import shown, validate_count, validate_id

MAX_ID_LENGTH = 64
MAX_LINES = 100
MAX_QUANTITY = 1_000_000
MAX_STOCK = 10**12
MAX_TTL_MS = 30 * 24 * 3600 * 1000

Items = Mapping[str, int] | Iterable[tuple[str, int]]


class HoldState(StrEnum):
    HELD = "held"
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


class Outcome(StrEnum):
    """What a call did, as the script reported it."""

    HELD = "held"
    ALREADY_HELD = "already_held"
    CONFIRMED = "confirmed"
    ALREADY_CONFIRMED = "already_confirmed"
    CANCELLED = "cancelled"
    ALREADY_CANCELLED = "already_cancelled"
    #: The hold's deadline had passed: nothing was sold, its stock went back exactly once.
    EXPIRED = "expired"
    EXTENDED = "extended"


@dataclass(frozen=True)
class StockLevel:
    """One SKU's counters; ``available + reserved + sold == total`` (units ever put in)."""

    available: int
    reserved: int
    sold: int
    total: int


@dataclass(frozen=True)
class Reservation:
    order_id: str
    outcome: Outcome
    deadline_ms: int
    lines: dict[str, int]


@dataclass(frozen=True)
class Hold:
    order_id: str
    state: HoldState
    deadline_ms: int
    lines: dict[str, int]
    closed_ms: int | None

    @classmethod
    def from_json(cls, order_id: str, raw: str) -> Hold:
        data = json.loads(raw)
        closed = data.get("closed")
        return cls(
            order_id,
            HoldState(data["state"]),
            int(data["deadline"]),
            {sku: int(qty) for sku, qty in data["lines"]},
            int(closed) if closed is not None else None,
        )


@dataclass(frozen=True)
class SweepResult:
    expired: int
    forgotten: int


def validate_sku(sku: object) -> str:
    return validate_id(sku, "SKU", max_length=MAX_ID_LENGTH)


def validate_order_id(order_id: object) -> str:
    return validate_id(order_id, "order id", max_length=MAX_ID_LENGTH)


def validate_ttl(ttl_ms: object) -> int:
    return validate_count(ttl_ms, "ttl_ms", minimum=1, maximum=MAX_TTL_MS)


def validate_items(items: Items) -> list[tuple[str, int]]:
    """Order lines as ``[(sku, qty), ...]`` sorted by SKU, or :class:`InvalidInput` naming the bad part.

    ``items`` is a mapping or a sequence of pairs; the pair form is how a duplicate SKU can arrive
    (from a cart with the same product twice), and it is refused rather than silently merged.
    """
    if isinstance(items, str | bytes) or not isinstance(items, Mapping | Iterable):
        raise InvalidInput("items must be a mapping of SKU to quantity or a sequence of (SKU, quantity)")
    pairs: list[object] = []
    for pair in items.items() if isinstance(items, Mapping) else items:
        pairs.append(pair)
        if len(pairs) > MAX_LINES:  # stop early: a hostile iterable may never end
            raise InvalidInput(f"an order has at most {MAX_LINES} lines")
    if not pairs:
        raise InvalidInput("an order needs at least one line")
    seen: dict[str, int] = {}
    for pair in pairs:
        if not isinstance(pair, tuple | list) or len(pair) != 2:
            raise InvalidInput(f"an order line must be a (SKU, quantity) pair, got {shown(pair)}")
        sku, qty = validate_sku(pair[0]), pair[1]
        validate_count(qty, f"quantity of {sku!r}", minimum=1, maximum=MAX_QUANTITY)
        if sku in seen:
            raise InvalidInput(f"SKU {sku!r} appears twice in one order: merge the lines first")
        seen[sku] = qty
    return sorted(seen.items())
