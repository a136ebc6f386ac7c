"""The asyncio twin of :mod:`redisbehaviors.locks.lock` and :mod:`redisbehaviors.locks.fenced`.

Same keys, same scripts, same errors, same names with an ``Async`` prefix; every method that
talks to Redis is a coroutine.  ``acquire`` can be awaited or used directly as an async context
manager::

    lock = AsyncFencedLock(client, "profile-42", namespace="app")
    async with lock.acquire(timeout=5) as lease:
        await profile.write(lease.fence, {"name": "Alice"})

The renewal is an asyncio task instead of a thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import time
from collections.abc import Callable, Coroutine, Generator, Mapping
from types import TracebackType
from typing import Any

import redis
import redis.asyncio

from redisbehaviors.locks.errors import LockNotHeld
from redisbehaviors.locks.fenced import FieldValue, _ResourceCore
from redisbehaviors.locks.lock import _acquire_token, _LeaseCore, _LockCore, _RenewalCore
from redisbehaviors.validation import validate_seconds

AsyncClient = redis.asyncio.Redis | redis.asyncio.RedisCluster
ASYNC_CLIENTS = (redis.asyncio.Redis, redis.asyncio.RedisCluster)
ASYNC_KIND = "redis.asyncio.Redis or redis.asyncio.RedisCluster"


class AsyncFencedLock(_LockCore[AsyncClient]):
    """See :class:`redisbehaviors.locks.FencedLock`; ``client`` is a ``redis.asyncio`` client."""

    _clients, _client_kind = ASYNC_CLIENTS, ASYNC_KIND

    async def try_acquire(self, ttl_ms: int | None = None, *, operation_id: str | None = None) -> AsyncLease | None:
        """Take the lock if it is free, in one round trip; ``None`` when someone else holds it."""
        ttl = self._ttl(ttl_ms)
        lease, _ = await self._try(ttl, 0, _acquire_token(operation_id))
        return lease

    def acquire(
        self, timeout: float = 10.0, ttl_ms: int | None = None, *, operation_id: str | None = None
    ) -> _Acquiring:
        """Wait up to ``timeout`` seconds (in ``BLPOP``); await it, or use it as ``async with``.

        Arguments are validated here, before anything is awaited.
        """
        wait_for, ttl = validate_seconds(timeout, "timeout"), self._ttl(ttl_ms)
        return _Acquiring(self._wait_for(wait_for, ttl, _acquire_token(operation_id)))

    async def _wait_for(self, wait_for: float, ttl: int, token: str) -> AsyncLease:
        deadline = time.monotonic() + wait_for
        while True:
            lease, holder_pttl = await self._try(ttl, self._waiting_ms(wait_for), token)
            if lease is not None:
                return lease
            await self.client.blpop([self.keys.wake], timeout=self._next_wait(deadline, wait_for, holder_pttl))

    async def _try(self, ttl_ms: int, waiting_ms: int, token: str) -> tuple[AsyncLease | None, int]:
        taken, value = await self._acquire(keys=self._try_keys, args=[token, ttl_ms, waiting_ms])
        if taken:
            return AsyncLease(self, token, int(value), ttl_ms), 0
        return None, int(value)

    async def is_locked(self) -> bool:
        return bool(await self.client.exists(self.keys.lock))

    async def last_fence(self) -> int:
        return int(await self.client.get(self.keys.fence) or 0)


class _Acquiring(Coroutine[Any, Any, "AsyncLease"]):
    """The coroutine of ``acquire``, which is also an async context manager that releases the lease.

    So ``await lock.acquire()``, ``asyncio.create_task(lock.acquire())`` and
    ``async with lock.acquire() as lease`` all work.
    """

    def __init__(self, waiting: Coroutine[Any, Any, AsyncLease]) -> None:
        self._waiting = waiting
        self._lease: AsyncLease | None = None

    def send(self, value: Any) -> Any:
        return self._waiting.send(value)

    def throw(self, *args: Any) -> Any:
        return self._waiting.throw(*args)

    def close(self) -> None:
        self._waiting.close()

    def __await__(self) -> Generator[Any, None, AsyncLease]:
        return self._waiting.__await__()

    async def __aenter__(self) -> AsyncLease:
        self._lease = await self._waiting
        return self._lease

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._lease is not None:
            await self._lease.__aexit__(exc_type, exc, tb)


class AsyncLease(_LeaseCore):
    """See :class:`redisbehaviors.locks.Lease`."""

    lock: AsyncFencedLock
    _renewal: AsyncRenewal | None

    async def release(self, *, operation_id: str | None = None) -> None:
        call = self._release_call(operation_id)
        await self._stop_renewal()
        if not await self.lock._release(**call):
            raise LockNotHeld(f"{self!r} had ended: nothing released")

    async def extend(self, ttl_ms: int | None = None) -> None:
        if not await self.lock._extend(keys=[self.lock.keys.lock], args=self._extend_args(ttl_ms)):
            raise LockNotHeld(f"{self!r} had ended: not extended")

    async def is_held(self) -> bool:
        return await self.lock.client.get(self.lock.keys.lock) == self.token

    def keep_alive(
        self,
        *,
        every_ms: int | None = None,
        max_renewals: int = 100,
        on_lost: Callable[[AsyncLease], object] | None = None,
    ) -> AsyncRenewal:
        """Extend the lease from a task; ``on_lost`` may be a plain function or a coroutine function."""
        self._renewal = AsyncRenewal(
            self, self._renewal_interval(every_ms, max_renewals, on_lost), max_renewals, on_lost
        )
        return self._renewal

    async def _stop_renewal(self) -> None:
        if self._renewal is not None:
            await self._renewal.stop()

    async def __aenter__(self) -> AsyncLease:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            await self.release()
        except LockNotHeld:
            if exc_type is None:
                raise


class AsyncRenewal(_RenewalCore):
    """The background extension of one lease, as an asyncio task (see :meth:`AsyncLease.keep_alive`)."""

    lease: AsyncLease
    on_lost: Callable[[AsyncLease], object] | None

    def __init__(
        self, lease: AsyncLease, interval: float, max_renewals: int, on_lost: Callable[[AsyncLease], object] | None
    ) -> None:
        super().__init__(lease, interval, max_renewals, on_lost)
        self.lost = asyncio.Event()
        self.task = asyncio.get_running_loop().create_task(self._run(), name=f"renew-{lease.lock.name}-{lease.fence}")

    async def stop(self) -> None:
        """Stop renewing; waits for the task unless called from it."""
        if self.task is not asyncio.current_task() and not self.task.done():
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task

    async def _run(self) -> None:
        self._begin()
        while self.renewals < self.max_renewals:
            await asyncio.sleep(self.interval)  # the renewal period itself, not a wait for a state
            try:
                await self.lease.extend()
            except (LockNotHeld, redis.RedisError) as error:
                if self._lost_by(error):
                    await self._lose()
                    return
            else:
                self._renewed()

    async def _lose(self) -> None:
        self.lost.set()
        if self.on_lost is not None:
            outcome = self.on_lost(self.lease)
            if inspect.isawaitable(outcome):
                await outcome


class AsyncFencedResource(_ResourceCore[AsyncClient]):
    """See :class:`redisbehaviors.locks.FencedResource`."""

    _clients, _client_kind = ASYNC_CLIENTS, ASYNC_KIND

    async def write(self, fence: int, fields: Mapping[str, FieldValue], *, operation_id: str | None = None) -> None:
        status, value = await self._write(**self._write_call(fence, fields, operation_id))
        self._check_written(fence, status, value)

    async def read(self) -> dict[str, str]:
        return dict(await self.client.hgetall(self.keys.resource))

    async def highest_written(self) -> int:
        return int(await self.client.get(self.keys.resource_fence) or 0)

    async def accepted_log(self) -> list[int]:
        return [int(t) for t in reversed(await self.client.lrange(self.keys.resource_log, 0, -1))]
