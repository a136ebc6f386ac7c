"""The asyncio twin of FencedLock / FencedResource: the same behaviour through ``redis.asyncio``."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
import redis.asyncio

from redisbehaviors.errors import InvalidInput
from redisbehaviors.locks import (
    AsyncFencedLock,
    AsyncFencedResource,
    FencedLock,
    LockNotHeld,
    LockTimeout,
    StaleFencingToken,
)
from redisbehaviors.testing.plugin import RedisTarget


def run(target: RedisTarget, scenario: Callable[[redis.asyncio.Redis], Awaitable[Any]]) -> Any:
    async def main() -> Any:
        client = redis.asyncio.Redis.from_url(target.url, decode_responses=True, protocol=target.protocol)
        try:
            return await scenario(client)
        finally:
            await client.aclose()

    return asyncio.run(main())


def test_acquire_release_and_fencing_tokens(redis_target: RedisTarget, ns: str) -> None:
    async def scenario(client: redis.asyncio.Redis) -> None:
        lock = AsyncFencedLock(client, "profile-42", namespace=ns)
        first = await lock.try_acquire()
        assert first is not None and first.fence == 1
        assert await lock.try_acquire() is None
        assert await first.is_held() and await lock.is_locked()
        await first.release()
        with pytest.raises(LockNotHeld):
            await first.release()
        second = await lock.acquire(timeout=1)
        assert second.fence == 2
        await second.release()
        assert await lock.last_fence() == 2

    run(redis_target, scenario)


def test_async_with_releases_and_the_sync_lock_sees_the_same_keys(redis_target: RedisTarget, r: Any, ns: str) -> None:
    async def scenario(client: redis.asyncio.Redis) -> None:
        lock = AsyncFencedLock(client, "profile-42", namespace=ns)
        profile = AsyncFencedResource(client, "profile-42", namespace=ns)
        async with lock.acquire(timeout=1) as lease:
            assert FencedLock(r, "profile-42", namespace=ns).try_acquire() is None
            await profile.write(lease.fence, {"name": "Alice"})
        assert not await lock.is_locked()
        assert await profile.read() == {"name": "Alice"}

    run(redis_target, scenario)


def test_a_waiter_is_woken_by_the_release(redis_target: RedisTarget, ns: str) -> None:
    async def scenario(client: redis.asyncio.Redis) -> int:
        lock = AsyncFencedLock(client, "profile-42", namespace=ns, ttl_ms=60_000, max_wait=30)
        holder = await lock.try_acquire()
        assert holder is not None
        waiter = asyncio.create_task(lock.acquire(timeout=30))
        async with asyncio.timeout(10):  # the waiter has tried and announced itself
            while not await client.exists(lock.keys.waiting):
                await asyncio.sleep(0.01)
        await holder.release()
        lease = await asyncio.wait_for(waiter, timeout=10)
        await lease.release()
        return lease.fence

    assert run(redis_target, scenario) == 2


def test_a_wait_times_out_and_leaves_the_holder_alone(redis_target: RedisTarget, ns: str) -> None:
    async def scenario(client: redis.asyncio.Redis) -> None:
        lock = AsyncFencedLock(client, "profile-42", namespace=ns)
        holder = await lock.try_acquire()
        assert holder is not None
        with pytest.raises(LockTimeout):
            await lock.acquire(timeout=0.2)
        assert await holder.is_held()

    run(redis_target, scenario)


def test_late_release_extend_and_write_are_refused(redis_target: RedisTarget, ns: str) -> None:
    async def scenario(client: redis.asyncio.Redis) -> None:
        lock = AsyncFencedLock(client, "profile-42", namespace=ns)
        profile = AsyncFencedResource(client, "profile-42", namespace=ns, log_length=10)
        paused = await lock.try_acquire(ttl_ms=100)
        assert paused is not None
        async with asyncio.timeout(10):  # the pause: until the lease has expired on the server
            while await lock.is_locked():
                await asyncio.sleep(0.02)
        current = await lock.try_acquire()
        assert current is not None and current.fence == 2
        with pytest.raises(LockNotHeld):
            await paused.release()
        with pytest.raises(LockNotHeld):
            await paused.extend(600_000)
        with pytest.raises(StaleFencingToken):
            await profile.write(paused.fence, {"name": "Mallory"})
        await profile.write(current.fence, {"name": "Bob"})
        assert await current.is_held()
        assert await profile.accepted_log() == [2]

    run(redis_target, scenario)


def test_keep_alive_renews_and_reports_a_loss(redis_target: RedisTarget, ns: str) -> None:
    async def scenario(client: redis.asyncio.Redis) -> int:
        lock = AsyncFencedLock(client, "profile-42", namespace=ns, ttl_ms=600)
        lease = await lock.try_acquire()
        assert lease is not None
        lost: list[int] = []

        async def on_lost(which: Any) -> None:
            lost.append(which.fence)

        renewal = lease.keep_alive(every_ms=100, on_lost=on_lost)
        async with asyncio.timeout(10):
            while renewal.renewals < 8:
                await asyncio.sleep(0.05)
        assert await lease.is_held()
        await client.delete(lock.keys.lock)
        await asyncio.wait_for(renewal.lost.wait(), timeout=10)
        return lost[0]

    assert run(redis_target, scenario) == 1


def test_arguments_are_validated_before_anything_is_sent(redis_target: RedisTarget, r: Any, ns: str) -> None:
    async def scenario(client: redis.asyncio.Redis) -> None:
        with pytest.raises(InvalidInput):
            AsyncFencedLock(client, "profile-{42}", namespace=ns)
        lock = AsyncFencedLock(client, "profile-42", namespace=ns)
        with pytest.raises(InvalidInput):
            lock.acquire(timeout=-1)
        with pytest.raises(InvalidInput):
            await lock.try_acquire(ttl_ms=0)
        with pytest.raises(InvalidInput):
            await AsyncFencedResource(client, "profile-42", namespace=ns).write(0, {"a": "1"})

    run(redis_target, scenario)
    assert list(r.scan_iter(match=f"{ns}:*")) == []
