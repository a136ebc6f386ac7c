"""The media job pipeline under operational faults: the cells of the media row in docs/operations/README.md.

One worker submits jobs (with job ids, so a retried submit is idempotent), reads them and applies
their results (the apply-once marker turns a retried apply into ``duplicate``). After the fault the
worker drains its own pending entries and whatever is new; then every job id must have its marker.
A job without one is *lost*; an ``applied`` reply beyond one per job would be a job *applied twice*.
Figures are printed (``pytest -s``) and stated in the table.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
import redis

from redisbehaviors.media import MediaPipeline
from redisbehaviors.testing import RedisServer
from redisbehaviors.testing.server import Cluster
from redisbehaviors.testing.topology import SentinelSet, failover_of_slot
from tests.faults.support import PERSISTENCE, Midway, Retries, fill_up, killed_and_restarted, write_after

JOBS = 300


class Run:
    def __init__(self, pipeline: MediaPipeline) -> None:
        self.pipeline = pipeline
        self.statuses: Counter[str] = Counter()
        self.retrying = Retries()

    def work(self, jobs: list[Any]) -> None:
        if jobs:
            self.statuses.update(self.retrying(lambda: self.pipeline.apply([(job, {"ok": 1}) for job in jobs])))

    def drain(self) -> None:
        while jobs := self.retrying(lambda: self.pipeline.read_own_pending("w1", count=100)[0]):
            self.work(jobs)
        while jobs := self.retrying(lambda: self.pipeline.read_new("w1", count=100)):
            self.work(jobs)

    def lost(self) -> int:
        marks = [self.pipeline.keys.mark(f"job-{i}") for i in range(JOBS)]
        return sum(1 for mark in marks if not self.pipeline.client.exists(mark))


def _failover_cell(pipeline: MediaPipeline, fault: Callable[[], None], cell: str) -> Run:
    run = Run(pipeline)
    run.retrying(pipeline.ensure_group)
    with Midway(fault, at=JOBS // 2) as midway:
        for index in range(JOBS):
            midway.reached(index)
            run.retrying(lambda i=index: pipeline.submit("thumbnail", {"n": i}, job_id=f"job-{i}"))
            run.work(run.retrying(lambda: pipeline.read_new("w1", count=10)))
    run.drain()
    lost = run.lost()
    print(
        f"media, {cell}: {JOBS} jobs, {lost} lost, {run.statuses['applied']} applied, "
        f"{run.statuses['duplicate']} duplicates refused by the apply-once marker, "
        f"{run.retrying.failed} failed attempts"
    )
    return run


@pytest.mark.slow
def test_sentinel_failover_under_load(fresh_sentinel_set: SentinelSet) -> None:
    topology = fresh_sentinel_set
    client = topology.primary_client()

    run = _failover_cell(MediaPipeline(client, namespace="ops"), topology.kill_primary, "Sentinel failover mid-run")
    assert run.lost() <= 1 and run.statuses["applied"] <= JOBS
    client.close()


@pytest.mark.slow
def test_cluster_failover_under_load(stable_cluster: Cluster) -> None:
    client = stable_cluster.client()
    pipeline = MediaPipeline(client, namespace="ops")
    fault = failover_of_slot(stable_cluster, client.keyslot(pipeline.keys.jobs))
    run = _failover_cell(pipeline, fault, "CLUSTER FAILOVER mid-run")
    assert run.lost() == 0 and run.statuses["applied"] == JOBS
    client.close()


def _half_done(client: redis.Redis) -> MediaPipeline:
    """200 jobs submitted, 100 of them applied: 100 wait in the stream."""
    pipeline = MediaPipeline(client, namespace="ops")
    pipeline.ensure_group()
    for index in range(200):
        pipeline.submit("thumbnail", {"n": index}, job_id=f"job-{index}")
    pipeline.apply([(job, {"ok": 1}) for job in pipeline.read_new("w1", count=100)])
    return pipeline


def _waiting(pipeline: MediaPipeline) -> int:
    """Jobs a worker can still get: pending ones, plus those a new consumer reads as never delivered.

    (Counted by reading, not from XINFO's lag, which is unknown after an AOF reload.)
    """
    try:
        pending = int(pipeline.client.xpending(pipeline.keys.jobs, pipeline.group)["pending"])
    except redis.ResponseError:  # the stream (and its group) is gone
        return 0
    fresh = 0
    while jobs := pipeline.read_new("w2", count=100):
        fresh += len(jobs)
    return pending + fresh


@pytest.mark.parametrize("policy", ["noeviction", "allkeys-lru"])
@pytest.mark.slow
def test_eviction(spawn_server: Callable[..., RedisServer], policy: str) -> None:
    client = spawn_server({"maxmemory-policy": policy}).client()
    pipeline = _half_done(client)
    fill_up(client)
    waiting = _waiting(pipeline)
    late = write_after(lambda: pipeline.submit("thumbnail", {"n": -1}, job_id="job-late"), "accepted")
    print(f"media, {policy}: 100 jobs waiting before; after filling: {waiting} waiting; a new job {late}")
    assert (waiting, late) == ((100, "refused with OOM") if policy == "noeviction" else (0, "accepted"))
    client.close()


@pytest.mark.parametrize("persistence", PERSISTENCE)
@pytest.mark.slow
def test_restart(spawn_server: Callable[..., RedisServer], persistence: str) -> None:
    server = spawn_server(PERSISTENCE[persistence])
    waiting = killed_and_restarted(
        server, _half_done, lambda client, _: _waiting(MediaPipeline(client, namespace="ops"))
    )
    print(f"media, kill -9 with {persistence}: 100 jobs waiting before; after restart: {waiting} waiting")
    assert waiting == (100 if persistence != "none" else 0)
