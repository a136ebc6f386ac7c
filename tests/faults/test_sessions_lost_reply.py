"""Exactly once under retries, for the session store: every row of the table in docs/ttl_locks/sessions.md.

Each operation runs over a retrying client (redis-py's ``Retry``): once with the reply to its script
lost after the server ran it (``lossy_proxy``: the command runs, the reply is dropped, the
connection closed, the client sends it again), and many times under a ``CLIENT KILL`` storm.  The
checker compares the end state with what the acknowledged calls of a fault-free run would leave
(sessions and index entries, none doubled, none orphaned).  Figures are printed (``pytest -s``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

import pytest
import redis

from redisbehaviors.idempotency import new_operation_id
from redisbehaviors.sessions import SessionNotFound, SessionStore
from redisbehaviors.testing.faults import ReplyDroppingProxy
from tests.faults.support import lose_next

T = TypeVar("T")
STORM_CALLS = 1_000
USERS = 300  # revoke_all: two sessions each


@pytest.fixture
def store(lossy_client: redis.Redis, ns: str) -> SessionStore:
    """The store over the lossy proxy."""
    return SessionStore(lossy_client, namespace=ns, idle_timeout_ms=600_000)


def session_keys(r: redis.Redis, ns: str) -> list[str]:
    return sorted(r.scan_iter(match=f"{ns}:*:session:*"))


# ------------------------------------------------------------------------------------------ reply lost


def test_a_lost_create_reply_makes_one_session_not_two(
    lossy_proxy: ReplyDroppingProxy, store: SessionStore, r: redis.Redis, ns: str
) -> None:
    lose_next(lossy_proxy, r, store._scripts["create"])
    token = store.create("alice", {"cart": "0"})
    print(f"create, reply lost: {lossy_proxy.lost} lost, {len(session_keys(r, ns))} session(s) for alice")
    assert lossy_proxy.lost == 1
    assert session_keys(r, ns) == [store.keys.session(token)]
    assert store.sessions_of("alice") == [token]


def test_a_lost_rotate_reply_still_gives_the_new_token_and_leaves_no_orphan(
    lossy_proxy: ReplyDroppingProxy, store: SessionStore, r: redis.Redis, ns: str
) -> None:
    old = store.create("alice", {"cart": "3"})
    lose_next(lossy_proxy, r, store._scripts["rotate"])
    new = store.rotate(old)
    assert lossy_proxy.lost == 1
    assert new != old and store.get(old) is None
    session = store.get(new)
    assert session is not None and session.data == {"cart": "3"}
    assert session_keys(r, ns) == [store.keys.session(new)]
    assert store.sessions_of("alice") == [new]


def test_a_lost_revoke_reply_still_says_the_session_was_live(
    lossy_proxy: ReplyDroppingProxy, store: SessionStore, r: redis.Redis, ns: str
) -> None:
    token = store.create("alice")
    lose_next(lossy_proxy, r, store._scripts["revoke"])
    assert store.revoke(token) is True
    assert lossy_proxy.lost == 1
    assert session_keys(r, ns) == [] and store.sessions_of("alice") == []
    assert store.revoke(token) is False  # a second call of its own finds nothing


def test_a_lost_revoke_all_reply_still_counts_the_sessions_revoked(
    lossy_proxy: ReplyDroppingProxy, store: SessionStore, r: redis.Redis, ns: str
) -> None:
    store.create("alice")
    store.create("alice")
    lose_next(lossy_proxy, r, store._scripts["revoke_all"])
    assert store.revoke_all("alice") == 2
    assert lossy_proxy.lost == 1
    assert session_keys(r, ns) == []


def test_a_lost_set_reply_sets_the_fields_once_and_counts_what_the_retry_added(
    lossy_proxy: ReplyDroppingProxy, store: SessionStore, r: redis.Redis
) -> None:
    token = store.create("alice", {"cart": "3"})
    lose_next(lossy_proxy, r, store._scripts["write"])
    # HSET of the same values is idempotent by nature; the count is the retry's own: the first run
    # added "theme", so the retry adds nothing (docs/ttl_locks/sessions.md, exactly once)
    assert store.set(token, {"cart": "4", "theme": "dark"}) == 0
    assert lossy_proxy.lost == 1
    session = store.get(token)
    assert session is not None and session.data == {"cart": "4", "theme": "dark"}


def test_a_lost_delete_fields_reply_deletes_once(
    lossy_proxy: ReplyDroppingProxy, store: SessionStore, r: redis.Redis
) -> None:
    token = store.create("alice", {"cart": "3", "theme": "dark"})
    lose_next(lossy_proxy, r, store._scripts["write"])
    assert store.delete_fields(token, ["theme"]) == 0  # the retry's own count, as for set
    assert lossy_proxy.lost == 1
    session = store.get(token)
    assert session is not None and session.data == {"cart": "3"}


def test_lost_read_replies_change_nothing_but_the_idle_expiry(
    lossy_proxy: ReplyDroppingProxy, store: SessionStore, r: redis.Redis
) -> None:
    token = store.create("alice", {"cart": "3"})
    lose_next(lossy_proxy, r, store._scripts["read"])
    session = store.get(token)
    assert session is not None and session.data == {"cart": "3"}
    lose_next(lossy_proxy, r, store._scripts["list"])
    assert store.sessions_of("alice") == [token]
    assert lossy_proxy.lost == 2
    assert 590_000 < r.pttl(store.keys.session(token)) <= 600_000


# ------------------------------------------------------------------------------------------ kill storm


@dataclass
class Figures:
    calls: int = 0
    wrong: int = 0  # a SessionNotFound for a live session, a False for a live revoke, a wrong count
    failed: int = 0  # a ConnectionError past the client's retries, retried by the caller with the same id

    def persist(self, call: Callable[[], T]) -> T:
        """The same call again, with the same operation id, when its outcome is unknown (see the locks' test)."""
        self.calls += 1
        while True:
            try:
                return call()
            except redis.ConnectionError:
                self.failed += 1

    def report(self, what: str, kills: int, end: str) -> None:
        print(
            f"{what} under a kill storm: {self.calls} calls, {kills} kills, {self.wrong} wrong replies, "
            f"{self.failed} retried by the caller; end state: {end}"
        )


@pytest.fixture
def storm_store(storm_client: redis.Redis, ns: str) -> SessionStore:
    return SessionStore(storm_client, namespace=ns, idle_timeout_ms=600_000)


@pytest.mark.standalone_only
def test_creates_and_revokes_under_a_kill_storm_end_as_a_fault_free_run(
    kill_storm: Any, storm_store: SessionStore, r: redis.Redis, ns: str
) -> None:
    store, creates, revokes = storm_store, Figures(), Figures()
    users = [f"user-{n % 50}" for n in range(STORM_CALLS)]
    tokens: list[str] = []
    with kill_storm(interval=0.01) as storm:
        for user in users:
            tokens.append(creates.persist(partial(store.create, user, {"n": "1"}, operation_id=new_operation_id())))
        for token in tokens[::2]:
            if not revokes.persist(partial(store.revoke, token, operation_id=new_operation_id())):
                revokes.wrong += 1
    live = sorted(tokens[1::2])
    indexed = sorted(t for user in set(users) for t in store.sessions_of(user))
    end = f"{len(session_keys(r, ns))} sessions, {len(indexed)} indexed, {len(live)} expected"
    creates.report("create", storm.kills, end)
    revokes.report("revoke", storm.kills, end)
    assert storm.kills > 0
    assert len(set(tokens)) == STORM_CALLS and revokes.wrong == 0
    assert session_keys(r, ns) == sorted(store.keys.session(t) for t in live)  # no orphan, none doubled
    assert indexed == live


@pytest.mark.standalone_only
def test_a_chain_of_rotations_under_a_kill_storm_keeps_the_user_logged_in(
    kill_storm: Any, storm_store: SessionStore, r: redis.Redis, ns: str
) -> None:
    store, figures = storm_store, Figures()
    token = store.create("alice", {"cart": "3"})
    with kill_storm(interval=0.01) as storm:
        for _ in range(STORM_CALLS):
            try:
                token = figures.persist(partial(store.rotate, token, operation_id=new_operation_id()))
            except SessionNotFound:
                figures.wrong += 1  # logged out: the chain cannot go on
                break
    end = f"{len(session_keys(r, ns))} session(s), index {len(store.sessions_of('alice'))}"
    figures.report("rotate", storm.kills, end)
    assert storm.kills > 0
    assert figures.wrong == 0 and figures.calls == STORM_CALLS
    assert session_keys(r, ns) == [store.keys.session(token)]
    assert store.sessions_of("alice") == [token]
    session = store.get(token)
    assert session is not None and session.data == {"cart": "3"}


@pytest.mark.standalone_only
def test_writes_reads_and_revoke_all_under_a_kill_storm_end_as_a_fault_free_run(
    kill_storm: Any, storm_store: SessionStore, r: redis.Redis, ns: str
) -> None:
    store, writes, reads, revoke_alls = storm_store, Figures(), Figures(), Figures()
    token = store.create("alice")
    others = [store.create(f"user-{n}") for n in range(USERS)] + [store.create(f"user-{n}") for n in range(USERS)]
    with kill_storm(interval=0.01) as storm:
        for n in range(STORM_CALLS):
            writes.persist(partial(store.set, token, {f"f{n % 100}": n}))
            if n % 10 == 9:
                writes.persist(partial(store.delete_fields, token, [f"f{n % 100}"]))
            session = reads.persist(partial(store.get, token))
            if session is None or session.data.get(f"f{n % 100}") != (None if n % 10 == 9 else str(n)):
                reads.wrong += 1
        for n in range(USERS):
            if revoke_alls.persist(partial(store.revoke_all, f"user-{n}", operation_id=new_operation_id())) != 2:
                revoke_alls.wrong += 1
    expected = {f"f{n % 100}": str(n) for n in range(STORM_CALLS - 100, STORM_CALLS) if n % 10 != 9}
    session = store.get(token)
    end = f"{len(session.data) if session else 0} fields, {len(session_keys(r, ns))} session(s)"
    for name, figures in (("set + delete_fields", writes), ("get", reads), ("revoke_all", revoke_alls)):
        figures.report(name, storm.kills, end)
    assert storm.kills > 0 and len(others) == 2 * USERS
    assert reads.wrong == 0 and revoke_alls.wrong == 0
    assert session is not None and session.data == expected
    assert session_keys(r, ns) == [store.keys.session(token)]
