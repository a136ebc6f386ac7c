"""Hostile input for every public entry point of the media pipeline, its worker and its monitor.

Each test takes one entry point and one parameter, and Hypothesis generates values that parameter must
refuse: huge integers (10**5000, 2**63), non-finite and huge floats, bools, strings that are empty,
too long or carry a character that would change the key schema (braces, colon, whitespace, control
characters, non-ASCII, a lone surrogate), malformed stream ids, payloads that are not JSON, wrong types.
Every call must raise ``InvalidInput`` (or the error its docs name) and leave the keyspace exactly as it
was (``DUMP`` of every key before and after): no partial write, no crash, no traceback of another type.
The strategies, shared with ``test_reservations_hostile_input.py``, are in ``tests/properties/support.py``.
Bounded under ``CI`` by the root conftest's Hypothesis profile.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
import redis
from hypothesis import strategies as st

from redisbehaviors.media import Job, MediaKeys, MediaPipeline, Monitor, ServerFeatures, Worker
from redisbehaviors.media.handlers import noop
from tests.properties.support import bad_flags, bad_ids, bad_ints, bad_optional_ints, each_refused

#: What the tests saw, per entry point: printed by the last test of each module.
SEEN: Counter[str] = Counter()


def bad_stream_ids() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.sampled_from(
            [
                "",
                "1",
                "1-",
                "-1",
                "-1-0",
                "1-0 ",
                " 1-0",
                "1-0\n",
                "$",
                ">",
                "+",
                "-",
                "0x1-0",
                "1.5-0",
                "1-0-0",
                "18446744073709551616-0",
                "0-18446744073709551616",
                "٣-٣",
                "1" * 60 + "-0",
                5,
                b"1-0",
                None,
                1.0,
            ]
        ),
        st.text(max_size=12).filter(
            lambda s: not (s.count("-") == 1 and all(p.isascii() and p.isdigit() for p in s.split("-")))
        ),
    )


# ------------------------------------------------------------------------------------------ the entry points

FEATURES = ServerFeatures()
BAD_PAYLOADS = st.one_of(
    st.sampled_from(
        [
            [],
            "x",
            5,
            b"{}",
            {"x": float("nan")},
            {"x": float("inf")},
            {"x": 10**5000},
            {1: object()},
            {"x": "y" * 300_000},
            {"a": {1, 2}},
            {"a": b"b"},
            {(1, 2): 1},
        ]
    ),
    st.builds(lambda v: {"v": v}, st.sampled_from([object(), {1}, b"x", float("nan"), 10**5000])),
)
BAD_ENTRY_LISTS = st.one_of(
    st.sampled_from(["1-0", b"1-0", 5, None, {"x": 1}, ["1-0"] * 1001]),
    st.lists(bad_stream_ids(), min_size=1, max_size=3),
)
BAD_JOBS = st.sampled_from(
    [
        None,
        "job",
        5,
        {"entry_id": "1-0"},
        Job("bad", "j1", "tag", "{}", 1),
        Job("1-0", "a:b", "tag", "{}", 1),
        Job("18446744073709551616-0", "j1", "tag", "{}", 1),
        Job("1-0", "", "tag", "{}", 1),
        Job(5, "j1", "t", "{}", 1),
    ]  # type: ignore[arg-type]
)


def _job(media: MediaPipeline) -> Job:
    return Job("1-0", "j1", "tag", "{}", 1)


#: A namespace may hold ':' between non-empty segments ("shop:eu"): those are left out.
BAD_NAMESPACES = bad_ids(64).filter(lambda v: not (isinstance(v, str) and ":" in v and "" not in v.split(":")))


def _construct(name: str) -> Callable[[MediaPipeline, Any], Any]:
    """A constructor call with one parameter hostile (the features given, so nothing is detected)."""
    return lambda m, v: MediaPipeline(m.client, **{"namespace": m.keys.namespace, "features": FEATURES, name: v})


#: (entry point, hostile strategy, call): the call gets the pipeline and the hostile value.
Call = Callable[[MediaPipeline, Any], Any]
CASES: list[tuple[str, st.SearchStrategy[Any], Call]] = [
    # constructor, one parameter at a time
    *[
        (
            f"MediaPipeline({name})",
            strategy,
            _construct(name),
        )
        for name, strategy in [
            ("namespace", BAD_NAMESPACES),
            ("pipeline", bad_ids()),
            ("group", bad_ids()),
            ("maxlen", bad_optional_ints(1, 2**63 - 1)),
            ("retention_ms", bad_optional_ints(1, 2**53)),
            ("lease_ms", bad_ints(1, 2**53)),
            ("max_deliveries", bad_ints(1, 1000)),
            ("delete_on_ack", bad_flags()),
            ("mark_ttl_ms", bad_ints(1, 2**53)),
            ("idempotency_ttl_ms", bad_ints(1, 2**53)),
            ("operation_ttl_ms", bad_ints(1, 86_400_000)),
            ("results_maxlen", bad_ints(1, 2**63 - 1)),
            ("dead_letter_maxlen", bad_ints(1, 2**63 - 1)),
            ("features", st.sampled_from(["8.2", 1, True, {"xackdel": True}, object()])),
        ]
    ],
    (
        "MediaPipeline(client)",
        st.sampled_from(["client", None, 5, object()]),
        lambda m, v: MediaPipeline(v, features=FEATURES),
    ),
    ("MediaKeys(namespace)", BAD_NAMESPACES, lambda m, v: MediaKeys(v, "p")),
    ("MediaKeys(pipeline)", bad_ids(), lambda m, v: MediaKeys("ns", v)),
    # producer
    ("submit(kind)", bad_ids(64), lambda m, v: m.submit(v, {})),
    ("submit(payload)", BAD_PAYLOADS, lambda m, v: m.submit("tag", v)),
    ("submit(job_id)", bad_ids(none_ok=True), lambda m, v: m.submit("tag", {}, job_id=v)),
    (
        "submit_many(jobs)",
        st.one_of(
            st.sampled_from(
                ["jobs", 5, None, {"a": 1}, [("tag", {})], [("tag", {}, None, 1)], [("tag", {}, None)] * 1001]
            ),
            st.builds(lambda bad: [("tag", {}, None), ("tag", {}, "ok"), (bad, {}, None)], bad_ids(64)),
            st.builds(lambda bad: [("tag", {}, None), ("tag", bad, None)], BAD_PAYLOADS),
        ),
        lambda m, v: m.submit_many(v),
    ),
    # reading
    ("read_new(consumer)", bad_ids(), lambda m, v: m.read_new(v)),
    ("read_new(count)", bad_ints(1, 1000), lambda m, v: m.read_new("c1", count=v)),
    ("read_new(block_ms)", bad_optional_ints(0, 2**53), lambda m, v: m.read_new("c1", block_ms=v)),
    ("read_own_pending(consumer)", bad_ids(), lambda m, v: m.read_own_pending(v)),
    (
        "read_own_pending(after)",
        bad_stream_ids().filter(lambda v: v != "0"),
        lambda m, v: m.read_own_pending("c1", after=v),
    ),
    ("read_own_pending(count)", bad_ints(1, 1000), lambda m, v: m.read_own_pending("c1", count=v)),
    # finishing
    (
        "apply(results)",
        st.one_of(
            st.sampled_from(["x", 5, None, {"a": 1}, [(None, None)], [("job",)], [1]]),
            st.builds(lambda job: [(job, None)], BAD_JOBS),
            st.builds(lambda result: [(Job("1-0", "j1", "tag", "{}", 1), result)], BAD_PAYLOADS),
        ),
        lambda m, v: m.apply(v),
    ),
    ("fail(job)", BAD_JOBS, lambda m, v: m.fail(v, "c1", "reason")),
    ("fail(consumer)", bad_ids(), lambda m, v: m.fail(_job(m), v, "reason")),
    ("fail(reason)", st.sampled_from(["", 5, None, "\ud800", b"r", "x\udfff"]), lambda m, v: m.fail(_job(m), "c1", v)),
    ("extend_lease(consumer)", bad_ids(), lambda m, v: m.extend_lease(v, ["1-0"])),
    ("extend_lease(entry_ids)", BAD_ENTRY_LISTS, lambda m, v: m.extend_lease("c1", v)),
    ("release(consumer)", bad_ids(), lambda m, v: m.release(v, ["1-0"])),
    ("release(entry_ids)", BAD_ENTRY_LISTS, lambda m, v: m.release("c1", v)),
    # reclaim, consumers, dead letters
    ("reclaim(consumer)", bad_ids(), lambda m, v: m.reclaim(v)),
    ("reclaim(cursor)", bad_stream_ids().filter(lambda v: v != "0-0"), lambda m, v: m.reclaim("c1", cursor=v)),
    ("reclaim(count)", bad_ints(1, 1000), lambda m, v: m.reclaim("c1", count=v)),
    ("reclaim(min_idle_ms)", bad_optional_ints(0, 2**53), lambda m, v: m.reclaim("c1", min_idle_ms=v)),
    ("retire_consumer(consumer)", bad_ids(), lambda m, v: m.retire_consumer(v, "heir")),
    ("retire_consumer(heir)", bad_ids(), lambda m, v: m.retire_consumer("c1", v)),
    ("retire_consumer(batch)", bad_ints(1, 1000), lambda m, v: m.retire_consumer("c1", "heir", batch=v)),
    ("dead_letters(count)", bad_ints(1, 1000), lambda m, v: m.dead_letters(count=v)),
    ("dead_letters(after)", bad_stream_ids().filter(lambda v: v is not None), lambda m, v: m.dead_letters(after=v)),
    ("dead_letter(dead_id)", bad_stream_ids(), lambda m, v: m.dead_letter(v)),
    ("replay(dead_id)", bad_stream_ids(), lambda m, v: m.replay(v)),
    ("outcome(job_id)", bad_ids(), lambda m, v: m.outcome(v)),
    # worker and monitor
    ("Worker(pipeline)", st.sampled_from([None, "p", 5, object()]), lambda m, v: Worker(v, "w1", noop)),
    ("Worker(consumer)", bad_ids(), lambda m, v: Worker(m, v, noop)),
    ("Worker(handler)", st.sampled_from([None, "noop", 5, b"x"]), lambda m, v: Worker(m, "w1", v)),
    ("Worker(batch_size)", bad_ints(1, 1000), lambda m, v: Worker(m, "w1", noop, batch_size=v)),
    ("Worker(block_ms)", bad_ints(1, 2**53), lambda m, v: Worker(m, "w1", noop, block_ms=v)),
    (
        "Worker(reclaim_interval_ms)",
        bad_optional_ints(1, 2**53),
        lambda m, v: Worker(m, "w1", noop, reclaim_interval_ms=v),
    ),
    ("Worker(clock)", st.sampled_from([None, 5, "monotonic"]), lambda m, v: Worker(m, "w1", noop, clock=v)),
    ("Worker(on_reset)", st.sampled_from([5, "print", b"x"]), lambda m, v: Worker(m, "w1", noop, on_reset=v)),
    ("Monitor(pipeline)", st.sampled_from([None, "p", 5]), lambda m, v: Monitor(v)),
    ("Monitor(stuck_after_ms)", bad_optional_ints(1, 2**53), lambda m, v: Monitor(m, stuck_after_ms=v)),
    ("Monitor(max_lag)", bad_ints(0, 2**63 - 1), lambda m, v: Monitor(m, max_lag=v)),
    ("Monitor(max_pending_age_ms)", bad_optional_ints(1, 2**53), lambda m, v: Monitor(m, max_pending_age_ms=v)),
    ("Monitor(lag_scan_limit)", bad_ints(1, 1_000_000), lambda m, v: Monitor(m, lag_scan_limit=v)),
]


@pytest.fixture
def media(r: redis.Redis, ns: str) -> MediaPipeline:
    """A pipeline with something to lose: applied, pending, dead-lettered and waiting jobs."""
    pipeline = MediaPipeline(r, namespace=ns, pipeline="p", features=FEATURES, max_deliveries=1)
    pipeline.ensure_group()
    pipeline.submit_many([("tag", {"i": i}, f"j{i}") for i in range(4)])
    first, second, _waiting = pipeline.read_new("c1", count=3)
    pipeline.apply([(first, {"ok": True})])
    pipeline.fail(second, "c1", "poison")
    return pipeline


@pytest.mark.parametrize(("entry", "values", "call"), CASES, ids=[case[0] for case in CASES])
def test_every_hostile_value_is_refused_and_nothing_is_written(
    media: MediaPipeline, r: redis.Redis, entry: str, values: st.SearchStrategy[Any], call: Call
) -> None:
    each_refused(media, r, values, call, SEEN, entry)


def test_the_figures() -> None:
    """Printed with ``pytest -s``: how many hostile values each entry point refused in this run."""
    print(f"media hostile input: {sum(SEEN.values())} values refused over {len(SEEN)} entry points, all InvalidInput")
    assert len(SEEN) == len(CASES) or not SEEN  # every entry point was tried (unless deselected)
