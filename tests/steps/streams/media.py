"""Media pipeline steps: producers, workers and the monitor of :mod:`redisbehaviors.media`.

The steps drive the pipeline step by step through one typed world (the ``media_world`` fixture,
a :class:`MediaWorld`): a worker "takes a batch", "crashes" (drops it without acknowledging),
"finishes its batch" (handler, then apply-and-ack), or runs its loop until a condition holds,
bounded in time.  The raw stream steps (replies, the pending entries list) live in ``streams.py``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest
import redis
from pytest_bdd import given, parsers, step, then, when

from redisbehaviors.media import Job, Lease, MediaPipeline, Monitor, ServerFeatures, Worker
from redisbehaviors.media.handlers import simulate
from redisbehaviors.testing import wait_until
from tests.steps.redis_commands import expected

WAIT = 10.0  # seconds: generous bound for anything polled on a loaded machine

# ---------------------------------------------------------------------------------------- media pipeline


@dataclass
class MediaWorld:
    """The pipeline of one scenario, and what each named worker holds in hand."""

    client: redis.Redis
    ns: str
    pipeline: MediaPipeline | None = None
    jobs: dict[str, str] = field(default_factory=dict)  # job id -> entry id, in submit order
    hand: dict[str, list[Job]] = field(default_factory=dict)
    handler_calls: dict[str, int] = field(default_factory=dict)
    statuses: list[str] = field(default_factory=list)
    reclaim_steps: int = 0
    deleted: list[str] = field(default_factory=list)
    monitor_options: dict[str, int] = field(default_factory=dict)
    error: Exception | None = None

    @property
    def media(self) -> MediaPipeline:
        assert self.pipeline is not None, "the scenario has not set up a media pipeline"
        return self.pipeline

    def build(self, **options: Any) -> MediaPipeline:
        options.setdefault("lease_ms", 60_000)
        self.pipeline = MediaPipeline(self.client, namespace=self.ns, pipeline="media", **options)
        self.pipeline.ensure_group()
        return self.pipeline

    def handler(self, job: Job, lease: Lease) -> Mapping[str, Any]:
        self.handler_calls[job.job_id] = self.handler_calls.get(job.job_id, 0) + 1
        return simulate(job, lease)

    def worker(self, name: str, **options: Any) -> Worker:
        options.setdefault("block_ms", 50)
        return Worker(self.media, name, self.handler, **options)

    def results_for(self, job_id: str) -> list[dict[str, str]]:
        return [fields for _, fields in self.client.xrange(self.media.keys.results) if fields["job"] == job_id]


@pytest.fixture
def media_world(r: redis.Redis, ns: str) -> MediaWorld:
    return MediaWorld(r, ns)


def _features(fallback: str | None) -> ServerFeatures | None:
    return ServerFeatures(xackdel=False, trim_acked=False) if fallback else None


@given(parsers.parse("a media pipeline with a lease of {lease:d} ms and at most {deliveries:d} deliveries"))
def media_pipeline(media_world: MediaWorld, lease: int, deliveries: int) -> None:
    media_world.build(lease_ms=lease, max_deliveries=deliveries)


@given(parsers.re(r"a media pipeline that deletes jobs once acknowledged(?P<fallback> without XACKDEL)?"))
def media_pipeline_delete_on_ack(media_world: MediaWorld, fallback: str | None) -> None:
    media_world.build(delete_on_ack=True, features=_features(fallback))


@given(parsers.re(r"a media pipeline trimmed to about (?P<maxlen>\d+) jobs(?P<fallback> without ACKED)?"))
def media_pipeline_trimmed(media_world: MediaWorld, maxlen: str, fallback: str | None) -> None:
    media_world.build(maxlen=int(maxlen), features=_features(fallback))


@given(parsers.parse("a media pipeline that keeps jobs for {ms:d} ms"))
def media_pipeline_retention(media_world: MediaWorld, ms: int) -> None:
    media_world.build(maxlen=None, retention_ms=ms)


@step(parsers.re(r'the producer (?:submits|has submitted) (?P<count>\d+) "(?P<kind>[^"]+)" jobs?$'))
def producer_submits_many(media_world: MediaWorld, count: str, kind: str) -> None:
    for index in range(int(count)):
        done = media_world.media.submit(kind, {"source": f"file-{index}"})
        media_world.jobs[done.job_id] = done.entry_id


@step(
    parsers.re(
        r"the producer (?:submits|has submitted) the (?P<poison>poison )?"
        r'"(?P<kind>[^"]+)" job "(?P<job>[^"]+)"'
    )
)
def producer_submits(media_world: MediaWorld, poison: str | None, kind: str, job: str) -> None:
    payload = {"source": f"{job}.mov", **({"fail": "always"} if poison else {})}
    done = media_world.media.submit(kind, payload, job_id=job)
    media_world.jobs.setdefault(done.job_id, done.entry_id)
    media_world.statuses.append("duplicate" if done.duplicate else "new")


@step(parsers.parse('worker "{worker}" takes a batch of up to {count:d} jobs'))
def worker_takes(media_world: MediaWorld, worker: str, count: int) -> None:
    media_world.hand[worker] = media_world.media.read_new(worker, count=count)


@step(parsers.parse('worker "{worker}" crashes'))
def worker_crashes(media_world: MediaWorld, worker: str) -> None:
    media_world.hand[worker] = []  # killed: nothing acknowledged, nothing released


@step(parsers.parse('worker "{worker}" finishes its batch'))
def worker_finishes(media_world: MediaWorld, worker: str) -> None:
    jobs = media_world.hand.pop(worker, [])
    done = [(job, media_world.handler(job, Lease(media_world.media, worker, job.entry_id))) for job in jobs]
    media_world.statuses = media_world.media.apply(done)


@step(parsers.re(r'the lease of the jobs held by "(?P<worker>[^"]+)" has run out'))
def lease_ran_out(media_world: MediaWorld, worker: str) -> None:
    media = media_world.media

    def all_idle() -> bool:
        rows = media.client.xpending_range(
            media.keys.jobs, media.group, "-", "+", 1000, consumername=worker, idle=media.lease_ms
        )
        total = media.client.xpending_range(media.keys.jobs, media.group, "-", "+", 1000, consumername=worker)
        return bool(total) and len(rows) == len(total)

    wait_until(all_idle, WAIT, what=f"the jobs of {worker} to be idle for {media.lease_ms} ms")


@step(parsers.parse('worker "{worker}" reclaims idle jobs {count:d} at a time'))
def worker_reclaims(media_world: MediaWorld, worker: str, count: int) -> None:
    cursor, taken, steps = "0-0", [], 0
    while True:
        result = media_world.media.reclaim(worker, cursor=cursor, count=count)
        taken += result.jobs
        media_world.deleted += result.deleted
        cursor, steps = result.cursor, steps + 1
        if result.done:
            break
    media_world.hand[worker] = media_world.hand.get(worker, []) + taken
    media_world.reclaim_steps = steps


@when(parsers.parse('worker "{worker}" restarts and drains its own pending jobs'))
def worker_restarts(media_world: MediaWorld, worker: str) -> None:
    media_world.hand[worker] = []
    media_world.worker(worker).drain_own_pending()


@when(parsers.parse('workers "{first}" and "{second}" run until job "{job}" is dead-lettered'))
def workers_run_until_dead(media_world: MediaWorld, first: str, second: str, job: str) -> None:
    workers = [media_world.worker(first), media_world.worker(second)]

    def dead() -> bool:
        for worker in workers:
            worker.step()
        return media_world.media.outcome(job) == "dead"

    wait_until(dead, WAIT * 2, interval=0, what=f"job {job} to be dead-lettered")


@when(parsers.parse('worker "{worker}" extends the lease of its batch'))
def worker_extends(media_world: MediaWorld, worker: str) -> None:
    media_world.statuses = media_world.media.extend_lease(worker, [j.entry_id for j in media_world.hand[worker]])


@when(
    parsers.re(r'worker "(?P<worker>[^"]+)" is stopped gracefully after handling (?P<count>\d+) jobs? of its batch'),
    converters={"count": int},
)
def worker_stops(media_world: MediaWorld, worker: str, count: int) -> None:
    runner = media_world.worker(worker)

    def handler(job: Job, lease: Lease) -> Mapping[str, Any]:
        result = media_world.handler(job, lease)
        if sum(media_world.handler_calls.values()) >= count:
            runner.stop()  # as a SIGTERM arriving while this job is handled
        return result

    runner.handler = handler
    runner.process(media_world.hand.pop(worker))
    media_world.statuses = [f"released {runner.stats.released}"]


@when(parsers.re(r'the dead letter of job "(?P<job>[^"]+)" is replayed'))
def replay_dead_letter(media_world: MediaWorld, job: str) -> None:
    letter = next(d for d in media_world.media.dead_letters() if d.job_id == job)
    media_world.jobs[job] = media_world.media.replay(letter.dead_id)


@step(parsers.parse('the entry of job "{job}" is deleted from the media stream'))
def delete_job_entry(media_world: MediaWorld, job: str) -> None:
    media_world.client.xdel(media_world.media.keys.jobs, media_world.jobs[job])


@given(parsers.parse("the monitor allows a lag of {lag:d} and calls a consumer stuck after {ms:d} ms"))
def monitor_thresholds(media_world: MediaWorld, lag: int, ms: int) -> None:
    media_world.monitor_options = {"max_lag": lag, "stuck_after_ms": ms}


@when(parsers.parse('consumer "{consumer}" is retired in favour of "{heir}"'))
def retire(media_world: MediaWorld, consumer: str, heir: str) -> None:
    media_world.statuses = [str(media_world.media.retire_consumer(consumer, heir, batch=2))]


@when(parsers.re(r"the producer tries to submit a job of kind (?P<kind>\"[^\"]*\"|\d+)"))
def producer_tries(media_world: MediaWorld, kind: str) -> None:
    try:
        media_world.media.submit(expected(kind), {"source": "x"})
    except Exception as exc:
        media_world.error = exc


# ------------------------------------------------------------------------------------------------ checks


@then(parsers.parse('job "{job}" has had its effect applied once'))
def applied_once(media_world: MediaWorld, job: str) -> None:
    results = media_world.results_for(job)
    assert len(results) == 1, f"job {job} has {len(results)} results: {results}"
    assert media_world.media.outcome(job) == "applied"


@then("every submitted job has had its effect applied exactly once")
def all_applied_once(media_world: MediaWorld) -> None:
    counts: dict[str, int] = {}
    for _, fields in media_world.client.xrange(media_world.media.keys.results):
        counts[fields["job"]] = counts.get(fields["job"], 0) + 1
    assert counts == dict.fromkeys(media_world.jobs, 1), f"results per job: {counts}"


@then(parsers.re(r"the apply statuses are (?P<value>\[.*\])"))
def apply_statuses(media_world: MediaWorld, value: str) -> None:
    assert media_world.statuses == expected(value), f"statuses: {media_world.statuses}"


@then(parsers.re(r'worker "(?P<worker>[^"]+)" holds (?P<count>\d+) jobs? in hand'), converters={"count": int})
def worker_holds(media_world: MediaWorld, worker: str, count: int) -> None:
    held = media_world.hand.get(worker, [])
    assert len(held) == count, f"{worker} holds {[j.job_id for j in held]}"


@then(parsers.parse('the jobs in hand of "{worker}" were delivered {count:d} times each'))
def hand_deliveries(media_world: MediaWorld, worker: str, count: int) -> None:
    got = [job.deliveries for job in media_world.hand[worker]]
    assert got and set(got) == {count}, f"delivery counts in hand: {got}"


@then(parsers.parse("the media stream has {count:d} jobs and {pending:d} pending"))
def stream_counts(media_world: MediaWorld, count: int, pending: int) -> None:
    media = media_world.media
    got = (media.client.xlen(media.keys.jobs), media.client.xpending(media.keys.jobs, media.group)["pending"])
    assert got == (count, pending), f"(length, pending) is {got}"


@then(parsers.parse("the media stream has from {low:d} to {high:d} jobs, none of them pending"))
def stream_count_range(media_world: MediaWorld, low: int, high: int) -> None:
    media = media_world.media
    length = media.client.xlen(media.keys.jobs)
    assert low <= length <= high, f"the stream has {length} jobs"
    assert media.client.xpending(media.keys.jobs, media.group)["pending"] == 0


@then(parsers.re(r"the pending media jobs belong to (?P<value>\[.*\]) with delivery counts (?P<counts>\[.*\])"))
def pending_media(media_world: MediaWorld, value: str, counts: str) -> None:
    media = media_world.media
    rows = media.client.xpending_range(media.keys.jobs, media.group, "-", "+", 1000)
    got = ([row["consumer"] for row in rows], [row["times_delivered"] for row in rows])
    assert got == (expected(value), expected(counts)), f"pending owners and counts: {got}"


@then(parsers.parse('the handler ran {count:d} times for job "{job}"'))
def handler_ran(media_world: MediaWorld, count: int, job: str) -> None:
    assert media_world.handler_calls.get(job, 0) == count, f"handler calls: {media_world.handler_calls}"


@then(
    parsers.re(
        r'the dead letter of job "(?P<job>[^"]+)" gives the reason "(?P<reason>[^"]+)", '
        r"(?P<count>\d+) deliveries and the original entry id"
    )
)
def dead_letter_says(media_world: MediaWorld, job: str, reason: str, count: str) -> None:
    letters = [d for d in media_world.media.dead_letters() if d.job_id == job]
    assert len(letters) == 1, f"dead letters of {job}: {letters}"
    letter = letters[0]
    assert reason in letter.reason, f"reason: {letter.reason!r}"
    assert letter.deliveries == int(count), f"deliveries: {letter.deliveries}"
    assert letter.original_id == media_world.jobs[job], f"original id {letter.original_id}"
    assert media_world.media.outcome(job) == "dead"


@then(parsers.re(r'the dead-letter stream records the entry of job "(?P<job>[^"]+)" as "(?P<reason>[^"]+)"'))
def dead_letter_deleted(media_world: MediaWorld, job: str, reason: str) -> None:
    letters = media_world.media.dead_letters()
    assert [(d.original_id, d.reason) for d in letters] == [(media_world.jobs[job], reason)], letters
    assert not letters[0].replayable


@then(parsers.parse("the dead-letter stream is empty"))
def no_dead_letters(media_world: MediaWorld) -> None:
    assert media_world.media.dead_letter_count() == 0, media_world.media.dead_letters()


@then(parsers.parse("the reclaim took {count:d} XAUTOCLAIM calls"))
def reclaim_calls(media_world: MediaWorld, count: int) -> None:
    assert media_world.reclaim_steps == count, f"the reclaim took {media_world.reclaim_steps} calls"


@then(parsers.re(r"the submits were reported as (?P<value>\[.*\])"))
def submits_reported(media_world: MediaWorld, value: str) -> None:
    assert media_world.statuses == expected(value), f"submits: {media_world.statuses}"


@then(parsers.parse('worker "{worker}" kept the lease of {count:d} jobs'))
def lease_kept(media_world: MediaWorld, worker: str, count: int) -> None:
    assert len(media_world.statuses) == count, f"still held: {media_world.statuses}"


@then(parsers.parse('the media pipeline acknowledges with "{mode}"'))
def ack_mode(media_world: MediaWorld, mode: str) -> None:
    assert media_world.media.ack_mode == mode


@then(parsers.parse("Redis reports the lag of the media group as unknown and the monitor counts {lag:d}"))
def lag_counted(media_world: MediaWorld, lag: int) -> None:
    media = media_world.media
    (info,) = media.client.xinfo_groups(media.keys.jobs)
    assert info["lag"] is None, f"XINFO GROUPS lag is {info['lag']}"
    health = Monitor(media).check()
    assert (health.lag, health.lag_exact) == (lag, True), health


@then(
    parsers.re(r'job "(?P<job>[^"]+)" was delivered (?P<count>\d+) times? and has been idle less than (?P<ms>\d+) ms'),
    converters={"count": int, "ms": int},
)
def job_delivered(media_world: MediaWorld, job: str, count: int, ms: int) -> None:
    media = media_world.media
    entry = media_world.jobs[job]
    (row,) = media.client.xpending_range(media.keys.jobs, media.group, entry, entry, 1)
    assert (row["times_delivered"], row["time_since_delivered"] < ms) == (count, True), row


@then(
    parsers.re(
        r"(?:within (?P<seconds>\d+) seconds )?"
        r'the monitor calls consumer "(?P<consumer>[^"]+)" "(?P<verdict>[^"]+)"'
    )
)
def monitor_consumer(media_world: MediaWorld, seconds: str | None, consumer: str, verdict: str) -> None:
    def verdicts() -> dict[str, str]:
        health = Monitor(media_world.media, **media_world.monitor_options).check()
        return {c.name: c.verdict for c in health.consumers}

    if seconds:
        wait_until(lambda: verdicts().get(consumer) == verdict, float(seconds), what=f"{consumer} {verdict}")
    got = verdicts()
    assert got.get(consumer) == verdict, f"consumer verdicts: {got}"


@then(parsers.re(r'the monitor calls the pipeline "(?P<verdict>[^"]+)"(?: because "(?P<reason>[^"]+)")?'))
def monitor_pipeline(media_world: MediaWorld, verdict: str, reason: str | None) -> None:
    health = Monitor(media_world.media, **media_world.monitor_options).check()
    assert health.verdict == verdict, f"verdict {health.verdict}: {health.reasons}"
    if reason:
        assert any(reason in text for text in health.reasons), health.reasons


@then(parsers.parse("the monitor reports a lag of {lag:d}, {pending:d} pending and the oldest pending job"))
def monitor_figures(media_world: MediaWorld, lag: int, pending: int) -> None:
    health = Monitor(media_world.media, **media_world.monitor_options).check()
    first = next(iter(media_world.jobs.values()))
    assert (health.lag, health.pending, health.oldest_pending_id) == (lag, pending, first), health


@then(parsers.parse('consumer "{consumer}" is no longer in the media group'))
def consumer_gone(media_world: MediaWorld, consumer: str) -> None:
    media = media_world.media
    names = [c["name"] for c in media.client.xinfo_consumers(media.keys.jobs, media.group)]
    assert consumer not in names, names


@then(parsers.re(r"the media pipeline refused it with an error naming (?P<text>\"[^\"]+\")"))
def media_refused(media_world: MediaWorld, text: str) -> None:
    assert media_world.error is not None, "the pipeline accepted it"
    assert expected(text) in str(media_world.error), str(media_world.error)
    media = media_world.media
    assert media.client.xlen(media.keys.jobs) == 0
