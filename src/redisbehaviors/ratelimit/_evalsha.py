"""One script, called with ``EVALSHA`` by its cached SHA-1, on the shortest path redis-py offers.

redis-py's :class:`~redis.commands.core.Script` goes through ``execute_command``, whose per-call
bookkeeping (observability hooks, the single-connection lock, the retry wrapper's closures) costs
as much as a quarter of a decision's round trip on loopback.  For a plain pooled ``redis.Redis`` this
borrows a connection, sends, reads and gives it back, under the connection's own ``Retry`` (the
client's ``retry=``, so a broken connection is retried exactly as redis-py would); other clients
(a cluster, a single-connection client) take ``execute_command``.  ``NOSCRIPT`` (after
``SCRIPT FLUSH`` or a restart without persistence) loads the script again and retries once.
"""

from __future__ import annotations

import hashlib
from typing import Any

import redis
from redis.exceptions import NoScriptError, ResponseError


def _round_trip(connection: Any, command: tuple[Any, ...]) -> Any:
    connection.send_command(*command)
    return connection.read_response()


class Evalsha:
    def __init__(self, client: Any, source: str) -> None:
        self.client = client
        self.source = source
        self.sha = hashlib.sha1(source.encode()).hexdigest()
        self._direct = type(client) is redis.Redis and client.connection is None

    def __call__(self, *args: Any) -> Any:
        """``EVALSHA <sha> *args`` (``args`` starts with the number of keys)."""
        try:
            return self._run(("EVALSHA", self.sha, *args))
        except NoScriptError:
            self.client.script_load(self.source)
            return self._run(("EVALSHA", self.sha, *args))

    def _run(self, command: tuple[Any, ...]) -> Any:
        if not self._direct:
            return self.client.execute_command(*command)
        pool = self.client.connection_pool
        connection = pool.get_connection()
        try:
            return connection.retry.call_with_retry(
                lambda: _round_trip(connection, command), lambda _error: connection.disconnect()
            )
        except ResponseError:
            raise  # the server answered: the connection is in step
        except BaseException:
            connection.disconnect()  # a reply may still be on its way: never hand this connection out again
            raise
        finally:
            pool.release(connection)


class AsyncEvalsha(Evalsha):
    """The same for a ``redis.asyncio`` client (through ``execute_command``, which is a coroutine)."""

    def __init__(self, client: Any, source: str) -> None:
        super().__init__(client, source)
        self._direct = False

    async def __call__(self, *args: Any) -> Any:  # type: ignore[override]
        try:
            return await self.client.execute_command("EVALSHA", self.sha, *args)
        except NoScriptError:
            await self.client.script_load(self.source)
            return await self.client.execute_command("EVALSHA", self.sha, *args)
