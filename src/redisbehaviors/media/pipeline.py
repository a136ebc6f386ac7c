"""A media-processing job pipeline on one Redis stream and one consumer group.

Producers :meth:`MediaPipeline.submit` jobs (``XADD`` with ``MAXLEN ~`` or ``MINID ~`` trimming
and an optional idempotency key).  Workers (:mod:`redisbehaviors.media.worker`) read them with
``XREADGROUP … >`` and finish each batch with :meth:`MediaPipeline.apply`, which records the
job's effect, its outcome marker and the ``XACK`` in one script: delivery is at least once,
the effect is applied once.  Jobs whose worker died are taken over with :meth:`reclaim`
(``XAUTOCLAIM``); a job that fails or keeps coming back is moved to a dead-letter stream after
``max_deliveries``.

Everything here is one round trip per call and validated before anything is sent.

Exactly once under retries: a client that sends a command again after a lost reply (redis-py's
``Retry`` does) must not double an effect.  Every submit records its entry under the job id, and
every other step that writes (apply, fail, release, replay, a retire step, recording deleted
entries) records its reply under a per-call operation id (:mod:`redisbehaviors.idempotency`), so
the retry returns the first call's reply.  Reads that deliver (``XREADGROUP``, ``XAUTOCLAIM``) stay
at least once: a delivery whose reply was lost stays pending and is reclaimed after the lease.
See ``docs/streams/media.md``, "Exactly once under retries".
"""

from __future__ import annotations

import enum
import json
import json.encoder
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from itertools import islice
from typing import Any, NamedTuple

import redis

from redisbehaviors.errors import InvalidInput
from redisbehaviors.evalsha import run_command
from redisbehaviors.idempotency import OPERATION_TTL_MS, new_operation_id, validate_operation_ttl
from redisbehaviors.media.errors import NotReplayable, UnknownDeadLetter
from redisbehaviors.media.keys import MediaKeys
from redisbehaviors.scripts import load_script
from redisbehaviors.serverinfo import parse_version
from redisbehaviors.validation import (
    shown,
    stream_id_key,
    validate_client,
    validate_count,
    validate_id,
    validate_stream_id,
    validate_ttl_ms,
)

MAX_BATCH = 1000
MAX_PAYLOAD_BYTES = 256 * 1024
MAX_REASON_CHARS = 1000
DAY_MS = 24 * 3600 * 1000
#: The stream bound when neither ``maxlen`` nor ``retention_ms`` is given.
DEFAULT_MAXLEN = 100_000
#: Redis 8.2 brought XACKDEL and XADD … ACKED.
XACKDEL_SINCE = (8, 2, 0)
#: Reason recorded for entries that vanished from the stream while pending (trimmed or ``XDEL``).
DELETED_REASON = "deleted from the stream before it was acknowledged"


@dataclass(frozen=True)
class ServerFeatures:
    """What the server offers beyond 7.0; detected once, overridable (tests force the 7.0 path)."""

    xackdel: bool = False  # XACKDEL, 8.2: acknowledge and delete in one command
    trim_acked: bool = False  # XADD … ACKED, 8.2: trimming keeps entries a group has not acknowledged

    @classmethod
    def detect(cls, client: redis.Redis | redis.RedisCluster) -> ServerFeatures:
        """From the version ``HELLO`` reports: every user may send it (no grant), unlike ``INFO``, which
        is ``@dangerous``.  ``INFO server`` only when ``HELLO`` is refused (servers before 6.0)."""
        newer = parse_version(server_version(client)) >= XACKDEL_SINCE
        return cls(xackdel=newer, trim_acked=newer)


def server_version(client: redis.Redis | redis.RedisCluster) -> str:
    """The server's version text, from ``HELLO`` (a map under RESP3, a flat name/value list under RESP2)."""
    cluster = isinstance(client, redis.RedisCluster)
    try:
        if cluster:  # HELLO has no key: ask one node (a cluster runs one version)
            reply = client.execute_command("HELLO", target_nodes=client.get_random_node())
        else:
            reply = client.execute_command("HELLO")
    except redis.ResponseError:
        info = client.info("server")
        if "redis_version" not in info:  # RedisCluster: one dict per node
            info = next(iter(info.values()))
        return str(info["redis_version"])
    if isinstance(reply, list):
        reply = dict(zip(reply[::2], reply[1::2], strict=True))
    return str(reply["version"])


@dataclass(frozen=True)
class Job:
    """One delivered job.  ``deliveries`` is the group's delivery count when it was read."""

    entry_id: str
    job_id: str
    kind: str
    payload_json: str
    deliveries: int

    @cached_property
    def payload(self) -> dict[str, Any]:
        """The payload, decoded on first use (a handler that does not look at it pays nothing)."""
        return _decode_payload(self.payload_json) or {}

    @property
    def submitted_ms(self) -> int:
        """Submit time: the millisecond part of the entry id (the server's clock at XADD)."""
        return stream_id_key(self.entry_id)[0]


class Submitted(NamedTuple):
    """One submitted job.  A named tuple: ``submit_many`` builds one per job (0.2 µs against a frozen
    dataclass's 0.45, measured)."""

    entry_id: str
    job_id: str
    duplicate: bool


@dataclass(frozen=True)
class DeadLetter:
    dead_id: str
    reason: str
    original_id: str
    deliveries: int | None
    job_id: str | None
    kind: str | None
    payload: dict[str, Any] | None
    consumer: str | None

    @property
    def replayable(self) -> bool:
        return self.job_id is not None and self.kind is not None and self.payload is not None


@dataclass(frozen=True)
class FailOutcome:
    """What :meth:`MediaPipeline.fail` did: retry, dead, applied, gone, lost or kept."""

    outcome: str
    deliveries: int
    dead_id: str | None = None


@dataclass
class ReclaimPass:
    """One ``XAUTOCLAIM`` call: the jobs now owned by the caller, and what could not be handed out."""

    cursor: str
    jobs: list[Job] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)  # ids the server dropped from the PEL (7.0+)
    dead_lettered: list[str] = field(default_factory=list)  # claimed past max_deliveries

    @property
    def done(self) -> bool:
        """The scan wrapped: ``0-0`` means the whole PEL was visited."""
        return self.cursor == "0-0"


@dataclass(frozen=True)
class RetireResult:
    moved: int
    deleted: int


def stream_entries(reply: Any) -> list[tuple[str, dict[str, str]]]:
    """The entries of a one-stream XREAD/XREADGROUP reply, whatever the protocol.

    RESP2 gives ``[[stream, entries]]``, RESP3 ``{stream: [entries]}``; nothing new is ``[]``/``{}``.
    """
    if not reply:
        return []
    if isinstance(reply, dict):
        (value,) = reply.values()
        return list(value[0]) if value and isinstance(value[0], list) else list(value)
    return list(reply[0][1])


#: ``json.dumps(…, separators=(",", ":"), sort_keys=True, allow_nan=False)``, built once.
_new = tuple.__new__
_JSON = json.JSONEncoder(separators=(",", ":"), sort_keys=True, allow_nan=False)
#: CPython's C encoder with ``_JSON``'s settings, made once: ``JSONEncoder.encode`` makes a new one on every
#: call (``iterencode`` in ``json/encoder.py``), about 40% of encoding a small payload (1.7 against 2.9 µs).
#: Same text as ``_JSON.encode`` (tests/unit/test_media_payload.py); without circular-reference
#: markers, a payload that contains itself ends in RecursionError, refused like any other.  None where
#: the interpreter has no C encoder (PyPy), and then ``_JSON.encode`` does the work.
_C_ENCODE = (
    json.encoder.c_make_encoder(
        None, _JSON.default, json.encoder.encode_basestring_ascii, None, ":", ",", True, False, False
    )
    if json.encoder.c_make_encoder is not None
    else None
)


def _json_text(value: dict[str, Any]) -> str:
    return "".join(_C_ENCODE(value, 0)) if _C_ENCODE is not None else _JSON.encode(value)


def _encode_payload(payload: Mapping[str, Any] | None, what: str = "payload") -> str:
    if payload is None:
        return "{}"
    if type(payload) is not dict:
        if not isinstance(payload, Mapping):
            raise InvalidInput(f"{what} must be a mapping, got {type(payload).__name__}")
        payload = dict(payload)
    try:
        # ensure_ascii: the text is ASCII whatever the strings hold (lone surrogates included);
        # a 5000-digit int raises ValueError here, before anything reaches the wire
        text = _json_text(payload)
    except (TypeError, ValueError, RecursionError) as exc:
        raise InvalidInput(f"{what} must be JSON-serialisable: {shown(exc, 200)}") from exc
    if len(text) > MAX_PAYLOAD_BYTES:
        raise InvalidInput(f"{what} is larger than {MAX_PAYLOAD_BYTES} bytes once encoded")
    return text


def _encode_result(result: Mapping[str, Any] | None) -> str:
    return "" if result is None else _encode_payload(result, "a handler's result")


def _job_arg(job: object) -> Job:
    """A :class:`Job` whose ids can reach a key and a stream command (it may have been built by hand)."""
    if not isinstance(job, Job):
        raise InvalidInput(f"expected a Job, got {type(job).__name__}")
    validate_stream_id(job.entry_id, "job entry id")
    validate_id(job.job_id, "job id")
    return job


def _entry_ids(entry_ids: object, what: str = "entry ids") -> list[str]:
    if isinstance(entry_ids, str | bytes) or not isinstance(entry_ids, Iterable):
        raise InvalidInput(f"{what} must be a sequence of stream ids, got {type(entry_ids).__name__}")
    ids = list(entry_ids)
    if len(ids) > MAX_BATCH:
        raise InvalidInput(f"at most {MAX_BATCH} {what} per call, got {len(ids)}")
    return [validate_stream_id(i) for i in ids]


class _Unset(enum.Enum):
    UNSET = "unset"


def _decode_payload(text: str | None) -> dict[str, Any] | None:
    if text is None:
        return None
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        return {"raw": text}
    return value if isinstance(value, dict) else {"value": value}


class MediaPipeline:
    """The stream, group, trimming and dead-letter policy of one pipeline, and its atomic steps.

    ``client`` must use ``decode_responses=True``.  Keys live under ``namespace`` and the
    pipeline's hash tag (:mod:`redisbehaviors.media.keys`).

    * ``maxlen`` / ``retention_ms``: bound the job stream by count (``MAXLEN ~``) or by age
      (``MINID ~`` from the server clock); at most one of them (``maxlen=None``: no bound).  Without
      either, ``maxlen`` is ``DEFAULT_MAXLEN``.  On 8.2+ trimming adds ``ACKED``
      so that it never drops a job the group has not acknowledged; on 7.0 it may, so size the
      bound well above the largest backlog (trimmed pending jobs end up as dead letters).
    * ``lease_ms``: how long a job may stay pending before another worker may reclaim it; it
      must exceed the handler's deadline (or the handler must extend its lease).
    * ``max_deliveries``: the handler is called at most this many times per job.
    * ``delete_on_ack``: delete entries when they are acknowledged (``XACKDEL`` on 8.2+, else
      ``XACK`` + ``XDEL`` in the same script), so the stream holds only unfinished jobs.
    * ``operation_ttl_ms``: how long a step's reply is kept for a retry of the same call (and a
      submit without a job id is recognised); ``idempotency_ttl_ms`` is that window for job ids
      a producer gives.
    * ``features``: what the server offers (:class:`ServerFeatures`), detected from ``HELLO`` when
      not given.
    """

    def __init__(
        self,
        client: redis.Redis | redis.RedisCluster,
        *,
        namespace: str = "media",
        pipeline: str = "jobs",
        group: str = "workers",
        maxlen: int | _Unset | None = _Unset.UNSET,
        retention_ms: int | None = None,
        lease_ms: int = 60_000,
        max_deliveries: int = 5,
        delete_on_ack: bool = False,
        mark_ttl_ms: int = 7 * DAY_MS,
        idempotency_ttl_ms: int = DAY_MS,
        operation_ttl_ms: int = OPERATION_TTL_MS,
        results_maxlen: int = 100_000,
        dead_letter_maxlen: int = 100_000,
        features: ServerFeatures | None = None,
    ) -> None:
        self.client = validate_client(client)  # type: ignore[assignment]
        self.keys = MediaKeys(namespace, pipeline)
        self.group = validate_id(group, "group")
        if maxlen is _Unset.UNSET:
            maxlen = DEFAULT_MAXLEN if retention_ms is None else None
        if maxlen is not None and retention_ms is not None:
            raise InvalidInput("give maxlen or retention_ms, not both")
        self.maxlen = None if maxlen is None else validate_count(maxlen, "maxlen", minimum=1)
        self.retention_ms = None if retention_ms is None else validate_ttl_ms(retention_ms, "retention_ms")
        # XAUTOCLAIM's min idle time and XCLAIM's IDLE are ms counts the server adds to its clock
        self.lease_ms = validate_ttl_ms(lease_ms, "lease_ms")
        self.max_deliveries = validate_count(max_deliveries, "max_deliveries", minimum=1, maximum=1000)
        if not isinstance(delete_on_ack, bool):
            raise InvalidInput(f"delete_on_ack must be True or False, got {shown(delete_on_ack)}")
        self.delete_on_ack = delete_on_ack
        self.mark_ttl_ms = validate_ttl_ms(mark_ttl_ms, "mark_ttl_ms")
        self.idempotency_ttl_ms = validate_ttl_ms(idempotency_ttl_ms, "idempotency_ttl_ms")
        self.operation_ttl_ms = validate_operation_ttl(operation_ttl_ms)
        self.results_maxlen = validate_count(results_maxlen, "results_maxlen", minimum=1)
        self.dead_letter_maxlen = validate_count(dead_letter_maxlen, "dead_letter_maxlen", minimum=1)
        if features is not None and not isinstance(features, ServerFeatures):
            raise InvalidInput(f"features must be a ServerFeatures, got {type(features).__name__}")
        self.features = features if features is not None else ServerFeatures.detect(self.client)
        self._submit = load_script(client, __package__, "submit")
        self._apply = load_script(client, __package__, "apply")
        self._deadletter = load_script(client, __package__, "deadletter")
        self._extend = load_script(client, __package__, "extend")
        self._release = load_script(client, __package__, "release")
        self._retire = load_script(client, __package__, "retire")
        self._replay = load_script(client, __package__, "replay")
        self._clock = load_script(client, __package__, "clock")
        self._deleted = load_script(client, __package__, "deleted")

    def _command(self, *command: Any, **options: Any) -> Any:
        """A plain command on the short path (:func:`redisbehaviors.evalsha.run_command`), with the
        reply redis-py's method would return: a connection the server killed is taken again under
        the client's ``Retry``, where redis-py's own pool would raise."""
        return run_command(self.client, command, **options)

    @property
    def ack_mode(self) -> str:
        if not self.delete_on_ack:
            return "xack"
        return "xackdel" if self.features.xackdel else "xack+xdel"

    # ------------------------------------------------------------------------------------ group

    def ensure_group(self) -> bool:
        """Create the group at ``0`` (with ``MKSTREAM``); True when it was created.

        ``0`` rather than ``$``: jobs submitted before the first worker started are delivered too.
        """
        try:
            self.client.xgroup_create(self.keys.jobs, self.group, id="0", mkstream=True)
        except redis.ResponseError as exc:
            if str(exc).startswith("BUSYGROUP"):
                return False
            raise
        return True

    # ------------------------------------------------------------------------------------ producer

    def _trim_args(self) -> list[str | int]:
        if self.maxlen is not None:
            mode, value = "maxlen", self.maxlen
        elif self.retention_ms is not None:
            mode, value = "minid", self.retention_ms
        else:
            mode, value = "none", 0
        return [mode, value, "1" if self.features.trim_acked else "0"]

    def _submit_call(self, jobs: Sequence[object]) -> tuple[list[str], list[str | int], list[str]]:
        """The keys and arguments of one ``submit.lua`` call for ``jobs``, ``(kind, payload, job_id)``
        triples, every one validated first; and the job ids.

        The call's record (kept ``operation_ttl_ms``, long enough for any retry) answers a retry of the
        call; a job given a job id also leaves a marker for ``idempotency_ttl_ms``.  A job without one
        gets a fresh random id, which no other call can submit, so it needs no marker.
        """
        if len(jobs) > MAX_BATCH:
            raise InvalidInput(f"at most {MAX_BATCH} jobs per call")
        keys = [self.keys.jobs, self.keys.op(new_operation_id())]
        # the marks (ARGV[6]) are filled in once every job is read: one character per job
        args: list[str | int] = [*self._trim_args(), self.idempotency_ttl_ms, self.operation_ttl_ms, ""]
        marker, chosen, kinds, marks = self.keys.submitted(""), [], set(), []
        fresh = os.urandom(16 * len(jobs)).hex()  # 128 random bits per job (used by those without an id), one draw
        for index, job in enumerate(jobs):
            if (type(job) is not tuple and not isinstance(job, tuple | list)) or len(job) != 3:
                raise InvalidInput(f"job {index} must be a (kind, payload, job_id) triple, got {shown(job)}")
            kind, payload, job_id = job
            if type(kind) is not str or kind not in kinds:  # a batch usually repeats a few kinds
                kinds.add(validate_id(kind, "kind", max_length=64))
            body = _encode_payload(payload)
            if job_id is None:
                job_id = fresh[32 * index : 32 * index + 32]
                marks.append("0")
            else:
                keys.append(marker + validate_id(job_id, "job id"))
                marks.append("1")
            args += (job_id, kind, body)
            chosen.append(job_id)
        args[5] = "".join(marks)
        return keys, args, chosen

    @staticmethod
    def _submitted(chosen: list[str], reply: list[Any]) -> list[Submitted]:
        flat = iter(reply)
        return [  # tuple.__new__ is Submitted._make without its Python-level length check
            _new(Submitted, (entry_id, job_id, duplicate == 1))
            for job_id, entry_id, duplicate in zip(chosen, flat, flat, strict=True)
        ]

    def submit(self, kind: str, payload: Mapping[str, Any] | None = None, *, job_id: str | None = None) -> Submitted:
        """Add a job; with ``job_id`` the submit is idempotent for ``idempotency_ttl_ms``.

        ``duplicate`` is True when another call submitted this job id first (a retry of this very call,
        after a lost reply, is not a duplicate: it returns the entry it added).
        """
        keys, args, chosen = self._submit_call([(kind, payload, job_id)])
        return self._submitted(chosen, self._submit(keys=keys, args=args))[0]

    def submit_many(self, jobs: Iterable[tuple[str, Mapping[str, Any] | None, str | None]]) -> list[Submitted]:
        """Submit ``(kind, payload, job_id-or-None)`` triples in one round trip, all or none (one script).

        Every job is validated before anything is sent: one bad job and none is submitted.  A job id
        given twice in one batch is added once; the second is reported as a duplicate.
        """
        if isinstance(jobs, str | bytes | Mapping) or not isinstance(jobs, Iterable):
            raise InvalidInput(f"jobs must be a sequence of (kind, payload, job_id) triples, got {type(jobs).__name__}")
        batch = list(islice(jobs, MAX_BATCH + 1))
        if not batch:
            return []
        # Sent again whole after a lost reply or NOSCRIPT: the call carries one operation id.
        keys, args, chosen = self._submit_call(batch)
        return self._submitted(chosen, self._submit(keys=keys, args=args))

    # ------------------------------------------------------------------------------------ reading

    def _job(self, entry_id: str, fields: Mapping[str, str] | None, deliveries: int) -> Job | None:
        """A job from an entry, or None when the entry was deleted (its body is nil/empty)."""
        if not fields or "job" not in fields:
            return None
        return Job(entry_id, fields["job"], fields.get("kind", ""), fields.get("payload", "{}"), deliveries)

    def read_new(self, consumer: str, *, count: int = 10, block_ms: int | None = None) -> list[Job]:
        """``XREADGROUP … >``: jobs never delivered to anyone; each now has delivery count 1."""
        validate_id(consumer, "consumer")
        validate_count(count, "count", minimum=1, maximum=MAX_BATCH)
        if block_ms is not None:
            validate_ttl_ms(block_ms, "block_ms", minimum=0)  # BLOCK: the server adds it to its clock
        block = () if block_ms is None else ("BLOCK", block_ms)
        reply = self._command(
            "XREADGROUP", "GROUP", self.group, consumer, "COUNT", count, *block, "STREAMS", self.keys.jobs, ">"
        )
        jobs = [self._job(entry_id, fields, 1) for entry_id, fields in stream_entries(reply)]
        return [job for job in jobs if job is not None]

    def read_own_pending(self, consumer: str, *, after: str = "0", count: int = 10) -> tuple[list[Job], list[str], str]:
        """History read (``XREADGROUP … <id>``): this consumer's pending entries with ids above ``after``.

        Returns ``(jobs, deleted_ids, last_id)``; ``last_id`` is ``after`` when nothing was left.
        Every history read counts one more delivery (the counts in the jobs include it).
        Deleted entries come back with a nil body; they are dead-lettered and acknowledged here.
        """
        validate_id(consumer, "consumer")
        validate_count(count, "count", minimum=1, maximum=MAX_BATCH)
        if after != "0":
            validate_stream_id(after, "after")
        reply = self._command(
            "XREADGROUP", "GROUP", self.group, consumer, "COUNT", count, "STREAMS", self.keys.jobs, after
        )
        entries = stream_entries(reply)
        if not entries:
            return [], [], after
        counts = self._delivery_counts(consumer, [entry_id for entry_id, _ in entries])
        jobs: list[Job] = []
        deleted: list[str] = []
        for entry_id, fields in entries:
            job = self._job(entry_id, fields, counts.get(entry_id, 1))
            if job is None:
                deleted.append(entry_id)
            else:
                jobs.append(job)
        self._record_deleted(deleted, consumer, counts)
        return jobs, deleted, entries[-1][0]

    def _delivery_counts(self, consumer: str, entry_ids: Sequence[str]) -> dict[str, int]:
        """Delivery counts of a consumer's pending entries in the range spanning ``entry_ids``."""
        if not entry_ids:
            return {}
        first, last = min(entry_ids, key=stream_id_key), max(entry_ids, key=stream_id_key)
        rows = self._command(
            "XPENDING", self.keys.jobs, self.group, first, last, MAX_BATCH * 10, consumer, parse_detail=True
        )
        return {row["message_id"]: int(row["times_delivered"]) for row in rows}

    def _record_deleted(self, entry_ids: Sequence[str], consumer: str, counts: Mapping[str, int]) -> None:
        """Dead-letter entries that vanished while pending, and acknowledge them, in one script
        (a retried ``MULTI``/``EXEC`` whose reply was lost would add each dead letter twice)."""
        if not entry_ids:
            return
        pairs = [part for entry_id in entry_ids for part in (entry_id, counts.get(entry_id, ""))]
        self._deleted(
            keys=[self.keys.jobs, self.keys.dead, self.keys.op(new_operation_id())],
            args=[self.group, consumer, self.dead_letter_maxlen, self.operation_ttl_ms, DELETED_REASON, *pairs],
        )

    # ------------------------------------------------------------------------------------ finishing

    def apply(self, results: Sequence[tuple[Job, Mapping[str, Any] | None]]) -> list[str]:
        """Record the effect of handled jobs and acknowledge them, atomically and idempotently.

        ``results`` pairs each job with its handler's result (a JSON-able mapping, or None for a
        job without output).  Returns one status per job: ``applied``, ``duplicate`` (its effect
        was applied by an earlier delivery) or ``dead`` (it was dead-lettered meanwhile).
        """
        if isinstance(results, str | bytes | Mapping) or not isinstance(results, Sequence):
            raise InvalidInput(f"results must be a sequence of (job, result) pairs, got {type(results).__name__}")
        if not results:
            return []
        if len(results) > MAX_BATCH:
            raise InvalidInput(f"at most {MAX_BATCH} jobs per call, got {len(results)}")
        keys = [self.keys.jobs, self.keys.results, self.keys.op(new_operation_id())]
        args: list[str | int] = [
            self.group,
            self.ack_mode,
            self.mark_ttl_ms,
            self.results_maxlen,
            self.operation_ttl_ms,
        ]
        for pair in results:
            if not isinstance(pair, tuple | list) or len(pair) != 2:
                raise InvalidInput(f"each result must be a (job, result) pair, got {shown(pair)}")
            job, result = _job_arg(pair[0]), pair[1]
            keys.append(self.keys.mark(job.job_id))
            args += [job.entry_id, job.job_id, _encode_result(result)]
        return list(self._apply(keys=keys, args=args))

    def fail(self, job: Job, consumer: str, reason: str) -> FailOutcome:
        """The handler failed: retry the job (next reclaim) or, at ``max_deliveries``, dead-letter it."""
        return self._dead_letter(job, consumer, reason, threshold=self.max_deliveries, retry=True)

    def _dead_letter(self, job: Job, consumer: str, reason: str, *, threshold: int, retry: bool) -> FailOutcome:
        validate_id(consumer, "consumer")
        _job_arg(job)
        if not isinstance(reason, str) or not reason:
            raise InvalidInput("a dead-letter reason must be a non-empty string")
        reason = reason[:MAX_REASON_CHARS]
        try:
            reason.encode()
        except UnicodeEncodeError as exc:
            raise InvalidInput(f"a dead-letter reason must be valid Unicode text: {exc.reason}") from exc
        outcome, deliveries, dead_id = self._deadletter(
            keys=[self.keys.jobs, self.keys.dead, self.keys.mark(job.job_id), self.keys.op(new_operation_id())],
            args=[
                self.group,
                consumer,
                job.entry_id,
                job.job_id,
                reason,
                threshold,
                self.lease_ms if retry else "",
                self.ack_mode,
                self.mark_ttl_ms,
                self.dead_letter_maxlen,
                self.operation_ttl_ms,
            ],
        )
        return FailOutcome(outcome, int(deliveries), dead_id or None)

    def extend_lease(self, consumer: str, entry_ids: Sequence[str]) -> list[str]:
        """Reset the idle time of entries still pending with ``consumer``; returns those it still holds.

        ``XCLAIM <self> 0 <id> JUSTID`` does not count a delivery (without ``JUSTID`` it would).
        """
        validate_id(consumer, "consumer")
        ids = _entry_ids(entry_ids)
        if not ids:
            return []
        # idempotent by nature: a retry resets the idle time again and reports the same ids
        return list(self._extend(keys=[self.keys.jobs], args=[self.group, consumer, *ids]))

    def release(self, consumer: str, entry_ids: Sequence[str]) -> int:
        """Give back jobs read but not handled: the next reclaim takes them; the delivery is not counted."""
        validate_id(consumer, "consumer")
        ids = _entry_ids(entry_ids)
        if not ids:
            return 0
        return int(
            self._release(
                keys=[self.keys.jobs, self.keys.op(new_operation_id())],
                args=[self.group, consumer, self.lease_ms, self.operation_ttl_ms, *ids],
            )
        )

    # ------------------------------------------------------------------------------------ reclaim

    def reclaim(
        self, consumer: str, *, cursor: str = "0-0", count: int = 100, min_idle_ms: int | None = None
    ) -> ReclaimPass:
        """One ``XAUTOCLAIM`` step from ``cursor``: take jobs idle longer than the lease.

        Follow ``ReclaimPass.cursor`` until ``done`` to visit the whole PEL.  Each claim counts a
        delivery; a job claimed past ``max_deliveries`` (its workers kept dying or overrunning
        their lease) is dead-lettered instead of returned.  Entries deleted from the stream are
        in the reply's third element (7.0+): the server already dropped them from the PEL, and
        they are recorded as dead letters so that their loss is visible.
        """
        validate_id(consumer, "consumer")
        if cursor != "0-0":
            validate_stream_id(cursor, "cursor")
        validate_count(count, "count", minimum=1, maximum=MAX_BATCH)
        idle = self.lease_ms if min_idle_ms is None else validate_ttl_ms(min_idle_ms, "min_idle_ms", minimum=0)
        reply = self._command("XAUTOCLAIM", self.keys.jobs, self.group, consumer, idle, cursor, "COUNT", count)
        next_cursor, entries = reply[0], reply[1]
        deleted = list(reply[2]) if len(reply) > 2 else []
        result = ReclaimPass(next_cursor, deleted=deleted)
        counts = self._delivery_counts(consumer, [entry_id for entry_id, _ in entries])
        nil_bodies: list[str] = []
        for entry_id, fields in entries:
            job = self._job(entry_id, fields, counts.get(entry_id, 1))
            if job is None:
                nil_bodies.append(entry_id)  # before 7.0 deleted entries came back with a nil body
            elif job.deliveries > self.max_deliveries:
                reason = (
                    f"delivered {job.deliveries} times without being acknowledged "
                    f"(max_deliveries={self.max_deliveries}): its workers crashed or overran the lease"
                )
                outcome = self._dead_letter(job, consumer, reason, threshold=job.deliveries, retry=False)
                if outcome.outcome == "dead":
                    result.dead_lettered.append(entry_id)
            else:
                result.jobs.append(job)
        self._record_deleted([*deleted, *nil_bodies], consumer, counts)
        result.deleted += nil_bodies
        return result

    # ------------------------------------------------------------------------------------ consumers

    def retire_consumer(self, consumer: str, heir: str, *, batch: int = 100) -> RetireResult:
        """Hand every pending entry of ``consumer`` to ``heir``, then ``XGROUP DELCONSUMER`` it.

        DELCONSUMER alone would drop the entries from the PEL: nobody would ever retry them.
        """
        validate_id(consumer, "consumer")
        validate_id(heir, "heir")
        if consumer == heir:
            raise InvalidInput(f"a consumer cannot be retired into itself: {consumer!r}")
        validate_count(batch, "batch", minimum=1, maximum=MAX_BATCH)
        moved = deleted = 0
        while True:
            step_moved, step_deleted, finished = self._retire(
                keys=[self.keys.jobs, self.keys.dead, self.keys.op(new_operation_id())],
                args=[self.group, consumer, heir, batch, self.dead_letter_maxlen, self.operation_ttl_ms],
            )
            moved, deleted = moved + int(step_moved), deleted + int(step_deleted)
            if int(finished):
                return RetireResult(moved, deleted)

    # ------------------------------------------------------------------------------------ dead letters

    def dead_letters(self, *, count: int = 100, after: str | None = None) -> list[DeadLetter]:
        """Dead letters, oldest first (``XRANGE``), starting after ``after`` (exclusive)."""
        validate_count(count, "count", minimum=1, maximum=MAX_BATCH)
        start = "-" if after is None else "(" + validate_stream_id(after, "after")
        return [
            self._dead(entry_id, fields)
            for entry_id, fields in self._command("XRANGE", self.keys.dead, start, "+", "COUNT", count)
        ]

    def dead_letter(self, dead_id: str) -> DeadLetter:
        """One dead letter by its id; :class:`UnknownDeadLetter` when there is none."""
        rows = self._command("XRANGE", self.keys.dead, validate_stream_id(dead_id, "dead-letter id"), dead_id)
        if not rows:
            raise UnknownDeadLetter(f"no dead letter {dead_id!r}")
        return self._dead(*rows[0])

    @staticmethod
    def _dead(dead_id: str, fields: Mapping[str, str]) -> DeadLetter:
        deliveries = fields.get("deliveries")
        return DeadLetter(
            dead_id=dead_id,
            reason=fields.get("reason", ""),
            original_id=fields.get("original-id", ""),
            deliveries=int(deliveries) if deliveries is not None else None,
            job_id=fields.get("job"),
            kind=fields.get("kind"),
            payload=_decode_payload(fields.get("payload")),
            consumer=fields.get("consumer"),
        )

    def replay(self, dead_id: str) -> str:
        """Submit a dead letter's job again (as a new entry) and remove the dead letter; the new id."""
        letter = self.dead_letter(dead_id)
        if not letter.replayable:
            raise NotReplayable(f"dead letter {dead_id!r} has no job body to replay ({letter.reason})")
        assert letter.job_id is not None
        validate_id(letter.job_id, "the dead letter's job id")
        new_id = self._replay(
            keys=[self.keys.dead, self.keys.jobs, self.keys.mark(letter.job_id), self.keys.op(new_operation_id())],
            args=[dead_id, letter.job_id, self.operation_ttl_ms],
        )
        if not new_id:
            raise UnknownDeadLetter(f"dead letter {dead_id!r} was replayed or removed meanwhile")
        return str(new_id)

    def dead_letter_count(self) -> int:
        return int(self._command("XLEN", self.keys.dead))

    # ------------------------------------------------------------------------------------ outcomes

    def outcome(self, job_id: str) -> str | None:
        """``applied``, ``dead`` or None (not finished, or finished longer than ``mark_ttl_ms`` ago)."""
        return self._command("GET", self.keys.mark(validate_id(job_id, "job id")))

    def server_time_ms(self) -> int:
        """The clock of the server (the node, on a cluster) that holds this pipeline's keys."""
        return int(self._clock(keys=[self.keys.jobs]))


def entry_age_ms(entry_id: str, now_ms: int) -> int:
    """Milliseconds since the entry was added, by its id (never negative)."""
    return max(now_ms - stream_id_key(entry_id)[0], 0)


__all__ = [
    "DELETED_REASON",
    "DeadLetter",
    "FailOutcome",
    "Job",
    "MediaPipeline",
    "ReclaimPass",
    "RetireResult",
    "ServerFeatures",
    "Submitted",
    "entry_age_ms",
    "stream_entries",
]
