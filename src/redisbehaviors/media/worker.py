"""A worker of the media pipeline: one consumer of the group, one thread or process.

The loop:

1. on start-up, drain this consumer's own pending entries (history reads from id ``0``): the jobs
   a previous run of the same consumer read but never acknowledged;
2. then read new jobs in batches with a blocking ``XREADGROUP … >``;
3. every ``reclaim_interval_ms``, take one ``XAUTOCLAIM`` step over jobs other workers left idle
   longer than the lease (following the cursor across steps until the scan wraps);
4. hand each job to the handler, then apply and acknowledge the batch in one script.

A handler that raises has its job retried (through the next reclaim) until ``max_deliveries``,
then dead-lettered.  :meth:`Worker.stop` is graceful: the job in hand is finished and applied,
the rest of the batch is released for others without counting a delivery.

Two failures are the worker's, not the job's:

* the group is gone (``NOGROUP``: the server restarted without persistence, or someone deleted the
  stream): the worker creates it again, counts a reset and reports it (``on_reset``, and a log
  warning), as the chat feed reports a reset history; the jobs the server lost are not coming back;
* :meth:`Lease.extend` failed for another reason than a lost lease (``NOPERM``: the ACL user misses
  a grant; the connection is gone): the worker stops with that error instead of dead-lettering a job
  that did nothing wrong.  The job stays pending and is reclaimed after the lease.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import redis

from redisbehaviors.errors import InvalidInput
from redisbehaviors.media.errors import LeaseLost
from redisbehaviors.media.pipeline import Job, MediaPipeline
from redisbehaviors.validation import validate_count, validate_id, validate_ttl_ms

log = logging.getLogger(__name__)


def is_nogroup(exc: BaseException) -> bool:
    """The reply Redis gives for a missing stream or group (from a command or a script's call), or to a
    blocked ``XREADGROUP`` whose stream was deleted meanwhile ("UNBLOCKED the stream key no longer exists")."""
    if not isinstance(exc, redis.ResponseError):
        return False
    text = str(exc)
    return text.startswith("NOGROUP") or (text.startswith("UNBLOCKED") and "no longer exists" in text)


class Lease:
    """The hold a worker has on one job; long handlers call :meth:`extend` before the lease runs out."""

    def __init__(self, pipeline: MediaPipeline, consumer: str, entry_id: str) -> None:
        self._pipeline = pipeline
        self.consumer = consumer
        self.entry_id = entry_id
        #: The error an extension failed with, other than a lost lease; the worker stops with it.
        self.failure: redis.RedisError | None = None

    def extend(self) -> None:
        """Reset the job's idle time (no delivery is counted); raises :class:`LeaseLost` if it was taken.

        Any other failure (``NOPERM``, a broken connection) is raised as it is, and stops the worker.
        """
        try:
            held = self._pipeline.extend_lease(self.consumer, [self.entry_id])
        except redis.RedisError as exc:
            if is_nogroup(exc):  # the group is gone, and the job's pending entry with it
                raise LeaseLost(f"job entry {self.entry_id}: the consumer group no longer exists") from exc
            self.failure = exc
            raise
        if not held:
            raise LeaseLost(f"job entry {self.entry_id} is no longer pending with {self.consumer!r}")


@dataclass(frozen=True)
class GroupReset:
    """The consumer group was missing and was created again: the jobs it held are lost."""

    stream: str
    group: str
    consumer: str


Handler = Callable[[Job, Lease], Mapping[str, Any] | None]


@dataclass
class WorkerStats:
    drained: int = 0  # own pending jobs handled at start-up
    read: int = 0  # new jobs read
    reclaimed: int = 0  # jobs taken over from idle consumers
    applied: int = 0
    duplicates: int = 0
    retried: int = 0
    dead_lettered: int = 0
    released: int = 0
    lost: int = 0  # jobs whose lease another worker took while the handler ran
    found_dead: int = 0  # handled, but dead-lettered by another worker meanwhile (effect not applied)
    group_resets: int = 0  # NOGROUP seen: the group was created again (the server lost its data)

    @property
    def handled(self) -> int:
        return self.applied + self.duplicates

    @property
    def finished(self) -> int:
        """Jobs this worker brought to an end: applied (or found applied) or dead-lettered."""
        return self.handled + self.dead_lettered + self.found_dead


class Worker:
    """Consumer ``consumer`` of ``pipeline``'s group, running ``handler`` on every job it gets.

    Keep the consumer name stable across restarts (for example ``<host>-<slot>``): a restarted
    worker then finds its own pending jobs at start-up instead of waiting for a reclaim.
    """

    def __init__(
        self,
        pipeline: MediaPipeline,
        consumer: str,
        handler: Handler,
        *,
        batch_size: int = 10,
        block_ms: int = 1000,
        reclaim_interval_ms: int | None = None,
        clock: Callable[[], float] = time.monotonic,
        on_reset: Callable[[GroupReset], None] | None = None,
    ) -> None:
        if not isinstance(pipeline, MediaPipeline):
            raise InvalidInput(f"pipeline must be a MediaPipeline, got {type(pipeline).__name__}")
        for name, value in (("handler", handler), ("clock", clock), ("on_reset", on_reset or print)):
            if not callable(value):
                raise InvalidInput(f"{name} must be callable, got {type(value).__name__}")
        self.pipeline = pipeline
        self.consumer = validate_id(consumer, "consumer")
        self.handler = handler
        self.batch_size = validate_count(batch_size, "batch_size", minimum=1, maximum=1000)
        self.block_ms = validate_ttl_ms(block_ms, "block_ms")
        default_interval = max(pipeline.lease_ms // 2, 50)
        interval = default_interval if reclaim_interval_ms is None else reclaim_interval_ms
        self.reclaim_interval_ms = validate_ttl_ms(interval, "reclaim_interval_ms")
        self.clock = clock
        self.on_reset = on_reset
        self.stats = WorkerStats()
        self._stopping = threading.Event()
        self._cursor = "0-0"
        self._next_reclaim = 0.0

    # ------------------------------------------------------------------------------------ control

    def stop(self) -> None:
        """Ask the loop to stop after the job in hand (safe from a signal handler or another thread)."""
        self._stopping.set()

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    def run(self, *, max_jobs: int | None = None) -> WorkerStats:
        """Drain own pending jobs, then work until :meth:`stop` (or ``max_jobs`` finished)."""
        self.pipeline.ensure_group()
        self._recovering(self.drain_own_pending)
        while not self.stopping and (max_jobs is None or self.stats.finished < max_jobs):
            self._recovering(self.step)
        return self.stats

    def _recovering(self, step: Callable[[], int]) -> int:
        """Run one step; when the group is gone, create it again and report the reset."""
        try:
            return step()
        except redis.ResponseError as exc:
            if not is_nogroup(exc):
                raise
        self.reset_group()
        return 0

    def reset_group(self) -> GroupReset:
        """Create the missing group again (at ``0``: every job submitted since is delivered) and report it."""
        self.pipeline.ensure_group()
        self._cursor, self._next_reclaim = "0-0", 0.0
        self.stats.group_resets += 1
        reset = GroupReset(self.pipeline.keys.jobs, self.pipeline.group, self.consumer)
        log.warning(
            "consumer group %r of %s was missing (the server lost its data?): created again; the jobs it held are lost",
            reset.group,
            reset.stream,
        )
        if self.on_reset is not None:
            self.on_reset(reset)
        return reset

    # ------------------------------------------------------------------------------------ steps

    def drain_own_pending(self) -> int:
        """Handle every job still pending with this consumer (history reads from ``0``)."""
        after, handled = "0", 0
        while not self.stopping:
            jobs, deleted, last = self.pipeline.read_own_pending(self.consumer, after=after, count=self.batch_size)
            if not jobs and not deleted:
                break
            handled += self.process(jobs)
            after = last
        self.stats.drained += handled
        return handled

    def step(self) -> int:
        """One iteration: a reclaim step when one is due, else one blocking read of new jobs."""
        if self.clock() >= self._next_reclaim:
            handled = self.reclaim_step()
            if handled:
                return handled
        jobs = self.pipeline.read_new(self.consumer, count=self.batch_size, block_ms=self.block_ms)
        self.stats.read += len(jobs)
        return self.process(jobs)

    def reclaim_step(self) -> int:
        """One ``XAUTOCLAIM`` call from the saved cursor; schedules the next pass when the scan wraps."""
        result = self.pipeline.reclaim(self.consumer, cursor=self._cursor, count=self.batch_size)
        self._cursor = result.cursor
        if result.done:
            self._next_reclaim = self.clock() + self.reclaim_interval_ms / 1000
        self.stats.reclaimed += len(result.jobs)
        self.stats.dead_lettered += len(result.dead_lettered)
        return self.process(result.jobs)

    def process(self, jobs: list[Job]) -> int:
        """Run the handler on each job, then apply and acknowledge the batch in one script.

        Past a third of the lease the batch's remaining jobs get their lease extended, and the
        results so far are applied, so a long batch is not reclaimed under the worker's feet.
        """
        done: list[tuple[Job, Mapping[str, Any] | None]] = []
        started = self.clock()
        handled = 0
        for index, job in enumerate(jobs):
            if self.stopping:
                self.stats.released += self.pipeline.release(self.consumer, [j.entry_id for j in jobs[index:]])
                break
            if (self.clock() - started) * 1000 > self.pipeline.lease_ms / 3:
                handled += self._apply(done)
                done = []
                self.pipeline.extend_lease(self.consumer, [j.entry_id for j in jobs[index:]])
                started = self.clock()
            lease = Lease(self.pipeline, self.consumer, job.entry_id)
            try:
                result = self.handler(job, lease)
            except LeaseLost:
                self.stats.lost += 1
                continue
            except Exception as exc:  # the handler's failure is the job's, not the worker's...
                if lease.failure is not None:  # ...unless extending its lease failed: that is the worker's
                    self._stop_on(lease.failure, done)
                self._fail(job, f"{type(exc).__name__}: {exc}")
                continue
            done.append((job, result))
        return handled + self._apply(done)

    def _stop_on(self, failure: redis.RedisError, done: list[tuple[Job, Mapping[str, Any] | None]]) -> None:
        """Apply what was finished, then stop the worker with ``failure``; the job in hand stays pending."""
        self.stop()
        log.error("lease extension failed, stopping worker %r: %s", self.consumer, failure)
        with contextlib.suppress(redis.RedisError):  # else the jobs stay pending, reclaimed after the lease
            self._apply(done)
        raise failure

    def _apply(self, done: list[tuple[Job, Mapping[str, Any] | None]]) -> int:
        statuses = self.pipeline.apply(done)
        self.stats.applied += statuses.count("applied")
        self.stats.duplicates += statuses.count("duplicate")
        self.stats.found_dead += statuses.count("dead")
        return len(statuses)

    def _fail(self, job: Job, reason: str) -> None:
        outcome = self.pipeline.fail(job, self.consumer, reason)
        if outcome.outcome == "dead":
            self.stats.dead_lettered += 1
        elif outcome.outcome == "retry":
            self.stats.retried += 1
        elif outcome.outcome == "lost":
            self.stats.lost += 1
