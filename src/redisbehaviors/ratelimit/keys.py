"""The rate limiters' key schema: every key a limiter touches is built here.

One subject is one client (an IP address or an identifier such as a user or API-key id) on one
route.  All keys of a subject share the hash tag ``{<subject>}``, so a call that checks several
limits at once (10 per second *and* 100 per minute) touches one cluster slot and runs as one
atomic script.  The price is the hot-key problem: one busy subject is one slot on one node
(see ``docs/ttl_locks/ratelimit.md``).

    <ns>:{<who>+<route>}:fw:<amount>-<window>ms       string  fixed window: "<window index> <count>[ <ops>]"
    <ns>:{<who>+<route>}:swc:<amount>-<window>ms      string  sliding counter: "<index> <current> <previous>[ <ops>]"
    <ns>:{<who>+<route>}:bucket:<amount>-<window>ms   string  token bucket: "<scaled tokens> <µs>[ <ops>]"
    <ns>:{<who>+<route>}:log:<amount>-<window>ms      zset    sliding log: one member per admitted unit, score µs

``<ops>`` are the operation ids of the subject's last admitted decisions (see ``limiter.py``).

``<who>`` is ``ip4.<address>``, ``ip6.<address with ':' written as '.'>`` or ``id.<identifier>``:
addresses are normalised (``0:0::1`` and ``::1`` are one client, ``::ffff:1.2.3.4`` is
``1.2.3.4``, a zone id such as ``%eth0`` is dropped) and the kind prefix keeps an identifier from
ever colliding with an address.  ``+`` separates the client from the route: an identifier may
contain ``+``, a route may not, so the last ``+`` always splits a subject one way only
(``"u+login"`` on route ``"x"`` and ``"u"`` on route ``"login+x"`` cannot share a counter: the
second route is refused).
"""

from __future__ import annotations

import functools
import ipaddress
import re
from dataclasses import dataclass

from redisbehaviors.errors import InvalidInput
from redisbehaviors.keyschema import tagged
from redisbehaviors.validation import shown, validate_id, validate_namespace

ALGORITHM_PREFIXES = {
    "fixed_window": "fw",
    "sliding_log": "log",
    "sliding_counter": "swc",
    "token_bucket": "bucket",
}
MAX_IDENTIFIER_LENGTH = 100
MAX_ROUTE_LENGTH = 64
#: The longest text ``who`` may be: an identifier, or an address (45 characters) with its zone id.
MAX_CLIENT_LENGTH = MAX_IDENTIFIER_LENGTH
#: Zone ids name an interface of the host that received the packet (``eth0``, ``25``): short, plain.
_ZONE = re.compile(r"[A-Za-z0-9_.-]{1,32}")
_ROUTE = re.compile(r"[A-Za-z0-9_.@-]+")


def subject_id(who: str) -> str:
    """``"203.0.113.7"`` -> ``"ip4.203.0.113.7"``, ``"::1"`` -> ``"ip6...1"``, ``"u-7"`` -> ``"id.u-7"``.

    ``"::ffff:203.0.113.7"`` is ``"ip4.203.0.113.7"``; ``"fe80::1%eth0"`` is ``"ip6.fe80..1"``: a zone
    id names the receiving host's interface, not the client, and counting per zone would give each
    zone a fresh budget.  A zone id must be 1-32 letters, digits, ``_ . -``.
    """
    if not isinstance(who, str):
        raise InvalidInput(f"client must be an IP address or an identifier, got {type(who).__name__}: {shown(who)}")
    if len(who) > MAX_CLIENT_LENGTH:  # before the cache: hostile text must not fill it
        raise InvalidInput(f"client is {len(who)} characters long, the limit is {MAX_CLIENT_LENGTH}: {shown(who)}")
    return _subject_id(who)


@functools.lru_cache(maxsize=65_536)  # parsing an address costs more than the rest of a decision's client side
def _subject_id(who: str) -> str:
    text, percent, zone = who.partition("%")
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        if percent:
            raise InvalidInput(f"client {shown(who)} has a zone id ('%…') but is not an IPv6 address") from None
        return "id." + validate_id(who, "client (an IP address or an identifier)", max_length=MAX_IDENTIFIER_LENGTH)
    if percent and (address.version == 4 or not _ZONE.fullmatch(zone)):
        raise InvalidInput(f"client {shown(who)}: a zone id is allowed on IPv6 only, 1-32 letters, digits, _ . -")
    if address.version == 6 and address.ipv4_mapped is not None:
        address = address.ipv4_mapped  # ::ffff:1.2.3.4 is the IPv4 client 1.2.3.4 seen by a dual-stack socket
    if address.version == 4:
        return f"ip4.{address}"
    return f"ip6.{address.compressed.replace(':', '.')}"


def validate_route(route: object) -> str:
    """A route name: 1-64 letters, digits, ``_ . @ -``; no ``+`` (it separates the client from the route)."""
    if isinstance(route, str) and len(route) <= MAX_ROUTE_LENGTH and _route_is_valid(route):
        return route
    raise InvalidInput(
        f"route name {shown(route)} must be a string of 1-{MAX_ROUTE_LENGTH} letters, digits and _ . @ - "
        "('+' separates the client from the route; braces, colons and whitespace would change the key schema)"
    )


@functools.lru_cache(maxsize=4096)  # routes are few; the regex is most of a route's cost
def _route_is_valid(route: str) -> bool:
    return _ROUTE.fullmatch(route) is not None


@dataclass(frozen=True)
class RateLimitKeys:
    namespace: str

    def __post_init__(self) -> None:
        validate_namespace(self.namespace)

    def subject(self, who: str, route: str) -> str:
        """The hash tag of one client on one route: ``ip4.203.0.113.7+login``."""
        return f"{subject_id(who)}+{validate_route(route)}"

    def limit(self, algorithm: str, who: str, route: str, amount: int, window_ms: int) -> str:
        """The key of one limit of one subject."""
        return self.limit_of(self.subject(who, route), algorithm, amount, window_ms)

    def limit_of(self, subject: str, algorithm: str, amount: int, window_ms: int) -> str:
        return tagged(self.namespace, subject, ALGORITHM_PREFIXES[algorithm], f"{amount}-{window_ms}ms")

    def suffix(self, algorithm: str, amount: int, window_ms: int) -> str:
        """What follows the hash tag in :meth:`limit_of`'s key, so a hot path appends it to ``<ns>:{<subject>``."""
        return f"}}:{ALGORITHM_PREFIXES[algorithm]}:{amount}-{window_ms}ms"
