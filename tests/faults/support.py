"""What the fault tests share.

The operational ones (``test_<component>_operations.py``): the errors a client meets while a failover
runs, a fault injected mid-run, memory filled up to ``maxmemory``, a server killed and restarted.
The lost-reply ones (``test_<component>_lost_reply.py``): a client retrying over the ``lossy_proxy``,
its retries counted, and calls resent with their operation id."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from redisbehaviors.idempotency import new_operation_id
from redisbehaviors.testing import RedisServer
from redisbehaviors.testing.faults import ReplyDroppingProxy
from redisbehaviors.testing.plugin import RedisTarget

T, S, R = TypeVar("T"), TypeVar("S"), TypeVar("R")

#: Errors a call may meet while a primary fails over; the workloads retry them.
TRANSIENT = (redis.ConnectionError, redis.TimeoutError, redis.exceptions.ClusterError, redis.ReadOnlyError)


def limit_memory(client: redis.Redis, headroom: int = 2 * 1024 * 1024) -> None:
    """``maxmemory`` = what the server uses now + ``headroom`` bytes."""
    client.config_set("maxmemory", int(client.info("memory")["used_memory"]) + headroom)


def fill(client: redis.Redis, until: Callable[[], bool] | None = None, limit: int = 8192) -> str:
    """Write 1 kB values until ``until()`` holds, a write is refused or ``limit`` is reached; say which."""
    for index in range(limit):
        try:
            client.set(f"filler:{index}", "x" * 1024)
        except redis.exceptions.OutOfMemoryError:
            _stay_full(client)
            return "OOM"
        if until is not None and until():
            return "condition"
    return "limit"


def evicted(client: redis.Redis, match: str = "ops*") -> Callable[[], bool]:
    """A condition for :func:`fill`: every key matching ``match`` now (the component's) is gone.

    ``allkeys-lru`` samples keys and its clock ticks once a second, so which keys a given amount of
    filling evicts is chance; filling until the component's keys are gone makes the outcome certain."""
    keys = list(client.scan_iter(match=match, count=1000))
    return lambda: not client.exists(*keys)


def _stay_full(client: redis.Redis) -> None:
    """Under ``noeviction``, pin ``maxmemory`` 256 kB below what is used now: buffers freed after the
    refused write (a client's query buffer, a script's) would otherwise let a later write in."""
    if client.config_get("maxmemory-policy")["maxmemory-policy"] == "noeviction":
        client.config_set("maxmemory", int(client.info("memory")["used_memory"]) - 256 * 1024)


def fill_up(client: redis.Redis) -> str:
    """``maxmemory`` just above what is used, then fill: until OOM under ``noeviction``, until every key of
    the component (under ``ops``) is evicted under ``allkeys-lru``; say which stopped it."""
    limit_memory(client)
    return fill(client, evicted(client), limit=50_000)


def write_after(call: Callable[[], object], accepted: str, refusals: dict[type[Exception], str] | None = None) -> str:
    """What a write made after the fault met: ``accepted``, ``refused with OOM``, or the refusal that
    ``refusals`` names for the error it raised."""
    refusals = refusals or {}
    try:
        call()
    except redis.exceptions.OutOfMemoryError:
        return "refused with OOM"
    except tuple(refusals) as exc:
        return next(text for kind, text in refusals.items() if isinstance(exc, kind))
    return accepted


class Retries:
    """Runs a workload's step again until it gets past the ``TRANSIENT`` errors; ``failed`` counts the attempts
    that failed."""

    def __init__(self) -> None:
        self.failed = 0

    def __call__(self, step: Callable[[], T]) -> T:
        while True:
            try:
                return step()
            except TRANSIENT:
                self.failed += 1


class Midway:
    """A fault injected mid-run: ``fault`` starts in another thread when the workload reaches step ``at``
    (:meth:`reached`), and is joined when the workload ends (the ``with`` block).  No fault, no thread."""

    def __init__(self, fault: Callable[[], object] | None, at: int) -> None:
        self.thread = threading.Thread(target=fault) if fault else None
        self.at = at

    def reached(self, step: int) -> None:
        if self.thread is not None and step == self.at and self.thread.ident is None:
            self.thread.start()

    def __enter__(self) -> Midway:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.thread is not None and self.thread.ident is not None:
            self.thread.join()


#: The restart cells: kill -9, then the same server again with an AOF fsynced every second, or with
#: no persistence.  Parametrize ``persistence`` over its keys.
PERSISTENCE: dict[str, dict[str, str]] = {"aof-everysec": {"appendonly": "yes", "appendfsync": "everysec"}, "none": {}}


def killed_and_restarted(
    server: RedisServer, before: Callable[[redis.Redis], S], after: Callable[[redis.Redis, S], R]
) -> R:
    """``before(client)``, a SIGKILL and a restart, then ``after(client, what before returned)``."""
    with server.client() as client:
        state = before(client)
    server.restart()  # SIGKILL, then the same options, port and directory
    with server.client() as client:
        return after(client, state)


# ------------------------------------------------------------------------------------------ lost replies

#: Errors that cut a lost-reply test's call off: the proxy closed the connection, or the storm killed it.
CUT_OFF = (redis.ConnectionError, redis.TimeoutError)
#: A storm run makes more calls, up to ``MAX_FACTOR`` times as many, until ``MIN_RETRIED`` command was cut
#: off in flight: a kill between two calls only makes redis-py reconnect.
MIN_RETRIED = 1
MAX_FACTOR = 5
C = TypeVar("C")


@dataclass(frozen=True)
class Operation(Generic[C]):
    """A row of a component's exactly-once table: how to call it, and what its calls need first."""

    name: str
    call: Callable[[C, int, str], Any]  # (component, call number, operation id) -> answer
    setup: Callable[[C, int], None] = lambda component, calls: None


class CountingRetry(Retry):
    """redis-py's retry, counting the connection errors it retried (what the storm or the proxy caused)."""

    def __init__(self, retries: int) -> None:
        super().__init__(NoBackoff(), retries)
        self.failures = 0

    def __deepcopy__(self, memo: dict[int, Any]) -> CountingRetry:
        return self  # redis-py copies the retry into every connection: share one, to count them all

    def call_with_retry(self, do: Callable[[], Any], fail: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        def counted(*failure: Any) -> Any:
            self.failures += 1
            return fail(*failure)

        return super().call_with_retry(do, counted, *args, **kwargs)


def retrying(url: str, target: RedisTarget, retries: int = 3, retry: Retry | None = None) -> redis.Redis:
    """A client of ``url`` speaking the run's protocol that retries ``retries`` times (or with ``retry``)."""
    retry = retry or Retry(NoBackoff(), retries)
    return redis.Redis.from_url(url, decode_responses=True, protocol=target.protocol, retry=retry)


def lose_next(proxy: ReplyDroppingProxy, r: redis.Redis, script: Any) -> None:
    """Load ``script`` (a lost NOSCRIPT reply would prove nothing), then lose the reply to its next run."""
    r.script_load(script.script)
    proxy.lose_reply_to(script.sha.encode())


def run_calls(
    call: Callable[[int, str], Any], calls: int, more: Callable[[], bool] = lambda: False
) -> tuple[list[Any], int]:
    """``call(call number, operation id)`` ``calls`` times (up to ``MAX_FACTOR`` times as many while
    ``more()``): the answers, and how often a call whose retries ran out was sent again with its id."""
    answers: list[Any] = []
    resent = 0
    while len(answers) < calls or (more() and len(answers) < MAX_FACTOR * calls):
        index, op = len(answers), new_operation_id()
        while True:
            try:
                answers.append(call(index, op))
                break
            except CUT_OFF:
                resent += 1
    return answers, resent
