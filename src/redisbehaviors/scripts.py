"""The one way components load their Lua: ``.lua`` files beside the component that uses them.

A script is sent as: an optional shebang line, the shared helpers (``prelude.lua`` beside this
module), the component's own helpers when it names a prelude of its package (for example the
reservations' ``_common.lua``), then the script's body.  Redis Lua has no ``require``, so helpers
shared by several scripts are put in front of each one; they are ``local`` functions, and call
Redis only when a script calls them.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from importlib import resources

import redis
from redis.commands.core import Script

#: The helpers every script gets (``prelude.lua`` in this package).
PRELUDE = "prelude"


@cache
def read_lua(package: str, name: str) -> str:
    """The text of ``<package>/<name>.lua`` (read once per process)."""
    return resources.files(package).joinpath(f"{name}.lua").read_text(encoding="utf-8")


def helpers(package: str, preludes: Sequence[str] = ()) -> str:
    """The shared prelude, then the named preludes of ``package``: what goes before a script body."""
    return "\n".join([read_lua(__package__, PRELUDE), *(read_lua(package, name) for name in preludes)])


def script_source(package: str, name: str, *, preludes: Sequence[str] = (), shebang: str | None = None) -> str:
    """The text sent to Redis for ``<package>/<name>.lua``: shebang, helpers, then the script."""
    parts = [helpers(package, preludes), read_lua(package, name)]
    return "\n".join(parts if shebang is None else [shebang, *parts])


def load_script(
    client: redis.Redis | redis.RedisCluster, package: str, name: str, *, preludes: Sequence[str] = ()
) -> Script:
    """Register ``<package>/<name>.lua`` (with its helpers) on ``client``.

    redis-py's :class:`Script` calls ``EVALSHA`` and, on ``NOSCRIPT`` (after ``SCRIPT FLUSH`` or a
    restart), loads the script again and retries, so callers never see that error.
    """
    return client.register_script(script_source(package, name, preludes=preludes))
