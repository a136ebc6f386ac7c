"""Health of a media pipeline: lag, pending work, idle consumers, and verdicts with thresholds.

Read from ``XINFO GROUPS`` (``lag`` and ``entries-read`` since 7.0), ``XINFO CONSUMERS``,
``XPENDING`` (summary), ``XLEN`` and the server clock, in four round trips.

Verdicts, per consumer:

* ``stuck``: it holds pending jobs and has not read or claimed a job for ``stuck_after_ms`` (a
  live worker reads, or extends its lease with ``XCLAIM … JUSTID``, well within the lease, so this
  one is dead or hung);
* ``idle``: nothing pending and no job read or claimed for ``stuck_after_ms`` (a worker that went
  away cleanly);
* ``ok`` otherwise.

"Has not read or claimed" is ``XINFO CONSUMERS`` ``inactive`` (7.2+): the time since the consumer's
last successful read or claim (``-1``: never).  From 7.2 ``idle`` is reset by every attempted read,
even an empty ``XREADGROUP`` or an ``XAUTOCLAIM`` that claims nothing (redis/redis#11099), so a hung
worker's polling would hide it; before 7.2 there is no ``inactive`` and ``idle`` is the measure.

For the group: ``no-group``, ``stuck`` (some consumer is), ``backlogged`` (lag above ``max_lag``
or the oldest pending job older than ``max_pending_age_ms``), else ``ok``.

``lag`` is None when Redis cannot compute it: since 7.0 it is unknown while a deleted entry
(``XDEL``, ``XACKDEL``) lies after the group's last-delivered id.  The monitor then counts the
undelivered entries itself with ``XRANGE (<last-delivered-id> + COUNT``, up to ``lag_scan_limit``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import redis

from redisbehaviors.errors import InvalidInput
from redisbehaviors.media.pipeline import MediaPipeline, entry_age_ms
from redisbehaviors.validation import validate_count, validate_ttl_ms


@dataclass(frozen=True)
class ConsumerHealth:
    name: str
    pending: int
    idle_ms: int
    verdict: str


@dataclass
class PipelineHealth:
    group: str
    verdict: str
    stream_length: int
    lag: int | None
    lag_exact: bool
    entries_read: int | None
    pending: int
    oldest_pending_id: str | None
    oldest_pending_age_ms: int | None
    dead_letters: int
    consumers: list[ConsumerHealth] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)

    @property
    def stuck_consumers(self) -> list[str]:
        return [c.name for c in self.consumers if c.verdict == "stuck"]


class Monitor:
    """Check a pipeline against thresholds; ``stuck_after_ms`` defaults to the pipeline's lease."""

    def __init__(
        self,
        pipeline: MediaPipeline,
        *,
        stuck_after_ms: int | None = None,
        max_lag: int = 1000,
        max_pending_age_ms: int | None = None,
        lag_scan_limit: int = 10_000,
    ) -> None:
        if not isinstance(pipeline, MediaPipeline):
            raise InvalidInput(f"pipeline must be a MediaPipeline, got {type(pipeline).__name__}")
        self.pipeline = pipeline
        stuck = pipeline.lease_ms if stuck_after_ms is None else stuck_after_ms
        self.stuck_after_ms = validate_ttl_ms(stuck, "stuck_after_ms")
        self.max_lag = validate_count(max_lag, "max_lag")
        age = 10 * pipeline.lease_ms if max_pending_age_ms is None else max_pending_age_ms
        self.max_pending_age_ms = validate_ttl_ms(age, "max_pending_age_ms")
        self.lag_scan_limit = validate_count(lag_scan_limit, "lag_scan_limit", minimum=1, maximum=1_000_000)

    def check(self) -> PipelineHealth:
        keys, group = self.pipeline.keys, self.pipeline.group
        pipe = self.pipeline.client.pipeline(transaction=False)
        pipe.exists(keys.jobs)
        pipe.xlen(keys.jobs)
        pipe.xlen(keys.dead)
        exists, length, dead = pipe.execute()
        now_ms = self.pipeline.server_time_ms()
        info = None
        if exists:
            info = next((g for g in self.pipeline.client.xinfo_groups(keys.jobs) if g["name"] == group), None)
        if info is None:
            return PipelineHealth(
                group,
                "no-group",
                int(length),
                None,
                False,
                None,
                0,
                None,
                None,
                int(dead),
                reasons=[f"consumer group {group!r} does not exist"],
            )
        pipe = self.pipeline.client.pipeline(transaction=False)
        pipe.xinfo_consumers(keys.jobs, group)
        pipe.xpending(keys.jobs, group)
        consumers_info, summary = pipe.execute()
        lag, exact = self._lag(info)
        oldest = summary.get("min") if summary.get("pending") else None
        health = PipelineHealth(
            group=group,
            verdict="ok",
            stream_length=int(length),
            lag=lag,
            lag_exact=exact,
            entries_read=info.get("entries-read"),
            pending=int(summary.get("pending") or 0),
            oldest_pending_id=oldest,
            oldest_pending_age_ms=entry_age_ms(oldest, now_ms) if oldest else None,
            dead_letters=int(dead),
        )
        for row in consumers_info:
            health.consumers.append(self._consumer(row))
        self._verdict(health)
        return health

    def _lag(self, info: dict) -> tuple[int | None, bool]:
        if info.get("lag") is not None:
            return int(info["lag"]), True
        last = info.get("last-delivered-id") or "0-0"
        start = "-" if last == "0-0" else f"({last}"
        try:
            rows = self.pipeline.client.xrange(self.pipeline.keys.jobs, start, "+", count=self.lag_scan_limit + 1)
        except redis.ResponseError:
            return None, False
        return min(len(rows), self.lag_scan_limit), len(rows) <= self.lag_scan_limit

    def _consumer(self, row: dict) -> ConsumerHealth:
        """``idle_ms``: time since the consumer last read or claimed a job (``inactive`` from 7.2, else ``idle``)."""
        pending, silent = int(row["pending"]), int(row["idle"])
        inactive = row.get("inactive")
        if inactive is not None and int(inactive) >= 0:
            silent = int(inactive)
        # inactive == -1: the consumer never read a job; its idle time (since it was created) is the measure
        verdict = ("stuck" if pending else "idle") if silent >= self.stuck_after_ms else "ok"
        return ConsumerHealth(str(row["name"]), pending, silent, verdict)

    def _verdict(self, health: PipelineHealth) -> None:
        for consumer in health.consumers:
            if consumer.verdict == "stuck":
                health.reasons.append(
                    f"consumer {consumer.name!r} holds {consumer.pending} pending jobs and has been silent "
                    f"for {consumer.idle_ms} ms (threshold {self.stuck_after_ms} ms)"
                )
        if health.lag is not None and health.lag > self.max_lag:
            health.reasons.append(f"lag {health.lag} is above {self.max_lag}")
        age = health.oldest_pending_age_ms
        if age is not None and age > self.max_pending_age_ms:
            health.reasons.append(f"oldest pending job is {age} ms old (threshold {self.max_pending_age_ms} ms)")
        if health.stuck_consumers:
            health.verdict = "stuck"
        elif health.reasons:
            health.verdict = "backlogged"
