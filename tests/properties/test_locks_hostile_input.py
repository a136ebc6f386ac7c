"""Hostile input to every public entry point of the lock (sync and asyncio): refused, nothing written.

For each constructor and method that takes an argument, Hypothesis draws a value that must be
refused (huge integers such as 10**5000 that crash hiredis's command packing, 2**63, inf, nan,
1e308, empty, long, unicode, control-character, brace and colon strings, wrong types, bools,
clients of the wrong kind or with ``decode_responses=False``) for one parameter, the others being
valid.  The call must raise :class:`InvalidInput` and leave the namespace byte for byte as it was
(a DUMP of every key before and after): never a partial write, a crash, or another error.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import redis
import redis.asyncio
from hypothesis import given
from hypothesis import strategies as st

from redisbehaviors.errors import InvalidInput
from redisbehaviors.locks import AsyncFencedLock, AsyncFencedResource, FencedLock, FencedResource, Lease
from redisbehaviors.locks.aio import AsyncLease
from redisbehaviors.locks.fenced import MAX_FENCE
from redisbehaviors.locks.lock import MAX_TTL_MS
from redisbehaviors.testing.plugin import RedisTarget
from tests.properties.support import HUGE, NOT_SCALARS, STRANGE_FLOATS, one_of_these

# ------------------------------------------------------------------------------------------ hostile values


def hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


WRONG_TYPES = st.one_of(
    *NOT_SCALARS,
    st.sampled_from(STRANGE_FLOATS),
    st.floats(allow_nan=True, allow_infinity=True),
    st.builds(object),
)
#: Characters a key part may not contain (hash tag braces, the separator, whitespace, controls, non-ASCII).
FORBIDDEN = [
    "{",
    "}",
    ":",
    " ",
    "\t",
    "\n",
    "\r",
    "\x00",
    "\x7f",
    "é",
    "\u0661",
    "\u200b",
    "*",
    "?",
    "[",
    "/",
    "\ud800",
]
ID_CHARS = st.sampled_from("abcXYZ019_.@+-")


def ints_outside(low: int, high: int) -> st.SearchStrategy[int]:
    """Integers below ``low`` or above ``high``, the huge ones included."""
    return st.one_of(
        one_of_these([v for v in HUGE if not low <= v <= high]),
        st.integers(max_value=low - 1),
        st.integers(min_value=high + 1, max_value=high + 2**70),
    )


def not_an_int_within(low: int, high: int) -> st.SearchStrategy[Any]:
    return st.one_of(ints_outside(low, high), WRONG_TYPES, st.text(max_size=5))


def bad_identifiers(max_length: int = 128) -> st.SearchStrategy[Any]:
    """Strings no identifier may be (empty, too long, a forbidden character anywhere), and non-strings."""
    with_forbidden = st.builds(
        lambda a, bad, b: a + bad + b, st.text(ID_CHARS, max_size=8), st.sampled_from(FORBIDDEN), st.text(max_size=8)
    )
    too_long = st.integers(min_value=max_length + 1, max_value=max_length + 2000).map(lambda n: "a" * n)
    return st.one_of(st.just(""), with_forbidden, too_long, st.text(min_size=1).filter(_not_an_id), WRONG_TYPES)


def _not_an_id(text: str) -> bool:
    return any(ch not in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.@+-" for ch in text)


def bad_namespaces() -> st.SearchStrategy[Any]:
    """Namespaces are identifiers joined by single colons (``app:v2``), at most 64 characters."""
    with_forbidden = st.builds(
        lambda a, bad, b: a + bad + b,
        st.text(ID_CHARS, max_size=8),
        st.sampled_from([c for c in FORBIDDEN if c != ":"] + ["@", "+"]),
        st.text(max_size=8),
    )
    colons = st.sampled_from([":", "a:", ":a", "a::b", "a:{b}"])
    return st.one_of(st.just(""), colons, with_forbidden, st.just("a" * 65), WRONG_TYPES)


def given_(values: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """For an optional parameter, where ``None`` means "the default" and is valid."""
    return values.filter(lambda value: value is not None)


def bad_seconds() -> st.SearchStrategy[Any]:
    return st.one_of(
        one_of_these([-1, -0.001, float("inf"), float("-inf"), float("nan"), *HUGE]),
        st.floats(max_value=-1e-9),
        st.booleans(),
        st.none(),
        st.text(max_size=4),
        st.lists(st.integers(), max_size=1),
    )


def bad_field_values() -> st.SearchStrategy[Any]:
    return st.one_of(
        one_of_these([*HUGE[:5], float("inf"), float("-inf"), float("nan"), True, False, None, b"x", "\ud800"]),
        st.just("x" * (64 * 1024 + 1)),
        st.lists(st.text(max_size=2), max_size=2),
    )


def bad_fields() -> st.SearchStrategy[Any]:
    """A mapping of fields to write that must be refused, or not a mapping at all."""
    return st.one_of(
        st.just({}),
        st.builds(lambda name: {name: "v"}, bad_identifiers(64).filter(hashable)),
        st.builds(lambda value: {"a": value}, bad_field_values()),
        st.just({f"f{n}": n for n in range(1001)}),
        st.sampled_from(["a=1", ["a", 1], [("a", 1)], 0, None, b"a"]),
    )


# ------------------------------------------------------------------------------------------ the world


def snapshot(r: redis.Redis, ns: str) -> dict[str, bytes | None]:
    """Every key of the namespace with its serialized value (DUMP): equal snapshots, equal data."""
    return {name: r.dump(name) for name in sorted(r.scan_iter(match=f"{ns}:*", count=1000))}


@dataclass
class World:
    target: RedisTarget
    r: redis.Redis
    ns: str
    lock: FencedLock
    lease: Lease
    profile: FencedResource
    bytes_client: redis.Redis

    def async_client(self) -> redis.asyncio.Redis:
        return redis.asyncio.Redis.from_url(self.target.url, decode_responses=True, protocol=self.target.protocol)


@pytest.fixture
def world(redis_target: RedisTarget, r: redis.Redis, ns: str, client_factory: Any) -> World:
    lock = FencedLock(r, "profile-42", namespace=ns, ttl_ms=600_000)
    lease = lock.try_acquire()
    assert lease is not None
    profile = FencedResource(r, "profile-42", namespace=ns, log_length=10)
    profile.write(lease.fence, {"name": "Alice"})
    return World(redis_target, r, ns, lock, lease, profile, client_factory(decode_responses=False))


def refused_and_nothing_written(world: World, action: Callable[[], Any]) -> None:
    before = snapshot(world.r, world.ns)
    with pytest.raises(InvalidInput):
        action()
    assert snapshot(world.r, world.ns) == before
    assert world.lease.is_held()


def async_refused_and_nothing_written(world: World, action: Callable[[redis.asyncio.Redis, World], Any]) -> None:
    """``action(async_client, world)`` may raise at once or when awaited: both must be InvalidInput."""

    async def scenario() -> None:
        client = world.async_client()
        try:
            outcome = action(client, world)
            if inspect.isawaitable(outcome):
                await outcome
        finally:
            await client.aclose()

    refused_and_nothing_written(world, lambda: asyncio.run(scenario()))


def clients(world: World, *, async_kind: bool) -> st.SearchStrategy[Any]:
    """Clients a lock must refuse: not a client, bytes replies, or the other kind (sync / asyncio)."""
    other_kind = st.just("sync") if async_kind else st.just("async")
    return st.one_of(st.sampled_from([None, "redis://127.0.0.1:6379", 6379, "bytes"]), other_kind)


def make_client(world: World, kind: Any, client: redis.asyncio.Redis | None) -> Any:
    if kind == "bytes":
        return world.bytes_client if client is None else redis.asyncio.Redis(decode_responses=False)
    if kind == "sync":
        return world.r
    if kind == "async":
        return redis.asyncio.Redis(decode_responses=True)  # never used: refused at construction
    return kind


# ------------------------------------------------------------------------------------------ sync entry points

SHORT_IDS = st.text(ID_CHARS, min_size=1, max_size=15)  # valid identifiers, too short for an acquire's secret

Values = Callable[[World], st.SearchStrategy[Any]]
SyncCases = dict[str, tuple[Values, Callable[[World, Any], Any]]]


def construction(kind: type, **settings: Values) -> SyncCases:
    """The cases of a constructor ``kind(client, name, namespace=…, **settings)``: each argument hostile
    in turn, the others valid."""
    name = kind.__name__
    cases: SyncCases = {
        f"{name}(client)": (lambda w: clients(w, async_kind=False), lambda w, v: kind(make_client(w, v, None), "p")),
        f"{name}(name)": (lambda w: bad_identifiers(), lambda w, v: kind(w.r, v, namespace=w.ns)),
        f"{name}(namespace)": (lambda w: bad_namespaces(), lambda w, v: kind(w.r, "p", namespace=v)),
    }
    for setting, values in settings.items():
        cases[f"{name}({setting})"] = (values, lambda w, v, s=setting: kind(w.r, "p", namespace=w.ns, **{s: v}))
    return cases


SYNC_CASES: SyncCases = {
    **construction(
        FencedLock,
        ttl_ms=lambda w: not_an_int_within(1, MAX_TTL_MS),
        max_wait=lambda w: bad_seconds(),
        operation_ttl_ms=lambda w: not_an_int_within(1, 86_400_000),
    ),
    "try_acquire(ttl_ms)": (lambda w: given_(not_an_int_within(1, MAX_TTL_MS)), lambda w, v: w.lock.try_acquire(v)),
    "try_acquire(operation_id)": (
        lambda w: given_(st.one_of(bad_identifiers(), SHORT_IDS)),
        lambda w, v: w.lock.try_acquire(operation_id=v),
    ),
    "acquire(timeout)": (lambda w: bad_seconds(), lambda w, v: w.lock.acquire(timeout=v)),
    "acquire(ttl_ms)": (lambda w: given_(not_an_int_within(1, MAX_TTL_MS)), lambda w, v: w.lock.acquire(0, ttl_ms=v)),
    "acquire(operation_id)": (
        lambda w: given_(st.one_of(bad_identifiers(), SHORT_IDS)),
        lambda w, v: w.lock.acquire(0, operation_id=v),
    ),
    "Lease.release(operation_id)": (lambda w: given_(bad_identifiers()), lambda w, v: w.lease.release(operation_id=v)),
    "Lease.extend(ttl_ms)": (lambda w: given_(not_an_int_within(1, MAX_TTL_MS)), lambda w, v: w.lease.extend(v)),
    "Lease.keep_alive(every_ms)": (
        lambda w: given_(not_an_int_within(1, 600_000 - 1)),
        lambda w, v: w.lease.keep_alive(every_ms=v),
    ),
    "Lease.keep_alive(max_renewals)": (
        lambda w: not_an_int_within(1, 2**63 - 1),
        lambda w, v: w.lease.keep_alive(max_renewals=v),
    ),
    "Lease.keep_alive(on_lost)": (
        lambda w: st.one_of(st.integers(), st.text(max_size=3), st.booleans(), st.binary(max_size=2)),
        lambda w, v: w.lease.keep_alive(on_lost=v),
    ),
    **construction(
        FencedResource,
        log_length=lambda w: not_an_int_within(0, 10**6),
        operation_ttl_ms=lambda w: not_an_int_within(1, 86_400_000),
    ),
    "write(fence)": (lambda w: not_an_int_within(1, MAX_FENCE), lambda w, v: w.profile.write(v, {"a": "1"})),
    "write(fields)": (lambda w: bad_fields(), lambda w, v: w.profile.write(w.lease.fence, v)),
    "write(operation_id)": (
        lambda w: given_(bad_identifiers()),
        lambda w, v: w.profile.write(w.lease.fence, {"a": "1"}, operation_id=v),
    ),
}


@pytest.mark.parametrize("entry", sorted(SYNC_CASES))
@given(data=st.data())
def test_every_sync_entry_point_refuses_hostile_input_and_writes_nothing(world: World, entry: str, data: Any) -> None:
    values, call = SYNC_CASES[entry]
    value = data.draw(values(world), label=entry)
    refused_and_nothing_written(world, lambda: call(world, value))


# ------------------------------------------------------------------------------------------ asyncio entry points


def _alock(c: redis.asyncio.Redis, w: World, **kwargs: Any) -> AsyncFencedLock:
    return AsyncFencedLock(c, "profile-42", namespace=w.ns, ttl_ms=600_000, **kwargs)


def _alease(c: redis.asyncio.Redis, w: World) -> AsyncLease:
    """The world's lease, seen through the asyncio twin (same token, same fence): no round trip."""
    return AsyncLease(_alock(c, w), w.lease.token, w.lease.fence, w.lease.ttl_ms)


def _aresource(c: redis.asyncio.Redis, w: World) -> AsyncFencedResource:
    return AsyncFencedResource(c, "profile-42", namespace=w.ns, log_length=10)


def _keep_alive(lease: AsyncLease, **kwargs: Any) -> Any:
    async def start() -> None:
        lease.keep_alive(**kwargs)  # needs a running loop; refused before it creates the task

    return start()


ASYNC_CASES: dict[str, tuple[Values, Callable[[redis.asyncio.Redis, World, Any], Any]]] = {
    "AsyncFencedLock(client)": (
        lambda w: clients(w, async_kind=True),
        lambda c, w, v: AsyncFencedLock(make_client(w, v, c), "p"),
    ),
    "AsyncFencedLock(name)": (lambda w: bad_identifiers(), lambda c, w, v: AsyncFencedLock(c, v, namespace=w.ns)),
    "AsyncFencedLock(ttl_ms)": (
        lambda w: not_an_int_within(1, MAX_TTL_MS),
        lambda c, w, v: AsyncFencedLock(c, "p", namespace=w.ns, ttl_ms=v),
    ),
    "AsyncFencedLock(max_wait)": (
        lambda w: bad_seconds(),
        lambda c, w, v: AsyncFencedLock(c, "p", namespace=w.ns, max_wait=v),
    ),
    "AsyncFencedLock.try_acquire(ttl_ms)": (
        lambda w: given_(not_an_int_within(1, MAX_TTL_MS)),
        lambda c, w, v: _alock(c, w).try_acquire(v),
    ),
    "AsyncFencedLock.try_acquire(operation_id)": (
        lambda w: given_(st.one_of(bad_identifiers(), SHORT_IDS)),
        lambda c, w, v: _alock(c, w).try_acquire(operation_id=v),
    ),
    "AsyncFencedLock.acquire(timeout)": (lambda w: bad_seconds(), lambda c, w, v: _alock(c, w).acquire(timeout=v)),
    "AsyncFencedLock.acquire(ttl_ms)": (
        lambda w: given_(not_an_int_within(1, MAX_TTL_MS)),
        lambda c, w, v: _alock(c, w).acquire(0, ttl_ms=v),
    ),
    "AsyncLease.release(operation_id)": (
        lambda w: given_(bad_identifiers()),
        lambda c, w, v: _alease(c, w).release(operation_id=v),
    ),
    "AsyncLease.extend(ttl_ms)": (
        lambda w: given_(not_an_int_within(1, MAX_TTL_MS)),
        lambda c, w, v: _alease(c, w).extend(v),
    ),
    "AsyncLease.keep_alive(every_ms)": (
        lambda w: given_(not_an_int_within(1, 600_000 - 1)),
        lambda c, w, v: _keep_alive(_alease(c, w), every_ms=v),
    ),
    "AsyncLease.keep_alive(on_lost)": (
        lambda w: st.one_of(st.integers(), st.text(max_size=3), st.booleans()),
        lambda c, w, v: _keep_alive(_alease(c, w), on_lost=v),
    ),
    "AsyncFencedResource(client)": (
        lambda w: clients(w, async_kind=True),
        lambda c, w, v: AsyncFencedResource(make_client(w, v, c), "p"),
    ),
    "AsyncFencedResource(log_length)": (
        lambda w: not_an_int_within(0, 10**6),
        lambda c, w, v: AsyncFencedResource(c, "p", namespace=w.ns, log_length=v),
    ),
    "AsyncFencedResource.write(fence)": (
        lambda w: not_an_int_within(1, MAX_FENCE),
        lambda c, w, v: _aresource(c, w).write(v, {"a": "1"}),
    ),
    "AsyncFencedResource.write(fields)": (
        lambda w: bad_fields(),
        lambda c, w, v: _aresource(c, w).write(w.lease.fence, v),
    ),
    "AsyncFencedResource.write(operation_id)": (
        lambda w: given_(bad_identifiers()),
        lambda c, w, v: _aresource(c, w).write(w.lease.fence, {"a": "1"}, operation_id=v),
    ),
}


@pytest.mark.parametrize("entry", sorted(ASYNC_CASES))
@given(data=st.data())
def test_every_async_entry_point_refuses_hostile_input_and_writes_nothing(world: World, entry: str, data: Any) -> None:
    values, call = ASYNC_CASES[entry]
    value = data.draw(values(world), label=entry)
    async_refused_and_nothing_written(world, lambda c, w: call(c, w, value))


def test_the_crash_reproducer_is_refused_before_hiredis_packs_it(world: World) -> None:
    """``hiredis.pack_command((10**4300,))`` kills the process (redis-py 8.1, hiredis 3.5): the value
    from the issue never reaches it."""
    refused_and_nothing_written(world, lambda: world.profile.write(world.lease.fence, {"a": 10**5000}))
