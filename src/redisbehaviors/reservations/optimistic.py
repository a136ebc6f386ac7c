"""``reserve`` done optimistically with ``WATCH``/``MULTI``/``EXEC``, for comparison with the script.

It writes the same data layout, so :class:`~redisbehaviors.reservations.Reservations` can
confirm, cancel and sweep the holds it makes.  Each attempt costs four round trips (WATCH, the
reads, TIME, MULTI…EXEC) and is thrown away when any watched key changed in between, which is
the normal case under contention: ``EXEC`` then returns nothing and the attempt starts over.
``WATCH`` works per key, so a change to *any* SKU of the partition aborts the attempt.
Standalone servers only (redis-py's cluster pipeline does not keep WATCH semantics here).  It
does not reclaim expired holds itself: that is left to the script service's sweeper.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable

import redis
from redis.exceptions import WatchError

from redisbehaviors.errors import InvalidInput
from redisbehaviors.idempotency import operation_id as make_operation_id
from redisbehaviors.reservations.errors import (
    OrderConflict,
    OutOfStock,
    ReservationError,
    Shortage,
    TooMuchContention,
    UnknownSku,
)
from redisbehaviors.reservations.keys import ReservationKeys
from redisbehaviors.reservations.model import (
    Items,
    Outcome,
    Reservation,
    validate_items,
    validate_order_id,
    validate_ttl,
)
from redisbehaviors.validation import validate_client, validate_count, validate_id


class OptimisticReservations:
    """``reserve(order_id, items, ttl_ms)`` with optimistic locking; counts attempts and aborts.

    ``on_watched`` (a test seam) is called after the watched reads and before ``MULTI``: a
    write made there by another client makes that attempt abort.
    """

    def __init__(
        self,
        client: redis.Redis,
        *,
        namespace: str = "stock",
        partition: str = "main",
        max_attempts: int = 10_000,
        on_watched: Callable[[int], None] | None = None,
    ) -> None:
        validate_client(client)
        if isinstance(client, redis.RedisCluster):
            raise InvalidInput(
                "OptimisticReservations needs a standalone redis.Redis (WATCH across a cluster pipeline)"
            )
        if on_watched is not None and not callable(on_watched):
            raise InvalidInput(f"on_watched must be callable, got {type(on_watched).__name__}")
        self.client = client
        self.keys = ReservationKeys(namespace, partition)
        self.max_attempts = validate_count(max_attempts, "max_attempts", minimum=1, maximum=1_000_000)
        self.on_watched = on_watched
        self.attempts = 0
        self.aborts = 0
        self._lock = threading.Lock()  # the counters are shared by the threads of a benchmark

    def _count(self, *, aborted: bool) -> None:
        with self._lock:
            self.attempts += 1
            self.aborts += int(aborted)

    def reserve(self, order_id: str, items: Items, ttl_ms: int, *, operation_id: str | None = None) -> Reservation:
        """Like :meth:`Reservations.reserve`; an attempt whose ``EXEC`` reply was lost (redis-py raises
        ``WatchError`` then) is tried again and finds the hold it made, by its operation id: ``HELD``."""
        validate_order_id(order_id)
        lines = validate_items(items)
        validate_ttl(ttl_ms)
        if operation_id is not None:
            validate_id(operation_id, "operation_id", max_length=64)
        op = make_operation_id(operation_id)
        for attempt in range(self.max_attempts):
            try:
                reservation = self._attempt(order_id, lines, ttl_ms, attempt, op)
            except WatchError:
                self._count(aborted=True)
                continue
            except (ReservationError, UnknownSku):
                self._count(aborted=False)  # a refusal is a completed attempt
                raise
            self._count(aborted=False)
            return reservation
        raise TooMuchContention(f"order {order_id!r}: gave up after {self.max_attempts} aborted attempts")

    def _attempt(self, order_id: str, lines: list[tuple[str, int]], ttl_ms: int, attempt: int, op: str) -> Reservation:
        keys = self.keys
        with self.client.pipeline(transaction=True) as pipe:
            pipe.watch(keys.stock, keys.holds)  # from here until EXEC, commands run immediately
            existing = pipe.hget(keys.holds, order_id)
            if existing is not None:
                hold = json.loads(existing)
                same_lines = [tuple(x) for x in hold["lines"]] == lines
                if same_lines and hold.get("op") == op:  # this call's earlier attempt made it
                    return Reservation(order_id, Outcome.HELD, int(hold["deadline"]), dict(lines))
                same = hold["state"] == "held" and same_lines
                if same:
                    return Reservation(order_id, Outcome.ALREADY_HELD, int(hold["deadline"]), dict(lines))
                raise OrderConflict(order_id, hold["state"])
            fields = [keys.field(sku, c) for sku, _ in lines for c in ("total", "available")]
            values = pipe.hmget(keys.stock, fields)
            unknown = [sku for i, (sku, _) in enumerate(lines) if values[2 * i] is None]
            if unknown:
                raise UnknownSku(unknown)
            shortages = {
                sku: Shortage(qty, int(values[2 * i + 1]))
                for i, (sku, qty) in enumerate(lines)
                if int(values[2 * i + 1]) < qty
            }
            if shortages:
                raise OutOfStock(order_id, shortages)
            seconds, micros = pipe.time()
            deadline = seconds * 1000 + micros // 1000 + ttl_ms
            if self.on_watched is not None:
                self.on_watched(attempt)
            pipe.multi()
            for sku, qty in lines:
                pipe.hincrby(keys.stock, keys.field(sku, "available"), -qty)
                pipe.hincrby(keys.stock, keys.field(sku, "reserved"), qty)
            record = {"state": "held", "deadline": str(deadline), "lines": [list(x) for x in lines], "op": op}
            pipe.hset(keys.holds, order_id, json.dumps(record))
            pipe.zadd(keys.expiry, {order_id: deadline})
            pipe.execute()  # raises WatchError when a watched key changed since WATCH
        return Reservation(order_id, Outcome.HELD, deadline, dict(lines))
