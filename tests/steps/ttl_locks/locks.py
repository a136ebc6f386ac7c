"""Steps for features/ttl_locks/locks.feature: the profile-edit lock (:mod:`redisbehaviors.locks`).

The world is :class:`Editors`: each editor has its own client and lease, and the group keeps the
fencing history and the outcome of requests no editor made (a stray write, a bad lock request).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest
import redis
from pytest_bdd import given, parsers, step, then, when

from redisbehaviors.errors import InvalidInput
from redisbehaviors.locks import (
    FencedLock,
    FencedResource,
    Lease,
    LockNotHeld,
    LockTimeout,
    Renewal,
    StaleFencingToken,
    UnknownFencingToken,
)
from redisbehaviors.testing import wait_until
from tests.steps.ttl_locks.support import assert_invalid_input, assert_no_keys

DEFAULT_TTL_MS = 30_000


# ------------------------------------------------------------------------------------------------ editors


@dataclass
class Editor:
    client: redis.Redis
    lease: Lease | None = None
    error: Exception | None = None
    renewal: Renewal | None = None
    lost: threading.Event = field(default_factory=threading.Event)
    waiter: threading.Thread | None = None


@dataclass
class Editors:
    """The editors of one scenario, each with its own connection, and the lock's fencing history."""

    factory: Callable[..., redis.Redis]
    ns: str
    people: dict[str, Editor] = field(default_factory=dict)
    fences: list[int] = field(default_factory=list)
    error: Exception | None = None  # the outcome of a request no editor made

    def __getitem__(self, who: str) -> Editor:
        if who not in self.people:
            self.people[who] = Editor(self.factory())
        return self.people[who]

    def lock(self, who: str, name: str, ttl_ms: int = DEFAULT_TTL_MS, max_wait: float = 1.0) -> FencedLock:
        return FencedLock(self[who].client, name, namespace=self.ns, ttl_ms=ttl_ms, max_wait=max_wait)

    def resource(self, who: str, name: str) -> FencedResource:
        return FencedResource(self[who].client, name, namespace=self.ns)

    def close(self) -> None:
        for editor in self.people.values():
            if editor.renewal is not None:
                editor.renewal.stop()
            if editor.waiter is not None:
                editor.waiter.join(timeout=30)


@pytest.fixture
def editors(client_factory: Callable[..., redis.Redis], ns: str) -> Iterator[Editors]:
    group = Editors(client_factory, ns)
    yield group
    group.close()


@pytest.fixture
def observer(r: redis.Redis, ns: str) -> Callable[[str], FencedLock]:
    """A lock object on the scenario's own client, to look at a lock without being an editor."""
    return lambda name: FencedLock(r, name, namespace=ns)


# ------------------------------------------------------------------------------------------------ acquiring


@step(parsers.parse('editor "{who}" holds the profile lock "{name}" for {ttl:d} ms'))
def editor_holds(editors: Editors, who: str, name: str, ttl: int) -> None:
    lease = editors.lock(who, name, ttl).try_acquire()
    assert lease is not None, f"editor {who} could not take the free lock {name!r}"
    editors[who].lease = lease


@step(parsers.parse('editor "{who}" tries to take the profile lock "{name}"'))
def editor_tries(editors: Editors, who: str, name: str) -> None:
    editors[who].lease = editors.lock(who, name).try_acquire()


@when(parsers.parse('editor "{who}" waits up to {seconds:g} seconds for the profile lock "{name}"'))
def editor_waits(editors: Editors, who: str, seconds: float, name: str) -> None:
    editor = editors[who]
    try:
        # max_wait = the whole wait: only a release (or the holder's TTL) can end a BLPOP early.
        editor.lease = editors.lock(who, name, max_wait=max(seconds, 0.01)).acquire(timeout=seconds)
    except LockTimeout as exc:
        editor.error = exc


@given(parsers.parse('editor "{who}" is waiting up to {seconds:g} seconds for the profile lock "{name}"'))
def editor_is_waiting(editors: Editors, who: str, seconds: float, name: str) -> None:
    editor = editors[who]
    editor.waiter = threading.Thread(target=editor_waits, args=(editors, who, seconds, name), daemon=True)
    editor.waiter.start()


@when(parsers.parse('editors take and release the profile lock "{name}" {times:d} times'))
def take_and_release(editors: Editors, name: str, times: int) -> None:
    for turn in range(times):
        with editors.lock(f"editor-{turn}", name).acquire(timeout=5) as lease:
            editors.fences.append(lease.fence)


@when(parsers.parse('editor "{who}" edits the profile "{name}" inside the lock, setting "{field}" to "{value}"'))
def edit_inside_lock(editors: Editors, who: str, name: str, field: str, value: str) -> None:
    with editors.lock(who, name).acquire(timeout=5) as lease:
        editors.resource(who, name).write(lease.fence, {field: value})


# ------------------------------------------------------------------------------------------------ the holder


@step(parsers.parse('editor "{who}" releases its lease'))
def editor_releases(editors: Editors, who: str) -> None:
    editor = editors[who]
    assert editor.lease is not None, f"editor {who} has no lease"
    try:
        editor.lease.release()
    except LockNotHeld as exc:
        editor.error = exc


@when(parsers.parse('editor "{who}" extends its lease to {ttl:d} ms'))
def editor_extends(editors: Editors, who: str, ttl: int) -> None:
    editor = editors[who]
    assert editor.lease is not None, f"editor {who} has no lease"
    try:
        editor.lease.extend(ttl)
    except LockNotHeld as exc:
        editor.error = exc


@given(parsers.parse('editor "{who}" crashes without releasing its lease'))
def editor_crashes(editors: Editors, who: str) -> None:
    editors[who].client.close()


@given(parsers.parse('editor "{who}" pauses until its lease has expired'))
def editor_pauses(editors: Editors, observer: Callable[[str], FencedLock], who: str) -> None:
    lease = editors[who].lease
    assert lease is not None, f"editor {who} has no lease"
    lock = observer(lease.lock.name)
    wait_until(lambda: not lock.is_locked(), timeout=10, what="the paused editor's lease to expire")


@step(parsers.parse('editor "{who}" writes "{field}" as "{value}" to the profile "{name}" with its fencing token'))
def editor_writes(editors: Editors, who: str, field: str, value: str, name: str) -> None:
    editor = editors[who]
    assert editor.lease is not None, f"editor {who} has no lease"
    try:
        editors.resource(who, name).write(editor.lease.fence, {field: value})
    except StaleFencingToken as exc:
        editor.error = exc


@step(parsers.parse('editor "{who}" keeps its lease alive every {every:d} ms, at most {times:d} times'))
def editor_keeps_alive(editors: Editors, who: str, every: int, times: int) -> None:
    editor = editors[who]
    assert editor.lease is not None, f"editor {who} has no lease"
    editor.renewal = editor.lease.keep_alive(
        every_ms=every, max_renewals=times, on_lost=lambda _lease: editor.lost.set()
    )


@when(parsers.parse('an administrator deletes the profile lock "{name}"'))
def admin_deletes(r: redis.Redis, observer: Callable[[str], FencedLock], name: str) -> None:
    assert r.delete(observer(name).keys.lock) == 1


@when(parsers.parse('a write with fencing token {fence:d} reaches the profile "{name}"'))
def write_with_token(editors: Editors, fence: int, name: str) -> None:
    try:
        editors.resource("writer", name).write(fence, {"name": "Mallory"})
    except UnknownFencingToken as exc:
        editors.error = exc


@when(parsers.parse('a profile lock named "{name}" is requested'))
def request_lock_named(editors: Editors, name: str) -> None:
    try:
        editors.lock("requester", name).try_acquire()
    except InvalidInput as exc:
        editors.error = exc


@when(parsers.parse('a profile lock "{name}" with a TTL of {ttl:d} ms is requested'))
def request_lock_ttl(editors: Editors, name: str, ttl: int) -> None:
    try:
        editors.lock("requester", name, ttl).try_acquire()
    except InvalidInput as exc:
        editors.error = exc


# ------------------------------------------------------------------------------------------------ checking


def _holds(editors: Editors, observer: Callable[[str], FencedLock], who: str, name: str, fence: int) -> None:
    lease = editors[who].lease
    assert lease is not None, f"editor {who} has no lease (error: {editors[who].error!r})"
    assert lease.fence == fence, f"editor {who} has fencing token {lease.fence}, expected {fence}"
    lock = observer(name)
    holder = lock.client.get(lock.keys.lock)
    assert holder == lease.token, f"the lock holds {holder!r}, not editor {who}'s token"


@then(parsers.parse('editor "{who}" holds the profile lock "{name}" with fencing token {fence:d}'))
def editor_holds_with(editors: Editors, observer: Callable[[str], FencedLock], who: str, name: str, fence: int) -> None:
    _holds(editors, observer, who, name, fence)


@then(
    parsers.parse(
        'within {seconds:d} seconds editor "{who}" holds the profile lock "{name}" with fencing token {fence:d}'
    )
)
def editor_eventually_holds(
    editors: Editors, observer: Callable[[str], FencedLock], seconds: int, who: str, name: str, fence: int
) -> None:
    waiter = editors[who].waiter
    assert waiter is not None, f"editor {who} is not waiting"
    waiter.join(timeout=seconds)
    assert not waiter.is_alive(), f"editor {who} was still waiting after {seconds} s"
    _holds(editors, observer, who, name, fence)


@then(parsers.parse('editor "{who}" gets no lease'))
def editor_gets_nothing(editors: Editors, who: str) -> None:
    assert editors[who].lease is None, f"editor {who} got {editors[who].lease!r}"


@then(parsers.parse("the fencing tokens handed out were {tokens}"))
def fences_were(editors: Editors, tokens: str) -> None:
    assert editors.fences == [int(t) for t in tokens.split(",")]


@then(parsers.parse('the profile lock "{name}" is free'))
def lock_is_free(observer: Callable[[str], FencedLock], name: str) -> None:
    assert not observer(name).is_locked()


@then(parsers.parse('within {seconds:d} seconds the profile lock "{name}" is free'))
def lock_becomes_free(observer: Callable[[str], FencedLock], seconds: int, name: str) -> None:
    lock = observer(name)
    wait_until(lambda: not lock.is_locked(), timeout=seconds, what=f"lock {name!r} to be free")


@then(parsers.parse('the profile lock "{name}" has at most {ms:d} ms left'))
def lock_ttl_at_most(observer: Callable[[str], FencedLock], name: str, ms: int) -> None:
    lock = observer(name)
    left = lock.client.pttl(lock.keys.lock)
    assert 0 < left <= ms, f"the lock has {left} ms left, expected 1..{ms}"


@then(parsers.parse('editor "{who}" is told the lock stayed taken'))
def told_timeout(editors: Editors, who: str) -> None:
    assert isinstance(editors[who].error, LockTimeout), f"got {editors[who].error!r}"
    assert editors[who].lease is None


@then(parsers.parse('editor "{who}" is told it no longer holds the lock'))
def told_not_held(editors: Editors, who: str) -> None:
    assert isinstance(editors[who].error, LockNotHeld), f"got {editors[who].error!r}"


@then(parsers.parse('editor "{who}" is told its fencing token {token:d} is older than {highest:d}'))
def told_stale(editors: Editors, who: str, token: int, highest: int) -> None:
    error = editors[who].error
    assert isinstance(error, StaleFencingToken), f"got {error!r}"
    assert (error.token, error.highest) == (token, highest)


@then(parsers.parse("the write is refused because token {fence:d} was never issued"))
def told_unknown(editors: Editors, fence: int) -> None:
    error = editors.error
    assert isinstance(error, UnknownFencingToken), f"got {error!r}"
    assert f"fencing token {fence} was never issued" in str(error)


@then(parsers.parse('the profile "{name}" has "{field}" set to "{value}"'))
def profile_has(editors: Editors, name: str, field: str, value: str) -> None:
    assert editors.resource("reader", name).read().get(field) == value


@then(parsers.parse('the profile "{name}" has no fields'))
def profile_empty(editors: Editors, name: str) -> None:
    assert editors.resource("reader", name).read() == {}


@then(parsers.parse('within {seconds:d} seconds editor "{who}" has renewed its lease {times:d} times'))
def renewed(editors: Editors, seconds: int, who: str, times: int) -> None:
    renewal = editors[who].renewal
    assert renewal is not None, f"editor {who} does not keep its lease alive"
    wait_until(lambda: renewal.renewals >= times, timeout=seconds, what=f"{times} renewals")
    assert not renewal.lost.is_set()


@then(parsers.parse('within {seconds:d} seconds editor "{who}" is told its lease was lost'))
def told_lost(editors: Editors, seconds: int, who: str) -> None:
    editor = editors[who]
    assert editor.lost.wait(timeout=seconds), f"editor {who} was not told within {seconds} s"
    assert editor.renewal is not None and editor.renewal.lost.is_set()


@then(parsers.parse('it is refused as invalid input mentioning "{text}"'))
def refused_invalid(editors: Editors, text: str) -> None:
    assert_invalid_input(editors.error, text)


@then("no lock key was written")
def nothing_written(r: redis.Redis, ns: str) -> None:
    assert_no_keys(r, ns)
