"""The asyncio twin of :mod:`redisbehaviors.sessions.store`.

Same keys, same scripts, same errors, the same names and arguments as :class:`SessionStore`; every
method is a coroutine::

    sessions = AsyncSessionStore(client, namespace="web")
    token = await sessions.create("alice", {"cart": "0"})
    session = await sessions.get(token)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import redis.asyncio
from redis.commands.core import AsyncScript

from redisbehaviors.scripts import load_script
from redisbehaviors.sessions.store import Session, Steps, T, _SessionCore
from redisbehaviors.validation import FieldValue

AsyncClient = redis.asyncio.Redis | redis.asyncio.RedisCluster


class AsyncSessionStore(_SessionCore):
    """See :class:`redisbehaviors.sessions.SessionStore`; ``client`` is a ``redis.asyncio.Redis`` or
    ``redis.asyncio.RedisCluster`` made with ``decode_responses=True``."""

    _clients = (redis.asyncio.Redis, redis.asyncio.RedisCluster)
    _client_kind = "redis.asyncio.Redis or redis.asyncio.RedisCluster (a synchronous client goes to SessionStore)"

    @staticmethod
    def _register(client: AsyncClient, name: str) -> AsyncScript:
        # the short path of redisbehaviors.evalsha (NOSCRIPT: load again and retry), as the sync store's
        return load_script(client, __package__, name)

    async def _call(self, name: str, keys: list[str], args: list[Any]) -> Any:
        return await self._scripts[name](keys=keys, args=args)

    async def _run(self, steps: Steps[T]) -> T:
        """Await the scripts ``steps`` asks for, one after the other; its result."""
        try:
            call = next(steps)
            while True:
                call = steps.send(await self._call(*call))
        except StopIteration as done:
            return done.value

    async def create(
        self, user_id: str, data: Mapping[str, FieldValue] | None = None, *, operation_id: str | None = None
    ) -> str:
        """See :meth:`SessionStore.create <redisbehaviors.sessions.SessionStore.create>`."""
        return await self._run(self._create(user_id, data, operation_id))

    async def get(self, token: str, fields: Iterable[str] | None = None) -> Session | None:
        """See :meth:`SessionStore.get <redisbehaviors.sessions.SessionStore.get>`."""
        names = self._field_names(fields)
        return self._session(token, names, await self._call(*self._read_call(token, names)))

    async def set(self, token: str, data: Mapping[str, FieldValue]) -> int:
        """See :meth:`SessionStore.set <redisbehaviors.sessions.SessionStore.set>`."""
        return self._written(token, await self._call(*self._set_call(token, data)))

    async def delete_fields(self, token: str, names: Iterable[str]) -> int:
        """See :meth:`SessionStore.delete_fields <redisbehaviors.sessions.SessionStore.delete_fields>`."""
        return self._written(token, await self._call(*self._delete_call(token, names)))

    async def rotate(self, token: str, *, operation_id: str | None = None) -> str:
        """See :meth:`SessionStore.rotate <redisbehaviors.sessions.SessionStore.rotate>`."""
        return await self._run(self._rotate(token, operation_id))

    async def revoke(self, token: str, *, operation_id: str | None = None) -> bool:
        """See :meth:`SessionStore.revoke <redisbehaviors.sessions.SessionStore.revoke>`."""
        return bool(await self._call(*self._revoke_call(token, operation_id)))

    async def revoke_all(self, user_id: str, *, operation_id: str | None = None) -> int:
        """See :meth:`SessionStore.revoke_all <redisbehaviors.sessions.SessionStore.revoke_all>`."""
        return int(await self._call(*self._revoke_all_call(user_id, operation_id)))

    async def sessions_of(self, user_id: str) -> list[str]:
        """See :meth:`SessionStore.sessions_of <redisbehaviors.sessions.SessionStore.sessions_of>`."""
        return list(await self._call(*self._list_call(user_id)))
