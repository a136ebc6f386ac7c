"""The test harness: real Redis servers for a test suite, and the pytest plugin that provides them.

``pip install redisbehaviors[test]`` registers :mod:`redisbehaviors.testing.plugin` as a pytest
plugin (entry point ``pytest11``), so any project gets the ``redis_target``, ``r``, ``ns``,
``key``, ``client_factory``, ``server_config``, ``spawn_server``, ``redis_cluster``,
``cluster_client`` and ``replica_set`` fixtures and the scenario tags, with no conftest.

Components never import this package.
"""

from redisbehaviors.serverinfo import Version, parse_version
from redisbehaviors.testing.clock import server_ms
from redisbehaviors.testing.polling import wait_until
from redisbehaviors.testing.server import Cluster, RedisServer, ReplicaSet, ServerStartError

__all__ = [
    "Cluster",
    "RedisServer",
    "ReplicaSet",
    "ServerStartError",
    "Version",
    "parse_version",
    "server_ms",
    "wait_until",
]
