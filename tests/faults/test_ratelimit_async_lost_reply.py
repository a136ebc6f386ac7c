"""Exactly once under retries for the asyncio limiters, whose decisions take the short path of
``redisbehaviors.evalsha.AsyncEvalsha``: a connection borrowed from the client's pool, the
command packed by hiredis, the connection's own ``Retry``.

The reply to a decision is lost after the server ran it (the ``lossy_proxy`` fixture), and the client
sends it again: each limit is charged once.  A cancelled decision never hands a connection with an
unread reply back to the pool; an error reply keeps the connection; ``SCRIPT FLUSH`` is survived.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
import redis
import redis.asyncio
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from redisbehaviors.ratelimit import Limit
from redisbehaviors.ratelimit.aio import (
    AsyncFixedWindowLimiter,
    AsyncRateLimiter,
    AsyncSlidingLogLimiter,
    AsyncSlidingWindowCounterLimiter,
    AsyncTokenBucketLimiter,
)
from redisbehaviors.testing.faults import ReplyDroppingProxy
from redisbehaviors.testing.plugin import RedisTarget

DAY = 86_400_000
KINDS = [AsyncFixedWindowLimiter, AsyncSlidingWindowCounterLimiter, AsyncSlidingLogLimiter, AsyncTokenBucketLimiter]


def run(scenario: Callable[[], Awaitable[Any]]) -> Any:
    return asyncio.run(scenario())  # type: ignore[arg-type]


def retrying(url: str, target: RedisTarget) -> redis.asyncio.Redis:
    return redis.asyncio.Redis.from_url(
        url, decode_responses=True, protocol=target.protocol, retry=Retry(NoBackoff(), 3)
    )


def held_units(r: redis.Redis, limiter: AsyncRateLimiter, who: str) -> int:
    """What limit 1 holds against ``who``: sliding log members, else the count in the string."""
    limit = limiter.limits[0]
    name = limiter.keys.limit(limiter.algorithm, who, "any", limit.amount, limit.window_ms)
    if limiter.algorithm == "sliding_log":
        return int(r.zcard(name))
    value = r.get(name)
    if limiter.algorithm == "token_bucket":  # "<tokens scaled by the window in µs> <µs>"
        return limit.amount - int(value.split()[0]) // (limit.window_ms * 1000)
    return int(value.split()[1])  # "<window index> <count> …"


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.__name__)
def test_an_asyncio_hit_whose_reply_is_lost_is_charged_once(
    lossy_proxy: ReplyDroppingProxy, redis_target: RedisTarget, r: redis.Redis, ns: str, kind: type[AsyncRateLimiter]
) -> None:
    limiter = kind(retrying(lossy_proxy.url, redis_target), Limit(1_000, DAY), namespace=ns)
    assert limiter._script._direct  # the short path is the one under test

    async def scenario() -> tuple[bool, int]:
        await limiter.peek("203.0.113.7")  # loads the script: the lost reply must be the decision's
        sha = limiter._script.sha.encode()
        lossy_proxy.lose_reply_to(lambda data: sha in data and b"\r\nhit\r\n" in data)
        decision = await limiter.hit("203.0.113.7", cost=3)
        await limiter.client.aclose()
        return decision.allowed, decision.remaining

    assert run(scenario) == (True, 997)
    assert lossy_proxy.lost == 1
    assert held_units(r, limiter, "203.0.113.7") == 3


def test_a_cancelled_asyncio_decision_does_not_leave_its_reply_to_the_next_caller(
    redis_target: RedisTarget, r: redis.Redis, ns: str
) -> None:
    """A call cancelled while the server holds it (``CLIENT PAUSE``) closes its connection instead of
    handing it, reply unread, to the next caller; the paused server drops a closed client's command,
    so here nothing was charged (after a cancel the outcome is unknown in general: ``peek`` tells)."""
    if not redis_target.owned:
        pytest.skip("CLIENT PAUSE would stall other users of a shared server")
    limiter = AsyncFixedWindowLimiter(
        redis.asyncio.Redis.from_url(redis_target.url, decode_responses=True, protocol=redis_target.protocol),
        Limit(1_000, DAY),
        namespace=ns,
    )

    async def scenario() -> list[int]:
        await limiter.peek("a")
        r.client_pause(300, all=True)
        slow = asyncio.create_task(limiter.hit("a", cost=5))
        await asyncio.sleep(0.05)  # the request reached the paused server
        slow.cancel()
        with pytest.raises(asyncio.CancelledError):
            await slow
        remaining = [(await limiter.hit("b", cost=1)).remaining, (await limiter.peek("a")).remaining]
        await limiter.client.aclose()
        return remaining

    assert run(scenario) == [999, 1000]
    limit = limiter.limits[0]
    assert r.exists(limiter.keys.limit("fixed_window", "a", "any", limit.amount, limit.window_ms)) == 0


def test_an_error_reply_keeps_the_connection_and_script_flush_is_survived(
    redis_target: RedisTarget, r: redis.Redis, ns: str
) -> None:
    async def scenario() -> tuple[str, int, int]:
        client = redis.asyncio.Redis.from_url(
            redis_target.url, decode_responses=True, protocol=redis_target.protocol, max_connections=1
        )
        limiter = AsyncFixedWindowLimiter(client, Limit(10, DAY), namespace=ns)
        limit = limiter.limits[0]
        r.hset(limiter.keys.limit("fixed_window", "x", "any", limit.amount, limit.window_ms), "f", "v")
        with pytest.raises(redis.ResponseError) as refused:
            await limiter.hit("x")
        r.script_flush()
        after = (await limiter.hit("y")).remaining
        connections = len(client.connection_pool._available_connections)
        await client.aclose()
        return str(refused.value).split()[0], after, connections

    assert run(scenario) == ("WRONGTYPE", 9, 1)
