"""What a server says it is: its vendor and version, read from ``INFO server``.

Components and the test harness both read it (a component may pick a command by version), so it
lives here, outside the harness.

Two versions matter.  ``redis_version`` is the Redis release whose behaviour the server claims:
Valkey 8.1 reports ``redis_version:7.2.4`` for compatibility, with ``server_name:valkey`` and
``valkey_version:8.1.8`` beside it (valkey.io, INFO command page).  The vendor's
own version names the product.  Behaviour version tags compare with the first; reports show both.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

Version = tuple[int, int, int]


def parse_version(text: str) -> Version:
    """``"7.0.15"`` -> ``(7, 0, 15)``; missing parts count as zero."""
    parts = [int(p) for p in re.findall(r"\d+", text)[:3]] + [0, 0, 0]
    return (parts[0], parts[1], parts[2])


def version_text(version: Version) -> str:
    """``(7, 0, 15)`` -> ``"7.0.15"``."""
    return ".".join(map(str, version))


@dataclass(frozen=True)
class ServerIdentity:
    """Vendor and versions of one server."""

    vendor: str  # "redis", "valkey", or whatever ``server_name`` says ("dragonfly", ...)
    vendor_version: Version  # the product's own version (equal to ``version`` for Redis)
    version: Version  # ``redis_version``: the Redis behaviour the server claims

    @property
    def is_redis(self) -> bool:
        return self.vendor == "redis"

    def describe(self) -> str:
        """``"redis 7.0.15"``, or ``"valkey 8.1.8 (redis_version 7.2.4)"``."""
        if self.is_redis:
            return f"redis {version_text(self.version)}"
        return f"{self.vendor} {version_text(self.vendor_version)} (redis_version {version_text(self.version)})"


def identify(info: Mapping[str, Any]) -> ServerIdentity:
    """The identity in an ``INFO server`` reply (parsed into a mapping, as redis-py does).

    ``server_name`` names the vendor when present (Valkey; Redis itself sends none), and
    ``<vendor>_version`` its version; a server that sends neither is taken for Redis.
    """
    version = parse_version(str(info.get("redis_version", "0")))
    vendor = str(info.get("server_name") or "redis").lower()
    if vendor == "redis":
        return ServerIdentity("redis", version, version)
    own = info.get(f"{vendor}_version")
    return ServerIdentity(vendor, parse_version(str(own)) if own else version, version)
