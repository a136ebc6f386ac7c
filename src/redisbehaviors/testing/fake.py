"""The fakeredis backend: clients of an in-process ``FakeServer``, with ``COMMAND GETKEYS`` answered here.

fakeredis has no ``COMMAND GETKEYS``, which the raw vocabulary asks to move key names into the
scenario's namespace.  The client below answers it from fakeredis's own command table (first key,
last key, step: what ``COMMAND INFO`` reports) plus the rules of the commands whose keys move
(``numkeys`` arguments, ``STREAMS``), so that a scenario reads the same on fakeredis as on Redis.
Everything else goes to fakeredis unchanged: what it answers is what is measured.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

import fakeredis
import redis

#: Commands whose key count is an argument: the index of ``numkeys`` (keys follow it).
NUMKEYS_AT = {
    "eval": 2, "evalsha": 2, "eval_ro": 2, "evalsha_ro": 2, "fcall": 2, "fcall_ro": 2,
    "zunion": 1, "zinter": 1, "zdiff": 1, "zintercard": 1, "sintercard": 1, "lmpop": 1, "zmpop": 1,
    "zunionstore": 2, "zinterstore": 2, "zdiffstore": 2, "blmpop": 2, "bzmpop": 2,
}  # fmt: skip
#: (first, last, step) where fakeredis's table is wrong (it lists one key for most variadic commands).
POSITIONS = {
    **dict.fromkeys(
        ("del", "unlink", "exists", "mget", "touch", "watch", "sinter", "sunion", "sdiff", "pfcount", "pfmerge",
         "sinterstore", "sunionstore", "sdiffstore"),
        (1, -1, 1),
    ),
    **dict.fromkeys(("mset", "msetnx"), (1, -1, 2)),
    **dict.fromkeys(("blpop", "brpop", "bzpopmin", "bzpopmax"), (1, -2, 1)),
    **dict.fromkeys(("rename", "renamenx", "smove", "lmove", "blmove", "rpoplpush", "brpoplpush", "copy"), (1, 2, 1)),
    **dict.fromkeys(("object", "memory"), (2, 2, 1)),
}  # fmt: skip
#: Where the destination key of a ``*STORE`` command with ``numkeys`` stands.
DESTINATION_FIRST = {"zunionstore", "zinterstore", "zdiffstore"}
#: URL-only connection options fakeredis does not take.
URL_ONLY = ("parser_class", "socket_timeout", "socket_connect_timeout", "health_check_interval")


@cache
def _table() -> dict[str, list[Any]]:
    return json.loads(resources.files(fakeredis).joinpath("commands.json").read_text())


def get_keys(args: list[str]) -> list[str]:
    """The key names in one command's arguments, as ``COMMAND GETKEYS`` would list them."""
    name = args[0].lower()
    if name in NUMKEYS_AT:
        at = NUMKEYS_AT[name]
        count = int(args[at])
        keys = args[at + 1 : at + 1 + count]
        return [args[1], *keys] if name in DESTINATION_FIRST else keys
    if name in ("xread", "xreadgroup"):
        upper = [a.upper() for a in args]
        rest = args[upper.index("STREAMS") + 1 :]
        return rest[: len(rest) // 2]
    info = _info(name, args[1] if len(args) > 1 else "")
    if info is None and name not in POSITIONS:
        raise redis.ResponseError("Invalid command specified")
    first, last, step = POSITIONS.get(name) or (info[3], info[4], info[5])  # type: ignore[index]
    if first == 0:
        raise redis.ResponseError("The command has no key arguments")
    stop = len(args) + last if last < 0 else last
    return args[first : stop + 1 : step]


def _info(name: str, sub: str) -> list[Any] | None:
    entry = _table().get(name)
    if entry is None:
        return None
    for child in entry[9] if len(entry) > 9 else []:
        if child[0] == f"{name}|{sub.lower()}":
            return child
    return entry


class FakeClient(fakeredis.FakeRedis):
    """A fakeredis client that answers ``COMMAND GETKEYS`` (see the module docstring)."""

    def execute_command(self, *args: Any, **options: Any) -> Any:
        if len(args) > 2 and str(args[0]).upper() == "COMMAND" and str(args[1]).upper() == "GETKEYS":
            return get_keys([str(a) for a in args[2:]])
        return super().execute_command(*args, **options)


def fake_client(server: Any, **kwargs: Any) -> redis.Redis:
    """A client of ``server`` taking redis-py's arguments (the URL-only ones are dropped)."""
    for name in URL_ONLY:
        kwargs.pop(name, None)
    return FakeClient(server=server, **kwargs)
