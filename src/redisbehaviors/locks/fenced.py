"""The protected resource's side of fencing: refuse a write from a lease that has been replaced.

A lock alone cannot stop a holder that paused past its TTL from writing after the next holder
took over (Kleppmann, "How to do distributed locking", 2016).  The resource must check: every
write carries the lease's fencing token, and the resource refuses a token older than the
highest it knows.  Here the resource is a Redis hash under the lock's own hash tag, so one
script can compare the token with both the last token the lock issued and the last token a write
carried, and write only if it is not older: check and write are one atomic step.

A resource outside Redis (a SQL row, a file store) does the same with its own compare-and-set,
for example ``UPDATE profile SET ..., fence = :token WHERE id = :id AND fence <= :token``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import redis

from redisbehaviors import idempotency
from redisbehaviors.errors import InvalidInput
from redisbehaviors.evalsha import run_command
from redisbehaviors.idempotency import OPERATION_TTL_MS, validate_operation_ttl
from redisbehaviors.locks.errors import StaleFencingToken, UnknownFencingToken
from redisbehaviors.locks.lock import SYNC_CLIENTS, SYNC_KIND, ClientT, _OnLock
from redisbehaviors.scripts import load_script
from redisbehaviors.validation import FieldValue, validate_count, validate_field_value, validate_id

#: Lua numbers are doubles: integers up to 2^53 compare exactly.
MAX_FENCE = 2**53
MAX_FIELDS = 1000
MAX_VALUE_BYTES = 64 * 1024


def _validate_fields(fields: Mapping[str, FieldValue]) -> list[FieldValue]:
    if not isinstance(fields, Mapping) or not fields:
        raise InvalidInput("fields must be a non-empty mapping of field name to value")
    if len(fields) > MAX_FIELDS:
        raise InvalidInput(f"at most {MAX_FIELDS} fields per write, got {len(fields)}")
    flat: list[FieldValue] = []
    for name, value in fields.items():
        validate_id(name, "field name", max_length=64)
        flat += [name, validate_field_value(name, value, max_bytes=MAX_VALUE_BYTES)]
    return flat


class _ResourceCore(_OnLock[ClientT]):
    """What :class:`FencedResource` and its asyncio twin share, the constructor included; nothing here
    talks to Redis."""

    def __init__(
        self,
        client: ClientT,
        name: str,
        *,
        namespace: str = "lock",
        log_length: int = 0,
        operation_ttl_ms: int = OPERATION_TTL_MS,
    ) -> None:
        super().__init__(client, name, namespace)
        self.log_length = validate_count(log_length, "log_length", maximum=10**6)
        self.operation_ttl_ms = validate_operation_ttl(operation_ttl_ms)
        self._write = load_script(client, __package__, "fenced_write")

    def _write_call(self, fence: int, fields: Mapping[str, FieldValue], given: str | None) -> dict[str, list[Any]]:
        """The keys and arguments of ``fenced_write.lua``, once ``fence`` and ``fields`` are valid."""
        validate_count(fence, "fencing token", minimum=1, maximum=MAX_FENCE)
        flat = _validate_fields(fields)
        keys = self.keys
        record = keys.operation(idempotency.operation_id(given))
        return {
            "keys": [keys.fence, keys.resource_fence, keys.resource, keys.resource_log, record],
            "args": [fence, self.log_length, self.operation_ttl_ms, *flat],
        }

    @staticmethod
    def _check_written(fence: int, status: int, value: int | str) -> None:
        if status == 0:
            raise StaleFencingToken(fence, int(value))
        if status == -1:
            raise UnknownFencingToken(f"fencing token {fence} was never issued (the last one is {value})")


class FencedResource(_ResourceCore[redis.Redis | redis.RedisCluster]):
    """A hash guarded by the fencing tokens of the :class:`FencedLock` of the same ``name``.

    ``log_length`` > 0 keeps the tokens of the last accepted writes (newest first), an audit trail
    that shows the order in which writers were admitted.  ``operation_ttl_ms``: how long an accepted
    write is remembered under its operation id, so that its retry is not applied (nor logged) twice.
    """

    _clients, _client_kind = SYNC_CLIENTS, SYNC_KIND

    def write(self, fence: int, fields: Mapping[str, FieldValue], *, operation_id: str | None = None) -> None:
        """Set ``fields`` if ``fence`` is not older than any token issued or written before.

        Raises :class:`StaleFencingToken` (a newer lease exists: the caller's lease has ended) or
        :class:`UnknownFencingToken` (the lock never issued it); in both cases nothing is written.
        An accepted write is applied once per ``operation_id`` (one per call unless given): its retry,
        after a lost reply, reports success without writing or logging again.
        """
        status, value = self._write(**self._write_call(fence, fields, operation_id))
        self._check_written(fence, status, value)

    def read(self) -> dict[str, str]:
        """Every field of the resource (``HGETALL``)."""
        return dict(run_command(self.client, ("HGETALL", self.keys.resource)))

    def highest_written(self) -> int:
        """The highest fencing token an accepted write carried (0 before the first write)."""
        return int(run_command(self.client, ("GET", self.keys.resource_fence)) or 0)

    def accepted_log(self) -> list[int]:
        """Fencing tokens of the last ``log_length`` accepted writes, oldest first."""
        return [int(t) for t in reversed(run_command(self.client, ("LRANGE", self.keys.resource_log, 0, -1)))]
