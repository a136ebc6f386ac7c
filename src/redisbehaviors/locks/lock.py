"""A fenced lease lock on one Redis key: SET NX PX with a secret token, plus a fencing token.

Acquire takes the lock with ``SET key token NX PX ttl`` (inside ``acquire.lua``, which also issues
the fencing token with ``INCR`` in the same atomic step).  The secret token (128 random bits from
:mod:`secrets`) proves ownership: release and extend compare it before they delete or re-arm the
key, so a holder whose lease expired can never delete or prolong the next holder's lock.

A lease can still end while its holder thinks it holds it (a GC pause, a stalled VM, a slow
network): the TTL is the only thing that frees the lock when a holder crashes, and the same TTL
frees it under a holder that is merely slow.  No lock service can prevent that; the fencing token
lets the protected resource detect it.  See :class:`redisbehaviors.locks.FencedResource`.

Waiting without spinning: a waiter that finds the lock taken blocks in ``BLPOP`` on the lock's
wake-up list, for at most the holder's remaining TTL (the reply of the failed try).  The failed
try also leaves a short-lived "waiting" marker; a release that finds it pushes one element to the
list, which wakes one waiter at once (without a marker the release skips the push, so the
uncontended path costs no extra write).  A lease that simply expires wakes nobody, and the
waiter's ``BLPOP`` times out when the TTL runs out.  So a waiter sends one command per release or
expiry, not one per polling interval.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any, Generic, TypeVar

import redis

from redisbehaviors import idempotency
from redisbehaviors.errors import InvalidInput
from redisbehaviors.evalsha import run_command
from redisbehaviors.idempotency import OPERATION_TTL_MS, validate_operation_ttl
from redisbehaviors.locks.errors import LockNotHeld, LockTimeout
from redisbehaviors.locks.keys import LockKeys
from redisbehaviors.scripts import load_script
from redisbehaviors.validation import shown, validate_client, validate_count, validate_seconds

#: Upper bound of a lease TTL: about 11.5 days.
MAX_TTL_MS = 10**9
#: How long an unclaimed wake-up stays in the list: it covers the gap between a failed try and
#: the waiter's BLPOP, during which a release can happen.
WAKE_TTL_MS = 5_000
#: The shortest BLPOP timeout a waiter sends (0 would mean "block forever").
MIN_WAIT_S = 0.005
#: The longest single BLPOP a waiter sends.
MAX_WAIT_S = 3600.0


def _validate_ttl(value: object) -> int:
    return validate_count(value, "ttl_ms", minimum=1, maximum=MAX_TTL_MS)


def _validate_max_wait(value: object) -> float:
    max_wait = validate_seconds(value, "max_wait")
    if not MIN_WAIT_S <= max_wait <= MAX_WAIT_S:
        raise InvalidInput(f"max_wait must be from {MIN_WAIT_S} to {MAX_WAIT_S} seconds, got {value!r}")
    return max_wait


#: The shortest operation id accepted for an acquire: it becomes the lease's secret token.
MIN_ACQUIRE_ID_LENGTH = 16


def _new_token() -> str:
    return secrets.token_urlsafe(16)  # 128 random bits: nobody else can present it by chance


def _acquire_token(given: str | None) -> str:
    """The secret token of one acquire call, which is also its operation id: ``acquire.lua`` recognises
    a retry of the call (its reply was lost) by finding the lock holding this very token."""
    if given is None:
        return _new_token()
    token = idempotency.operation_id(given)
    if len(token) < MIN_ACQUIRE_ID_LENGTH:
        raise InvalidInput(
            f"operation_id of an acquire becomes the lease's secret token: at least {MIN_ACQUIRE_ID_LENGTH} "
            f"characters (new_operation_id() makes one), got {len(token)}"
        )
    return token


def validate_client_kind(client: object, kinds: tuple[type, ...], what: str) -> None:
    """A client of the right kind (sync or ``redis.asyncio``) with ``decode_responses=True``."""
    if not isinstance(client, kinds):
        raise InvalidInput(f"client must be a {what}, got {type(client).__name__}")
    validate_client(client)


SYNC_CLIENTS = (redis.Redis, redis.RedisCluster)
SYNC_KIND = "redis.Redis or redis.RedisCluster"

#: The client type of a sync or an asyncio class.
ClientT = TypeVar("ClientT")


class _OnLock(Generic[ClientT]):
    """What every class of this package starts with: a client of the kind the subclass takes (sync or
    ``redis.asyncio``: ``_clients``, which the error names ``_client_kind``) and the keys of one lock."""

    _clients: tuple[type, ...]
    _client_kind: str

    def __init__(self, client: ClientT, name: str, namespace: str) -> None:
        validate_client_kind(client, self._clients, self._client_kind)
        self.client = client
        self.keys = LockKeys(namespace, name)
        self.name = name


class _LockCore(_OnLock[ClientT]):
    """What :class:`FencedLock` and its asyncio twin share: the constructor, settings, keys, scripts
    and the waiting arithmetic.  Nothing here talks to Redis, so it serves a sync and an async client
    alike."""

    def __init__(
        self,
        client: ClientT,
        name: str,
        *,
        namespace: str = "lock",
        ttl_ms: int = 30_000,
        max_wait: float = 1.0,
        operation_ttl_ms: int = OPERATION_TTL_MS,
    ) -> None:
        super().__init__(client, name, namespace)
        self.ttl_ms = _validate_ttl(ttl_ms)
        self.max_wait = _validate_max_wait(max_wait)
        self.operation_ttl_ms = validate_operation_ttl(operation_ttl_ms)
        self._acquire = load_script(client, __package__, "acquire")
        self._release = load_script(client, __package__, "release")
        self._extend = load_script(client, __package__, "extend")
        self._try_keys = [self.keys.lock, self.keys.fence, self.keys.waiting]
        self._release_keys = [self.keys.lock, self.keys.wake, self.keys.waiting]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.keys.lock!r}, ttl_ms={self.ttl_ms})"

    def _ttl(self, ttl_ms: int | None) -> int:
        return self.ttl_ms if ttl_ms is None else _validate_ttl(ttl_ms)

    def _waiting_ms(self, wait_for: float) -> int:
        """How long a failed try keeps the "someone is waiting" marker (0: the caller will not wait)."""
        # The marker outlives any one BLPOP of this waiter, with a margin for a slow round trip.
        return int(self.max_wait * 2000) + 1000 if wait_for > 0 else 0

    def _next_wait(self, deadline: float, wait_for: float, holder_pttl: int) -> float:
        """How long the next ``BLPOP`` may block; :class:`LockTimeout` once ``deadline`` has passed."""
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise LockTimeout(f"lock {self.name!r} still taken after {wait_for} s")
        until_expiry = holder_pttl / 1000 if holder_pttl > 0 else self.max_wait
        return max(MIN_WAIT_S, min(remaining, until_expiry, self.max_wait))


class FencedLock(_LockCore[redis.Redis | redis.RedisCluster]):
    """A named lock whose every acquisition returns a :class:`Lease` with a fencing token.

    The object holds no state of its own and can be shared between threads: each acquire returns
    its own lease.  ``client`` must be created with ``decode_responses=True`` (a ``Redis`` or a
    ``RedisCluster``); its ``socket_timeout``, if set, must exceed ``max_wait`` (the longest BLPOP).
    ``operation_ttl_ms``: how long a release is remembered under its operation id, so that a retry
    whose first reply was lost still reports a release (docs/ttl_locks/locks.md, exactly once).
    """

    _clients, _client_kind = SYNC_CLIENTS, SYNC_KIND

    # ------------------------------------------------------------------------------------ acquiring

    def try_acquire(self, ttl_ms: int | None = None, *, operation_id: str | None = None) -> Lease | None:
        """Take the lock if it is free, in one round trip; ``None`` when someone else holds it.

        A retry of the call after a lost reply gets the lease the first run took.  A caller that
        retries on its own passes the same ``operation_id`` (unguessable, at least 16 characters:
        it becomes the lease's secret token) to get that lease back instead of waiting out its TTL.
        """
        ttl = self._ttl(ttl_ms)
        lease, _ = self._try(ttl, 0, _acquire_token(operation_id))
        return lease

    def acquire(self, timeout: float = 10.0, ttl_ms: int | None = None, *, operation_id: str | None = None) -> Lease:
        """Wait up to ``timeout`` seconds for the lock; raise :class:`LockTimeout` if it stays taken.

        ``timeout=0`` tries once.  The wait blocks in ``BLPOP`` (see the module docstring).
        ``operation_id``: as for :meth:`try_acquire`.
        """
        wait_for = validate_seconds(timeout, "timeout")
        ttl = self._ttl(ttl_ms)
        token = _acquire_token(operation_id)
        deadline = time.monotonic() + wait_for
        while True:
            lease, holder_pttl = self._try(ttl, self._waiting_ms(wait_for), token)
            if lease is not None:
                return lease
            self.client.blpop([self.keys.wake], timeout=self._next_wait(deadline, wait_for, holder_pttl))

    def _try(self, ttl_ms: int, waiting_ms: int, token: str) -> tuple[Lease | None, int]:
        taken, value = self._acquire(keys=self._try_keys, args=[token, ttl_ms, waiting_ms])
        if taken:
            return Lease(self, token, int(value), ttl_ms), 0
        return None, int(value)

    # ------------------------------------------------------------------------------------ inspecting

    def is_locked(self) -> bool:
        """Whether anyone holds the lock right now (a snapshot: it may change right after)."""
        return bool(run_command(self.client, ("EXISTS", self.keys.lock)))

    def last_fence(self) -> int:
        """The last fencing token issued for this lock (0 before the first acquisition)."""
        return int(run_command(self.client, ("GET", self.keys.fence)) or 0)


class _LeaseCore:
    """What :class:`Lease` and its asyncio twin share; nothing here talks to Redis."""

    def __init__(self, lock: Any, token: str, fence: int, ttl_ms: int) -> None:
        self.lock = lock
        self.token = token
        self.fence = fence
        self.ttl_ms = ttl_ms
        self._renewal: Any = None

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.lock.name!r}, fence={self.fence})"

    def _extend_args(self, ttl_ms: int | None) -> list[str | int]:
        return [self.token, self.ttl_ms if ttl_ms is None else _validate_ttl(ttl_ms)]

    def _release_call(self, given: str | None) -> dict[str, list[Any]]:
        """The keys and arguments of ``release.lua``: one operation id per call (or the caller's)."""
        lock = self.lock
        keys = [*lock._release_keys, lock.keys.operation(idempotency.operation_id(given))]
        return {"keys": keys, "args": [self.token, WAKE_TTL_MS, lock.operation_ttl_ms]}

    def _renewal_interval(self, every_ms: int | None, max_renewals: int, on_lost: object) -> float:
        """The renewal period in seconds, once the arguments and the lease are known to allow one."""
        if self._renewal is not None:
            raise InvalidInput(f"{self!r} is already kept alive")
        if on_lost is not None and not callable(on_lost):
            raise InvalidInput(f"on_lost must be a function of the lease, got {shown(on_lost)}")
        interval = max(1, self.ttl_ms // 3) if every_ms is None else every_ms
        validate_count(interval, "every_ms", minimum=1, maximum=max(1, self.ttl_ms - 1))
        validate_count(max_renewals, "max_renewals", minimum=1)
        return interval / 1000


class Lease(_LeaseCore):
    """One acquisition of a :class:`FencedLock`: the secret token, the fencing token and the TTL.

    Use it as a context manager to release on exit.  ``fence`` is what the protected resource
    must see with every write (:meth:`redisbehaviors.locks.FencedResource.write`).
    """

    lock: FencedLock
    _renewal: Renewal | None

    def release(self, *, operation_id: str | None = None) -> None:
        """Compare-and-delete; raise :class:`LockNotHeld` if the lease had already ended.

        A retry of this call (the client's, after a lost reply, or the caller's with the same
        ``operation_id``) reports the release it made, not :class:`LockNotHeld`.
        """
        call = self._release_call(operation_id)
        self._stop_renewal()
        if not self.lock._release(**call):
            raise LockNotHeld(f"{self!r} had ended: nothing released")

    def extend(self, ttl_ms: int | None = None) -> None:
        """Compare-and-pexpire: the lease now ends ``ttl_ms`` from now (default: its own TTL).

        Raises :class:`LockNotHeld` if the lease had already ended; then nothing is changed.
        """
        if not self.lock._extend(keys=[self.lock.keys.lock], args=self._extend_args(ttl_ms)):
            raise LockNotHeld(f"{self!r} had ended: not extended")

    def is_held(self) -> bool:
        """Whether the lock still holds this lease's token (a snapshot, like any check)."""
        return self.lock.client.get(self.lock.keys.lock) == self.token

    def keep_alive(
        self,
        *,
        every_ms: int | None = None,
        max_renewals: int = 100,
        on_lost: Callable[[Lease], object] | None = None,
    ) -> Renewal:
        """Extend the lease from a background thread every ``every_ms`` (default: a third of the TTL).

        Renewal is bounded: it stops after ``max_renewals`` extensions, so a stuck critical section
        still loses the lock in the end.  When an extension finds the lease gone, or no extension
        succeeded for a whole TTL (Redis unreachable), ``on_lost(lease)`` is called once and
        :attr:`Renewal.lost` is set; the critical section should check it and stop writing.
        With Redis unreachable, the report can come later than the TTL by the client's own
        socket timeouts and retries, which is why a write must still carry the fencing token.
        """
        self._renewal = Renewal(self, self._renewal_interval(every_ms, max_renewals, on_lost), max_renewals, on_lost)
        self._renewal.start()
        return self._renewal

    def _stop_renewal(self) -> None:
        if self._renewal is not None:
            self._renewal.stop()

    def __enter__(self) -> Lease:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        """Release; if the lease had already ended, say so, unless the block is already failing."""
        try:
            self.release()
        except LockNotHeld:
            if exc_type is None:
                raise


class _RenewalCore:
    """What :class:`Renewal` and its asyncio twin share: the settings, the count of renewals, and when
    a failed extension means the lease is lost.  Nothing here talks to Redis."""

    def __init__(self, lease: Any, interval: float, max_renewals: int, on_lost: Any) -> None:
        self.lease = lease
        self.interval = interval
        self.max_renewals = max_renewals
        self.on_lost = on_lost
        self.renewals = 0
        self._last_success = 0.0

    def _begin(self) -> None:
        self._last_success = time.monotonic()

    def _renewed(self) -> None:
        self.renewals += 1
        self._last_success = time.monotonic()

    def _lost_by(self, error: LockNotHeld | redis.RedisError) -> bool:
        """Whether the lease is lost after an extension that raised ``error``: it had ended, or Redis has
        been unreachable for a whole TTL since the last renewal (the lease may have ended on the server);
        unreachable for less, the next tick tries again."""
        return isinstance(error, LockNotHeld) or time.monotonic() - self._last_success >= self.lease.ttl_ms / 1000


class Renewal(_RenewalCore, threading.Thread):
    """The background extension of one lease (see :meth:`Lease.keep_alive`)."""

    lease: Lease
    on_lost: Callable[[Lease], object] | None

    def __init__(
        self, lease: Lease, interval: float, max_renewals: int, on_lost: Callable[[Lease], object] | None
    ) -> None:
        threading.Thread.__init__(self, name=f"renew-{lease.lock.name}-{lease.fence}", daemon=True)
        _RenewalCore.__init__(self, lease, interval, max_renewals, on_lost)
        self.lost = threading.Event()
        self._stopped = threading.Event()

    def stop(self) -> None:
        """Stop renewing (the lease keeps whatever TTL it has); waits for the thread unless called from it."""
        self._stopped.set()
        if self.is_alive() and threading.current_thread() is not self:
            self.join()

    def run(self) -> None:
        self._begin()
        while self.renewals < self.max_renewals and not self._stopped.wait(self.interval):
            try:
                self.lease.extend()
            except (LockNotHeld, redis.RedisError) as error:
                if self._lost_by(error):
                    self._lose()
                    return
            else:
                self._renewed()

    def _lose(self) -> None:
        self.lost.set()
        if self.on_lost is not None:
            self.on_lost(self.lease)
