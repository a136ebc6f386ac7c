"""The one way components load their Lua: ``.lua`` files beside the component that uses them.

A script is sent as: an optional shebang line, the shared helpers (``prelude.lua`` beside this
module), the component's own helpers when it names a prelude of its package (for example the
reservations' ``_common.lua``), then the script's body.  Redis Lua has no ``require``, so helpers
shared by several scripts are put in front of each one; they are ``local`` functions, and call
Redis only when a script calls them.  A script gets only the helper functions it uses
(:func:`used_helpers`): Redis runs a script's whole text on every call, so each ``local function``
in it is a closure made again per call (about 500 CPU instructions on Redis 7.0, counted with
callgrind by ``tests/benchmarks/server_instructions.py``; docs/reports.md "Server instructions per call").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from importlib import resources
from typing import Any

import redis
import redis.asyncio
from redis.commands.core import Script

from redisbehaviors.evalsha import AsyncEvalsha, Evalsha

#: The helpers every script gets (``prelude.lua`` in this package).
PRELUDE = "prelude"


@cache
def read_lua(package: str, name: str) -> str:
    """The text of ``<package>/<name>.lua`` (read once per process)."""
    return resources.files(package).joinpath(f"{name}.lua").read_text(encoding="utf-8")


def helpers(package: str, preludes: Sequence[str] = ()) -> str:
    """The shared prelude, then the named preludes of ``package``: what goes before a script body."""
    return "\n".join([read_lua(__package__, PRELUDE), *(read_lua(package, name) for name in preludes)])


#: A helper function: the comment lines right above it, ``local function <name>(``, and every line up to
#: the first ``end`` at the start of a line (helpers are written with their bodies indented).
_HELPER = re.compile(r"(?:^--[^\n]*\n)*^local function (\w+)\(.*?^end\n?", re.M | re.S)


def used_helpers(helper_text: str, body: str) -> str:
    """``helper_text`` without the helper functions that ``body`` does not call, directly or through
    another kept helper.  A name counts as used wherever it appears as a word (comments too), so a
    doubt keeps the helper; everything that is not a helper function (constants, comments) stays."""
    found = {m.group(1): m for m in _HELPER.finditer(helper_text)}
    kept: set[str] = set()
    pending = [body]
    while pending:
        text = pending.pop()
        for name, match in found.items():
            if name not in kept and re.search(rf"\b{name}\b", text):
                kept.add(name)
                pending.append(match.group(0))
    return _HELPER.sub(lambda m: m.group(0) if m.group(1) in kept else "", helper_text)


def script_source(package: str, name: str, *, preludes: Sequence[str] = (), shebang: str | None = None) -> str:
    """The text sent to Redis for ``<package>/<name>.lua``: shebang, the helpers it uses, then the script."""
    body = read_lua(package, name)
    parts = [used_helpers(helpers(package, preludes), body), body]
    return "\n".join(parts if shebang is None else [shebang, *parts])


class LoadedScript:
    """A script registered on a client, called as redis-py's :class:`Script` is:
    ``script(keys=[...], args=[...])``, or ``client=pipeline`` to queue it in a pipeline.

    A direct call takes :class:`~redisbehaviors.evalsha.Evalsha`'s short path (``EVALSHA`` on a
    connection borrowed from the pool, under its ``Retry``; about 9 µs less client time per call than
    ``Script``'s ``execute_command`` on loopback, docs/ttl_locks/ratelimit.md "Performance"); a call
    with ``client=`` another client or a pipeline is redis-py's ``Script``, which loads the script
    before the pipeline runs.
    ``NOSCRIPT`` (after ``SCRIPT FLUSH`` or a restart) loads it again and retries, either way.
    """

    _runner: type[Evalsha] = Evalsha

    def __init__(self, client: Any, source: str) -> None:
        self.script = source  # the text sent to Redis, as on redis-py's Script
        self._script: Script = client.register_script(source)
        self._direct = self._runner(client, source)
        self.sha = self._direct.sha

    def __call__(self, keys: Sequence[Any] = (), args: Sequence[Any] = (), client: Any = None) -> Any:
        if client is not None and client is not self._direct.client:
            return self._script(keys=keys, args=args, client=client)
        return self._direct(len(keys), *keys, *args)


class AsyncLoadedScript(LoadedScript):
    """The same on a ``redis.asyncio`` client: calls are coroutines (:class:`~redisbehaviors.evalsha.AsyncEvalsha`)."""

    _runner = AsyncEvalsha


def load_script(client: Any, package: str, name: str, *, preludes: Sequence[str] = ()) -> LoadedScript:
    """Register ``<package>/<name>.lua`` (with its helpers) on ``client``, a ``Redis``/``RedisCluster``
    or their ``redis.asyncio`` twins (see :class:`LoadedScript`)."""
    source = script_source(package, name, preludes=preludes)
    if isinstance(client, redis.asyncio.Redis | redis.asyncio.RedisCluster):
        return AsyncLoadedScript(client, source)
    return LoadedScript(client, source)
