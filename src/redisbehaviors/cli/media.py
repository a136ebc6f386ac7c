"""``redisbehaviors media …``: submit jobs, run a worker, show the monitor, list and replay dead letters.

    redisbehaviors media submit transcode --payload '{"source": "a.mov"}' --job-id a-mov
    redisbehaviors media worker --name host1-1 --handler simulate --batch 10
    redisbehaviors media monitor --json
    redisbehaviors media dead-letters list
    redisbehaviors media dead-letters replay 1732630000000-0

Every sub-command takes ``--url`` (default ``$REDIS_URL`` or ``redis://127.0.0.1:6379/0``; ``rediss://``
for TLS with ``--tls-ca-cert``, ``user:password@`` for an ACL user) and the pipeline's ``--namespace``,
``--pipeline`` and ``--group``.  When Redis cannot be reached or refuses the login, one line says so
on stderr (the password masked) and the exit status is 3.  The worker retries a command twice after a
connection error (its steps are idempotent); the other sub-commands send each command once.

The server's version (which decides whether ``XACKDEL`` is used) is read from ``HELLO``, which
every authenticated user may send, so the ACL user needs no ``INFO`` (a ``@dangerous`` command).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import sys
from dataclasses import asdict
from typing import Any

from redisbehaviors.cli.connection import add_connection_arguments, connect
from redisbehaviors.errors import RedisBehaviorsError
from redisbehaviors.media.handlers import resolve
from redisbehaviors.media.monitor import Monitor, PipelineHealth
from redisbehaviors.media.pipeline import MediaPipeline, ServerFeatures
from redisbehaviors.media.worker import GroupReset, Worker


def _common() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    add_connection_arguments(common)
    common.add_argument("--namespace", default="media", help="key namespace (default: media)")
    common.add_argument("--pipeline", default="jobs", help="pipeline name, the keys' hash tag (default: jobs)")
    common.add_argument("--group", default="workers", help="consumer group (default: workers)")
    common.add_argument("--lease-ms", type=int, default=60_000, help="idle time before a job is reclaimed")
    common.add_argument("--max-deliveries", type=int, default=5, help="handler calls before dead-lettering")
    common.add_argument("--maxlen", type=int, default=100_000, help="approximate bound on the job stream")
    common.add_argument("--delete-on-ack", action="store_true", help="delete jobs when acknowledged")
    return common


def register(subparsers: Any) -> None:
    common = _common()
    media = subparsers.add_parser(
        "media",
        help="the media job pipeline (Redis Streams)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = media.add_subparsers(dest="media_command", required=True)

    submit = commands.add_parser("submit", parents=[common], help="submit jobs")
    submit.add_argument("kind", help="kind of work, e.g. transcode, thumbnail, tag")
    submit.add_argument("--payload", default="{}", help="job payload as a JSON object")
    submit.add_argument("--job-id", default=None, help="idempotency key: a repeated submit is not enqueued twice")
    submit.add_argument("--count", type=int, default=1, help="submit this many copies (no --job-id)")
    submit.set_defaults(handler=run_submit)

    worker = commands.add_parser("worker", parents=[common], help="run a worker until SIGTERM/SIGINT")
    worker.add_argument("--name", default=None, help="consumer name; keep it stable across restarts")
    worker.add_argument(
        "--handler",
        dest="job_handler",
        default="simulate",
        help="noop, simulate or module:function (default: simulate)",
    )
    worker.add_argument("--batch", type=int, default=10, help="jobs per XREADGROUP (default 10)")
    worker.add_argument("--block-ms", type=int, default=1000, help="XREADGROUP BLOCK timeout")
    worker.add_argument("--max-jobs", type=int, default=None, help="exit after finishing this many jobs")
    worker.set_defaults(handler=run_worker)

    monitor = commands.add_parser("monitor", parents=[common], help="lag, pending, consumers and verdicts")
    monitor.add_argument("--json", action="store_true", help="print JSON")
    monitor.add_argument("--stuck-after-ms", type=int, default=None, help="default: the lease")
    monitor.add_argument("--max-lag", type=int, default=1000)
    monitor.set_defaults(handler=run_monitor)

    dead = commands.add_parser("dead-letters", help="inspect and replay dead letters")
    dead_commands = dead.add_subparsers(dest="dead_command", required=True)
    listing = dead_commands.add_parser("list", parents=[common], help="list dead letters, oldest first")
    listing.add_argument("--count", type=int, default=100)
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.set_defaults(handler=run_dead_list)
    replay = dead_commands.add_parser("replay", parents=[common], help="submit dead-lettered jobs again")
    replay.add_argument("ids", nargs="*", help="dead-letter ids")
    replay.add_argument("--all", action="store_true", help="replay every replayable dead letter")
    replay.set_defaults(handler=run_dead_replay)


def _pipeline(args: argparse.Namespace, *, worker: bool = False) -> MediaPipeline:
    # The worker runs for long: it rides out a short outage, and its socket waits longer than one BLOCK.
    client = connect(args, retries=2, socket_timeout=args.block_ms / 1000 + 10) if worker else connect(args)
    return MediaPipeline(
        client,
        namespace=args.namespace,
        pipeline=args.pipeline,
        group=args.group,
        lease_ms=args.lease_ms,
        max_deliveries=args.max_deliveries,
        maxlen=args.maxlen,
        delete_on_ack=args.delete_on_ack,
        features=ServerFeatures.detect(client),  # from HELLO: no INFO needed
    )


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 2


def run_submit(args: argparse.Namespace) -> int:
    try:
        payload = json.loads(args.payload)
    except json.JSONDecodeError as exc:
        return _fail(f"--payload is not JSON: {exc}")
    if args.count < 1 or (args.job_id and args.count != 1):
        return _fail("--count must be at least 1, and 1 with --job-id")
    try:
        pipeline = _pipeline(args)
        for _ in range(args.count):
            done = pipeline.submit(args.kind, payload, job_id=args.job_id)
            print(f"{done.entry_id} job={done.job_id}" + (" (duplicate: already submitted)" if done.duplicate else ""))
    except RedisBehaviorsError as exc:
        return _fail(str(exc))
    return 0


def run_worker(args: argparse.Namespace) -> int:
    name = args.name or f"{socket.gethostname()}-{os.getpid()}"
    try:
        handler = resolve(args.job_handler)
        pipeline = _pipeline(args, worker=True)
        worker = Worker(pipeline, name, handler, batch_size=args.batch, block_ms=args.block_ms, on_reset=_print_reset)
    except RedisBehaviorsError as exc:
        return _fail(str(exc))
    previous = {signum: signal.signal(signum, lambda *_: worker.stop()) for signum in (signal.SIGTERM, signal.SIGINT)}
    print(f"worker {name} on {args.namespace}:{{{args.pipeline}}} group {args.group}", flush=True)
    try:
        stats = worker.run(max_jobs=args.max_jobs)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    print(f"worker {name} stopped: {json.dumps(asdict(stats))}", flush=True)
    return 0


def _print_reset(reset: GroupReset) -> None:
    print(
        f"worker {reset.consumer}: consumer group {reset.group} was missing (the server lost its data?): "
        "created again; the jobs it held are lost",
        flush=True,
    )


def _print_health(health: PipelineHealth) -> None:
    lag = "unknown" if health.lag is None else f"{health.lag}{'' if health.lag_exact else '+'}"
    print(f"group {health.group}: {health.verdict.upper()}")
    print(
        f"  stream length {health.stream_length}, lag {lag}, pending {health.pending}, "
        f"dead letters {health.dead_letters}"
    )
    if health.oldest_pending_id:
        print(f"  oldest pending {health.oldest_pending_id} ({health.oldest_pending_age_ms} ms old)")
    for consumer in health.consumers:
        print(f"  consumer {consumer.name}: pending {consumer.pending}, idle {consumer.idle_ms} ms, {consumer.verdict}")
    for reason in health.reasons:
        print(f"  ! {reason}")


def run_monitor(args: argparse.Namespace) -> int:
    try:
        monitor = Monitor(_pipeline(args), stuck_after_ms=args.stuck_after_ms, max_lag=args.max_lag)
        health = monitor.check()
    except RedisBehaviorsError as exc:
        return _fail(str(exc))
    if args.json:
        print(json.dumps(asdict(health), indent=1))
    else:
        _print_health(health)
    return 0 if health.verdict == "ok" else 1


def run_dead_list(args: argparse.Namespace) -> int:
    try:
        letters = _pipeline(args).dead_letters(count=args.count)
    except RedisBehaviorsError as exc:
        return _fail(str(exc))
    if args.json:
        print(json.dumps([asdict(letter) for letter in letters], indent=1))
        return 0
    for letter in letters:
        print(
            f"{letter.dead_id} job={letter.job_id} kind={letter.kind} original={letter.original_id} "
            f"deliveries={letter.deliveries} reason={letter.reason!r}"
        )
    print(f"{len(letters)} dead letter(s)")
    return 0


def run_dead_replay(args: argparse.Namespace) -> int:
    if bool(args.ids) == bool(args.all):
        return _fail("give dead-letter ids or --all (not both)")
    try:
        pipeline = _pipeline(args)
        ids = args.ids or [letter.dead_id for letter in pipeline.dead_letters(count=1000) if letter.replayable]
        for dead_id in ids:
            print(f"{dead_id} -> {pipeline.replay(dead_id)}")
    except RedisBehaviorsError as exc:
        return _fail(str(exc))
    return 0
