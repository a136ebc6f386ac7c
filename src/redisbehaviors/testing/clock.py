"""The server's clock, as scripts see it."""

from __future__ import annotations

import redis


def server_ms(client: redis.Redis | redis.RedisCluster, key: str | None = None) -> int:
    """The server's clock in milliseconds (``TIME``, which touches no key, so nothing expires lazily
    meanwhile).  On a cluster, the clock of the node serving ``key``: the one its scripts run on."""
    if isinstance(client, redis.RedisCluster):
        if key is None:
            raise ValueError("a cluster has one clock per node: say which key's node to ask")
        seconds, micros = client.time(target_nodes=client.get_node_from_key(key))
    else:
        seconds, micros = client.time()
    return int(seconds) * 1000 + int(micros) // 1000
