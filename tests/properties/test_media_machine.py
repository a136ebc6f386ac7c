"""A Hypothesis state machine drives the media pipeline against the real server and a model.

Steps: submit jobs, read new ones (``>``), apply-and-ack part of a worker's hand, fail a job
(retry or dead-letter), crash a worker (its hand is forgotten, its jobs stay pending), restart
it (history reads of its own pending jobs), reclaim everything pending (``XAUTOCLAIM`` with no
minimum idle time, following the cursor), and delete a pending entry from the stream.

After every step, every submitted entry is in exactly one state, read from Redis and equal to
the model's:

* ``new``: never delivered (id above the group's last-delivered id, not pending, no outcome);
* ``pending``: in the PEL, with one consumer and the model's delivery count;
* ``acked``: its effect applied (outcome marker ``applied``), not pending;
* ``dead``: in the dead-letter stream (outcome ``dead``, or recorded as deleted), not pending.

And the results stream holds one entry per applied job, never two.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import pytest
import redis
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from redisbehaviors.media import Job, MediaPipeline, ServerFeatures

CONSUMERS = ["c1", "c2", "c3"]
MAX_DELIVERIES = 3
consumers = st.sampled_from(CONSUMERS)


@dataclass
class Entry:
    job_id: str
    state: str = "new"  # new | pending | acked | dead
    owner: str | None = None
    deliveries: int = 0
    deleted: bool = False  # XDEL-ed while pending


def _id_key(entry_id: str) -> tuple[int, int]:
    ms, seq = entry_id.split("-")
    return int(ms), int(seq)


def _machine(client: redis.Redis, features: ServerFeatures | None, delete_on_ack: bool) -> type:
    class MediaMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.ns = f"rbt-m-{uuid.uuid4().hex[:8]}"
            self.media = MediaPipeline(
                client,
                namespace=self.ns,
                pipeline="m",
                lease_ms=60_000,
                max_deliveries=MAX_DELIVERIES,
                delete_on_ack=delete_on_ack,
                features=features,
            )
            self.media.ensure_group()
            self.entries: dict[str, Entry] = {}  # entry id -> model, in submit order
            self.hand: dict[str, list[Job]] = {c: [] for c in CONSUMERS}

        def teardown(self) -> None:
            for name in client.scan_iter(match=f"{self.ns}:*", count=1000):
                client.delete(name)

        def _of_job(self, job: Job) -> Entry:
            return self.entries[job.entry_id]

        # -------------------------------------------------------------------------------- steps

        @rule(count=st.integers(1, 4))
        def submit(self, count: int) -> None:
            for _ in range(count):
                done = self.media.submit("tag", {"n": len(self.entries)})
                self.entries[done.entry_id] = Entry(done.job_id)

        @rule(consumer=consumers, count=st.integers(1, 4))
        def read_new(self, consumer: str, count: int) -> None:
            jobs = self.media.read_new(consumer, count=count)
            waiting = [e for e, entry in self.entries.items() if entry.state == "new"]
            assert [job.entry_id for job in jobs] == waiting[:count]
            for job in jobs:
                assert job.deliveries == 1
                self.entries[job.entry_id] = Entry(job.job_id, "pending", consumer, 1)
            self.hand[consumer] += jobs

        @precondition(lambda self: any(self.hand.values()))
        @rule(data=st.data())
        def apply_some(self, data: st.DataObject) -> None:
            consumer = data.draw(st.sampled_from([c for c in CONSUMERS if self.hand[c]]))
            take = data.draw(st.integers(1, len(self.hand[consumer])))
            jobs, self.hand[consumer] = self.hand[consumer][:take], self.hand[consumer][take:]
            statuses = self.media.apply([(job, {"by": consumer}) for job in jobs])
            for job, status in zip(jobs, statuses, strict=True):
                entry = self._of_job(job)
                want = {"acked": "duplicate", "dead": "dead"}.get(entry.state, "applied")
                assert status == want, f"{job.entry_id} in state {entry.state}: {status}"
                if status == "applied":
                    entry.state, entry.owner = "acked", None

        @precondition(lambda self: any(self.hand.values()))
        @rule(data=st.data())
        def fail_one(self, data: st.DataObject) -> None:
            consumer = data.draw(st.sampled_from([c for c in CONSUMERS if self.hand[c]]))
            job = self.hand[consumer].pop(0)
            entry = self._of_job(job)
            outcome = self.media.fail(job, consumer, "boom")
            if entry.state != "pending":
                assert outcome.outcome == "gone"
            elif entry.owner != consumer:
                assert outcome.outcome == "lost"
            elif entry.deliveries >= MAX_DELIVERIES:
                assert (outcome.outcome, outcome.deliveries) == ("dead", entry.deliveries)
                entry.state, entry.owner = "dead", None
            else:
                assert (outcome.outcome, outcome.deliveries) == ("retry", entry.deliveries)

        @rule(consumer=consumers)
        def crash(self, consumer: str) -> None:
            self.hand[consumer] = []

        @rule(consumer=consumers)
        def restart_and_drain(self, consumer: str) -> None:
            """A restarted worker reads its own pending entries (history reads from 0)."""
            self.hand[consumer] = []
            after = "0"
            while True:
                jobs, deleted, after = self.media.read_own_pending(consumer, after=after, count=2)
                if not jobs and not deleted:
                    break
                for entry_id in deleted:
                    entry = self.entries[entry_id]
                    assert entry.deleted and entry.owner == consumer
                    entry.state, entry.owner = "dead", None
                for job in jobs:
                    entry = self._of_job(job)
                    assert entry.owner == consumer and not entry.deleted
                    entry.deliveries += 1
                    assert job.deliveries == entry.deliveries
                self.hand[consumer] += jobs

        @rule(consumer=consumers, count=st.integers(1, 3))
        def reclaim_everything(self, consumer: str, count: int) -> None:
            taken: list[Job] = []
            cursor = "0-0"
            while True:
                result = self.media.reclaim(consumer, cursor=cursor, count=count, min_idle_ms=0)
                taken += result.jobs
                for entry_id in result.deleted:
                    entry = self.entries[entry_id]
                    assert entry.deleted, f"{entry_id} reported deleted"
                    entry.state, entry.owner = "dead", None
                for entry_id in result.dead_lettered:
                    entry = self.entries[entry_id]
                    assert entry.deliveries + 1 > MAX_DELIVERIES
                    entry.state, entry.owner = "dead", None
                cursor = result.cursor
                if result.done:
                    break
            for job in taken:
                entry = self._of_job(job)
                entry.owner, entry.deliveries = consumer, entry.deliveries + 1
                assert job.deliveries == entry.deliveries
            pending = [e for e, entry in self.entries.items() if entry.state == "pending"]
            assert sorted(job.entry_id for job in taken) == sorted(pending)
            self.hand[consumer] += taken

        @precondition(lambda self: any(e.state == "pending" and not e.deleted for e in self.entries.values()))
        @rule(data=st.data())
        def delete_a_pending_entry(self, data: st.DataObject) -> None:
            choices = [e for e, entry in self.entries.items() if entry.state == "pending" and not entry.deleted]
            entry_id = data.draw(st.sampled_from(choices))
            assert client.xdel(self.media.keys.jobs, entry_id) == 1
            self.entries[entry_id].deleted = True
            for consumer in CONSUMERS:  # a worker holding it would see nothing different; drop it
                self.hand[consumer] = [j for j in self.hand[consumer] if j.entry_id != entry_id]

        # -------------------------------------------------------------------------------- invariants

        @invariant()
        def every_entry_is_in_exactly_one_state(self) -> None:
            if not self.entries:
                return
            keys = self.media.keys
            pel = {
                row["message_id"]: (row["consumer"], row["times_delivered"])
                for row in client.xpending_range(keys.jobs, self.media.group, "-", "+", 10_000)
            }
            (group,) = client.xinfo_groups(keys.jobs)
            last = _id_key(group["last-delivered-id"])
            ids = list(self.entries)
            marks = dict(zip(ids, client.mget([keys.mark(self.entries[e].job_id) for e in ids]), strict=True))
            dead_ids = {fields["original-id"] for _, fields in client.xrange(keys.dead)}
            for entry_id, entry in self.entries.items():
                states = {
                    "new": _id_key(entry_id) > last and entry_id not in pel and marks[entry_id] is None,
                    "pending": entry_id in pel,
                    "acked": marks[entry_id] == "applied" and entry_id not in pel,
                    "dead": entry_id in dead_ids and entry_id not in pel,
                }
                held = [name for name, true in states.items() if true]
                assert held == [entry.state], f"{entry_id}: Redis says {held}, model says {entry.state}"
                if entry.state == "pending":
                    assert pel[entry_id] == (entry.owner, entry.deliveries), (entry_id, pel[entry_id], entry)

        @invariant()
        def effects_are_applied_once(self) -> None:
            applied = [fields["job"] for _, fields in client.xrange(self.media.keys.results)]
            assert len(applied) == len(set(applied)), "a job's effect was applied twice"
            acked = {entry.job_id for entry in self.entries.values() if entry.state == "acked"}
            assert set(applied) == acked

    return MediaMachine


def test_every_entry_is_in_exactly_one_state(redis_target: Any) -> None:
    with redis_target.client() as client:
        run_state_machine_as_test(_machine(client, None, delete_on_ack=False))


@pytest.mark.parametrize("path", ["auto", "fallback"])
def test_every_entry_is_in_exactly_one_state_when_acked_entries_are_deleted(redis_target: Any, path: str) -> None:
    """Deleting on ack: XACKDEL where the server has it ("auto" on 8.2), else XACK + XDEL in one script."""
    features = ServerFeatures(xackdel=False, trim_acked=False) if path == "fallback" else None
    with redis_target.client() as client:
        run_state_machine_as_test(_machine(client, features, delete_on_ack=True))
