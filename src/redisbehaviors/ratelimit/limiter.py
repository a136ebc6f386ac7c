"""Rate limiters on the Redis server's clock: fixed window, sliding log, sliding counter, token bucket.

Every decision is one script call (one round trip) that reads ``TIME`` on the server, so a client
whose clock is skewed cannot buy itself extra requests, and it checks every limit of the policy
at once: the request is charged against all of them or, when one refuses, against none.

Exactly once: every ``hit`` carries an operation id (16 hex characters, random per call, or derived
from the caller's ``operation_id``) that its script keeps with the subject's state: the counters
keep the ids of the subject's last 64 admitted hits in limit 1's value, the sliding log uses the id
as the name of the hit's units.  When a reply is lost and the hit is sent again (redis-py retries
on ``ConnectionError``), the script finds the id and charges nothing (``docs/ttl_locks/ratelimit.md``,
"Exactly once under retries").
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import islice
from typing import Any, ClassVar

import redis

from redisbehaviors.errors import InvalidInput
from redisbehaviors.evalsha import Evalsha
from redisbehaviors.ratelimit.keys import RateLimitKeys
from redisbehaviors.ratelimit.limit import Decision, Limit
from redisbehaviors.scripts import script_source
from redisbehaviors.validation import shown, validate_client, validate_count, validate_id, validate_namespace

MAX_LIMITS = 8
#: How long a hit's operation id is remembered at least (ms): longer than redis-py's default retry
#: loop (10 retries, backoff from 10 ms doubling up to 1 s: about 4 s); the counters' keys live at
#: least this long after a hit.
OPERATION_TTL_MS = 10_000
MAX_OPERATION_TTL_MS = 3_600_000
#: The most units one sliding log may hold (one member each).
MAX_LOG_AMOUNT = 100_000
SYNC_CLIENTS = (redis.Redis, redis.RedisCluster)


def new_operation_id() -> str:
    """64 random bits as 16 hex characters: the fixed width the scripts' id lists rely on."""
    return os.urandom(8).hex()


def operation_token(operation_id: str | None) -> str:
    """The id a script records: a fresh one, or a 64-bit digest of the caller's (any valid id, fixed width)."""
    if operation_id is None:
        return new_operation_id()
    given = validate_id(operation_id, "operation_id")
    return hashlib.blake2b(given.encode(), digest_size=8).hexdigest()


def validate_client_kind(client: object, kinds: tuple[type, ...], what: str) -> None:
    if not isinstance(client, kinds):
        raise InvalidInput(f"client must be a {what}, got {type(client).__name__}")
    validate_client(client)


@dataclass
class _Denial:
    until: float
    cost: int
    decision: Decision
    at: float


#: An algorithm's script for a policy of one limit, where it has one: the same decision, written
#: straight through for one key (``fixed_window_one.lua``: 80.8k against 99.5k server instructions per decision).
ONE_LIMIT_SCRIPTS = {"fixed_window": "fixed_window_one"}


class LimiterCore:
    """What a limiter and its asyncio twin share: settings, keys, the script's arguments, the reply's
    reading and the deny cache.  Nothing here talks to Redis."""

    algorithm: ClassVar[str]
    max_amount: ClassVar[int] = 10**9

    #: The clients a limiter of this kind takes, and how the refusal names them; the script runner.
    _clients: ClassVar[tuple[type, ...]] = SYNC_CLIENTS
    _client_kind: ClassVar[str] = "redis.Redis or redis.RedisCluster"
    _evalsha: ClassVar[type[Evalsha]] = Evalsha

    def __init__(
        self,
        client: Any,
        limits: Limit | Iterable[Limit],
        *,
        namespace: str = "ratelimit",
        deny_cache_size: int = 0,
        clock: Callable[[], float] = time.monotonic,
        operation_ttl_ms: int = OPERATION_TTL_MS,
    ) -> None:
        validate_client_kind(client, self._clients, self._client_kind)
        self.client = client
        self.keys = RateLimitKeys(validate_namespace(namespace))
        self.limits = self._validate_limits(limits)
        self.deny_cache_size = validate_count(deny_cache_size, "deny_cache_size", maximum=1_000_000)
        if not callable(clock):
            raise InvalidInput(f"clock must be a function returning seconds, got {type(clock).__name__}")
        self.operation_ttl_ms = validate_count(
            operation_ttl_ms, "operation_ttl_ms", minimum=1, maximum=MAX_OPERATION_TTL_MS
        )
        self._clock = clock
        self._denials: OrderedDict[str, _Denial] = OrderedDict()  # subject -> its last refusal
        self._denials_lock = threading.Lock()  # one limiter may serve many threads
        script = ONE_LIMIT_SCRIPTS.get(self.algorithm, self.algorithm) if len(self.limits) == 1 else self.algorithm
        self._script = self._evalsha(client, script_source(__package__, script, preludes=("_common",)))
        # Everything of a call's arguments that does not depend on the request, computed once.
        self._prefix = f"{namespace}:{{"
        self._suffixes = tuple(self.keys.suffix(self.algorithm, x.amount, x.window_ms) for x in self.limits)
        self._tail = tuple(value for limit in self.limits for value in (limit.amount, limit.window_ms))
        self._smallest = min(limit.amount for limit in self.limits)

    # ------------------------------------------------------------------------------------------ checks

    def _validate_limits(self, limits: Limit | Iterable[Limit]) -> tuple[Limit, ...]:
        if isinstance(limits, Limit):
            checked: tuple[Any, ...] = (limits,)
        elif isinstance(limits, str | bytes) or not isinstance(limits, Iterable):
            raise InvalidInput(
                f"limits must be a Limit or a list of them, got {type(limits).__name__}: {shown(limits)}"
            )
        else:
            checked = tuple(islice(limits, MAX_LIMITS + 1))
        if not 1 <= len(checked) <= MAX_LIMITS:
            raise InvalidInput(f"a policy has 1 to {MAX_LIMITS} limits, got {len(checked)}")
        for limit in checked:
            if not isinstance(limit, Limit):
                raise InvalidInput(f"limits must be Limit objects, got {type(limit).__name__}: {shown(limit)}")
            self._check_limit(limit)
        windows = [limit.window_ms for limit in checked]
        if len(set(windows)) != len(windows):
            raise InvalidInput(f"two limits of one policy share a window: {[str(x) for x in checked]}")
        return checked

    def _check_limit(self, limit: Limit) -> None:
        if limit.amount > self.max_amount:
            raise InvalidInput(f"{self.algorithm} allows at most {self.max_amount} per window, got {limit}")
        if self.algorithm == "token_bucket" and limit.amount * limit.window_ms * 1000 > 2**53:
            raise InvalidInput(f"token bucket needs amount × window in µs <= 2^53 for exact arithmetic, got {limit}")

    def _validate_request(self, who: str, route: str, cost: int) -> str:
        """The subject's hash tag, once the request is known to be valid."""
        subject = self.keys.subject(who, route)
        if cost.__class__ is not int:  # bools and floats too: validate_count says which
            validate_count(cost, "cost", minimum=1)
        if not 1 <= cost <= self._smallest:
            validate_count(cost, "cost", minimum=1)
            raise InvalidInput(
                f"cost {shown(cost)} can never pass: the smallest limit allows {self._smallest} per window"
            )
        return subject

    # ------------------------------------------------------------------------------------------ the script

    def _arguments(self, mode: str, subject: str, cost: int, op: str) -> tuple[Any, ...]:
        """``numkeys, *KEYS, *ARGV`` of one decision (see ``_common.lua``)."""
        head = self._prefix + subject
        keys = [head + suffix for suffix in self._suffixes]
        return (len(keys), *keys, mode, cost, op, self.operation_ttl_ms, *self._tail)

    def _decision(self, reply: list[int]) -> Decision:
        allowed, remaining, reset_ms, retry_ms, binding = reply
        return Decision(
            allowed=allowed == 1,
            remaining=remaining,
            reset_after=reset_ms / 1000,
            retry_after=retry_ms / 1000,
            limit=self.limits[binding - 1],
            limits=self.limits,
        )

    def _reset_keys(self, who: str, route: str) -> list[str]:
        subject = self.keys.subject(who, route)
        with self._denials_lock:
            self._denials.pop(subject, None)
        return [self._prefix + subject + suffix for suffix in self._suffixes]

    # ------------------------------------------------------------------------------------------ the local deny cache

    def _cached_denial(self, subject: str, cost: int) -> Decision | None:
        if not self.deny_cache_size:
            return None
        with self._denials_lock:
            denial = self._denials.get(subject)
            if denial is None:
                return None
            now = self._clock()
            if now >= denial.until:
                del self._denials[subject]
                return None
        if cost < denial.cost:
            return None  # a cheaper request may still fit
        base = denial.decision
        return Decision(
            False,
            base.remaining,
            max(0.0, base.reset_after - (now - denial.at)),
            denial.until - now,
            base.limit,
            base.limits,
        )

    def _remember_denial(self, subject: str, cost: int, decision: Decision) -> None:
        now = self._clock()
        with self._denials_lock:
            self._denials[subject] = _Denial(now + decision.retry_after, cost, decision, now)
            self._denials.move_to_end(subject)
            while len(self._denials) > self.deny_cache_size:
                self._denials.popitem(last=False)


class RateLimiter(LimiterCore):
    """One policy (one or more limits) enforced with one algorithm.

    ``client`` is a ``Redis`` or ``RedisCluster`` with ``decode_responses=True``.

    ``deny_cache_size`` > 0 turns on a small in-process cache of refusals, the first remedy for a
    hot key: once a subject is refused with ``retry_after`` seconds to wait, further requests of at
    least the same cost are refused locally until then, without a round trip.  It can only refuse
    what Redis would refuse too, because nothing but time frees a limit (``retry_after`` assumes no
    one else spends from it meanwhile).  ``clock`` is the local monotonic clock used for that cache.

    ``operation_ttl_ms``: how long a hit is recognised when it is sent again after a lost reply.
    """

    def hit(self, who: str, route: str = "any", cost: int = 1, *, operation_id: str | None = None) -> Decision:
        """Decide one request of ``cost`` units by ``who`` (an IP address or an id) on ``route``.

        Allowed: every limit is charged ``cost``.  Refused: nothing is charged.  Sent again after a
        lost reply (or by a caller passing the same ``operation_id``), an admitted hit is charged once.
        """
        subject = self._validate_request(who, route, cost)
        op = operation_token(operation_id)
        if self.deny_cache_size and (cached := self._cached_denial(subject, cost)) is not None:
            return cached
        decision = self._decision(self._script(*self._arguments("hit", subject, cost, op)))
        if not decision.allowed and self.deny_cache_size:
            self._remember_denial(subject, cost, decision)
        return decision

    def peek(self, who: str, route: str = "any", cost: int = 1) -> Decision:
        """Would a request of ``cost`` pass now?  Charges nothing and writes nothing."""
        subject = self._validate_request(who, route, cost)
        return self._decision(self._script(*self._arguments("peek", subject, cost, "")))

    def reset(self, who: str, route: str = "any") -> None:
        """Forget everything this policy counted for ``who`` on ``route`` (one ``DEL``; idempotent)."""
        self.client.delete(*self._reset_keys(who, route))


class FixedWindowLimiter(RateLimiter):
    """Counts per clock-aligned window (the value holds the window index); the seed's algorithm.

    Cheap and exact per window, but a client may spend a window's amount at its end and again at
    the start of the next one: up to twice the amount in any span of one window.
    """

    algorithm = "fixed_window"


class SlidingLogLimiter(RateLimiter):
    """Remembers every admitted unit in a sorted set: exact in any span of one window.

    Memory grows with the amount (one member per unit), so amounts are capped at 100 000.
    """

    algorithm = "sliding_log"
    max_amount = MAX_LOG_AMOUNT


class SlidingWindowCounterLimiter(RateLimiter):
    """Two fixed windows, the previous one weighted: constant memory, smooths the window edge.

    Exact in every aligned window; approximate in a sliding span (it assumes the previous window's
    requests were spread evenly).
    """

    algorithm = "sliding_counter"


class TokenBucketLimiter(RateLimiter):
    """A bucket of ``amount`` tokens refilled continuously at ``amount`` per window (GCRA's twin).

    It allows a burst of ``amount`` and then one unit every ``window / amount``.
    """

    algorithm = "token_bucket"
