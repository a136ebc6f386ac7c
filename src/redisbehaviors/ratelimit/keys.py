"""The rate limiters' key schema: every key a limiter touches is built here.

One subject is one client (an IP address or an identifier such as a user or API-key id) on one
route.  All keys of a subject share the hash tag ``{<subject>}``, so a call that checks several
limits at once (10 per second *and* 100 per minute) touches one cluster slot and runs as one
atomic script.  The price is the hot-key problem: one busy subject is one slot on one node
(see ``docs/ttl_locks_limits.md``).

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

import ipaddress
from dataclasses import dataclass

from redisbehaviors.keyschema import tagged, validate_id, validate_namespace

ALGORITHM_PREFIXES = {
    "fixed_window": "fw",
    "sliding_log": "log",
    "sliding_counter": "swc",
    "token_bucket": "tb",
}


def subject_id(who: str) -> str:
    """``"203.0.113.7"`` -> ``"ip4.203.0.113.7"``, ``"::1"`` -> ``"ip6...1"``, ``"u-7"`` -> ``"id.u-7"``."""
    if isinstance(who, str):
        try:
            address = ipaddress.ip_address(who)
        except ValueError:
            pass
        else:
            kind = "ip4" if address.version == 4 else "ip6"
            return f"{kind}.{address.compressed.replace(':', '.')}"
    return "id." + validate_id(who, "client (an IP address or an identifier)", max_length=100)


@dataclass(frozen=True)
class RateLimitKeys:
    namespace: str

    def __post_init__(self) -> None:
        validate_namespace(self.namespace)

    def limit(self, algorithm: str, who: str, route: str, amount: int, window_ms: int) -> str:
        """The base key of one limit of one subject (window-based algorithms append the window index)."""
        tag = f"{subject_id(who)}+{validate_id(route, 'route name', max_length=64)}"
        return tagged(self.namespace, tag, ALGORITHM_PREFIXES[algorithm], f"{amount}-{window_ms}ms")
