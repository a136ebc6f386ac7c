"""Steps for features/ttl_locks/sessions.feature: the session store (:mod:`redisbehaviors.sessions`).

The world is :class:`SessionWorld`: the store, the tokens its sessions were given (by the label the
feature calls them) and what the last actions returned.  Times are waited on the server's clock
(the clock step is in ``expiration.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import redis
from pytest_bdd import given, parsers, step, then, when

from redisbehaviors.errors import InvalidInput
from redisbehaviors.sessions import Session, SessionNotFound, SessionStore
from redisbehaviors.sessions.keys import bucket_of
from redisbehaviors.testing import server_ms, wait_until
from tests.steps.ttl_locks.support import assert_invalid_input


@dataclass
class SlowWrite:
    """A request that read the session and holds its token; its write arrives late."""

    label: str
    field: str
    value: str


@dataclass
class SessionWorld:
    store: SessionStore
    tokens: dict[str, str] = field(default_factory=dict)  # session label -> token
    users: dict[str, str] = field(default_factory=dict)  # session label -> user
    error: Exception | None = None
    revoked: int | None = None
    slow_write: SlowWrite | None = None
    reads: list[Session] = field(default_factory=list)  # every live read of a session read until gone
    gone_at_ms: int | None = None  # server time when that session was first seen gone

    def key(self, label: str) -> str:
        return self.store.keys.session(self.tokens[label])

    def write(self, label: str, name: str, value: str) -> None:
        try:
            self.store.set(self.tokens[label], {name: value})
        except SessionNotFound as exc:
            self.error = exc


@given(
    parsers.parse("a session store with an idle timeout of {idle:d} ms and a lifetime of {lifetime:d} ms"),
    target_fixture="session_world",
)
def session_store(r: redis.Redis, ns: str, idle: int, lifetime: int) -> SessionWorld:
    return SessionWorld(SessionStore(r, namespace=ns, idle_timeout_ms=idle, absolute_lifetime_ms=lifetime))


@given(parsers.parse("the session store's idle timeout becomes {idle:d} ms"))
def store_idle_changes(session_world: SessionWorld, r: redis.Redis, ns: str, idle: int) -> None:
    lifetime = session_world.store.absolute_lifetime_ms
    session_world.store = SessionStore(r, namespace=ns, idle_timeout_ms=idle, absolute_lifetime_ms=lifetime)


SIGNS_IN = r'"(?P<user>[^"]+)" signs in as session "(?P<label>[^"]+)"'
WITH_FIELD = r'(?: with "(?P<field>[^"]+)" set to "(?P<value>[^"]*)")?'


@step(parsers.re(SIGNS_IN + WITH_FIELD))
def signs_in(session_world: SessionWorld, user: str, label: str, field: str | None, value: str | None) -> None:
    data = {field: value} if field else None
    session_world.tokens[label] = session_world.store.create(user, data)
    session_world.users[label] = user


@then(parsers.parse('"{user}" signing in again gets a different token'))
def different_token(session_world: SessionWorld, user: str) -> None:
    assert session_world.store.create(user) not in session_world.tokens.values()


@then(parsers.parse('the token of session "{label}" is its user\'s bucket, a dot and {length:d} URL-safe characters'))
def token_shape(session_world: SessionWorld, label: str, length: int) -> None:
    token = session_world.tokens[label]
    bucket, secret = token.split(".")
    assert int(bucket) == bucket_of(session_world.users[label])
    assert len(secret) == length and all(c.isalnum() or c in "-_" for c in secret), token


@step(parsers.parse('session "{label}" sets "{field}" to "{value}"'))
def session_sets(session_world: SessionWorld, label: str, field: str, value: str) -> None:
    session_world.write(label, field, value)


@given(parsers.parse('a slow request on session "{label}" is about to set "{field}" to "{value}"'))
def slow_request(session_world: SessionWorld, label: str, field: str, value: str) -> None:
    session_world.slow_write = SlowWrite(label, field, value)


@when("the slow request's write arrives")
def slow_write_arrives(session_world: SessionWorld) -> None:
    slow = session_world.slow_write
    assert slow is not None, "no slow request is under way"
    session_world.write(slow.label, slow.field, slow.value)


@step(parsers.parse('session "{label}" is read'))
def session_read(session_world: SessionWorld, label: str) -> None:
    session_world.store.get(session_world.tokens[label])  # a read is activity: it re-arms the idle expiry


@then(parsers.re(r'session "(?P<label>[^"]+)" reads (?P<pairs>"[^"]+" as "[^"]*"(?: and "[^"]+" as "[^"]*")*)'))
def session_reads(session_world: SessionWorld, label: str, pairs: str) -> None:
    parts = pairs.split('"')[1::2]
    expected = dict(zip(parts[::2], parts[1::2], strict=True))
    session = session_world.store.get(session_world.tokens[label])
    assert session is not None, f"session {label} is gone"
    assert {name: session.data.get(name) for name in expected} == expected, session.data


@step(parsers.parse('session "{label}" is rotated to "{new}"'))
def session_rotated(session_world: SessionWorld, label: str, new: str) -> None:
    session_world.tokens[new] = session_world.store.rotate(session_world.tokens[label])


@step(parsers.parse('session "{label}" is revoked'))
def session_revoked(session_world: SessionWorld, label: str) -> None:
    assert session_world.store.revoke(session_world.tokens[label]) is True


@when(parsers.parse('every session of "{user}" is revoked'))
def all_revoked(session_world: SessionWorld, user: str) -> None:
    session_world.revoked = session_world.store.revoke_all(user)


@then(parsers.parse("{count:d} sessions were revoked"))
def revoked_count(session_world: SessionWorld, count: int) -> None:
    assert session_world.revoked == count


@then(parsers.parse('session "{label}" is gone'))
def session_gone(session_world: SessionWorld, label: str) -> None:
    assert session_world.store.get(session_world.tokens[label]) is None


@then(parsers.parse('session "{label}" is live'))
def session_live(session_world: SessionWorld, label: str) -> None:
    assert session_world.store.get(session_world.tokens[label]) is not None


@step(parsers.parse('within {seconds:d} seconds session "{label}" is gone'))
def session_gone_within(session_world: SessionWorld, r: redis.Redis, seconds: int, label: str) -> None:
    """Watch the key with EXISTS: polling with the store's own read would slide the idle expiry."""
    name = session_world.key(label)
    wait_until(lambda: r.exists(name) == 0, timeout=seconds, what=f"session {label} to expire")
    assert session_world.store.get(session_world.tokens[label]) is None


@then(parsers.re(r'"(?P<user>[^"]+)" has (?P<count>\d+) live sessions?'))
def live_sessions(session_world: SessionWorld, user: str, count: str) -> None:
    assert len(session_world.store.sessions_of(user)) == int(count)


@then(parsers.parse('the index of "{user}" holds only session "{label}"'))
def index_holds(session_world: SessionWorld, r: redis.Redis, user: str, label: str) -> None:
    assert r.zrange(session_world.store.keys.user(user), 0, -1) == [session_world.tokens[label]]


@then(parsers.parse('the write to session "{label}" was refused because the session is gone'))
def write_refused(session_world: SessionWorld, label: str) -> None:
    assert isinstance(session_world.error, SessionNotFound), f"got {session_world.error!r}"


@then(parsers.parse('the session key of "{label}" does not exist'))
def session_key_missing(session_world: SessionWorld, r: redis.Redis, label: str) -> None:
    assert r.exists(session_world.key(label)) == 0


@step(parsers.parse('the session key of "{label}" expires in {low:d} to {high:d} ms'))
def session_key_pttl(session_world: SessionWorld, r: redis.Redis, label: str, low: int, high: int) -> None:
    pttl = r.pttl(session_world.key(label))
    assert low <= pttl <= high, f"PTTL is {pttl}"


@when(parsers.parse('session "{label}" is read every {every:d} ms until it is gone'))
def read_until_gone(session_world: SessionWorld, r: redis.Redis, label: str, every: int) -> None:
    token = session_world.tokens[label]

    def gone() -> bool:
        session = session_world.store.get(token)
        if session is not None:
            session_world.reads.append(session)
        return session is None

    wait_until(gone, timeout=15, interval=every / 1000, what=f"session {label} to end")
    session_world.gone_at_ms = server_ms(r, session_world.store.keys.session(token))  # its node's clock


@then(parsers.parse("it was gone no sooner than {low:d} ms and no later than {high:d} ms after sign-in"))
def gone_between(session_world: SessionWorld, low: int, high: int) -> None:
    reads = session_world.reads
    assert reads and session_world.gone_at_ms is not None, "the session was never read alive"
    lived = session_world.gone_at_ms - reads[0].created_ms
    assert low <= lived <= high, f"the session lived {lived} ms"


@then("its last reads re-armed less than the full idle timeout")
def capped_by_lifetime(session_world: SessionWorld) -> None:
    reads = session_world.reads
    assert reads, "the session was never read alive"
    assert all(s.expires_in_ms <= s.idle_timeout_ms for s in reads)
    assert reads[-1].expires_in_ms < reads[-1].idle_timeout_ms, [s.expires_in_ms for s in reads]


@when(parsers.parse('the session token "{token}" is read'))
def read_bad_token(session_world: SessionWorld, token: str) -> None:
    try:
        session_world.store.get(token)
    except InvalidInput as exc:
        session_world.error = exc


@then(parsers.parse('the session store refuses it as invalid input mentioning "{text}"'))
def store_refused_input(session_world: SessionWorld, text: str) -> None:
    assert_invalid_input(session_world.error, text)
