"""Fixtures of the fault tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis

from redisbehaviors.testing.faults import ReplyDroppingProxy
from redisbehaviors.testing.plugin import RedisTarget
from tests.faults.support import retrying


@pytest.fixture
def lossy_client(lossy_proxy: ReplyDroppingProxy, redis_target: RedisTarget) -> Iterator[redis.Redis]:
    """A client of ``lossy_proxy`` that retries three times, as redis-py does by default; closed afterwards."""
    client = retrying(lossy_proxy.url, redis_target)
    yield client
    client.close()


@pytest.fixture
def storm_client(redis_target: RedisTarget) -> Iterator[redis.Redis]:
    """A client of the run's server that retries ten times, for a ``kill_storm``; closed afterwards."""
    client = retrying(redis_target.url, redis_target, retries=10)
    yield client
    client.close()
