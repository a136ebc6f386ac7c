"""Operation ids: exactly-once effects when a reply is lost and the client sends the command again.

redis-py retries a command on ``ConnectionError`` (its default ``Retry``), and so does any caller
that sees an error and tries again.  When the server had already run the command, whose reply was
lost on the wire, the effect happens twice unless the operation is idempotent.  A component makes
an operation idempotent by sending an operation id with it: the script that applies the effect
first looks for a record of that id (``op_replay`` in ``prelude.lua``) and, when it finds one,
returns the first run's reply without applying anything; otherwise it applies the effect and
records the reply for a bounded time (``op_record``).  redis-py's retry resends the same bytes, so a
per-call id generated here covers lost replies; a caller that retries on its own passes the id it
already has (an idempotency key), so that its retry is recognised too.

The record lives under the same hash tag as the keys it protects, so the script stays in one slot.
"""

from __future__ import annotations

import secrets

from redisbehaviors.validation import validate_count, validate_id

#: How long a finished operation's reply is kept (ms): far longer than any client retry loop.
OPERATION_TTL_MS = 120_000
#: The longest a caller may ask for: a day (the records are small, but they are one key each).
MAX_OPERATION_TTL_MS = 86_400_000


def new_operation_id() -> str:
    """A fresh id (96 random bits, hex): unique enough that two calls never share one."""
    return secrets.token_hex(12)


def operation_id(given: str | None = None) -> str:
    """The caller's id, validated like every identifier that reaches a key, or a fresh one."""
    return new_operation_id() if given is None else validate_id(given, "operation_id")


def validate_operation_ttl(value: object) -> int:
    return validate_count(value, "operation_ttl_ms", minimum=1, maximum=MAX_OPERATION_TTL_MS)
