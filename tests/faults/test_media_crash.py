"""The media pipeline under crashing workers: nothing lost, nothing applied twice.

Workers are real processes running the command line (``redisbehaviors media worker``) with the
``simulate`` handler (each job takes a few milliseconds, so a batch of ten is in flight for tens
of milliseconds).  While a producer keeps submitting, a killer sends SIGKILL to a random worker
that holds jobs in hand (pending entries) and starts a replacement: half the time under the same
consumer name (it drains its own pending jobs at start-up), half the time under a new name (its
jobs must be reclaimed by others with XAUTOCLAIM once the lease runs out).

At the end, for every submitted job: its effect (the entry in the results stream) was applied
exactly once, or it sits in the dead-letter stream with a reason; none is lost.

The poison test runs a job whose handler always fails among healthy ones: it is dead-lettered
after exactly ``max_deliveries`` deliveries, and healthy jobs keep finishing meanwhile.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import pytest
import redis

from redisbehaviors.media import MediaPipeline
from redisbehaviors.testing import wait_until
from redisbehaviors.testing.plugin import RedisTarget

PIPELINE = "crash"
LEASE_MS = 1000


@dataclass
class Fleet:
    """Worker processes of one test; every process it started is stopped at the end."""

    url: str
    namespace: str
    options: list[str]
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    born: dict[str, float] = field(default_factory=dict)  # name -> monotonic start of its process
    started: list[subprocess.Popen[bytes]] = field(default_factory=list)
    next_name: int = 0

    def spawn(self, name: str | None = None) -> str:
        if name is None:
            name, self.next_name = f"w{self.next_name}", self.next_name + 1
        command = [
            sys.executable, "-m", "redisbehaviors.cli", "media", "worker",
            "--url", self.url, "--namespace", self.namespace, "--pipeline", PIPELINE, "--name", name,
            *self.options,
        ]  # fmt: skip
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.processes[name] = process
        self.born[name] = time.monotonic()
        self.started.append(process)
        return name

    def kill(self, name: str) -> None:
        process = self.processes.pop(name)
        os.kill(process.pid, signal.SIGKILL)
        process.wait(10)

    def stop_gracefully(self) -> list[int]:
        for process in self.processes.values():
            process.send_signal(signal.SIGTERM)
        return [process.wait(30) for process in self.processes.values()]

    def close(self) -> None:
        for process in self.started:
            if process.poll() is None:
                process.kill()
                process.wait(10)
            if process.stderr:
                process.stderr.close()


@pytest.fixture
def fleet_factory(redis_target: RedisTarget, ns: str):  # type: ignore[no-untyped-def]
    fleets: list[Fleet] = []

    def make(*options: str) -> Fleet:
        fleet = Fleet(redis_target.url, ns, list(options))
        fleets.append(fleet)
        return fleet

    yield make
    for fleet in fleets:
        fleet.close()


class Producer(threading.Thread):
    """Submits jobs at a steady pace until stopped; remembers every job id it submitted."""

    def __init__(self, pipeline: MediaPipeline, interval_s: float, work_ms: int) -> None:
        super().__init__(daemon=True)
        self.pipeline = pipeline
        self.interval_s = interval_s
        self.work_ms = work_ms
        self.jobs: list[str] = []
        self.halt = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            while not self.halt.is_set():
                batch = [
                    ("transcode", {"source": f"clip-{len(self.jobs) + i}", "work_ms": self.work_ms}, None)
                    for i in range(5)
                ]
                self.jobs += [done.job_id for done in self.pipeline.submit_many(batch)]
                self.halt.wait(self.interval_s)
        except BaseException as exc:  # surfaced by the test
            self.error = exc


def _in_hand(client: redis.Redis, pipeline: MediaPipeline, consumer: str, since_s: float, fresh: bool = False) -> int:
    """Jobs the consumer's current process read itself: pending with it, delivered after it started.

    ``fresh``: only jobs on their first delivery, so that kills spread over new batches instead of
    hitting the same redelivered batch again and again.
    """
    age_ms = int((time.monotonic() - since_s) * 1000)
    rows = client.xpending_range(pipeline.keys.jobs, pipeline.group, "-", "+", 100, consumername=consumer)
    return sum(1 for row in rows if row["time_since_delivered"] < age_ms and (row["times_delivered"] == 1 or not fresh))


def _check_outcomes(
    client: redis.Redis, pipeline: MediaPipeline, jobs: list[str], reasons: tuple[str, ...] = ("delivered ",)
) -> dict[str, int]:
    """Every job applied exactly once or dead-lettered with a reason; returns the tallies."""
    applied = Counter(fields["job"] for _, fields in client.xrange(pipeline.keys.results))
    dead = {letter.job_id: letter for letter in pipeline.dead_letters(count=1000)}
    twice = {job: n for job, n in applied.items() if n > 1}
    assert not twice, f"jobs applied more than once: {twice}"
    both = set(applied) & set(dead)
    assert not both, f"jobs both applied and dead-lettered: {sorted(both)}"
    lost = [job for job in jobs if job not in applied and job not in dead]
    assert not lost, f"{len(lost)} jobs neither applied nor dead-lettered: {lost[:10]}"
    assert all(letter.reason for letter in dead.values()), "a dead letter without a reason"
    # with a handler that never fails and nothing deleted, the only way to the dead letters is
    # being delivered more than max_deliveries times: its workers kept being killed
    odd = [letter for letter in dead.values() if not letter.reason.startswith(reasons)]
    assert not odd, f"unexpected dead letters: {odd[:3]}"
    strangers = set(applied) - set(jobs)
    assert not strangers, f"results for jobs never submitted: {sorted(strangers)[:10]}"
    return {"applied": len(applied), "dead": len(dead)}


def _crash_run(r: redis.Redis, ns: str, fleet_factory, kills_wanted: int, workers: int) -> dict[str, int]:  # type: ignore[no-untyped-def]
    pipeline = MediaPipeline(r, namespace=ns, pipeline=PIPELINE, lease_ms=LEASE_MS, max_deliveries=8)
    pipeline.ensure_group()
    fleet = fleet_factory(
        "--handler", "simulate", "--lease-ms", str(LEASE_MS), "--max-deliveries", "8",
        "--batch", "10", "--block-ms", "100",
    )  # fmt: skip
    for _ in range(workers):
        fleet.spawn()
    producer = Producer(pipeline, interval_s=0.02, work_ms=4)  # about 250 jobs/s: workers stay busy
    producer.start()
    rng = random.Random(5)
    kills = mid_batch = 0
    started = time.monotonic()
    budget = 60 + 2 * kills_wanted  # seconds; generous for a loaded machine
    deadline = started + budget
    try:
        while kills < kills_wanted:
            assert time.monotonic() < deadline, f"only {kills} kills in {budget} s"
            # kill a worker while it holds jobs it read itself: wait (bounded) until one does
            holding = wait_until(
                lambda: [n for n in fleet.processes if _in_hand(r, pipeline, n, fleet.born[n], fresh=True)] or None,
                20,
                interval=0.01,
                what="a worker holding jobs",
            )
            victim = rng.choice(holding)  # type: ignore[arg-type]
            born = fleet.born[victim]
            fleet.kill(victim)
            mid_batch += _in_hand(r, pipeline, victim, born) > 0
            kills += 1
            fleet.spawn(victim if rng.random() < 0.5 else None)
            time.sleep(rng.uniform(0.05, 0.3))  # pacing between kills (not a wait for a state)
    finally:
        producer.halt.set()
        producer.join(10)
    assert producer.error is None, producer.error
    jobs = producer.jobs

    def all_finished() -> bool:
        outcomes = r.mget([pipeline.keys.mark(job) for job in jobs])
        return all(outcomes)

    wait_until(all_finished, 90, interval=0.2, what="every submitted job to be applied or dead-lettered")
    assert fleet.stop_gracefully() == [0] * len(fleet.processes), "a worker did not stop cleanly on SIGTERM"
    tallies = _check_outcomes(r, pipeline, jobs)
    redelivered = sum(
        1 for _, fields in r.xrange(pipeline.keys.results) if json.loads(fields["result"])["deliveries"] > 1
    )
    assert mid_batch >= kills // 2, f"only {mid_batch} of {kills} kills hit a worker holding jobs"
    assert redelivered > 0, "no job was ever delivered twice: the kills did not interrupt any work"
    print(
        f"\ncrash run ({time.monotonic() - started:.1f} s): {len(jobs)} jobs, {kills} SIGKILLs "
        f"({mid_batch} with jobs in hand), "
        f"{tallies['applied']} applied once, {redelivered} after a redelivery, "
        f"{tallies['dead']} dead-lettered"
    )
    return {"jobs": len(jobs), "kills": kills, **tallies}


def test_killed_workers_lose_no_job_and_apply_none_twice(r: redis.Redis, ns: str, fleet_factory) -> None:  # type: ignore[no-untyped-def]
    figures = _crash_run(r, ns, fleet_factory, kills_wanted=20, workers=3)
    assert figures["kills"] >= 20
    assert figures["applied"] + figures["dead"] == figures["jobs"]


@pytest.mark.slow
def test_many_killed_workers_lose_no_job_and_apply_none_twice(r: redis.Redis, ns: str, fleet_factory) -> None:  # type: ignore[no-untyped-def]
    figures = _crash_run(r, ns, fleet_factory, kills_wanted=150, workers=4)
    assert figures["kills"] >= 150
    assert figures["applied"] + figures["dead"] == figures["jobs"]


def test_a_poison_job_is_dead_lettered_after_the_allowed_deliveries_while_others_flow(
    r: redis.Redis, ns: str, fleet_factory
) -> None:  # type: ignore[no-untyped-def]
    pipeline = MediaPipeline(r, namespace=ns, pipeline=PIPELINE, lease_ms=300, max_deliveries=3)
    pipeline.ensure_group()
    poison = pipeline.submit("thumbnail", {"source": "broken.png", "fail": "always"}, job_id="poison-1")
    healthy = [pipeline.submit("thumbnail", {"source": f"ok-{i}.png", "work_ms": 5}).job_id for i in range(60)]
    fleet = fleet_factory(
        "--handler", "simulate", "--lease-ms", "300", "--max-deliveries", "3", "--batch", "5",
        "--block-ms", "100",
    )  # fmt: skip
    fleet.spawn()
    fleet.spawn()
    wait_until(lambda: pipeline.outcome("poison-1") == "dead", 30, interval=0.05, what="the poison job dead-lettered")
    late = [pipeline.submit("thumbnail", {"source": f"late-{i}.png"}).job_id for i in range(20)]
    wait_until(
        lambda: all(r.mget([pipeline.keys.mark(job) for job in healthy + late])),
        30,
        interval=0.05,
        what="every healthy job applied",
    )
    assert fleet.stop_gracefully() == [0, 0]
    (letter,) = pipeline.dead_letters()
    assert (letter.job_id, letter.original_id, letter.deliveries) == ("poison-1", poison.entry_id, 3)
    assert letter.reason.startswith("JobFailed: cannot thumbnail 'broken.png'"), letter.reason
    tallies = _check_outcomes(r, pipeline, [poison.job_id, *healthy, *late], reasons=("JobFailed",))
    assert tallies == {"applied": 80, "dead": 1}
    # no head-of-line blocking: healthy jobs finished while the poison job was still being retried
    first_result = r.xrange(pipeline.keys.results, count=1)[0][0]
    assert _id(first_result) < _id(letter.dead_id), "healthy jobs waited for the poison job"


def _id(entry_id: str) -> tuple[int, int]:
    ms, seq = entry_id.split("-")
    return int(ms), int(seq)
