"""What a limit is, what a decision says, and the HTTP headers that report it."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from redisbehaviors.errors import InvalidInput
from redisbehaviors.validation import shown, validate_count

MAX_AMOUNT = 10**9
MAX_WINDOW_MS = 366 * 24 * 3600 * 1000
_UNITS_MS = {
    "ms": 1,
    "s": 1000,
    "second": 1000,
    "m": 60_000,
    "minute": 60_000,
    "h": 3_600_000,
    "hour": 3_600_000,
    "d": 86_400_000,
    "day": 86_400_000,
}
# ASCII digits, at most 10 of them: \d matches other scripts' digits, and int() of 4,301 digits raises ValueError
_TEXT = re.compile(r"[ \t]*([0-9]{1,10})[ \t]*/[ \t]*([0-9]{0,10})[ \t]*([a-z]{1,8})[ \t]*")


@dataclass(frozen=True)
class Limit:
    """``amount`` units per ``window_ms`` milliseconds, e.g. ``Limit(10, 1000)`` is 10 per second."""

    amount: int
    window_ms: int

    def __post_init__(self) -> None:
        validate_count(self.amount, "limit amount", minimum=1, maximum=MAX_AMOUNT)
        validate_count(self.window_ms, "limit window in ms", minimum=1, maximum=MAX_WINDOW_MS)

    @classmethod
    def parse(cls, text: str) -> Limit:
        """``"10/second"``, ``"100/minute"``, ``"5/10s"``, ``"1000/day"``, ``"20/500ms"``."""
        match = _TEXT.fullmatch(text) if isinstance(text, str) and len(text) <= 64 else None
        unit = match.group(3) if match else ""
        if unit not in _UNITS_MS and unit.endswith("s"):
            unit = unit[:-1]  # plurals: "2 minutes"
        if match is None or unit not in _UNITS_MS:
            raise InvalidInput(f"limit {shown(text)} must look like '10/second', '100/minute' or '5/10s'")
        return cls(int(match.group(1)), int(match.group(2) or "1") * _UNITS_MS[unit])

    @property
    def window_seconds(self) -> float:
        return self.window_ms / 1000

    def policy(self) -> str:
        """This limit as a ``RateLimit-Policy`` item: ``10;w=1``."""
        return f"{self.amount};w={max(1, math.ceil(self.window_ms / 1000))}"

    def __str__(self) -> str:
        return f"{self.amount}/{self.window_ms}ms"


@dataclass(frozen=True)
class Decision:
    """The answer to one request, decided on the server's clock.

    ``remaining``, ``reset_after`` and ``retry_after`` describe ``limit``, the binding limit: when
    refused, the failing limit that frees up last; when allowed, the one with the fewest units left.
    ``reset_after`` is the time in seconds until that limit is fully restored (nothing charged
    against it any more); ``retry_after`` the time until a request of the same cost would pass
    (0 when allowed), assuming nobody else spends from the same limits meanwhile.
    """

    allowed: bool
    remaining: int
    reset_after: float
    retry_after: float
    limit: Limit
    limits: tuple[Limit, ...]

    def headers(self) -> dict[str, str]:
        return rate_limit_headers(self)


def rate_limit_headers(decision: Decision) -> dict[str, str]:
    """The ``RateLimit-*`` fields (IETF httpapi draft) and, when refused, ``Retry-After`` (RFC 9110).

    Seconds are rounded up, so a client that waits what the headers say is never refused for
    being early; ``Retry-After`` is at least 1.
    """
    headers = {
        "RateLimit-Limit": str(decision.limit.amount),
        "RateLimit-Remaining": str(decision.remaining),
        "RateLimit-Reset": str(math.ceil(decision.reset_after)),
        "RateLimit-Policy": ", ".join(limit.policy() for limit in decision.limits),
    }
    if not decision.allowed:
        headers["Retry-After"] = str(max(1, math.ceil(decision.retry_after)))
    return headers
