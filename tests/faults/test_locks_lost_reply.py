"""Exactly once under retries, for the lock: every row of the table in docs/ttl_locks/locks.md.

Each operation is run twice over a retrying client (redis-py's ``Retry``): once with the reply to
its script lost after the server ran it (the ``lossy_proxy`` fixture forwards the command, drops
the reply and closes the connection, so the client sends it again), and once many times under a
``CLIENT KILL`` storm.  The checker compares the end state with what the acknowledged calls of a
fault-free run would leave, and counts what came out doubled or wrong.  Figures are printed
(``pytest -s``).
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

import pytest
import redis
import redis.asyncio
from redis.asyncio.retry import Retry as AsyncRetry
from redis.backoff import NoBackoff

from redisbehaviors.idempotency import new_operation_id
from redisbehaviors.locks import AsyncFencedLock, FencedLock, FencedResource, Lease, LockNotHeld
from redisbehaviors.testing import wait_until
from redisbehaviors.testing.faults import ReplyDroppingProxy
from redisbehaviors.testing.plugin import RedisTarget
from tests.faults.support import lose_next, retrying
from tests.support import in_threads

T = TypeVar("T")
LEASE_MS = 30_000  # long: a lease orphaned by a lost reply stays visible for the whole test
STORM_CALLS = 1_000


@pytest.fixture
def lock(lossy_client: redis.Redis, ns: str) -> FencedLock:
    """The lock over the lossy proxy."""
    return FencedLock(lossy_client, "profile-42", namespace=ns, ttl_ms=LEASE_MS)


def held(lock: FencedLock) -> Lease:
    lease = lock.try_acquire()
    assert lease is not None
    return lease


# ------------------------------------------------------------------------------------------ reply lost


def test_a_lost_acquire_reply_still_gives_the_caller_its_lease(
    lossy_proxy: ReplyDroppingProxy, lock: FencedLock, r: redis.Redis
) -> None:
    lose_next(lossy_proxy, r, lock._acquire)
    lease = lock.try_acquire()
    print(f"try_acquire, reply lost: {lossy_proxy.lost} lost, lease {lease!r}, holder {r.get(lock.keys.lock)!r}")
    assert lossy_proxy.lost == 1
    assert lease is not None and lease.fence == 1
    assert r.get(lock.keys.lock) == lease.token
    assert lock.last_fence() == 1
    lease.release()
    assert not lock.is_locked()


def test_a_lost_release_reply_is_a_release_not_lock_not_held(
    lossy_proxy: ReplyDroppingProxy, lock: FencedLock, r: redis.Redis
) -> None:
    lease = held(lock)
    lose_next(lossy_proxy, r, lock._release)
    lease.release()
    assert lossy_proxy.lost == 1
    assert not lock.is_locked()
    with pytest.raises(LockNotHeld):  # a second call of its own is still refused
        lease.release()


def test_a_lost_extend_reply_extends_once_from_the_retry(
    lossy_proxy: ReplyDroppingProxy, lossy_client: redis.Redis, r: redis.Redis, ns: str
) -> None:
    lock = FencedLock(lossy_client, "profile-42", namespace=ns, ttl_ms=5_000)
    lease = held(lock)
    lose_next(lossy_proxy, r, lock._extend)
    lease.extend(LEASE_MS)
    assert lossy_proxy.lost == 1
    assert r.get(lock.keys.lock) == lease.token
    assert LEASE_MS - 5_000 < r.pttl(lock.keys.lock) <= LEASE_MS


def test_a_lost_fenced_write_reply_writes_and_logs_once(
    lossy_proxy: ReplyDroppingProxy, lossy_client: redis.Redis, lock: FencedLock, r: redis.Redis, ns: str
) -> None:
    profile = FencedResource(lossy_client, "profile-42", namespace=ns, log_length=10)
    lease = held(lock)
    lose_next(lossy_proxy, r, profile._write)
    profile.write(lease.fence, {"name": "Alice"})
    assert lossy_proxy.lost == 1
    assert profile.read() == {"name": "Alice"}
    assert profile.accepted_log() == [1]


def test_a_lost_wake_up_delays_the_waiter_by_at_most_max_wait(
    lossy_proxy: ReplyDroppingProxy, lossy_client: redis.Redis, r: redis.Redis, ns: str
) -> None:
    holder = held(FencedLock(r, "profile-42", namespace=ns, ttl_ms=LEASE_MS))
    waiter = FencedLock(lossy_client, "profile-42", namespace=ns, ttl_ms=LEASE_MS, max_wait=0.5)
    got: list[Any] = []
    lossy_proxy.lose_reply_to(b"BLPOP")
    thread = threading.Thread(target=lambda: got.append(waiter.acquire(timeout=10)))
    thread.start()
    wait_until(lambda: lossy_proxy.pending_rules() == 0, timeout=5, what="the waiter's BLPOP")
    started = time.monotonic()
    holder.release()
    thread.join(timeout=10)
    waited = time.monotonic() - started
    print(f"acquire, wake-up reply lost: {lossy_proxy.lost} lost, waiter got the lock after {waited:.2f} s")
    assert lossy_proxy.lost == 1
    assert got and got[0].fence == 2 and r.get(waiter.keys.lock) == got[0].token
    assert waited < 0.5 + 0.5  # one max_wait for the BLPOP that lost its element, plus slack


def test_a_lost_async_acquire_and_release_reply_behave_like_the_sync_ones(
    lossy_proxy: ReplyDroppingProxy, redis_target: RedisTarget, r: redis.Redis, ns: str
) -> None:
    async def scenario() -> None:
        client = redis.asyncio.Redis.from_url(
            lossy_proxy.url, decode_responses=True, protocol=redis_target.protocol, retry=AsyncRetry(NoBackoff(), 3)
        )
        lock = AsyncFencedLock(client, "profile-42", namespace=ns, ttl_ms=LEASE_MS)
        lose_next(lossy_proxy, r, lock._acquire)
        lease = await lock.try_acquire()
        assert lease is not None and lease.fence == 1 and r.get(lock.keys.lock) == lease.token
        lose_next(lossy_proxy, r, lock._release)
        await lease.release()
        assert not await lock.is_locked()
        await client.aclose()

    asyncio.run(scenario())
    assert lossy_proxy.lost == 2


# ------------------------------------------------------------------------------------------ kill storm


@dataclass
class Figures:
    calls: int = 0
    acknowledged: int = 0
    wrong: int = 0  # a None from a free lock, a LockNotHeld from a held lease
    failed: int = 0  # a ConnectionError past the client's retries, retried by the caller with the same id

    def report(self, what: str, kills: int, end: str) -> None:
        print(
            f"{what} under a kill storm: {self.calls} calls, {kills} kills, {self.acknowledged} acknowledged, "
            f"{self.wrong} wrong replies, {self.failed} retried by the caller; end state: {end}"
        )

    def persist(self, call: Callable[[], T]) -> T:
        """What a careful caller does when the outcome is unknown: the same call, with the same operation id.

        redis-py retries inside ``execute_command``, but a connection killed between the pool's
        reconnect and its readiness check raises before the retry loop.
        """
        while True:
            try:
                return call()
            except redis.ConnectionError:
                self.failed += 1


@pytest.mark.standalone_only
def test_acquire_write_release_cycles_under_a_kill_storm_end_as_a_fault_free_run(
    kill_storm: Any, storm_client: redis.Redis, r: redis.Redis, ns: str
) -> None:
    lock = FencedLock(storm_client, "profile-42", namespace=ns, ttl_ms=LEASE_MS)
    profile = FencedResource(storm_client, "profile-42", namespace=ns, log_length=10 * STORM_CALLS)
    figures, fences = Figures(), []
    with kill_storm(interval=0.01) as storm:
        for n in range(STORM_CALLS):
            figures.calls += 1
            acquire_id, write_id, release_id = new_operation_id(), new_operation_id(), new_operation_id()
            lease = figures.persist(partial(lock.try_acquire, operation_id=acquire_id))
            if lease is None:
                figures.wrong += 1  # the lock is free: only a lease orphaned by our own retry holds it
                continue
            fences.append(lease.fence)
            figures.persist(partial(profile.write, lease.fence, {"n": n}, operation_id=write_id))
            try:
                figures.persist(partial(lease.release, operation_id=release_id))
                figures.acknowledged += 1
            except LockNotHeld:
                figures.wrong += 1
    end = f"locked={lock.is_locked()}, last fence {lock.last_fence()}, log of {len(profile.accepted_log())}"
    figures.report("try_acquire + write + release", storm.kills, end)
    assert storm.kills > 0
    assert figures.wrong == 0
    assert not lock.is_locked()
    assert lock.last_fence() == len(fences) == STORM_CALLS  # one fence per acquisition, none orphaned
    assert profile.accepted_log() == fences  # each write logged once, in order
    assert profile.read() == {"n": str(STORM_CALLS - 1)}


@pytest.mark.standalone_only
def test_extends_under_a_kill_storm_keep_the_lease_held(
    kill_storm: Any, storm_client: redis.Redis, r: redis.Redis, ns: str
) -> None:
    lock = FencedLock(storm_client, "profile-42", namespace=ns, ttl_ms=LEASE_MS)
    lease = held(lock)
    figures = Figures()
    with kill_storm(interval=0.01) as storm:
        for _ in range(STORM_CALLS):
            figures.calls += 1
            try:
                figures.persist(lease.extend)
                figures.acknowledged += 1
            except LockNotHeld:
                figures.wrong += 1
    figures.report("extend", storm.kills, f"held={lease.is_held()}, fence {lock.last_fence()}")
    assert storm.kills > 0
    assert figures.wrong == 0 and figures.acknowledged == STORM_CALLS
    assert lease.is_held() and lock.last_fence() == 1
    assert 0 < r.pttl(lock.keys.lock) <= LEASE_MS


@pytest.mark.standalone_only
def test_blocking_acquires_under_a_kill_storm_hand_the_lock_over_without_loss(
    kill_storm: Any, redis_target: RedisTarget, client_factory: Any, ns: str
) -> None:
    """Two threads take turns through ``acquire`` (BLPOP wake-ups included): every acquisition gets
    the next fence, every release succeeds."""
    rounds, fences, wrong, figures = 150, [], [], Figures()

    def worker(_: int) -> None:
        client = retrying(redis_target.url, redis_target, retries=10)
        lock = FencedLock(client, "profile-42", namespace=ns, ttl_ms=LEASE_MS, max_wait=0.2)
        for _ in range(rounds):
            acquire_id, release_id = new_operation_id(), new_operation_id()
            lease = figures.persist(partial(lock.acquire, timeout=30, operation_id=acquire_id))
            fences.append(lease.fence)
            try:
                figures.persist(partial(lease.release, operation_id=release_id))
            except LockNotHeld:
                wrong.append(lease.fence)
        client.close()

    with kill_storm(interval=0.01) as storm:
        in_threads(worker, 2, timeout=120)
    last = FencedLock(client_factory(), "profile-42", namespace=ns).last_fence()
    print(
        f"acquire (blocking) + release under a kill storm: {2 * rounds} calls, {storm.kills} kills, "
        f"{len(fences)} acquired, {len(wrong)} releases refused, {figures.failed} retried by the caller; "
        f"last fence {last}"
    )
    assert storm.kills > 0
    assert sorted(fences) == list(range(1, 2 * rounds + 1)) and last == 2 * rounds
    assert wrong == []
