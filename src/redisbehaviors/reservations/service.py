"""All-or-nothing stock reservation for a checkout, one Lua script per state change."""

from __future__ import annotations

from typing import Any, Literal

import redis

from redisbehaviors.errors import InvalidInput
from redisbehaviors.evalsha import run_command
from redisbehaviors.idempotency import OPERATION_TTL_MS, operation_id, validate_operation_ttl
from redisbehaviors.reservations.engine import Arg, Engine, FunctionEngine, ScriptEngine
from redisbehaviors.reservations.errors import (
    OrderConflict,
    OutOfStock,
    RestockConflict,
    Shortage,
    UnknownOrder,
    UnknownSku,
)
from redisbehaviors.reservations.keys import ReservationKeys
from redisbehaviors.reservations.model import (
    MAX_ID_LENGTH,
    MAX_QUANTITY,
    MAX_STOCK,
    Hold,
    Items,
    Outcome,
    Reservation,
    StockLevel,
    SweepResult,
    validate_items,
    validate_order_id,
    validate_sku,
    validate_ttl,
)
from redisbehaviors.validation import shown, validate_client, validate_count, validate_id, validate_ttl_ms

COUNTERS = ("available", "reserved", "sold", "total")


class Reservations:
    """Stock per SKU and time-limited holds of orders, for one inventory partition.

    ``client`` is a ``Redis`` or ``RedisCluster`` made with ``decode_responses=True``.
    ``engine="script"`` runs the ``.lua`` files with ``EVALSHA``; ``engine="function"`` loads them
    as the ``reservations_v1`` Function library and uses ``FCALL`` (Redis 7.0+).

    A hold lives until its deadline (server time).  Its stock comes back exactly once: when it is
    cancelled, or when it expires -- found by :meth:`sweep`, by a later :meth:`reserve` (which
    reclaims up to ``reclaim_on_reserve`` due holds first), or by anyone reading that order.
    Closed orders are remembered for ``retention_ms`` (so confirm/cancel stay idempotent), then
    :meth:`sweep` forgets them.

    Exactly once under retries: every state change takes an optional ``operation_id`` (one is made per
    call otherwise); a retry of the same call after a lost reply returns the first run's reply and
    changes nothing.  ``load_library=False`` (with ``engine="function"``) expects the library deployed
    beforehand (:func:`~redisbehaviors.reservations.deploy_library`), so the user needs no
    ``FUNCTION LOAD``.
    """

    def __init__(
        self,
        client: redis.Redis | redis.RedisCluster,
        *,
        namespace: str = "stock",
        partition: str = "main",
        engine: Literal["script", "function"] = "script",
        audit_cap: int = 0,
        reclaim_on_reserve: int = 16,
        retention_ms: int = 7 * 24 * 3600 * 1000,
        operation_ttl_ms: int = OPERATION_TTL_MS,
        load_library: bool = True,
    ) -> None:
        self.client = validate_client(client)  # type: ignore[assignment]
        self.keys = ReservationKeys(namespace, partition)
        self.audit_cap = validate_count(audit_cap, "audit_cap", maximum=10_000_000)
        self.reclaim_on_reserve = validate_count(reclaim_on_reserve, "reclaim_on_reserve", maximum=10_000)
        self.retention_ms = validate_ttl_ms(retention_ms, "retention_ms")
        self.operation_ttl_ms = validate_operation_ttl(operation_ttl_ms)
        if not isinstance(engine, str) or engine not in ("script", "function"):
            raise InvalidInput(f"engine must be 'script' or 'function', got {shown(engine)}")
        if not isinstance(load_library, bool):
            raise InvalidInput(f"load_library must be True or False, got {shown(load_library)}")
        self.engine: Engine = ScriptEngine(client) if engine == "script" else FunctionEngine(client, load=load_library)

    @property
    def script_reloads(self) -> int:
        """How often a script (or the library) had to be loaded again after the server lost it."""
        return self.engine.reloads

    def _run(self, name: str, *args: Arg) -> Any:
        return self.engine.call(name, self.keys.all, [self.audit_cap, *args])

    def _run_recorded(self, name: str, op: str, *args: Arg) -> Any:
        """Run a script that records its reply under the operation id (a seventh key)."""
        keys = [*self.keys.all, self.keys.op(op)]
        return self.engine.call(name, keys, [self.audit_cap, *args, self.operation_ttl_ms])

    # ------------------------------------------------------------------------------------ stock

    def set_stock(self, sku: str, available: int, *, operation_id: str | None = None) -> StockLevel:
        """Set the available units of a SKU (a stock-take); defines the SKU when it is new."""
        validate_sku(sku)
        validate_count(available, "available", maximum=MAX_STOCK)
        op = _operation(operation_id)
        return StockLevel(*(int(v) for v in self._run_recorded("set_stock", op, sku, available)))

    def restock(self, sku: str, quantity: int, restock_id: str, *, operation_id: str | None = None) -> bool:
        """Add units once per ``restock_id``; returns False when that id was already applied (by another call)."""
        validate_sku(sku)
        validate_count(quantity, "restock quantity", minimum=1, maximum=MAX_QUANTITY)
        validate_id(restock_id, "restock id", max_length=MAX_ID_LENGTH)
        op = _operation(operation_id)
        status, detail = self._run_recorded("restock", op, restock_id, sku, quantity)
        if status == "conflict":
            raise RestockConflict(f"restock id {restock_id!r} was already used for {detail!r}")
        return bool(status == "added")

    def stock(self, sku: str) -> StockLevel:
        """Available, reserved, sold and total units of a SKU (one ``HMGET``)."""
        validate_sku(sku)
        values = run_command(self.client, ("HMGET", self.keys.stock, *(self.keys.field(sku, c) for c in COUNTERS)))
        if values[3] is None:
            raise UnknownSku([sku])
        return StockLevel(*(int(v or 0) for v in values))

    # ------------------------------------------------------------------------------------ holds

    def reserve(self, order_id: str, items: Items, ttl_ms: int, *, operation_id: str | None = None) -> Reservation:
        """Hold every line of an order for ``ttl_ms``, or none of them.

        Raises :class:`OutOfStock` naming every short line, :class:`UnknownSku`, or
        :class:`OrderConflict` when the order id is taken by other lines or a closed order.
        Reserving the same order with the same lines again returns ``ALREADY_HELD`` (but a retry of this
        call, with its operation id, returns ``HELD``).
        """
        validate_order_id(order_id)
        lines = validate_items(items)
        validate_ttl(ttl_ms)
        op = _operation(operation_id)
        flat = [part for line in lines for part in line]
        reply = self._run("reserve", order_id, ttl_ms, self.reclaim_on_reserve, op, *flat)
        status, rest = reply[0], reply[1:]
        if status in ("held", "already_held"):
            return Reservation(order_id, Outcome(status), int(rest[0]), dict(lines))
        if status == "short":
            shortages = {rest[i]: Shortage(int(rest[i + 1]), int(rest[i + 2])) for i in range(0, len(rest), 3)}
            raise OutOfStock(order_id, shortages)
        if status == "unknown":
            raise UnknownSku(list(rest))
        raise OrderConflict(order_id, rest[0])

    def confirm(self, order_id: str, *, operation_id: str | None = None) -> Outcome:
        """Sell a held order: ``CONFIRMED``, ``ALREADY_CONFIRMED``, ``EXPIRED`` or ``CANCELLED``."""
        return self._close("confirm", order_id, operation_id)

    def cancel(self, order_id: str, *, operation_id: str | None = None) -> Outcome:
        """Give a hold back: ``CANCELLED``, ``ALREADY_CANCELLED``, ``EXPIRED`` or ``CONFIRMED``."""
        return self._close("cancel", order_id, operation_id)

    def _close(self, script: str, order_id: str, operation_id: str | None) -> Outcome:
        validate_order_id(order_id)
        status = self._run(script, order_id, _operation(operation_id))
        if status == "unknown":
            raise UnknownOrder(f"no reservation for order {order_id!r}")
        return Outcome(status)

    def extend(self, order_id: str, ttl_ms: int, *, operation_id: str | None = None) -> Outcome:
        """Move a live hold's deadline to ``ttl_ms`` from now: ``EXTENDED``, or the state that prevents it."""
        validate_order_id(order_id)
        validate_ttl(ttl_ms)
        reply = self._run("extend", order_id, ttl_ms, _operation(operation_id))
        if reply[0] == "unknown":
            raise UnknownOrder(f"no reservation for order {order_id!r}")
        return Outcome(reply[0])

    def hold(self, order_id: str) -> Hold:
        """An order's hold; one whose deadline has passed is expired now, before it is returned."""
        validate_order_id(order_id)
        raw = self._run("hold", order_id)
        if raw is None:
            raise UnknownOrder(f"no reservation for order {order_id!r}")
        return Hold.from_json(order_id, raw)

    def sweep(self, limit: int = 100) -> SweepResult:
        """Expire up to ``limit`` due holds and forget up to ``limit`` orders closed before the retention."""
        validate_count(limit, "limit", minimum=1, maximum=10_000)
        expired, forgotten = self._run("sweep", limit, self.retention_ms)
        return SweepResult(int(expired), int(forgotten))

    def audit_log(self, count: int = 100) -> list[dict[str, str]]:
        """The most recent state changes, oldest first (empty unless ``audit_cap`` > 0)."""
        validate_count(count, "count", minimum=1, maximum=10_000)
        entries = run_command(self.client, ("XREVRANGE", self.keys.audit, "+", "-", "COUNT", count))
        return [fields for _, fields in reversed(entries)]


def _operation(given: object) -> str:
    """The caller's operation id (an identifier of at most 64 characters) or a fresh one."""
    if given is not None:
        validate_id(given, "operation_id", max_length=MAX_ID_LENGTH)
    return operation_id(given)  # type: ignore[arg-type]
