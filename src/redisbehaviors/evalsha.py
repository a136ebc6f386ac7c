"""Scripts and batches on the shortest path redis-py offers.

redis-py's :class:`~redis.commands.core.Script` goes through ``execute_command``, whose per-call
bookkeeping (observability hooks, the single-connection lock, the retry wrapper's closures) costs
as much as a quarter of a decision's round trip on loopback.  For a plain pooled ``redis.Redis``,
:class:`Evalsha`, :func:`run_command` and :func:`run_pipeline` borrow a connection, send the command
packed by hiredis, read and give the connection back, under its own ``Retry`` (the client's
``retry=``, so a broken connection is retried exactly as redis-py would); other clients (a cluster, a
single-connection client) take ``execute_command`` or a redis-py pipeline.  ``NOSCRIPT`` (after
``SCRIPT FLUSH`` or a restart without persistence) loads the script again and retries once.

A call takes a connection from the pool's idle ones itself (:func:`_take`, :func:`_give_back`), when
the pool is a plain ``ConnectionPool``: redis-py 8.1's ``get_connection`` and ``release`` cost 7.9 µs
per call together on loopback (a ``poll`` for stale data, four metric updates, an event), about an
eighth of a rate-limit decision.  It does what they do for correctness and skips the rest: the
connection moves between the pool's idle and in-use sets under the pool's lock, a fork is noticed
(``_checkpid``), and a connection the server closed while it was idle, or one with unread data, is
disconnected so that it connects again before its command (the pool's ``can_read`` check).  The
pool's connection metrics are not updated (both of a pair are skipped, so they stay balanced), a
connection told to move by a maintenance notification is disconnected as ``release`` does, and a pool
whose connections re-authenticate on release (a ``credential_provider``) goes the pool's way.
"""

from __future__ import annotations

import hashlib
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


def _plain(pool: Any) -> bool:
    """A pool whose idle connections a call may take itself (see the module docstring)."""
    return (
        type(pool) in (redis.ConnectionPool, redis.asyncio.ConnectionPool)
        and getattr(pool, "cache", None) is None
        and pool.connection_kwargs.get("credential_provider") is None  # re-authenticated on release
        and hasattr(pool, "_available_connections")
        and hasattr(pool, "_in_use_connections")
    )


#: What a check of an idle connection raises when its socket is already broken.
_BROKEN = (OSError, redis.ConnectionError, redis.TimeoutError)


def _stale(connection: Any) -> bool:
    """What the pool checks before it hands out a connection: closed by the server while idle
    (``CLIENT KILL``, ``timeout``, a restart), or unread data."""
    try:
        return bool(connection.can_read())
    except _BROKEN:
        return True


def _take(pool: Any, plain: bool) -> Any:
    """A connection of ``pool`` for one call: an idle one, checked, or one the pool makes
    (``plain``: :func:`_plain` of ``pool``, found once per call)."""
    if not plain:
        return pool.get_connection()
    pool._checkpid()  # after a fork the pool starts over, and a parent's connection is never used
    with pool._lock:
        try:
            connection = pool._available_connections.pop()
        except IndexError:
            connection = None
        else:
            pool._in_use_connections.add(connection)
    if connection is None:
        return _from_pool(pool)  # the pool makes one, counted as redis-py counts it
    if _stale(connection):
        connection.disconnect()  # connects again at its next command
    return connection


def _from_pool(pool: Any) -> Any:
    """``pool.get_connection()`` under the pool's ``Retry``.  The pool connects and checks the
    connection outside the client's retry loop: a connection killed again between its reconnection
    and the pool's second check raises ``ConnectionError("Connection not ready")`` to the caller of
    any redis-py command (``ConnectionPool.get_connection`` in redis-py's ``connection.py``).  The
    pool releases the connection before it raises, so taking again is safe.  A full pool
    (``MaxConnectionsError``) is raised at once: waiting out the backoff would not free a connection."""
    retry = pool.connection_kwargs.get("retry")
    if retry is None:
        return pool.get_connection()
    return retry.call_with_retry(pool.get_connection, lambda _error: None, is_retryable=_not_full)


def _not_full(error: Exception) -> bool:
    return not isinstance(error, redis.exceptions.MaxConnectionsError)


def _give_back(pool: Any, connection: Any, plain: bool) -> None:
    if not plain:
        pool.release(connection)
        return
    if _must_reconnect(connection):
        connection.disconnect()
    with pool._lock:
        if connection in pool._in_use_connections:  # not after the pool was reset (a fork)
            pool._in_use_connections.remove(connection)
            pool._available_connections.append(connection)


def _must_reconnect(connection: Any) -> bool:
    """Told to move by a maintenance notification (redis-py 8's ``should_reconnect``), as ``release`` checks."""
    should = getattr(connection, "should_reconnect", None)
    return bool(should and should())


def _borrowed(client: redis.Redis, work: Callable[[Any], T]) -> T:
    """``work(connection)`` on a connection borrowed from ``client``'s pool, under its ``Retry``."""
    pool = client.connection_pool
    plain = _plain(pool)
    connection = _take(pool, plain)
    try:
        return connection.retry.call_with_retry(lambda: work(connection), lambda _error: connection.disconnect())
    except ResponseError:
        raise  # the server answered: the connection is in step
    except BaseException:
        connection.disconnect()  # a reply may still be on its way: never hand this connection out again
        raise
    finally:
        _give_back(pool, connection, plain)


def run_command(client: Any, command: tuple[Any, ...], *, direct: bool | None = None, **options: Any) -> Any:
    """``command`` on the shortest path: a borrowed connection when ``client`` is a plain pooled
    ``redis.Redis`` (``direct``, when the caller has checked :func:`is_direct` once), else
    ``execute_command``.  The reply is the one ``execute_command(*command, **options)`` returns:
    redis-py's reply callback for the command (``XRANGE``'s list of pairs, ``XPENDING``'s rows with
    ``parse_detail=True``) is applied to it with ``options``."""
    if not (is_direct(client) if direct is None else direct):
        return client.execute_command(*command, **options)
    reply = _borrowed(client, lambda connection: _round_trip(connection, command))
    if command[0] in _SCRIPTS:
        return reply  # no callback, and the lookup (a case-insensitive dict) would cost 0.25 µs
    callback = client.response_callbacks.get(command[0])
    return reply if callback is None else callback(reply, **options)


#: Commands redis-py has no reply callback for: a script's reply is what the script returned.
_SCRIPTS = frozenset({"EVALSHA", "EVALSHA_RO", "EVAL", "EVAL_RO", "FCALL", "FCALL_RO"})


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
        plain = _plain(pool)
        connection = await _take_async(pool, plain)
        # redis.asyncio's read_response closes the connection on any exception but an error reply
        # (a cancelled task too), so a connection with a reply still on its way is never reused.
        try:
            return await connection.retry.call_with_retry(
                lambda: _async_round_trip(connection, command), lambda _error: connection.disconnect()
            )
        finally:
            await _give_back_async(pool, connection, plain)


async def _take_async(pool: Any, plain: bool) -> Any:
    """:func:`_take` for ``redis.asyncio``: the tasks of a loop run one at a time, and nothing awaits
    between taking a connection from the idle ones and marking it in use."""
    if not plain:
        return await pool.get_connection()
    try:
        connection = pool._available_connections.pop()
    except IndexError:
        return await pool.get_connection()
    pool._in_use_connections.add(connection)
    try:
        stale = await connection.can_read()
    except _BROKEN:
        stale = True
    if stale:
        await connection.disconnect()  # connects again at its next command
    return connection


async def _give_back_async(pool: Any, connection: Any, plain: bool) -> None:
    if not plain:
        await pool.release(connection)
        return
    if _must_reconnect(connection):
        await connection.disconnect()
    if connection in pool._in_use_connections:
        pool._in_use_connections.remove(connection)
        pool._available_connections.append(connection)


async def _async_round_trip(connection: Any, command: tuple[Any, ...]) -> Any:
    # redis.asyncio packs commands in Python (a fifth of a decision's client time, measured with
    # cProfile at 50 tasks); hiredis packs them in C as the sync client does.  The arguments are
    # validated short strings and small integers, far from hiredis's limit on huge integers.
    await connection.send_packed_command(_pack(command) if _pack else connection.pack_command(*command))
    return await connection.read_response()
