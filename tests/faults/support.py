"""What the operational fault tests (``test_<component>_operations.py``) share: the errors a client
meets while a failover runs, and memory filled up to ``maxmemory``."""

from __future__ import annotations

from collections.abc import Callable

import redis

#: Errors a call may meet while a primary fails over; the workloads retry them.
TRANSIENT = (redis.ConnectionError, redis.TimeoutError, redis.exceptions.ClusterError, redis.ReadOnlyError)


def limit_memory(client: redis.Redis, headroom: int = 2 * 1024 * 1024) -> None:
    """``maxmemory`` = what the server uses now + ``headroom`` bytes."""
    client.config_set("maxmemory", int(client.info("memory")["used_memory"]) + headroom)


def fill(client: redis.Redis, until: Callable[[], bool] | None = None, limit: int = 8192) -> str:
    """Write 1 kB values until ``until()`` holds, a write is refused or ``limit`` is reached; say which."""
    for index in range(limit):
        try:
            client.set(f"filler:{index}", "x" * 1024)
        except redis.exceptions.OutOfMemoryError:
            _stay_full(client)
            return "OOM"
        if until is not None and until():
            return "condition"
    return "limit"


def evicted(client: redis.Redis, match: str = "ops*") -> Callable[[], bool]:
    """A condition for :func:`fill`: every key matching ``match`` now (the component's) is gone.

    ``allkeys-lru`` samples keys and its clock ticks once a second, so which keys a given amount of
    filling evicts is chance; filling until the component's keys are gone makes the outcome certain."""
    keys = list(client.scan_iter(match=match, count=1000))
    return lambda: not client.exists(*keys)


def _stay_full(client: redis.Redis) -> None:
    """Under ``noeviction``, pin ``maxmemory`` 256 kB below what is used now: buffers freed after the
    refused write (a client's query buffer, a script's) would otherwise let a later write in."""
    if client.config_get("maxmemory-policy")["maxmemory-policy"] == "noeviction":
        client.config_set("maxmemory", int(client.info("memory")["used_memory"]) - 256 * 1024)
