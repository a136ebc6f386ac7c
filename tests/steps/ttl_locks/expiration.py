"""Steps for features/ttl_locks/expiration.feature: switching active expiry off, letting the server clock move on.

The features of locking, rate limiting and sessions wait on the server's clock too; a step is
defined once per topic, so they use these definitions.  Everything else in expiration.feature and
locking.feature is the shared raw-command vocabulary.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import redis
from pytest_bdd import given, parsers, step

from redisbehaviors.testing import server_ms, wait_until


@pytest.fixture
def active_expiry_switch(r: redis.Redis) -> Iterator[Callable[[bool], None]]:
    """Turn active expiry off for one scenario; it is always turned back on afterwards.
    On a cluster: on every node, since DBSIZE sums the primaries and a key may live on any of them."""
    every_node: dict[str, Any] = (
        {"target_nodes": redis.RedisCluster.ALL_NODES} if isinstance(r, redis.RedisCluster) else {}
    )

    def switch(enabled: bool) -> None:
        r.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", 1 if enabled else 0, **every_node)

    yield switch
    switch(True)


@given("active expiry is switched off on the server")
def active_expiry_off(active_expiry_switch: Callable[[bool], None]) -> None:
    active_expiry_switch(False)


@step(parsers.parse("the server's clock has advanced {ms:d} ms"))
@given(parsers.parse("the server clock has moved on by {ms:d} ms"))
def server_clock_moves_on(r: redis.Redis, ns: str, ms: int) -> None:
    """Poll the server's own clock, bounded: waiting on TIME reads no key, so nothing expires lazily.
    On a cluster: the clock of the node that holds the scenario's keys (hash tag ``{<ns>}``)."""
    where = f"{{{ns}}}:"
    start = server_ms(r, where)
    wait_until(
        lambda: server_ms(r, where) >= start + ms, timeout=5 + ms / 1000, interval=0.005, what=f"server clock +{ms} ms"
    )
