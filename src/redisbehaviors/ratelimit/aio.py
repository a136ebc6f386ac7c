"""The asyncio twin of :mod:`redisbehaviors.ratelimit.limiter`.

Same keys, same scripts, same decisions, same names with an ``Async`` prefix; ``hit``, ``peek`` and
``reset`` are coroutines::

    login = AsyncSlidingLogLimiter(client, [Limit.parse("10/second")], namespace="api")
    decision = await login.hit(request.remote_addr, "login")
"""

from __future__ import annotations

import redis.asyncio

from redisbehaviors.evalsha import AsyncEvalsha
from redisbehaviors.ratelimit.limit import Decision
from redisbehaviors.ratelimit.limiter import (
    MAX_LOG_AMOUNT,
    LimiterCore,
    operation_token,
)

AsyncClient = redis.asyncio.Redis | redis.asyncio.RedisCluster
ASYNC_CLIENTS = (redis.asyncio.Redis, redis.asyncio.RedisCluster)


class AsyncRateLimiter(LimiterCore):
    """See :class:`redisbehaviors.ratelimit.RateLimiter`; ``client`` is a ``redis.asyncio`` client."""

    _clients = ASYNC_CLIENTS
    _client_kind = "redis.asyncio.Redis or redis.asyncio.RedisCluster"
    _evalsha = AsyncEvalsha

    async def hit(self, who: str, route: str = "any", cost: int = 1, *, operation_id: str | None = None) -> Decision:
        """See :meth:`redisbehaviors.ratelimit.RateLimiter.hit`."""
        subject = self._validate_request(who, route, cost)
        op = operation_token(operation_id)
        if self.deny_cache_size and (cached := self._cached_denial(subject, cost)) is not None:
            return cached
        decision = self._decision(await self._script(*self._arguments("hit", subject, cost, op)))
        if not decision.allowed and self.deny_cache_size:
            self._remember_denial(subject, cost, decision)
        return decision

    async def peek(self, who: str, route: str = "any", cost: int = 1) -> Decision:
        """See :meth:`redisbehaviors.ratelimit.RateLimiter.peek`."""
        subject = self._validate_request(who, route, cost)
        return self._decision(await self._script(*self._arguments("peek", subject, cost, "")))

    async def reset(self, who: str, route: str = "any") -> None:
        """See :meth:`redisbehaviors.ratelimit.RateLimiter.reset`."""
        await self.client.delete(*self._reset_keys(who, route))


class AsyncFixedWindowLimiter(AsyncRateLimiter):
    """See :class:`redisbehaviors.ratelimit.FixedWindowLimiter`."""

    algorithm = "fixed_window"


class AsyncSlidingLogLimiter(AsyncRateLimiter):
    """See :class:`redisbehaviors.ratelimit.SlidingLogLimiter`."""

    algorithm = "sliding_log"
    max_amount = MAX_LOG_AMOUNT


class AsyncSlidingWindowCounterLimiter(AsyncRateLimiter):
    """See :class:`redisbehaviors.ratelimit.SlidingWindowCounterLimiter`."""

    algorithm = "sliding_counter"


class AsyncTokenBucketLimiter(AsyncRateLimiter):
    """See :class:`redisbehaviors.ratelimit.TokenBucketLimiter`."""

    algorithm = "token_bucket"
