"""The rate limiters' key schema: every key a limiter touches is built here.

One subject is one client (an IP address or an identifier such as a user or API-key id) on one
route.  All keys of a subject share the hash tag ``{<subject>}``, so a call that checks several
limits at once (10 per second *and* 100 per minute) touches one cluster slot and runs as one
atomic script.  The price is the hot-key problem: one busy subject is one slot on one node
(see ``docs/ttl_locks/ratelimit.md``).

    <ns>:{<who>+<route>}:fw:<amount>-<window>ms:<window index>   string  fixed window count
    <ns>:{<who>+<route>}:log:<amount>-<window>ms                 zset    sliding log (score = µs)
    <ns>:{<who>+<route>}:swc:<amount>-<window>ms:<window index>  string  sliding counter windows
    <ns>:{<who>+<route>}:tb:<amount>-<window>ms                  hash    token bucket (tokens, ts)

The window index is the server's time divided by the window, so the scripts append it to the
base key they receive (the derived key keeps the hash tag, so it stays in the same slot).

``<who>`` is ``ip4.<address>``, ``ip6.<address with ':' written as '.'>`` or ``id.<identifier>``:
addresses are normalised (``0:0::1`` and ``::1`` are one client) and the kind prefix keeps an
identifier from ever colliding with an address.
"""

from __future__ import annotations

import functools
import ipaddress
from dataclasses import dataclass

from redisbehaviors.errors import InvalidInput
from redisbehaviors.keyschema import tagged
from redisbehaviors.validation import validate_id, validate_namespace

ALGORITHM_PREFIXES = {
    "fixed_window": "fw",
    "sliding_log": "log",
    "sliding_counter": "swc",
    "token_bucket": "tb",
}


def subject_id(who: str) -> str:
    """``"203.0.113.7"`` -> ``"ip4.203.0.113.7"``, ``"::1"`` -> ``"ip6...1"``, ``"u-7"`` -> ``"id.u-7"``."""
    if not isinstance(who, str):
        raise InvalidInput(f"client must be an IP address or an identifier, got {type(who).__name__}: {who!r}")
    return _subject_id(who)


@functools.lru_cache(maxsize=65_536)  # parsing an address costs more than the rest of a decision's client side
def _subject_id(who: str) -> str:
    try:
        address = ipaddress.ip_address(who)
    except ValueError:
        return "id." + validate_id(who, "client (an IP address or an identifier)", max_length=100)
    kind = "ip4" if address.version == 4 else "ip6"
    return f"{kind}.{address.compressed.replace(':', '.')}"


@dataclass(frozen=True)
class RateLimitKeys:
    namespace: str

    def __post_init__(self) -> None:
        validate_namespace(self.namespace)

    def subject(self, who: str, route: str) -> str:
        """The hash tag of one client on one route: ``ip4.203.0.113.7+login``."""
        return f"{subject_id(who)}+{validate_id(route, 'route name', max_length=64)}"

    def limit(self, algorithm: str, who: str, route: str, amount: int, window_ms: int) -> str:
        """The base key of one limit of one subject (window-based algorithms append the window index)."""
        return self.limit_of(self.subject(who, route), algorithm, amount, window_ms)

    def limit_of(self, subject: str, algorithm: str, amount: int, window_ms: int) -> str:
        return tagged(self.namespace, subject, ALGORITHM_PREFIXES[algorithm], f"{amount}-{window_ms}ms")
