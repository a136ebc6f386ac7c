"""Scripts and batches on the shortest path redis-py offers.

redis-py's :class:`~redis.commands.core.Script` goes through ``execute_command``, whose per-call
bookkeeping (observability hooks, the single-connection lock, the retry wrapper's closures) costs
as much as a quarter of a decision's round trip on loopback.  For a plain pooled ``redis.Redis``,
:class:`Evalsha`, :func:`run_command` and :func:`run_pipeline` borrow a connection, send the command
packed by hiredis, read and give the connection back, under its own ``Retry`` (the client's
``retry=``, so a broken connection is retried exactly as redis-py would); other clients (a cluster, a
single-connection client) take ``execute_command`` or a redis-py pipeline.  ``NOSCRIPT`` (after
``SCRIPT FLUSH`` or a restart without persistence) loads the script again and retries once.

A thread keeps the connection it borrowed (:class:`_Kept`): redis-py 8.1's ``get_connection`` and
``release`` cost 7.9 µs per call together on loopback (a ``poll`` for stale data, four metric updates,
an event), about an eighth of a rate-limit decision.  Kept, that connection is still the pool's,
counted as in use, so that no other thread is handed it.  The asyncio twin keeps the connections its
calls took, idle between calls, for the tasks of one event loop (:class:`_Idle`).  Before each use a
kept connection is checked as the pool checks one it hands out: a connection the server closed while
it was idle connects again first.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import threading
import weakref
from collections.abc import Callable
from typing import Any, TypeVar

import redis
import redis.asyncio
from redis.exceptions import NoScriptError, ResponseError

T = TypeVar("T")

try:
    from hiredis import pack_command as _pack
except ImportError:  # pragma: no cover - hiredis is a dependency (redis[hiredis])
    _pack = None


def _round_trip(connection: Any, command: tuple[Any, ...]) -> Any:
    connection.send_packed_command([_pack(command)] if _pack else connection.pack_command(*command))
    return connection.read_response()


class Evalsha:
    def __init__(self, client: Any, source: str) -> None:
        self.client = client
        self.source = source
        self.sha = hashlib.sha1(source.encode()).hexdigest()
        self._direct = is_direct(client)

    def __call__(self, *args: Any) -> Any:
        """``EVALSHA <sha> *args`` (``args`` starts with the number of keys)."""
        try:
            return self._run(("EVALSHA", self.sha, *args))
        except NoScriptError:
            self.client.script_load(self.source)
            return self._run(("EVALSHA", self.sha, *args))

    def _run(self, command: tuple[Any, ...]) -> Any:
        return run_command(self.client, command, direct=self._direct)


def is_direct(client: Any) -> bool:
    """A plain pooled ``redis.Redis`` (not a subclass, a cluster or a single-connection client)."""
    return type(client) is redis.Redis and client.connection is None


_forks = 0  # how many times this process was forked from its parent: a child never uses a parent's connection


def _after_fork_in_child() -> None:
    global _forks
    _forks += 1


os.register_at_fork(after_in_child=_after_fork_in_child)


class _Kept:
    """The connection one thread keeps from one pool, between its calls.

    A thread keeps one connection, from the last plain ``redis.ConnectionPool`` it used, and only
    while that pool has at most half its ``max_connections`` in use, so that kept connections never
    starve the pool.  The connection goes back to the pool when the thread ends or moves to
    another pool (this object is dropped); it is never used after a fork, nor by a second call on
    the same thread while the first one is still running (a signal handler), which borrows as before.
    """

    __slots__ = ("busy", "connection", "forks", "pool")

    def __init__(self, pool: Any, connection: Any) -> None:
        self.pool, self.connection, self.forks, self.busy = pool, connection, _forks, False

    def __del__(self) -> None:
        if self.forks == _forks:
            with contextlib.suppress(Exception):  # at interpreter exit the pool may be half torn down
                self.pool.release(self.connection)


_threads = threading.local()


def _keeps(pool: Any) -> bool:
    in_use = getattr(pool, "_in_use_connections", None)
    return (
        type(pool) is redis.ConnectionPool
        and pool.cache is None
        and in_use is not None
        and len(in_use) < pool.max_connections // 2
        and pool.connection_kwargs.get("credential_provider") is None  # re-authenticated on release
    )


def _kept(pool: Any) -> _Kept | None:
    """This thread's kept connection from ``pool``, borrowed now if it has none; None to borrow as before."""
    kept: _Kept | None = getattr(_threads, "kept", None)
    if kept is not None and kept.pool is pool and kept.forks == _forks:
        if kept.busy:
            return None
        _check(kept.connection)
        return kept
    if not _keeps(pool):
        return None
    kept = _threads.kept = _Kept(pool, pool.get_connection())  # the one it replaces goes back to its pool
    return kept


def _check(connection: Any) -> None:
    """What the pool checks before it hands out a connection: a connection the server closed while it
    was idle (``CLIENT KILL``, ``timeout``, a restart) is readable, and must connect again before it is
    used, or its next command would fail on a closed socket."""
    try:
        stale = connection.can_read()
    except (ConnectionError, OSError, redis.ConnectionError, redis.TimeoutError):
        stale = True
    if stale:
        connection.disconnect()  # the next send connects again


def _borrowed(client: redis.Redis, work: Callable[[Any], T]) -> T:
    """``work(connection)`` on this thread's kept connection of ``client``'s pool (or one borrowed from
    the pool for this call), under its ``Retry``."""
    pool = client.connection_pool
    kept = _kept(pool)
    connection = pool.get_connection() if kept is None else kept.connection
    if kept is not None:
        kept.busy = True
    try:
        return connection.retry.call_with_retry(lambda: work(connection), lambda _error: connection.disconnect())
    except ResponseError:
        raise  # the server answered: the connection is in step
    except BaseException:
        connection.disconnect()  # a reply may still be on its way: reconnect before the next command
        raise
    finally:
        if kept is None:
            pool.release(connection)
        else:
            kept.busy = False


def run_command(client: Any, command: tuple[Any, ...], *, direct: bool | None = None) -> Any:
    """``command`` on the shortest path: a borrowed connection when ``client`` is a plain pooled
    ``redis.Redis`` (``direct``, when the caller has checked :func:`is_direct` once), else
    ``execute_command``.  For commands with no reply callback in redis-py (EVALSHA, FCALL)."""
    if not (is_direct(client) if direct is None else direct):
        return client.execute_command(*command)
    return _borrowed(client, lambda connection: _round_trip(connection, command))


def run_pipeline(client: Any, commands: list[tuple[Any, ...]]) -> list[Any]:
    """``commands`` in one round trip, their replies in order; for commands safe to send again (reads).

    On a plain pooled ``redis.Redis``: packed by hiredis into one buffer on a borrowed connection
    (redis-py's pipeline spends about 17 µs of Python per command on loopback; measured with the
    catalog's ``cards``); else a redis-py pipeline without ``MULTI``.  An error reply is raised after
    every reply was read, as a redis-py pipeline does, so the connection stays in step.
    """
    if not is_direct(client) or _pack is None:
        pipe = client.pipeline(transaction=False)
        for command in commands:
            pipe.execute_command(*command)
        return list(pipe.execute())
    replies = _borrowed(client, lambda connection: _round_trips(connection, commands))
    for reply in replies:
        if isinstance(reply, ResponseError):
            raise reply
    return replies


def _round_trips(connection: Any, commands: list[tuple[Any, ...]]) -> list[Any]:
    connection.send_packed_command([b"".join(_pack(command) for command in commands)])  # type: ignore[misc]
    replies: list[Any] = []
    for _ in commands:
        try:
            replies.append(connection.read_response())
        except ResponseError as error:
            replies.append(error)
    return replies


class AsyncEvalsha(Evalsha):
    """The same for a ``redis.asyncio`` client: a pooled ``redis.asyncio.Redis`` takes one of the
    connections idle for this loop (or borrows one), anything else goes through ``execute_command``
    (a coroutine)."""

    def __init__(self, client: Any, source: str) -> None:
        super().__init__(client, source)
        self._direct = type(client) is redis.asyncio.Redis and not client.single_connection_client

    async def __call__(self, *args: Any) -> Any:  # type: ignore[override]
        try:
            return await self._run(("EVALSHA", self.sha, *args))
        except NoScriptError:
            await self.client.script_load(self.source)
            return await self._run(("EVALSHA", self.sha, *args))

    async def _run(self, command: tuple[Any, ...]) -> Any:  # type: ignore[override]
        if not self._direct:
            return await self.client.execute_command(*command)
        pool = self.client.connection_pool
        taken = await _take(pool)
        if taken is None:
            return await self._borrowed(pool, command)
        idle, connection = taken
        # redis.asyncio's read_response closes the connection on any exception but an error reply
        # (a cancelled task too), so a connection with a reply still on its way is never reused.
        try:
            reply = await connection.retry.call_with_retry(
                lambda: _async_round_trip(connection, command), lambda _error: connection.disconnect()
            )
        except ResponseError:
            idle.append(connection)  # the server answered: the connection is in step
            raise
        except BaseException:
            await pool.release(connection)  # as a borrowed one: closed, back to the pool
            raise
        idle.append(connection)
        return reply

    async def _borrowed(self, pool: Any, command: tuple[Any, ...]) -> Any:
        connection = await pool.get_connection()
        try:
            return await connection.retry.call_with_retry(
                lambda: _async_round_trip(connection, command), lambda _error: connection.disconnect()
            )
        finally:
            await pool.release(connection)


class _Idle(list[Any]):
    """The connections the asyncio short path took from one pool, idle between its calls, on one event loop.

    Tasks on one loop share them (one at a time each, with no lock: a task holds one only between
    two awaits of its own call).  They stay the pool's, counted as in use; more are taken only while
    the pool has at most half its ``max_connections`` in use, otherwise a call borrows as before.
    """

    def __init__(self, loop: Any) -> None:
        super().__init__()
        self.loop, self.forks = loop, _forks


_idle: weakref.WeakKeyDictionary[Any, _Idle] = weakref.WeakKeyDictionary()


async def _take(pool: Any) -> tuple[_Idle, Any] | None:
    """A connection of ``pool``'s idle ones for this loop, checked as the pool checks it, or a new one
    taken from the pool; None when this call should borrow one as before."""
    if (
        type(pool) is not redis.asyncio.ConnectionPool
        or getattr(pool, "cache", None) is not None
        or pool.connection_kwargs.get("credential_provider") is not None  # re-authenticated on release
    ):
        return None
    loop = asyncio.get_running_loop()
    idle = _idle.get(pool)
    if idle is None or idle.loop is not loop or idle.forks != _forks:
        idle = _idle[pool] = _Idle(loop)  # another loop's connections cannot serve this one
    while idle:
        connection = idle.pop()  # this task's now: no other task can take it while the check awaits
        try:
            stale = await connection.can_read()  # closed by the server while idle, or unread data
        except (ConnectionError, OSError, redis.ConnectionError, redis.TimeoutError):
            stale = True
        if not stale:
            return idle, connection
        await connection.disconnect()  # connects again at its next command
        await pool.release(connection)
    in_use = getattr(pool, "_in_use_connections", None)
    if in_use is None or len(in_use) >= pool.max_connections // 2:
        return None
    return idle, await pool.get_connection()


async def _async_round_trip(connection: Any, command: tuple[Any, ...]) -> Any:
    # redis.asyncio packs commands in Python (a fifth of a decision's client time, measured with
    # cProfile at 50 tasks); hiredis packs them in C as the sync client does.  The arguments are
    # validated short strings and small integers, far from hiredis's limit on huge integers.
    await connection.send_packed_command(_pack(command) if _pack else connection.pack_command(*command))
    return await connection.read_response()
