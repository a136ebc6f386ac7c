"""Raw-Redis steps of features/fundamentals/transactions.feature: a pipeline and a MULTI block that
each wait on BLPOP while another client writes, to show which of the two lets the write in between.

The scenario's :class:`BlockingWorld` holds the pipeline running in a thread, or what the
transaction replied and how long it took.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import pytest
import redis
from pytest_bdd import parsers, then, when

from redisbehaviors.testing import wait_until

BLPOP_SECONDS = 10


@dataclass
class BlockingWorld:
    executor: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(max_workers=1))
    pipeline: Future[list[Any]] | None = None
    multi_replies: list[Any] = field(default_factory=list)
    multi_seconds: float = 0.0


@pytest.fixture
def blocking_world() -> Iterator[BlockingWorld]:
    world = BlockingWorld()
    yield world
    world.executor.shutdown(wait=True)  # the pipeline's BLPOP has a timeout, so this ends


@when(parsers.parse('a pipeline sets "{name}" to "{value}", waits for "{gate}" with BLPOP, then reads "{again}"'))
def pipeline_with_gate(
    blocking_world: BlockingWorld, client_factory: Callable[..., Any], key: Any, name: str, value: str, gate: str
) -> None:
    pipe = client_factory().pipeline(transaction=False)
    pipe.set(key(name), value).blpop([key(gate)], timeout=BLPOP_SECONDS).get(key(name))
    blocking_world.pipeline = blocking_world.executor.submit(pipe.execute)


@when(parsers.parse('while it waits, another client sets "{name}" to "{value}" and pushes to "{gate}"'))
def write_while_blocked(r: redis.Redis, key: Any, name: str, value: str, gate: str) -> None:
    # On a cluster, CLIENT LIST of the node that holds the keys (redis-py would ask any node).
    where = {"target_nodes": r.get_node_from_key(key(gate))} if isinstance(r, redis.RedisCluster) else {}
    wait_until(
        lambda: any(c.get("cmd") == "blpop" and "b" in c.get("flags", "") for c in r.client_list(**where)),
        timeout=10,
        what="the pipeline to block on BLPOP",
    )
    r.set(key(name), value)
    r.lpush(key(gate), "open")


@then(parsers.parse('the pipeline read "{value}"'))
def pipeline_read(blocking_world: BlockingWorld, value: str) -> None:
    assert blocking_world.pipeline is not None, "no pipeline was sent"
    assert blocking_world.pipeline.result(timeout=BLPOP_SECONDS)[-1] == value


@when(
    parsers.parse('a MULTI transaction sets "{name}" to "{value}", waits for "{gate}" with BLPOP, then reads "{again}"')
)
def multi_with_gate(blocking_world: BlockingWorld, r: redis.Redis, key: Any, name: str, value: str, gate: str) -> None:
    started = time.monotonic()
    pipe = r.pipeline(transaction=True)
    pipe.set(key(name), value).blpop([key(gate)], timeout=BLPOP_SECONDS).get(key(name))
    blocking_world.multi_replies = pipe.execute()
    blocking_world.multi_seconds = time.monotonic() - started


@then(parsers.parse('the transaction\'s BLPOP replied nil at once and it read "{value}"'))
def multi_read(blocking_world: BlockingWorld, value: str) -> None:
    _, popped, read = blocking_world.multi_replies
    assert popped is None
    assert read == value
    assert blocking_world.multi_seconds < BLPOP_SECONDS / 2  # it did not wait for the BLPOP timeout
