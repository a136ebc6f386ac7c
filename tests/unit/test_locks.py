"""FencedLock and FencedResource: what the feature files do not state (validation, key schema,
edge cases of release/extend/renewal, the wait's command count, cluster)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
import redis
from redis.crc import key_slot

from redisbehaviors.errors import InvalidInput
from redisbehaviors.locks import (
    FencedLock,
    FencedResource,
    LockKeys,
    LockNotHeld,
    LockTimeout,
    StaleFencingToken,
    UnknownFencingToken,
)
from redisbehaviors.locks.lock import WAKE_TTL_MS
from redisbehaviors.testing import wait_until

# ------------------------------------------------------------------------------------------------ validation


@pytest.mark.parametrize("name", ["", "profile:42", "a b", "profile-{42}", 42, None, "x" * 129])
def test_bad_lock_names_are_refused(r: redis.Redis, ns: str, name: Any) -> None:
    with pytest.raises(InvalidInput):
        FencedLock(r, name, namespace=ns)


@pytest.mark.parametrize("namespace", ["", "a{b}", "a b", "x" * 65])
def test_bad_namespaces_are_refused(r: redis.Redis, namespace: str) -> None:
    with pytest.raises(InvalidInput):
        FencedLock(r, "p", namespace=namespace)


@pytest.mark.parametrize("ttl", [0, -1, 1.5, True, "100", 10**9 + 1])
def test_bad_ttls_are_refused_everywhere(r: redis.Redis, ns: str, ttl: Any) -> None:
    with pytest.raises(InvalidInput):
        FencedLock(r, "p", namespace=ns, ttl_ms=ttl)
    lock = FencedLock(r, "p", namespace=ns)
    with pytest.raises(InvalidInput):
        lock.try_acquire(ttl_ms=ttl)
    with pytest.raises(InvalidInput):
        lock.acquire(timeout=1, ttl_ms=ttl)
    assert list(r.scan_iter(match=f"{ns}:*")) == []
    lease = lock.try_acquire()
    assert lease is not None
    with pytest.raises(InvalidInput):
        lease.extend(ttl)
    assert lease.is_held()


@pytest.mark.parametrize("timeout", [-1, float("nan"), float("inf"), True, "1"])
def test_bad_timeouts_are_refused_before_any_try(r: redis.Redis, ns: str, timeout: Any) -> None:
    lock = FencedLock(r, "p", namespace=ns)
    with pytest.raises(InvalidInput):
        lock.acquire(timeout=timeout)
    assert lock.last_fence() == 0


@pytest.mark.parametrize("max_wait", [0.001, 3601, float("nan"), -1])
def test_max_wait_out_of_bounds_is_refused(r: redis.Redis, ns: str, max_wait: float) -> None:
    with pytest.raises(InvalidInput, match="max_wait"):
        FencedLock(r, "p", namespace=ns, max_wait=max_wait)


def test_keep_alive_interval_must_be_shorter_than_the_ttl(r: redis.Redis, ns: str) -> None:
    lease = FencedLock(r, "p", namespace=ns, ttl_ms=300).try_acquire()
    assert lease is not None
    with pytest.raises(InvalidInput, match="every_ms"):
        lease.keep_alive(every_ms=300)
    with pytest.raises(InvalidInput, match="max_renewals"):
        lease.keep_alive(every_ms=100, max_renewals=0)
    renewal = lease.keep_alive(every_ms=100, max_renewals=1)
    with pytest.raises(InvalidInput, match="already kept alive"):
        lease.keep_alive(every_ms=100)
    lease.release()
    assert not renewal.is_alive()


@pytest.mark.parametrize(
    ("fence", "fields"),
    [
        (0, {"a": "1"}),
        (True, {"a": "1"}),
        (2**53 + 1, {"a": "1"}),
        (1, {}),
        (1, {"a b": "1"}),
        (1, {"a": True}),
        (1, {"a": float("nan")}),
        (1, {"a": None}),
        (1, {"a": "x" * (64 * 1024 + 1)}),
        (1, {f"f{i}": i for i in range(1001)}),
    ],
)
def test_bad_fenced_writes_are_refused_and_write_nothing(r: redis.Redis, ns: str, fence: Any, fields: Any) -> None:
    FencedLock(r, "p", namespace=ns).try_acquire()
    resource = FencedResource(r, "p", namespace=ns)
    with pytest.raises(InvalidInput):
        resource.write(fence, fields)
    assert resource.read() == {}
    assert resource.highest_written() == 0


# ------------------------------------------------------------------------------------------------ key schema


def test_every_key_of_a_lock_is_in_one_cluster_slot() -> None:
    keys = LockKeys("app", "profile-42")
    names = [keys.lock, keys.fence, keys.wake, keys.waiting, keys.resource, keys.resource_fence, keys.resource_log]
    assert len(set(names)) == len(names)
    assert all(name.startswith("app:{profile-42}:") for name in names)
    assert {key_slot(name.encode()) for name in names} == {key_slot(b"profile-42")}


def test_tokens_are_128_bit_secrets_and_never_repeat(r: redis.Redis, ns: str) -> None:
    lock = FencedLock(r, "p", namespace=ns)
    tokens = set()
    for _ in range(50):
        lease = lock.try_acquire()
        assert lease is not None
        assert len(lease.token) >= 22  # 16 random bytes, base64url
        tokens.add(lease.token)
        lease.release()
    assert len(tokens) == 50


# ------------------------------------------------------------------------------------------------ lock


def test_the_acquired_key_holds_the_token_with_the_lease_ttl(r: redis.Redis, ns: str) -> None:
    lock = FencedLock(r, "p", namespace=ns, ttl_ms=5000)
    lease = lock.try_acquire(ttl_ms=2000)
    assert lease is not None
    assert r.get(lock.keys.lock) == lease.token
    assert 0 < r.pttl(lock.keys.lock) <= 2000
    assert r.ttl(lock.keys.fence) == -1  # the fence counter never expires
    assert lock.is_locked() and lease.is_held()
    assert lock.last_fence() == lease.fence == 1


def test_releasing_twice_raises_the_second_time(r: redis.Redis, ns: str) -> None:
    lease = FencedLock(r, "p", namespace=ns).try_acquire()
    assert lease is not None
    lease.release()
    with pytest.raises(LockNotHeld):
        lease.release()


def test_extend_replaces_the_remaining_ttl(r: redis.Redis, ns: str) -> None:
    lock = FencedLock(r, "p", namespace=ns, ttl_ms=1000)
    lease = lock.try_acquire()
    assert lease is not None
    lease.extend(600_000)
    assert 598_000 < r.pttl(lock.keys.lock) <= 600_000
    lease.extend()
    assert 0 < r.pttl(lock.keys.lock) <= 1000


def test_acquire_with_zero_timeout_tries_exactly_once(r: redis.Redis, ns: str) -> None:
    lock = FencedLock(r, "p", namespace=ns)
    assert lock.acquire(timeout=0).fence == 1
    with pytest.raises(LockTimeout):
        lock.acquire(timeout=0)
    assert lock.last_fence() == 1


def test_a_release_pushes_a_wake_up_only_while_someone_waits(r: redis.Redis, ns: str) -> None:
    lock = FencedLock(r, "p", namespace=ns, max_wait=0.05)
    first = lock.try_acquire()
    assert first is not None
    assert lock.try_acquire() is None  # a non-blocking try does not announce a waiter
    first.release()
    assert not r.exists(lock.keys.wake) and not r.exists(lock.keys.waiting)

    second = lock.try_acquire()
    assert second is not None
    with pytest.raises(LockTimeout):
        lock.acquire(timeout=0.1)  # a blocking try leaves the marker behind
    assert 0 < r.pttl(lock.keys.waiting) <= 0.05 * 2000 + 1000
    second.release()
    for _ in range(2):
        lease = lock.try_acquire()
        assert lease is not None
        lease.release()
    assert r.llen(lock.keys.wake) == 1  # at most one unclaimed wake-up
    assert 0 < r.pttl(lock.keys.wake) <= WAKE_TTL_MS


def test_a_waiter_sends_few_commands_while_the_lock_stays_taken(r: redis.Redis, ns: str) -> None:
    """Blocking in BLPOP: about one try per max_wait, where a 10 ms polling loop would send ~100."""
    lock = FencedLock(r, "p", namespace=ns, ttl_ms=60_000, max_wait=0.25)
    assert lock.try_acquire() is not None

    def calls(name: str) -> int:
        return int(r.info("commandstats").get(f"cmdstat_{name}", {}).get("calls", 0))

    before = calls("evalsha"), calls("blpop")
    with pytest.raises(LockTimeout):
        lock.acquire(timeout=1.0)
    tries, blocks = calls("evalsha") - before[0], calls("blpop") - before[1]
    assert 2 <= tries <= 8, tries
    assert tries - 1 <= blocks <= tries, (tries, blocks)


def test_each_release_wakes_one_of_several_waiters(r: redis.Redis, ns: str, client_factory: Any) -> None:
    holder = FencedLock(r, "p", namespace=ns, ttl_ms=60_000).try_acquire()
    assert holder is not None
    got: list[int] = []
    done = threading.Event()

    def wait_and_pass_on() -> None:
        lock = FencedLock(client_factory(), "p", namespace=ns, ttl_ms=60_000, max_wait=30)
        with lock.acquire(timeout=30) as lease:
            got.append(lease.fence)
        if len(got) == 3:
            done.set()

    threads = [threading.Thread(target=wait_and_pass_on) for _ in range(3)]
    for thread in threads:
        thread.start()
    wait_until(lambda: r.info("clients")["blocked_clients"] >= 3, timeout=10, what="three waiters in BLPOP")
    holder.release()
    # The holder's TTL is 60 s and max_wait 30 s: only the releases can have woken the waiters.
    assert done.wait(timeout=20), got
    for thread in threads:
        thread.join()
    assert sorted(got) == [2, 3, 4]


def test_the_context_manager_releases_when_the_block_raises(r: redis.Redis, ns: str) -> None:
    lock = FencedLock(r, "p", namespace=ns)
    with pytest.raises(KeyError), lock.acquire(timeout=1):
        raise KeyError("boom")
    assert not lock.is_locked()


def test_a_lost_lease_does_not_hide_the_blocks_own_error(r: redis.Redis, ns: str) -> None:
    lock = FencedLock(r, "p", namespace=ns)
    with pytest.raises(KeyError), lock.acquire(timeout=1):
        r.delete(lock.keys.lock)
        raise KeyError("boom")


def test_a_lost_lease_is_reported_when_the_block_ends_normally(r: redis.Redis, ns: str) -> None:
    lock = FencedLock(r, "p", namespace=ns)
    with pytest.raises(LockNotHeld), lock.acquire(timeout=1):
        r.delete(lock.keys.lock)


def test_renewal_reports_a_loss_when_redis_stays_unreachable_for_a_ttl(spawn_server: Any) -> None:
    server = spawn_server()
    client = server.client(decode_responses=True, socket_timeout=0.2, socket_connect_timeout=0.2)
    lease = FencedLock(client, "p", namespace="t", ttl_ms=600).try_acquire()
    assert lease is not None
    lost = threading.Event()
    renewal = lease.keep_alive(every_ms=100, max_renewals=1000, on_lost=lambda _lease: lost.set())
    wait_until(lambda: renewal.renewals >= 2, timeout=10, what="two renewals")
    server.kill()
    assert lost.wait(timeout=10)
    assert renewal.lost.is_set()
    renewal.join(timeout=5)
    assert not renewal.is_alive()
    client.close()


# ------------------------------------------------------------------------------------------- fenced resource


def test_the_same_holder_may_write_many_times(r: redis.Redis, ns: str) -> None:
    lease = FencedLock(r, "p", namespace=ns).try_acquire()
    assert lease is not None
    resource = FencedResource(r, "p", namespace=ns, log_length=10)
    resource.write(lease.fence, {"name": "Alice"})
    resource.write(lease.fence, {"email": "a@example.org", "age": 30})
    assert resource.read() == {"name": "Alice", "email": "a@example.org", "age": "30"}
    assert resource.accepted_log() == [1, 1]
    assert resource.highest_written() == 1


def test_the_log_keeps_only_the_last_writes_in_order(r: redis.Redis, ns: str) -> None:
    lock = FencedLock(r, "p", namespace=ns)
    resource = FencedResource(r, "p", namespace=ns, log_length=3)
    for _ in range(5):
        with lock.acquire(timeout=1) as lease:
            resource.write(lease.fence, {"v": lease.fence})
    assert resource.accepted_log() == [3, 4, 5]
    assert resource.read() == {"v": "5"}


def test_without_a_log_no_log_key_is_written(r: redis.Redis, ns: str) -> None:
    lease = FencedLock(r, "p", namespace=ns).try_acquire()
    assert lease is not None
    resource = FencedResource(r, "p", namespace=ns)
    resource.write(lease.fence, {"v": 1})
    assert not r.exists(resource.keys.resource_log)


def test_a_lost_fence_counter_fails_safe_new_writes_are_refused(r: redis.Redis, ns: str) -> None:
    """If the counter is lost (eviction, failover to a replica that missed INCRs), tokens restart
    low: the resource still remembers the highest token written and refuses them, so the failure
    is a refused write, never an out-of-order one."""
    lock = FencedLock(r, "p", namespace=ns)
    resource = FencedResource(r, "p", namespace=ns)
    for _ in range(3):
        with lock.acquire(timeout=1) as lease:
            resource.write(lease.fence, {"v": lease.fence})
    r.delete(lock.keys.fence)
    with lock.acquire(timeout=1) as lease:
        assert lease.fence == 1
        with pytest.raises(StaleFencingToken) as refused:
            resource.write(lease.fence, {"v": "late"})
    assert (refused.value.token, refused.value.highest) == (1, 3)
    assert resource.read() == {"v": "3"}


def test_a_token_above_every_issued_one_is_unknown(r: redis.Redis, ns: str) -> None:
    resource = FencedResource(r, "p", namespace=ns)
    with pytest.raises(UnknownFencingToken, match="never issued"):
        resource.write(1, {"v": 1})
    assert resource.read() == {}


# ------------------------------------------------------------------------------------------------ cluster


def test_lock_and_fenced_resource_work_on_a_cluster(cluster_client: redis.RedisCluster) -> None:
    lock = FencedLock(cluster_client, "profile-42", namespace="app", ttl_ms=5000)
    resource = FencedResource(cluster_client, "profile-42", namespace="app", log_length=5)
    first = lock.acquire(timeout=1)
    resource.write(first.fence, {"name": "Alice"})
    first.release()
    with lock.acquire(timeout=1) as second:
        resource.write(second.fence, {"name": "Bob"})
        with pytest.raises(StaleFencingToken):
            resource.write(first.fence, {"name": "Mallory"})
    assert resource.read() == {"name": "Bob"}
    assert resource.accepted_log() == [1, 2]
