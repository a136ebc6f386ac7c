"""What the media pipeline's feature file does not state: validation, key slots, reply shapes,
version detection, MINID retention, the worker loop, the command line, and a cluster run."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import redis
from redis.crc import key_slot

from redisbehaviors.cli import main
from redisbehaviors.errors import InvalidInput
from redisbehaviors.media import (
    LeaseLost,
    MediaKeys,
    MediaPipeline,
    Monitor,
    NotReplayable,
    ServerFeatures,
    UnknownDeadLetter,
    Worker,
)
from redisbehaviors.media.handlers import noop, resolve, simulate
from redisbehaviors.media.pipeline import stream_entries
from redisbehaviors.media.worker import Lease
from redisbehaviors.testing import wait_until
from redisbehaviors.testing.plugin import RedisTarget

FALLBACK = ServerFeatures(xackdel=False, trim_acked=False)


@pytest.fixture
def media(r: redis.Redis, ns: str) -> MediaPipeline:
    pipeline = MediaPipeline(r, namespace=ns, pipeline="p", lease_ms=200, max_deliveries=2)
    pipeline.ensure_group()
    return pipeline


# ------------------------------------------------------------------------------------------ validation


@pytest.mark.parametrize(
    ("kind", "payload", "job_id", "text"),
    [
        ("two words", {}, None, "kind 'two words'"),
        ("tag", {}, "a{b}", "job id 'a{b}'"),
        ("tag", ["not", "a", "mapping"], None, "payload must be a mapping"),
        ("tag", {"x": float("nan")}, None, "JSON-serialisable"),
        ("tag", {"x": object()}, None, "JSON-serialisable"),
        ("tag", {"x": "y" * 300_000}, None, "larger than"),
        ("", {}, None, "kind must not be empty"),
    ],
)
def test_submit_refuses_bad_input_and_writes_nothing(
    media: MediaPipeline, r: redis.Redis, kind: str, payload: Any, job_id: str | None, text: str
) -> None:
    with pytest.raises(InvalidInput, match=text.replace("{", r"\{").replace("}", r"\}").replace("(", r"\(")):
        media.submit(kind, payload, job_id=job_id)
    assert r.xlen(media.keys.jobs) == 0
    assert r.keys(f"{media.keys.namespace}:*submitted*") == []


@pytest.mark.parametrize(
    ("options", "text"),
    [
        ({"maxlen": 10, "retention_ms": 10}, "not both"),
        ({"max_deliveries": 0}, "max_deliveries must be at least 1"),
        ({"lease_ms": 0}, "lease_ms must be at least 1"),
        ({"group": "bad group"}, "group 'bad group'"),
        ({"pipeline": "{x}"}, "pipeline '{x}'"),
        ({"namespace": "a{b}"}, "namespace 'a{b}'"),
    ],
)
def test_pipeline_options_are_validated(r: redis.Redis, options: dict[str, Any], text: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        MediaPipeline(r, **{"namespace": "ns", **options})
    assert text in str(raised.value)


def test_calls_validate_ids_and_counts_before_touching_redis(media: MediaPipeline, r: redis.Redis) -> None:
    with pytest.raises(InvalidInput, match="count must be at least 1 and at most 1000"):
        media.read_new("c1", count=1001)
    with pytest.raises(InvalidInput, match="cursor"):
        media.reclaim("c1", cursor="nonsense")
    with pytest.raises(InvalidInput, match="retired into itself"):
        media.retire_consumer("c1", "c1")
    with pytest.raises(InvalidInput, match="reason"):
        media.fail(_one_job(media), "c1", "")
    with pytest.raises(InvalidInput, match="entry id"):
        media.extend_lease("c1", ["12"])
    assert media.apply([]) == [] and media.release("c1", []) == 0 and media.extend_lease("c1", []) == []


def _one_job(media: MediaPipeline) -> Any:
    media.submit("tag", {})
    return media.read_new("c1")[0]


# ------------------------------------------------------------------------------------------ keys and shapes


def test_every_key_of_a_pipeline_hashes_to_one_slot() -> None:
    keys = MediaKeys("media", "p1")
    names = [keys.jobs, keys.dead, keys.results, keys.mark("j1"), keys.submitted("j2")]
    assert len({key_slot(name.encode()) for name in names}) == 1
    assert keys.jobs == "media:{p1}:jobs"


def test_stream_entries_reads_both_protocols_shapes() -> None:
    entries = [("1-0", {"f": "v"})]
    assert stream_entries([["s", entries]]) == entries  # RESP2
    assert stream_entries({"s": [entries]}) == entries  # RESP3
    assert stream_entries([]) == [] and stream_entries({}) == [] and stream_entries(None) == []


def test_server_features_follow_the_server_version(r: redis.Redis, redis_target: RedisTarget) -> None:
    features = ServerFeatures.detect(r)
    newer = redis_target.version >= (8, 2, 0)
    assert (features.xackdel, features.trim_acked) == (newer, newer)


# ------------------------------------------------------------------------------------------ producer


def test_idempotent_submit_remembers_the_entry_for_the_idempotency_window(r: redis.Redis, ns: str) -> None:
    media = MediaPipeline(r, namespace=ns, pipeline="p", idempotency_ttl_ms=5000)
    first = media.submit("tag", {"a": 1}, job_id="j1")
    again = media.submit("tag", {"a": 2}, job_id="j1")
    assert (again.entry_id, again.duplicate, first.duplicate) == (first.entry_id, True, False)
    assert 0 < r.pttl(media.keys.submitted("j1")) <= 5000


def test_submit_many_is_one_round_trip_and_dedupes_by_job_id(media: MediaPipeline, r: redis.Redis) -> None:
    done = media.submit_many([("tag", {"i": 1}, "a"), ("tag", {"i": 2}, None), ("tag", {"i": 3}, "a")])
    assert [d.duplicate for d in done] == [False, False, True]
    assert done[0].entry_id == done[2].entry_id
    assert r.xlen(media.keys.jobs) == 2
    assert media.submit_many([]) == []


def test_submit_many_is_all_or_nothing_a_refused_batch_leaves_no_marker(r: redis.Redis, ns: str) -> None:
    """One script per batch, and its first write is the first XADD: a refusal there changes nothing."""
    media = MediaPipeline(r, namespace=ns, pipeline="p")
    r.set(media.keys.jobs, "not a stream")
    with pytest.raises(redis.ResponseError, match=r"^WRONGTYPE"):
        media.submit_many([("tag", {"i": 1}, "a"), ("tag", {"i": 2}, "b")])
    assert (r.exists(media.keys.submitted("a"), media.keys.submitted("b")), r.get(media.keys.jobs)) == (
        0,
        "not a stream",
    )


def test_a_generated_job_id_leaves_no_marker_and_a_batch_one_call_record(media: MediaPipeline, r: redis.Redis) -> None:
    done = media.submit_many([("tag", {"i": i}, None) for i in range(3)])
    assert [len(d.job_id) for d in done] == [32, 32, 32] and len({d.job_id for d in done}) == 3
    keys = sorted(r.scan_iter(match=media.keys.submitted("*")))
    records = list(r.scan_iter(match=media.keys.op("*")))
    assert (keys, len(records)) == ([], 1)
    assert 0 < r.pttl(records[0]) <= media.operation_ttl_ms


def test_submit_many_after_script_flush_loads_the_script_and_submits_each_job_once(
    media: MediaPipeline, r: redis.Redis
) -> None:
    media.submit("tag", {"i": 0}, job_id="first")
    r.script_flush()
    done = media.submit_many([("tag", {"i": i}, f"j{i}") for i in range(5)])
    assert [d.duplicate for d in done] == [False] * 5
    assert r.xlen(media.keys.jobs) == 6
    assert r.script_exists(media._submit.sha) == [True]


def test_submit_many_validates_every_job_before_sending_any(media: MediaPipeline, r: redis.Redis) -> None:
    with pytest.raises(InvalidInput, match="kind 'bad kind'"):
        media.submit_many([("tag", {}, None), ("tag", {}, "j1"), ("bad kind", {}, None)])
    assert r.xlen(media.keys.jobs) == 0 and not r.exists(media.keys.submitted("j1"))


def test_minid_retention_trims_old_jobs_by_server_time_without_acked(r: redis.Redis, ns: str) -> None:
    media = MediaPipeline(r, namespace=ns, pipeline="p", maxlen=None, retention_ms=60_000, features=FALLBACK)
    for ms in range(1, 151):  # entries from 1970: far older than the retention
        r.xadd(media.keys.jobs, {"job": f"old{ms}", "kind": "tag", "payload": "{}"}, id=f"{ms}-0")
    media.submit("tag", {})
    # MINID ~ frees whole nodes only: the first node (100 entries) goes, the second stays
    assert r.xlen(media.keys.jobs) == 51


def test_minid_retention_with_acked_keeps_jobs_the_group_has_not_acknowledged(
    r: redis.Redis, ns: str, redis_target: RedisTarget
) -> None:
    if redis_target.version < (8, 2, 0):
        pytest.skip("ACKED trimming needs Redis 8.2")
    media = MediaPipeline(r, namespace=ns, pipeline="p", maxlen=None, retention_ms=60_000)
    for ms in range(1, 151):
        r.xadd(media.keys.jobs, {"job": f"old{ms}", "kind": "tag", "payload": "{}"}, id=f"{ms}-0")
    media.ensure_group()
    media.submit("tag", {})
    assert r.xlen(media.keys.jobs) == 151


# ------------------------------------------------------------------------------------------ dead letters


def test_replaying_unknown_or_bodiless_dead_letters_is_refused(media: MediaPipeline, r: redis.Redis) -> None:
    with pytest.raises(UnknownDeadLetter):
        media.replay("1-0")
    media.submit("tag", {}, job_id="gone")
    (job,) = media.read_new("c1")
    r.xdel(media.keys.jobs, job.entry_id)
    jobs, deleted, _ = media.read_own_pending("c1")
    assert (jobs, deleted) == ([], [job.entry_id])
    (letter,) = media.dead_letters()
    # a history read that finds the entry deleted does not count a delivery: the count stays 1
    assert (letter.original_id, letter.deliveries, letter.replayable) == (job.entry_id, 1, False)
    with pytest.raises(NotReplayable):
        media.replay(letter.dead_id)
    assert r.xpending(media.keys.jobs, media.group)["pending"] == 0


def test_dead_letters_page_after_an_id(media: MediaPipeline) -> None:
    for name in ("a", "b", "c"):
        media.submit("tag", {"fail": "always"}, job_id=name)
    for job in media.read_new("c1", count=3):
        media.fail(job, "c1", "boom")
    for job in media.reclaim("c2", min_idle_ms=0).jobs:
        assert media.fail(job, "c2", "boom again").outcome == "dead"
    first, *rest = media.dead_letters()
    assert [d.job_id for d in rest] == [d.job_id for d in media.dead_letters(after=first.dead_id)] == ["b", "c"]
    assert {d.reason for d in [first, *rest]} == {"boom again"}


def test_a_job_applied_before_its_dead_letter_decision_is_not_dead_lettered(media: MediaPipeline) -> None:
    media.submit("tag", {}, job_id="j")
    (job,) = media.read_new("c1")
    (again,) = media.reclaim("c2", min_idle_ms=0).jobs
    assert media.apply([(job, {"ok": True})]) == ["applied"]
    assert media.fail(again, "c2", "late failure").outcome == "gone"
    assert media.dead_letter_count() == 0 and media.outcome("j") == "applied"


# ---------------------------------------------------------------------------------- leases and workers


def test_a_lease_taken_by_another_worker_raises_lease_lost(media: MediaPipeline) -> None:
    media.submit("tag", {})
    (job,) = media.read_new("c1")
    Lease(media, "c1", job.entry_id).extend()
    media.reclaim("c2", min_idle_ms=0)
    with pytest.raises(LeaseLost):
        Lease(media, "c1", job.entry_id).extend()


def test_a_worker_runs_until_it_has_handled_max_jobs(media: MediaPipeline, r: redis.Redis) -> None:
    media.submit_many([("tag", {"source": f"f{i}"}, None) for i in range(25)])
    worker = Worker(media, "w1", simulate, batch_size=10, block_ms=20)
    stats = worker.run(max_jobs=25)
    assert (stats.read, stats.applied, stats.duplicates) == (25, 25, 0)
    assert r.xlen(media.keys.results) == 25
    assert r.xpending(media.keys.jobs, media.group)["pending"] == 0


def test_a_long_batch_extends_its_lease_so_no_other_worker_reclaims_it(r: redis.Redis, ns: str) -> None:
    # 8 jobs of 150 ms make a 1.2 s batch, longer than the 1 s lease: the worker extends the lease of
    # the rest of its batch once a third of the lease has passed (the handler itself never does)
    media = MediaPipeline(r, namespace=ns, pipeline="long", lease_ms=1000, max_deliveries=5)
    media.ensure_group()
    media.submit_many([("tag", {"work_ms": 150}, None) for _ in range(8)])
    thief_took: list[int] = []
    stop = threading.Event()

    def thief() -> None:
        while not stop.is_set():
            thief_took.append(len(media.reclaim("thief").jobs))
            stop.wait(0.02)

    watcher = threading.Thread(target=thief, daemon=True)
    watcher.start()
    stats = Worker(media, "w1", simulate, batch_size=8, block_ms=20).run(max_jobs=8)
    stop.set()
    watcher.join(5)
    assert (stats.applied, sum(thief_took)) == (8, 0)


def test_a_worker_counts_a_job_dead_lettered_under_it_as_finished(media: MediaPipeline) -> None:
    media.submit("tag", {}, job_id="j")
    (job,) = media.read_new("w1")
    media.reclaim("other", min_idle_ms=0)
    assert media.reclaim("other", min_idle_ms=0).dead_lettered == [job.entry_id]  # third delivery > 2
    worker = Worker(media, "w1", noop)
    assert worker.process([job]) == 1
    assert (worker.stats.found_dead, worker.stats.applied, worker.stats.finished) == (1, 0, 1)
    assert media.outcome("j") == "dead" and media.client.xlen(media.keys.results) == 0


def test_stop_from_another_thread_ends_the_loop_within_one_block(media: MediaPipeline) -> None:
    worker = Worker(media, "w1", noop, block_ms=50)
    runner = threading.Thread(target=worker.run, daemon=True)
    runner.start()
    wait_until(lambda: media.client.xinfo_consumers(media.keys.jobs, media.group), 10, what="the worker to read")
    worker.stop()
    runner.join(10)
    assert not runner.is_alive()


def test_handlers_resolve_by_name_or_module_path() -> None:
    assert resolve("noop") is noop
    assert resolve("redisbehaviors.media.handlers:simulate") is simulate
    for bad in ("nope", "redisbehaviors.media.handlers:missing", "no.such.module:f"):
        with pytest.raises(InvalidInput):
            resolve(bad)


# ------------------------------------------------------------------------------------------ monitor


def test_the_monitor_reports_a_missing_group(r: redis.Redis, ns: str) -> None:
    health = Monitor(MediaPipeline(r, namespace=ns, pipeline="p")).check()
    assert (health.verdict, health.lag, health.pending) == ("no-group", None, 0)


def test_an_old_pending_job_makes_the_pipeline_backlogged(media: MediaPipeline) -> None:
    media.submit("tag", {})
    media.read_new("c1")
    monitor = Monitor(media, stuck_after_ms=600_000, max_pending_age_ms=1)
    wait_until(lambda: monitor.check().verdict == "backlogged", 10, what="the pending job to age")
    assert "oldest pending job" in monitor.check().reasons[0]


# ------------------------------------------------------------------------------------------ command line


def _cli(capsys: pytest.CaptureFixture[str], url: str, ns: str, *args: str) -> tuple[int, str]:
    code = main(["media", *args[:1], *args[1:], "--url", url, "--namespace", ns, "--pipeline", "cli"])
    return code, capsys.readouterr().out


def test_the_command_line_submits_works_monitors_and_replays(
    redis_target: RedisTarget, ns: str, capsys: pytest.CaptureFixture[str]
) -> None:
    url = redis_target.url
    assert _cli(capsys, url, ns, "submit", "transcode", "--job-id", "a", "--payload", '{"source": "a.mov"}')[0] == 0
    code, out = _cli(capsys, url, ns, "submit", "transcode", "--job-id", "a")
    assert code == 0 and "duplicate" in out
    assert _cli(capsys, url, ns, "submit", "thumbnail", "--payload", '{"fail": "always"}')[0] == 0
    code, out = _cli(capsys, url, ns, "monitor", "--json")
    assert code == 1 and json.loads(out)["verdict"] == "no-group"
    code, out = _cli(
        capsys,
        url,
        ns,
        "worker",
        "--name",
        "w1",
        "--max-deliveries",
        "1",
        "--max-jobs",
        "1",
        "--block-ms",
        "20",
    )
    assert code == 0 and '"applied": 1' in out and '"dead_lettered": 1' in out
    code, out = _cli(capsys, url, ns, "dead-letters", "list", "--json")
    (letter,) = json.loads(out)
    assert letter["reason"].startswith("JobFailed") and letter["deliveries"] == 1
    code, out = _cli(capsys, url, ns, "dead-letters", "replay", "--all")
    assert code == 0 and out.startswith(letter["dead_id"])
    code, out = _cli(capsys, url, ns, "monitor")
    assert code == 0 and "group workers: OK" in out and "lag 1" in out


@pytest.mark.parametrize(
    "args",
    [
        ("submit", "tag", "--payload", "[1"),
        ("submit", "tag", "--count", "0"),
        ("submit", "bad kind"),
        ("dead-letters", "replay"),
        ("worker", "--handler", "nope"),
    ],
)
def test_the_command_line_refuses_bad_arguments_with_exit_code_2(
    redis_target: RedisTarget, ns: str, capsys: pytest.CaptureFixture[str], args: tuple[str, ...]
) -> None:
    code = main(["media", *args, "--url", redis_target.url, "--namespace", ns])
    assert code == 2 and "error:" in capsys.readouterr().err


# ------------------------------------------------------------------------------------------ cluster


def test_the_pipeline_runs_on_a_cluster_because_its_keys_share_one_slot(
    cluster_client: redis.RedisCluster,
) -> None:
    media = MediaPipeline(cluster_client, namespace="media", pipeline="c", lease_ms=1, max_deliveries=1)
    media.ensure_group()
    media.submit("tag", {}, job_id="ok")
    media.submit("tag", {"fail": "always"}, job_id="bad")
    first, second = media.read_new("c1", count=2)
    assert media.apply([(first, {"done": True})]) == ["applied"]
    assert media.fail(second, "c1", "boom").outcome == "dead"
    assert media.outcome("ok") == "applied" and media.outcome("bad") == "dead"
    (letter,) = media.dead_letters()
    assert media.replay(letter.dead_id)
    health = Monitor(media).check()
    assert (health.pending, health.lag, health.dead_letters) == (0, 1, 0)
    (replayed,) = media.read_new("c1")
    cluster_client.xdel(media.keys.jobs, replayed.entry_id)
    reclaimed = media.reclaim("c2", min_idle_ms=0)
    assert (reclaimed.jobs, reclaimed.deleted) == ([], [replayed.entry_id])
    assert [d.original_id for d in media.dead_letters()] == [replayed.entry_id]


# ------------------------------------------------------------------------------------------ issue 12: hardening


def test_retention_alone_bounds_by_age_because_the_default_maxlen_gives_way(r: redis.Redis, ns: str) -> None:
    media = MediaPipeline(r, namespace=ns, pipeline="p", retention_ms=60_000, features=FALLBACK)
    assert (media.maxlen, media.retention_ms) == (None, 60_000)
    assert MediaPipeline(r, namespace=ns, pipeline="p", features=FALLBACK).maxlen == 100_000


@pytest.mark.parametrize(
    "options",
    [
        {"idempotency_ttl_ms": 10**18},  # accepted before: PX past the ms clock's range, or three jobs
        {"mark_ttl_ms": 10**18, "max_deliveries": 1},
        {"lease_ms": 2**53 + 1},
        {"retention_ms": 2**63},
        {"operation_ttl_ms": 86_400_001},
        {"delete_on_ack": "yes"},
        {"features": "8.2"},
        {"maxlen": 10**5000},
    ],
)
def test_configuration_beyond_what_redis_accepts_is_refused(r: redis.Redis, ns: str, options: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput):
        MediaPipeline(r, namespace=ns, pipeline="p", **{"features": FALLBACK, **options})


def test_a_client_returning_bytes_is_refused_at_construction(redis_target: RedisTarget, ns: str) -> None:
    raw = redis_target.client(decode_responses=False)
    with pytest.raises(InvalidInput, match="decode_responses=True"):
        MediaPipeline(raw, namespace=ns, features=FALLBACK)
    raw.close()


@contextmanager
def acl_client(r: redis.Redis, redis_target: RedisTarget, user: str, *rules: str) -> Iterator[redis.Redis]:
    """A client of ``user``, created now with ``rules`` (password ``pw``) and deleted afterwards."""
    if not redis_target.owned:
        pytest.skip("creates an ACL user")
    r.execute_command("ACL", "SETUSER", user, "on", ">pw", *rules)
    client = redis_target.client(username=user, password="pw")
    try:
        yield client
    finally:
        client.close()
        r.execute_command("ACL", "DELUSER", user)


def test_features_come_from_hello_so_a_user_without_info_can_detect_them(
    r: redis.Redis, redis_target: RedisTarget, ns: str
) -> None:
    with acl_client(r, redis_target, f"rbt-noinfo-{ns}", "~*", "+@all", "-info") as client:
        with pytest.raises(redis.exceptions.NoPermissionError):
            client.info("server")
        newer = redis_target.version >= (8, 2, 0)
        assert ServerFeatures.detect(client) == ServerFeatures(xackdel=newer, trim_acked=newer)


def test_a_worker_recreates_a_lost_group_and_reports_the_reset(r: redis.Redis, ns: str) -> None:
    """A restart without persistence empties the server: the worker's next read answers NOGROUP (or a
    blocked one ``UNBLOCKED``); the worker creates the group again, reports it, and goes on working."""
    media = MediaPipeline(r, namespace=ns, pipeline="p", lease_ms=200, features=FALLBACK)
    resets: list[Any] = []
    done: list[str] = []
    worker = Worker(
        media, "w1", lambda job, lease: done.append(job.job_id) or None, block_ms=20, on_reset=resets.append
    )
    thread = threading.Thread(target=worker.run)
    thread.start()
    try:
        media.submit("tag", {}, job_id="before")
        wait_until(lambda: done == ["before"], timeout=5, what="the first job")
        r.delete(media.keys.jobs)  # what a restart without persistence leaves: no stream, no group
        wait_until(lambda: resets, timeout=5, what="the reset report")
        media.submit("tag", {}, job_id="after")
        wait_until(lambda: done == ["before", "after"], timeout=5, what="a job after the reset")
    finally:
        worker.stop()
        thread.join(timeout=5)
    assert worker.stats.group_resets == len(resets) >= 1
    assert (resets[0].group, resets[0].stream, resets[0].consumer) == ("workers", media.keys.jobs, "w1")
    assert [g["name"] for g in r.xinfo_groups(media.keys.jobs)] == ["workers"]


def test_a_refused_lease_extension_stops_the_worker_instead_of_dead_lettering_the_job(
    r: redis.Redis, redis_target: RedisTarget, ns: str
) -> None:
    with acl_client(r, redis_target, f"rbt-noclaim-{ns}", f"~{ns}:*", "+@all", "-xclaim") as client:
        media = MediaPipeline(client, namespace=ns, pipeline="p", lease_ms=60_000, max_deliveries=1, features=FALLBACK)
        for n in range(3):
            media.submit("transcode", {"work_ms": 300}, job_id=f"j{n}")
        worker = Worker(media, "w1", simulate, batch_size=3, block_ms=20)
        # 7.0: "The user executing the script can't run this command"; 7.2+: "ACL failure in script: … 'xclaim'"
        with pytest.raises(redis.ResponseError, match=r"xclaim|can't run this command"):
            worker.run(max_jobs=3)
        assert worker.stopping and worker.stats.dead_lettered == 0
        assert media.dead_letter_count() == 0
        assert len(r.xpending_range(media.keys.jobs, "workers", "-", "+", 10)) == 3  # reclaimed after the lease


def _consumer_verdict(monitor: Monitor, name: str) -> str:
    return next(c.verdict for c in monitor.check().consumers if c.name == name)


def test_a_consumer_holding_a_job_and_doing_nothing_is_stuck(media: MediaPipeline) -> None:
    media.submit("tag", {})
    media.read_new("c1")
    monitor = Monitor(media, stuck_after_ms=100)
    wait_until(lambda: _consumer_verdict(monitor, "c1") == "stuck", timeout=5, what="c1 stuck")


def test_a_hung_worker_that_keeps_polling_is_still_stuck_from_7_2(
    media: MediaPipeline, redis_target: RedisTarget
) -> None:
    """From 7.2 an empty XREADGROUP resets ``idle`` but not ``inactive`` (redis/redis#11099): the monitor
    reads ``inactive``, so a worker whose reads return nothing while it holds a job is found out."""
    if redis_target.version < (7, 2, 0):
        pytest.skip("XINFO CONSUMERS inactive is 7.2+; before it an empty read resets idle")
    media.submit("tag", {})
    media.read_new("c1")
    monitor = Monitor(media, stuck_after_ms=100)

    def polled_and_stuck() -> bool:
        media.read_new("c1")  # nothing new: an attempted read
        row = next(c for c in media.client.xinfo_consumers(media.keys.jobs, "workers") if c["name"] == "c1")
        return row["idle"] < 100 and _consumer_verdict(monitor, "c1") == "stuck"

    wait_until(polled_and_stuck, timeout=5, what="c1 polling, idle reset, and still stuck")


def test_a_worker_extending_its_lease_stays_ok(media: MediaPipeline) -> None:
    """A lease extension (``XCLAIM … JUSTID`` to itself) counts as a claim: ``inactive`` (7.2+) and
    ``idle`` (before) start again, so a live worker on a long job is not reported stuck."""
    media.submit("tag", {})
    [job] = media.read_new("c1")
    monitor = Monitor(media, stuck_after_ms=150)
    verdicts = []
    for _ in range(6):
        wait_until(lambda: _idle_of(media, "c1") >= 50, timeout=5, what="some idle time")
        assert media.extend_lease("c1", [job.entry_id]) == [job.entry_id]
        verdicts.append(_consumer_verdict(monitor, "c1"))
    assert verdicts == ["ok"] * 6


def _idle_of(media: MediaPipeline, name: str) -> int:
    row = next(c for c in media.client.xinfo_consumers(media.keys.jobs, "workers") if c["name"] == name)
    return int(row["inactive"]) if int(row.get("inactive", -1)) >= 0 else int(row["idle"])
