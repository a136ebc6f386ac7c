"""Exactly once under retries, for the media pipeline: every row of the table in docs/streams/media.md.

Each operation runs over a retrying client (redis-py's ``Retry``): once with the reply to its command
lost after the server ran it (the ``lossy_proxy`` fixture forwards the command, drops the reply and
closes the connection, so the client sends it again), and many times under a ``CLIENT KILL`` storm.
The end state is compared with what the acknowledged calls of a fault-free run would leave: one job
per submit, one effect per job, one dead letter per failure, delivery counts moved once.  Figures are
printed (``pytest -s``).
"""

from __future__ import annotations

import threading
from collections import Counter
from functools import partial
from typing import Any

import pytest
import redis

from redisbehaviors.media import MediaPipeline, ServerFeatures, Worker
from redisbehaviors.testing import wait_until
from redisbehaviors.testing.faults import ReplyDroppingProxy
from redisbehaviors.testing.plugin import RedisTarget
from tests.faults.support import lose_next, retrying

GROUP = "workers"
STORM_JOBS = 600
WORKER_JOBS = 2000


def pipeline_over(client: redis.Redis, r: redis.Redis, ns: str, **options: Any) -> MediaPipeline:
    options.setdefault("lease_ms", 60_000)
    media = MediaPipeline(client, namespace=ns, pipeline="p", features=ServerFeatures.detect(r), **options)
    media.ensure_group()
    for script in (media._submit, media._apply, media._deadletter, media._release, media._replay, media._retire):
        r.script_load(script.script)  # loaded: the marked EVALSHA runs (a lost NOSCRIPT would prove nothing)
    r.script_load(media._deleted.script)
    return media


def pending(r: redis.Redis, media: MediaPipeline) -> list[dict[str, Any]]:
    return r.xpending_range(media.keys.jobs, GROUP, "-", "+", 1000)


@pytest.fixture
def lossy(lossy_proxy: ReplyDroppingProxy, lossy_client: redis.Redis, r: redis.Redis, ns: str) -> Any:
    return pipeline_over(lossy_client, r, ns, max_deliveries=3), lossy_proxy


# ------------------------------------------------------------------------------------------ reply lost: producer


@pytest.mark.parametrize("job_id", [None, "a-mov"], ids=["generated-id", "given-id"])
def test_a_lost_submit_reply_adds_one_job_and_is_not_a_duplicate(
    lossy: Any, r: redis.Redis, job_id: str | None
) -> None:
    media, proxy = lossy
    lose_next(proxy, r, media._submit)
    done = media.submit("transcode", {"source": "a.mov"}, job_id=job_id)
    entries = r.xrange(media.keys.jobs)
    print(f"submit ({job_id or 'no job id'}), reply lost: {proxy.lost} lost, {len(entries)} job(s), {done}")
    assert proxy.lost == 1
    assert [entry_id for entry_id, _ in entries] == [done.entry_id]
    assert entries[0][1]["job"] == done.job_id and done.duplicate is False
    # another call with that id is a duplicate when the id was given; a generated id (128 random bits,
    # drawn by no other call) leaves no marker, only the call's record that answered the retry
    assert media.submit("transcode", {}, job_id=done.job_id).duplicate is (job_id is not None)


def test_a_lost_submit_many_reply_adds_each_job_once(lossy: Any, r: redis.Redis) -> None:
    media, proxy = lossy
    lose_next(proxy, r, media._submit)  # the whole batch is one script: its one reply is lost
    done = media.submit_many([("tag", {"i": i}, f"j{i}" if i % 2 else None) for i in range(10)])
    jobs = [fields["job"] for _, fields in r.xrange(media.keys.jobs)]
    print(f"submit_many of 10, reply lost: {proxy.lost} lost, {len(jobs)} jobs")
    assert proxy.lost == 1
    assert jobs == [d.job_id for d in done] and len(set(jobs)) == 10
    assert [d.duplicate for d in done] == [False] * 10


# ------------------------------------------------------------------------------------------ reply lost: worker steps


def test_a_lost_apply_reply_applies_once_and_reports_applied(lossy: Any, r: redis.Redis) -> None:
    media, proxy = lossy
    media.submit("tag", {}, job_id="j1")
    [job] = media.read_new("c1")
    lose_next(proxy, r, media._apply)
    statuses = media.apply([(job, {"output": "x"})])
    print(f"apply, reply lost: {proxy.lost} lost, statuses {statuses}, {r.xlen(media.keys.results)} result(s)")
    assert proxy.lost == 1
    assert statuses == ["applied"]
    assert r.xlen(media.keys.results) == 1 and pending(r, media) == []
    assert media.outcome("j1") == "applied"


def test_a_lost_fail_reply_dead_letters_once_and_reports_dead(lossy: Any, r: redis.Redis) -> None:
    media, proxy = lossy
    media.submit("tag", {}, job_id="j1")
    job = media.read_new("c1")[0]
    for _ in range(2):  # two more deliveries: the third failure reaches max_deliveries=3
        r.xclaim(media.keys.jobs, GROUP, "c1", 0, [job.entry_id])
    lose_next(proxy, r, media._deadletter)
    outcome = media.fail(job, "c1", "unsupported codec")
    print(f"fail at max_deliveries, reply lost: {proxy.lost} lost, {outcome}, {media.dead_letter_count()} dead")
    assert proxy.lost == 1
    assert outcome.outcome == "dead" and outcome.deliveries == 3 and outcome.dead_id
    assert media.dead_letter_count() == 1 and pending(r, media) == []
    assert media.dead_letter(outcome.dead_id).job_id == "j1"


def test_a_lost_fail_reply_below_max_deliveries_keeps_one_retry(lossy: Any, r: redis.Redis) -> None:
    media, proxy = lossy
    media.submit("tag", {}, job_id="j1")
    job = media.read_new("c1")[0]
    lose_next(proxy, r, media._deadletter)
    outcome = media.fail(job, "c1", "temporary")
    [row] = pending(r, media)
    assert proxy.lost == 1
    assert (outcome.outcome, outcome.deliveries, row["times_delivered"]) == ("retry", 1, 1)
    assert row["time_since_delivered"] >= media.lease_ms  # the next reclaim takes it
    assert media.dead_letter_count() == 0


def test_a_lost_release_reply_takes_one_delivery_back(lossy: Any, r: redis.Redis) -> None:
    media, proxy = lossy
    media.submit("tag", {}, job_id="j1")
    job = media.read_new("c1")[0]
    r.xclaim(media.keys.jobs, GROUP, "c1", 0, [job.entry_id])  # delivered twice
    lose_next(proxy, r, media._release)
    released = media.release("c1", [job.entry_id])
    [row] = pending(r, media)
    print(f"release, reply lost: {proxy.lost} lost, released {released}, delivery count {row['times_delivered']}")
    assert proxy.lost == 1
    assert released == 1 and row["times_delivered"] == 1  # 2 - 1, not 2 - 2


def test_a_lost_extend_reply_holds_the_job_without_a_delivery(lossy: Any, r: redis.Redis) -> None:
    media, proxy = lossy
    media.submit("tag", {}, job_id="j1")
    job = media.read_new("c1")[0]
    lose_next(proxy, r, media._extend)
    assert media.extend_lease("c1", [job.entry_id]) == [job.entry_id]
    [row] = pending(r, media)
    assert proxy.lost == 1 and row["times_delivered"] == 1 and row["consumer"] == "c1"


def test_a_lost_replay_reply_resubmits_once_and_returns_the_new_entry(lossy: Any, r: redis.Redis) -> None:
    media, proxy = lossy
    media.submit("tag", {"source": "a"}, job_id="j1")
    job = media.read_new("c1")[0]
    dead = media._dead_letter(job, "c1", "poison", threshold=1, retry=False)
    lose_next(proxy, r, media._replay)
    new_id = media.replay(dead.dead_id or "")
    entries = r.xrange(media.keys.jobs)
    print(
        f"replay, reply lost: {proxy.lost} lost, new entry {new_id}, {len(entries)} entries, "
        f"{media.dead_letter_count()} dead"
    )
    assert proxy.lost == 1
    assert entries[-1][0] == new_id and len(entries) == 2
    assert media.dead_letter_count() == 0 and media.outcome("j1") is None


def test_a_lost_retire_reply_hands_every_job_over_once(lossy: Any, r: redis.Redis) -> None:
    media, proxy = lossy
    for i in range(5):
        media.submit("tag", {}, job_id=f"j{i}")
    media.read_new("old", count=5)
    lose_next(proxy, r, media._retire)
    result = media.retire_consumer("old", "heir", batch=10)
    owners = Counter(row["consumer"] for row in pending(r, media))
    consumers = [c["name"] for c in r.xinfo_consumers(media.keys.jobs, GROUP)]
    assert proxy.lost == 1
    assert (result.moved, result.deleted) == (5, 0)
    assert owners == {"heir": 5} and "old" not in consumers


def test_a_lost_reply_recording_deleted_entries_adds_one_dead_letter_each(lossy: Any, r: redis.Redis) -> None:
    media, proxy = lossy
    gone = [media.submit("tag", {}, job_id=f"j{i}").entry_id for i in range(3)]
    media.read_new("c1", count=3)
    r.xdel(media.keys.jobs, *gone)
    lose_next(proxy, r, media._deleted)
    jobs, deleted, _ = media.read_own_pending("c1")
    print(f"deleted entries recorded, reply lost: {proxy.lost} lost, {media.dead_letter_count()} dead letters")
    assert proxy.lost == 1
    assert (jobs, deleted) == ([], gone)
    assert media.dead_letter_count() == 3 and pending(r, media) == []


# ------------------------------------------------------------------------------------------ reply lost: deliveries


@pytest.mark.parametrize("command", [b"XREADGROUP", b"XAUTOCLAIM"])
def test_a_lost_delivery_stays_pending_and_is_reclaimed_after_the_lease(
    lossy_proxy: ReplyDroppingProxy, lossy_client: redis.Redis, r: redis.Redis, ns: str, command: bytes
) -> None:
    """At least once by design: the lost delivery is not redelivered by the retry (the retry reads the
    next jobs), it waits for a reclaim, with one more delivery counted; its effect is still applied once."""
    media = pipeline_over(lossy_client, r, ns, lease_ms=100, max_deliveries=3)
    media.submit("tag", {}, job_id="j1")
    if command == b"XAUTOCLAIM":
        media.read_new("c0")  # a worker that died holding j1
        wait_until(lambda: pending(r, media)[0]["time_since_delivered"] > 100, timeout=5, what="lease over")
    lossy_proxy.lose_reply_to(command)
    got = media.read_new("c1") if command == b"XREADGROUP" else media.reclaim("c1").jobs
    assert lossy_proxy.lost == 1 and got == []  # the retry found nothing: the job went to the lost reply
    assert [row["consumer"] for row in pending(r, media)] == ["c1"]
    reclaimed: list[Any] = []
    wait_until(lambda: reclaimed.extend(media.reclaim("c2").jobs) or reclaimed, timeout=5, what="the reclaim")
    [job] = reclaimed
    assert media.apply([(job, {"output": "x"})]) == ["applied"]
    print(f"{command.decode()} reply lost: reclaimed after the lease with delivery count {job.deliveries}")
    assert job.deliveries == (2 if command == b"XREADGROUP" else 3)
    assert r.xlen(media.keys.results) == 1 and pending(r, media) == []


def test_a_lost_group_creation_reply_leaves_one_group(lossy: Any, r: redis.Redis, ns: str) -> None:
    """Idempotent by nature: the retry answers BUSYGROUP, so ``ensure_group`` reports False."""
    media, proxy = lossy
    fresh = MediaPipeline(media.client, namespace=ns, pipeline="other", features=media.features)
    proxy.lose_reply_to(b"XGROUP")
    created = fresh.ensure_group()
    assert proxy.lost == 1 and created is False
    assert [g["name"] for g in r.xinfo_groups(fresh.keys.jobs)] == [GROUP]


# ------------------------------------------------------------------------------------------ kill storm


@pytest.mark.standalone_only
def test_submits_under_a_kill_storm_add_each_job_once(
    kill_storm: Any, storm_client: redis.Redis, r: redis.Redis, ns: str
) -> None:
    media = MediaPipeline(storm_client, namespace=ns, pipeline="p", features=ServerFeatures.detect(r))
    acknowledged: list[str] = []
    with kill_storm(interval=0.01) as storm:
        for n in range(STORM_JOBS):
            if n % 10 == 0:
                batch = media.submit_many([("tag", {"n": n, "k": k}, None) for k in range(5)])
                acknowledged += [d.job_id for d in batch]
            else:
                done = media.submit("tag", {"n": n}, job_id=f"j{n}" if n % 2 else None)
                assert not done.duplicate
                acknowledged.append(done.job_id)
    jobs = Counter(fields["job"] for _, fields in storm_client.xrange(media.keys.jobs))
    doubled = sum(count - 1 for count in jobs.values())
    print(
        f"submit/submit_many under a kill storm: {len(acknowledged)} jobs acknowledged, {storm.kills} kills, "
        f"{sum(jobs.values())} entries, {doubled} doubled"
    )
    assert storm.kills > 0
    assert doubled == 0 and set(jobs) == set(acknowledged) and len(acknowledged) == len(jobs)


@pytest.mark.standalone_only
def test_workers_under_a_kill_storm_apply_every_job_once(
    kill_storm: Any, redis_target: RedisTarget, r: redis.Redis, ns: str
) -> None:
    """Two workers drain the jobs while connections are killed: each job's effect once, none dead-lettered."""
    watcher = retrying(redis_target.url, redis_target, retries=50)  # the storm kills the fixture's client too
    admin = MediaPipeline(watcher, namespace=ns, pipeline="p", lease_ms=300, max_deliveries=50)
    admin.ensure_group()
    submitted = {
        d.job_id
        for start in range(0, WORKER_JOBS, 1000)
        for d in admin.submit_many([("tag", {"i": i}, None) for i in range(start, start + 1000)])
    }
    handled: Counter[str] = Counter()
    workers: list[Worker] = []
    restarts: list[Exception] = []

    def work(name: str) -> None:
        # many retries: on a loaded machine ten reconnections in a row can all be killed
        client = retrying(redis_target.url, redis_target, retries=50)
        media = MediaPipeline(
            client, namespace=ns, pipeline="p", lease_ms=300, max_deliveries=50, features=admin.features
        )

        def handler(job: Any, lease: Any) -> dict[str, str]:
            handled[job.job_id] += 1
            return {"by": name}

        # a short BLOCK: fewer of the storm's kills land on a blocked read (see the restarts below)
        worker = Worker(media, name, handler, batch_size=20, block_ms=5, reclaim_interval_ms=100)
        workers.append(worker)
        while not worker.stopping:
            try:
                worker.run()
            except redis.ConnectionError as exc:
                # every retry of one blocked read killed: a BLOCK ends only when the server next wakes
                # up (features/streams/reading.feature), and on this otherwise idle server that is
                # often the storm's next kill.  A supervisor restarts the worker, as here.
                restarts.append(exc)
        client.close()

    def all_applied() -> bool:
        try:
            return watcher.xlen(admin.keys.results) >= WORKER_JOBS and not pending(watcher, admin)
        except redis.ConnectionError:  # the same escape as the workers'
            return False

    with kill_storm(interval=0.01) as storm:
        threads = [threading.Thread(target=work, args=(f"w{i}",)) for i in range(2)]
        for thread in threads:
            thread.start()
        wait_until(all_applied, timeout=60, what="every job applied")
        for worker in workers:
            worker.stop()
        for thread in threads:
            thread.join(timeout=30)
    results = Counter(fields["job"] for _, fields in watcher.xrange(admin.keys.results))
    stats = [worker.stats for worker in workers]
    print(
        f"2 workers under a kill storm: {WORKER_JOBS} jobs, {storm.kills} kills, {sum(handled.values())} handler calls "
        f"({sum(handled.values()) - len(handled)} redeliveries), {sum(results.values())} results, "
        f"{sum(s.duplicates for s in stats)} duplicate applies, {admin.dead_letter_count()} dead letters, "
        f"{len(restarts)} worker restarts"
    )
    assert storm.kills > 0
    assert set(results) == submitted and all(count == 1 for count in results.values())
    assert admin.dead_letter_count() == 0 and pending(watcher, admin) == []
    assert all(admin.outcome(job_id) == "applied" for job_id in list(submitted)[:50])
    watcher.close()


@pytest.mark.standalone_only
def test_fail_replay_release_retire_under_a_kill_storm_end_as_a_fault_free_run(
    kill_storm: Any, storm_client: redis.Redis, r: redis.Redis, ns: str
) -> None:
    """Each round: a job fails into a dead letter, is replayed, read, released, retired to an heir and
    applied; every reply is the fault-free one, and nothing is left over or doubled."""
    pipeline = partial(MediaPipeline, storm_client, namespace=ns, pipeline="p", features=ServerFeatures.detect(r))
    media, poison = pipeline(lease_ms=60_000, max_deliveries=50), pipeline(lease_ms=60_000, max_deliveries=1)
    media.ensure_group()
    rounds, wrong = 150, []
    with kill_storm(interval=0.01) as storm:
        for n in range(rounds):
            media.submit("tag", {"n": n}, job_id=f"j{n}")
            jobs: list[Any] = []
            while not jobs:  # a read whose reply was lost left the job pending: take it back
                jobs = media.read_new("a", count=1) or media.reclaim("a", min_idle_ms=0, count=1).jobs
            outcome = poison.fail(jobs[0], "a", "poison")  # at max_deliveries=1: dead
            if outcome.outcome != "dead":
                wrong.append(f"fail {outcome}")
                continue
            media.replay(outcome.dead_id or "")
            jobs = []
            while not jobs:
                jobs = media.read_new("b", count=1) or media.reclaim("b", min_idle_ms=0, count=1).jobs
            if media.release("b", [jobs[0].entry_id]) != 1:
                wrong.append("release")
            if media.retire_consumer("b", "c").moved != 1:
                wrong.append("retire")
            [job] = media.reclaim("c", min_idle_ms=0, count=1).jobs
            if media.apply([(job, {"n": n})]) != ["applied"]:
                wrong.append("apply")
    results = Counter(fields["job"] for _, fields in storm_client.xrange(media.keys.results))
    print(
        f"fail/replay/release/retire/apply under a kill storm: {rounds} rounds, {storm.kills} kills, "
        f"{len(wrong)} wrong replies, {sum(results.values())} results, {media.dead_letter_count()} dead letters, "
        f"{storm_client.xlen(media.keys.jobs)} entries"
    )
    assert storm.kills > 0
    assert wrong == []
    assert results == Counter({f"j{n}": 1 for n in range(rounds)})
    assert media.dead_letter_count() == 0 and pending(storm_client, media) == []
    assert storm_client.xlen(media.keys.jobs) == 2 * rounds  # one submit and one replay each
