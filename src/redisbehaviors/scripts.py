"""Load Lua scripts that live as ``.lua`` files beside the component that uses them."""

from __future__ import annotations

from importlib import resources

import redis
from redis.commands.core import Script


def load_script(client: redis.Redis | redis.RedisCluster, package: str, name: str) -> Script:
    """Register ``<package>/<name>.lua`` on ``client``.

    redis-py's :class:`Script` calls ``EVALSHA`` and, on ``NOSCRIPT`` (after ``SCRIPT FLUSH`` or a
    restart), loads the script again and retries, so callers never see that error.
    """
    source = resources.files(package).joinpath(f"{name}.lua").read_text(encoding="utf-8")
    return client.register_script(source)
