"""Rate limiters on the server's clock, several limits at once, with ``RateLimit-*`` headers."""

from redisbehaviors.ratelimit.aio import (
    AsyncFixedWindowLimiter,
    AsyncRateLimiter,
    AsyncSlidingLogLimiter,
    AsyncSlidingWindowCounterLimiter,
    AsyncTokenBucketLimiter,
)
from redisbehaviors.ratelimit.keys import RateLimitKeys, subject_id, validate_route
from redisbehaviors.ratelimit.limit import Decision, Limit, rate_limit_headers
from redisbehaviors.ratelimit.limiter import (
    OPERATION_TTL_MS,
    FixedWindowLimiter,
    RateLimiter,
    SlidingLogLimiter,
    SlidingWindowCounterLimiter,
    TokenBucketLimiter,
)

__all__ = [
    "OPERATION_TTL_MS",
    "AsyncFixedWindowLimiter",
    "AsyncRateLimiter",
    "AsyncSlidingLogLimiter",
    "AsyncSlidingWindowCounterLimiter",
    "AsyncTokenBucketLimiter",
    "Decision",
    "FixedWindowLimiter",
    "Limit",
    "RateLimitKeys",
    "RateLimiter",
    "SlidingLogLimiter",
    "SlidingWindowCounterLimiter",
    "TokenBucketLimiter",
    "rate_limit_headers",
    "subject_id",
    "validate_route",
]
