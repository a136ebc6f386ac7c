"""Rate limiters on the Redis server's clock: fixed window, sliding log, sliding counter, token bucket.

Every decision is one script call (one round trip) that reads ``TIME`` on the server, so a client
whose clock is skewed cannot buy itself extra requests, and it checks every limit of the policy
at once: the request is charged against all of them or, when one refuses, against none.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import ClassVar

import redis

from redisbehaviors.errors import InvalidInput
from redisbehaviors.ratelimit.keys import RateLimitKeys
from redisbehaviors.ratelimit.limit import Decision, Limit
from redisbehaviors.scripts import load_script
from redisbehaviors.validation import validate_count, validate_namespace

MAX_LIMITS = 8


@dataclass
class _Denial:
    until: float
    cost: int
    decision: Decision
    at: float


class RateLimiter:
    """One policy (one or more limits) enforced with one algorithm.

    ``client`` is a ``Redis`` or ``RedisCluster`` with ``decode_responses=True``.

    ``deny_cache_size`` > 0 turns on a small in-process cache of refusals, the first remedy for a
    hot key: once a subject is refused with ``retry_after`` seconds to wait, further requests of at
    least the same cost are refused locally until then, without a round trip.  It can only refuse
    what Redis would refuse too, because nothing but time frees a limit (``retry_after`` assumes no
    one else spends from it meanwhile).  ``clock`` is the local monotonic clock used for that cache.
    """

    algorithm: ClassVar[str]
    max_amount: ClassVar[int] = 10**9

    def __init__(
        self,
        client: redis.Redis | redis.RedisCluster,
        limits: Limit | Iterable[Limit],
        *,
        namespace: str = "ratelimit",
        deny_cache_size: int = 0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self.keys = RateLimitKeys(validate_namespace(namespace))
        self.limits = self._validate_limits(limits)
        self.deny_cache_size = validate_count(deny_cache_size, "deny_cache_size", maximum=1_000_000)
        self._clock = clock
        self._denials: OrderedDict[str, _Denial] = OrderedDict()  # subject -> its last refusal
        self._denials_lock = threading.Lock()  # one limiter may serve many threads
        self._script = load_script(client, __package__, self.algorithm, preludes=("_common",))
        self._limit_args = [value for limit in self.limits for value in (limit.amount, limit.window_ms)]
        self._smallest = min(limit.amount for limit in self.limits)

    def _validate_limits(self, limits: Limit | Iterable[Limit]) -> tuple[Limit, ...]:
        checked = (limits,) if isinstance(limits, Limit) else tuple(limits)
        if not 1 <= len(checked) <= MAX_LIMITS:
            raise InvalidInput(f"a policy has 1 to {MAX_LIMITS} limits, got {len(checked)}")
        for limit in checked:
            if not isinstance(limit, Limit):
                raise InvalidInput(f"limits must be Limit objects, got {type(limit).__name__}: {limit!r}")
            self._check_limit(limit)
        windows = [limit.window_ms for limit in checked]
        if len(set(windows)) != len(windows):
            raise InvalidInput(f"two limits of one policy share a window: {[str(x) for x in checked]}")
        return checked

    def _check_limit(self, limit: Limit) -> None:
        if limit.amount > self.max_amount:
            raise InvalidInput(f"{self.algorithm} allows at most {self.max_amount} per window, got {limit}")

    def _validate_request(self, who: str, route: str, cost: int) -> str:
        """The subject's hash tag, once the request is known to be valid."""
        subject = self.keys.subject(who, route)
        validate_count(cost, "cost", minimum=1)
        if cost > self._smallest:
            raise InvalidInput(f"cost {cost} can never pass: the smallest limit allows {self._smallest} per window")
        return subject

    def hit(self, who: str, route: str = "any", cost: int = 1) -> Decision:
        """Decide one request of ``cost`` units by ``who`` (an IP address or an id) on ``route``.

        Allowed: every limit is charged ``cost``.  Refused: nothing is charged.
        """
        subject = self._validate_request(who, route, cost)
        cached = self._cached_denial(subject, cost)
        if cached is not None:
            return cached
        decision = self._decide("hit", subject, cost)
        if not decision.allowed and self.deny_cache_size:
            self._remember_denial(subject, cost, decision)
        return decision

    def peek(self, who: str, route: str = "any", cost: int = 1) -> Decision:
        """Would a request of ``cost`` pass now?  Charges nothing and writes nothing."""
        return self._decide("peek", self._validate_request(who, route, cost), cost)

    def _decide(self, mode: str, subject: str, cost: int) -> Decision:
        keys = [self.keys.limit_of(subject, self.algorithm, x.amount, x.window_ms) for x in self.limits]
        allowed, remaining, reset_ms, retry_ms, binding = self._script(keys=keys, args=[mode, cost, *self._limit_args])
        return Decision(
            allowed=bool(allowed),
            remaining=int(remaining),
            reset_after=int(reset_ms) / 1000,
            retry_after=int(retry_ms) / 1000,
            limit=self.limits[int(binding) - 1],
            limits=self.limits,
        )

    # ------------------------------------------------------------------------- the local deny cache

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


class FixedWindowLimiter(RateLimiter):
    """Counts per clock-aligned window (key = subject + window index); the seed's algorithm.

    Cheap and exact per window, but a client may spend a window's amount at its end and again at
    the start of the next one: up to twice the amount in any span of one window.
    """

    algorithm = "fixed_window"


class SlidingLogLimiter(RateLimiter):
    """Remembers every admitted unit in a sorted set: exact in any span of one window.

    Memory grows with the amount (one member per unit), so amounts are capped at 100 000.
    """

    algorithm = "sliding_log"
    max_amount = 100_000


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

    def _check_limit(self, limit: Limit) -> None:
        super()._check_limit(limit)
        if limit.amount * limit.window_ms * 1000 > 2**53:
            raise InvalidInput(f"token bucket needs amount × window in µs <= 2^53 for exact arithmetic, got {limit}")
