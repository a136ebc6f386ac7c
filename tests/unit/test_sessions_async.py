"""The asyncio twin of the session store: the same keys, scripts, answers and errors through ``redis.asyncio``."""

from __future__ import annotations

import asyncio
import inspect
import re
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import redis
import redis.asyncio

from redisbehaviors.errors import InvalidInput, RedisBehaviorsError, UnknownEntity
from redisbehaviors.sessions import AsyncSessionStore, Session, SessionNotFound, SessionStore, bucket_of
from redisbehaviors.sessions.store import _SessionCore
from redisbehaviors.testing.plugin import RedisTarget
from tests.support import CountingAsyncConnection, assert_asyncio_twin, run_async

PUBLIC = sorted(name for name, value in vars(SessionStore).items() if not name.startswith("_") and callable(value))
#: A store whose sessions live 10 minutes at most and 1 minute idle (so a fresh read says 60 s left).
SETTINGS: dict[str, Any] = {"idle_timeout_ms": 60_000, "absolute_lifetime_ms": 600_000}


def dumps(r: redis.Redis, namespace: str) -> dict[str, bytes]:
    """Every key of the namespace, operation records included, and its ``DUMP``."""
    return {name: r.dump(name) for name in sorted(r.scan_iter(match=f"{namespace}:*", count=1000))}


def session_keys(r: redis.Redis, namespace: str) -> list[str]:
    return sorted(r.scan_iter(match=f"{namespace}:*:session:*", count=1000))


# ------------------------------------------------------------------------------------------------ the mirror


def test_every_public_method_has_an_asyncio_twin_of_the_same_name_and_signature() -> None:
    assert PUBLIC == ["create", "delete_fields", "get", "revoke", "revoke_all", "rotate", "sessions_of", "set"]
    assert_asyncio_twin(SessionStore, AsyncSessionStore, PUBLIC)


# ------------------------------------------------------------------------------------------------ every call


def test_every_call_answers_through_redis_asyncio(redis_target: RedisTarget, r: redis.Redis, ns: str) -> None:
    r.script_flush()  # the first call of each script meets NOSCRIPT and loads it

    async def scenario(client: redis.asyncio.Redis) -> None:
        store = AsyncSessionStore(client, namespace=ns, **SETTINGS)
        token = await store.create("alice", {"cart": 3, "theme": "dark"})
        assert token.split(".")[0] == str(bucket_of("alice")) and len(token.split(".")[1]) == 43
        session = await store.get(token)
        assert session is not None
        assert (session.token, session.user_id, session.data) == (token, "alice", {"cart": "3", "theme": "dark"})
        assert session.deadline_ms - session.created_ms == 600_000
        assert (session.idle_timeout_ms, session.expires_in_ms) == (60_000, 60_000)
        some = await store.get(token, ["cart", "none"])
        assert some is not None and some.data == {"cart": "3", "none": None}
        assert await store.set(token, {"cart": "4", "lang": "en"}) == 1
        assert await store.delete_fields(token, ["theme", "absent"]) == 1
        r.script_flush()  # again in the middle: the next script is loaded again, not refused
        other = await store.create("alice")
        assert sorted(await store.sessions_of("alice")) == sorted([token, other])
        rotated = await store.rotate(token)
        assert rotated != token and rotated.split(".")[0] == token.split(".")[0]
        assert await store.get(token) is None
        # The sync store reads what the asyncio one wrote: the same keys.
        moved = SessionStore(r, namespace=ns).get(rotated)
        assert moved is not None and moved.data == {"cart": "4", "lang": "en"}
        assert moved.deadline_ms == session.deadline_ms
        assert await store.revoke(other) is True
        assert await store.sessions_of("alice") == [rotated]
        assert await store.revoke_all("alice") == 1
        assert await store.sessions_of("alice") == []

    run_async(redis_target, scenario)
    assert session_keys(r, ns) == []


def test_a_read_and_a_write_take_one_round_trip_each(redis_target: RedisTarget, ns: str) -> None:
    async def scenario(client: redis.asyncio.Redis) -> list[int]:
        store = AsyncSessionStore(client, namespace=ns)
        token = await store.create("alice", {"cart": "3"})
        await store.get(token)
        await store.set(token, {"cart": "3"})  # each script is loaded by now
        sends = []
        for call in (lambda: store.get(token), lambda: store.set(token, {"cart": "4"})):
            CountingAsyncConnection.sends = 0
            await call()
            sends.append(CountingAsyncConnection.sends)
        return sends

    assert run_async(redis_target, scenario, connection_class=CountingAsyncConnection) == [1, 1]


# ------------------------------------------------------------------------------------------------ parity


@dataclass(frozen=True)
class Tok:
    """The n-th token (from 1) that a flow's replies showed."""

    n: int


GIVEN_IDS = {"login-2", "rotate-1", "logout-2", "everywhere"}
FLOW: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = [
    ("create", ("alice", {"cart": "0"}), {}),
    ("create", ("alice", {"theme": "dark"}), {"operation_id": "login-2"}),
    ("create", ("alice", {"theme": "light"}), {"operation_id": "login-2"}),  # a retry: the same token
    ("create", ("bob",), {}),
    ("get", (Tok(1),), {}),
    ("get", (Tok(1), ["cart", "none"]), {}),
    ("get", (Tok(1), []), {}),
    ("set", (Tok(1), {"cart": "3", "n": 2}), {}),
    ("set", (Tok(1), {}), {}),
    ("delete_fields", (Tok(1), ["n", "absent"]), {}),
    ("delete_fields", (Tok(1), []), {}),
    ("rotate", (Tok(1),), {"operation_id": "rotate-1"}),
    ("rotate", (Tok(1),), {"operation_id": "rotate-1"}),  # a retry: the same new token
    ("rotate", (Tok(1),), {}),
    ("get", (Tok(1),), {}),
    ("set", (Tok(1), {"cart": "9"}), {}),
    ("get", (Tok(4),), {}),
    ("revoke", (Tok(2),), {"operation_id": "logout-2"}),
    ("revoke", (Tok(2),), {"operation_id": "logout-2"}),  # a retry: True again
    ("revoke", (Tok(2),), {}),
    ("delete_fields", (Tok(2), ["theme"]), {}),
    ("sessions_of", ("alice",), {}),
    ("create", ("alice",), {}),
    ("revoke_all", ("alice",), {"operation_id": "everywhere"}),
    ("revoke_all", ("alice",), {"operation_id": "everywhere"}),  # a retry: the first count
    ("revoke_all", ("alice",), {}),
    ("sessions_of", ("alice",), {}),
    ("sessions_of", ("bob",), {}),
    ("get", ("not-a-token",), {}),
    ("create", ("a:b",), {}),
    ("revoke", (Tok(3),), {"operation_id": "a b"}),
]


class Labels:
    """Tokens are random: each run names them ``<t1>``, ``<t2>``… in the order its replies showed them."""

    TOKEN = re.compile(r"\d{1,4}\.[A-Za-z0-9_-]{43}")

    def __init__(self) -> None:
        self.tokens: list[str] = []

    def _name(self, match: re.Match[str]) -> str:
        if match[0] not in self.tokens:
            self.tokens.append(match[0])
        return f"<t{self.tokens.index(match[0]) + 1}>"

    def text(self, text: str) -> str:
        text = self.TOKEN.sub(self._name, text)
        for index, token in enumerate(self.tokens):  # errors show a token's first 12 characters
            text = text.replace(f"{token[:12]}…", f"<t{index + 1}>…")
        return text

    def args(self, args: tuple[Any, ...]) -> tuple[Any, ...]:
        return tuple(self.tokens[arg.n - 1] if isinstance(arg, Tok) else arg for arg in args)

    def reply(self, reply: Any) -> Any:
        """Tokens as labels; a session's two times as its lifetime (the runs start at other moments)."""
        if isinstance(reply, str):
            return self.text(reply)
        if isinstance(reply, list):  # sessions_of: in deadline order, and equal deadlines tie by token
            return sorted(self.text(token) for token in reply)
        if isinstance(reply, Session):
            lifetime = reply.deadline_ms - reply.created_ms
            return (
                self.text(reply.token),
                reply.user_id,
                reply.data,
                lifetime,
                reply.idle_timeout_ms,
                reply.expires_in_ms,
            )
        return reply

    def error(self, exc: RedisBehaviorsError) -> tuple[str, str]:
        return type(exc).__name__, self.text(str(exc))


def state(r: redis.Redis, namespace: str, labels: Labels) -> dict[str, tuple[str, Any, bool]]:
    """Every key of the namespace, tokens as labels: its type, its value and whether it has a TTL.
    A session's two times become its lifetime; operation records are those with a given id (the
    others' names are random)."""
    found: dict[str, tuple[str, Any, bool]] = {}
    for name in r.scan_iter(match=f"{namespace}:*", count=1000):
        if ":op:" in name and name.rpartition(":op:")[2] not in GIVEN_IDS:
            continue
        kind = r.type(name)
        value: Any
        if kind == "hash":
            value = r.hgetall(name)
            value["lifetime"] = int(value.pop("~deadline")) - int(value.pop("~created"))
        elif kind == "zset":
            value = sorted(labels.text(member) for member in r.zrange(name, 0, -1))
        else:
            value = labels.text(r.get(name))
        found[labels.text(name.removeprefix(namespace))] = (kind, value, r.pttl(name) > 0)
    return found


def test_one_flow_gives_the_same_replies_and_the_same_keys_sync_and_asyncio(
    redis_target: RedisTarget, r: redis.Redis, ns: str
) -> None:
    assert {name for name, _, _ in FLOW} == set(PUBLIC)
    sync_labels, async_labels = Labels(), Labels()
    store = SessionStore(r, namespace=f"{ns}:sync", **SETTINGS)
    sync_replies = []
    for name, args, kwargs in FLOW:
        try:
            sync_replies.append(sync_labels.reply(getattr(store, name)(*sync_labels.args(args), **kwargs)))
        except RedisBehaviorsError as exc:
            sync_replies.append(sync_labels.error(exc))

    async def scenario(client: redis.asyncio.Redis) -> list[Any]:
        twin = AsyncSessionStore(client, namespace=f"{ns}:async", **SETTINGS)
        replies = []
        for name, args, kwargs in FLOW:
            try:
                replies.append(async_labels.reply(await getattr(twin, name)(*async_labels.args(args), **kwargs)))
            except RedisBehaviorsError as exc:
                replies.append(async_labels.error(exc))
        return replies

    async_replies = run_async(redis_target, scenario)
    for step, sync_reply, async_reply in zip(FLOW, sync_replies, async_replies, strict=True):
        assert async_reply == sync_reply, step
    # The flow did what it says: answers, retries answered as first, and every kind of error.
    assert sync_replies[:4] == ["<t1>", "<t2>", "<t2>", "<t3>"]
    assert sync_replies[4] == ("<t1>", "alice", {"cart": "0"}, 600_000, 60_000, 60_000)
    assert sync_replies[7:12] == [
        1,
        ("InvalidInput", "session data must be a non-empty mapping of field name to value"),
        1,
        ("InvalidInput", "name at least one field to delete"),
        "<t4>",
    ]
    assert sync_replies[12:16] == [
        "<t4>",
        ("SessionNotFound", "session <t1>… does not exist (expired or revoked)"),
        None,
        ("SessionNotFound", "session <t1>… does not exist (expired or revoked)"),
    ]
    assert sync_replies[16] == ("<t4>", "alice", {"cart": "3"}, 600_000, 60_000, 60_000)
    assert sync_replies[17:28] == [
        True,
        True,
        False,
        ("SessionNotFound", "session <t2>… does not exist (expired or revoked)"),
        ["<t4>"],
        "<t5>",
        2,
        2,
        0,
        [],
        ["<t3>"],
    ]
    assert [reply[0] for reply in sync_replies[28:]] == ["InvalidInput"] * 3
    sync_state, async_state = state(r, f"{ns}:sync", sync_labels), state(r, f"{ns}:async", async_labels)
    bob, alice = (f":{{s{bucket_of(user)}}}:" for user in ("bob", "alice"))
    assert sync_state == {  # what is left: bob's session and index, the records of the given ids (cjson)
        f"{bob}session:<t3>": ("hash", {"~user": "bob", "~idle": "60000", "lifetime": 600_000}, True),
        f"{bob}user:bob": ("zset", ["<t3>"], True),
        f"{alice}op:login-2": ("string", '"<t2>"', True),
        f"{alice}op:rotate-1": ("string", '"<t4>"', True),
        f"{alice}op:logout-2": ("string", "1", True),
        f"{alice}op:everywhere": ("string", "2", True),
    }
    assert async_state == sync_state
    # three creates without a given id left a record each; no failed call left one
    assert sum(1 for _ in r.scan_iter(match=f"{ns}:async:*:op:*")) == len(GIVEN_IDS) + 3
    assert sum(1 for _ in r.scan_iter(match=f"{ns}:sync:*:op:*")) == len(GIVEN_IDS) + 3


# ------------------------------------------------------------------------------------------------ gone


def test_a_revoked_or_rotated_token_raises_session_not_found(
    redis_target: RedisTarget, r: redis.Redis, ns: str
) -> None:
    async def scenario(client: redis.asyncio.Redis) -> tuple[str, list[str]]:
        store = AsyncSessionStore(client, namespace=ns)
        revoked = await store.create("alice", {"cart": "1"})
        old = await store.create("alice", {"cart": "2"})
        new = await store.rotate(old)
        assert await store.revoke(revoked) is True
        for gone in (revoked, old):
            message = rf"^session {re.escape(gone[:12])}… does not exist \(expired or revoked\)$"
            assert await store.get(gone) is None
            with pytest.raises(SessionNotFound, match=message):
                await store.set(gone, {"cart": "3"})
            with pytest.raises(SessionNotFound, match=message):
                await store.delete_fields(gone, ["cart"])
            with pytest.raises(SessionNotFound, match=message):
                await store.rotate(gone)
            assert await store.revoke(gone) is False
        return new, await store.sessions_of("alice")

    new, listed = run_async(redis_target, scenario)
    assert issubclass(SessionNotFound, UnknownEntity)
    assert listed == [new]
    store = SessionStore(r, namespace=ns)
    assert session_keys(r, ns) == [store.keys.session(new)]
    session = store.get(new)
    assert session is not None and session.data == {"cart": "2"}  # the late writes revived nothing


# ------------------------------------------------------------------------------------------------ bad input


def test_a_sync_client_or_a_bytes_client_is_refused_at_construction(
    redis_target: RedisTarget, r: redis.Redis, ns: str
) -> None:
    kind = r"client must be a redis\.asyncio\.Redis or redis\.asyncio\.RedisCluster"
    with pytest.raises(InvalidInput, match=rf"^{kind} \(a synchronous client goes to SessionStore\), got Redis$"):
        AsyncSessionStore(r, namespace=ns)
    with pytest.raises(InvalidInput, match=rf"^{kind} .*, got object$"):
        AsyncSessionStore(object(), namespace=ns)

    async def scenario(client: redis.asyncio.Redis) -> None:
        with pytest.raises(InvalidInput, match=r"^client must be a redis\.Redis or redis\.RedisCluster, got Redis$"):
            SessionStore(client, namespace=ns)  # type: ignore[arg-type]
        raw = redis.asyncio.Redis.from_url(redis_target.url, protocol=redis_target.protocol)
        with pytest.raises(InvalidInput, match="decode_responses=True"):
            AsyncSessionStore(raw, namespace=ns)
        await raw.aclose()
        with pytest.raises(InvalidInput, match="namespace"):
            AsyncSessionStore(client, namespace="{web}")
        with pytest.raises(InvalidInput, match="idle_timeout_ms"):
            AsyncSessionStore(client, namespace=ns, idle_timeout_ms=10**17)
        with pytest.raises(InvalidInput, match="token_bytes"):
            AsyncSessionStore(client, namespace=ns, token_bytes=15)
        with pytest.raises(InvalidInput, match="operation_ttl_ms"):
            AsyncSessionStore(client, namespace=ns, operation_ttl_ms=0)

    run_async(redis_target, scenario)
    assert list(r.scan_iter(match=f"{ns}:*")) == []


TOKEN_LIKE = "5." + "a" * 43  # well formed; never created


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda s, t: s.create("a:b"), "user id 'a:b' may only contain"),
        (lambda s, t: s.create("alice", {"~user": "mallory"}), "session field name '~user' may only contain"),
        (lambda s, t: s.create("alice", {"ok": True}), "session field 'ok' must be a string or a number, got bool"),
        (lambda s, t: s.create("alice", {"x": float("nan")}), "session field 'x' must be a finite number, got nan"),
        (lambda s, t: s.create("alice", {"big": "x" * (64 * 1024 + 1)}), "'big' is longer than 65536 bytes"),
        (lambda s, t: s.create("alice", operation_id="a b"), "operation_id 'a b' may only contain"),
        (lambda s, t: s.get("abc"), "not a session token: 'abc…'"),
        (lambda s, t: s.get(t, []), "ask for at least one field"),
        (lambda s, t: s.get(t, "cart"), "field names must be a sequence of names, got 'cart'"),
        (lambda s, t: s.set(t, {}), "session data must be a non-empty mapping"),
        (lambda s, t: s.set(t, {"n": 10**5000}), "signed 64-bit integer, got <an integer of 16610 bits>"),
        (lambda s, t: s.set("12.short", {"a": "1"}), "not a session token: '12.short…'"),
        (lambda s, t: s.delete_fields(t, []), "name at least one field to delete"),
        (lambda s, t: s.delete_fields(t, ["~user"]), "session field name '~user' may only contain"),
        (lambda s, t: s.rotate("0417." + "A" * 43), "not a session token: '0417.AAAAAAA…'"),
        (lambda s, t: s.rotate(t, operation_id=""), "operation_id must not be empty"),
        (lambda s, t: s.revoke(12), "not a session token: 'int'"),
        (lambda s, t: s.revoke(t, operation_id="{x}"), "operation_id '{x}' may only contain"),
        (lambda s, t: s.revoke_all("{x}"), "user id '{x}' may only contain"),
        (lambda s, t: s.revoke_all("alice", operation_id="a b"), "operation_id 'a b' may only contain"),
        (lambda s, t: s.sessions_of(""), "user id must not be empty"),
    ],
)
def test_bad_input_raises_invalid_input_before_anything_is_written(
    redis_target: RedisTarget,
    r: redis.Redis,
    ns: str,
    call: Callable[[AsyncSessionStore, str], Awaitable[Any]],
    message: str,
) -> None:
    token = SessionStore(r, namespace=ns).create("alice", {"cart": "1"}, operation_id="login")
    before = dumps(r, ns)
    assert len(before) == 3  # the session, alice's index and the login's record

    async def scenario(client: redis.asyncio.Redis) -> None:
        with pytest.raises(InvalidInput, match=re.escape(message)):
            await call(AsyncSessionStore(client, namespace=ns), token)

    run_async(redis_target, scenario)
    assert dumps(r, ns) == before


# ------------------------------------------------------------------------------------------------ exactly once


def test_a_repeated_operation_id_applies_once_and_answers_as_the_first_time(
    redis_target: RedisTarget, r: redis.Redis, ns: str
) -> None:
    async def scenario(client: redis.asyncio.Redis) -> dict[str, list[Any]]:
        store = AsyncSessionStore(client, namespace=ns)
        answers: dict[str, list[Any]] = {}
        # each: the first call, then two retries with the same operation id (as after a lost reply)
        answers["create"] = [await store.create("alice", {"cart": "0"}, operation_id="login") for _ in range(3)]
        answers["after create"] = await store.sessions_of("alice")
        answers["rotate"] = [await store.rotate(answers["create"][0], operation_id="rotate") for _ in range(3)]
        answers["revoke"] = [await store.revoke(answers["rotate"][0], operation_id="logout") for _ in range(3)]
        answers["others"] = [await store.create("alice"), await store.create("alice")]
        answers["revoke_all"] = [await store.revoke_all("alice", operation_id="everywhere") for _ in range(3)]
        answers["new ids"] = [await store.revoke(answers["rotate"][0]), await store.revoke_all("alice")]
        return answers

    answers = run_async(redis_target, scenario)
    created, rotated = answers["create"], answers["rotate"]
    assert created == [created[0]] * 3 and answers["after create"] == [created[0]]
    assert rotated == [rotated[0]] * 3 and rotated[0] != created[0]
    assert answers["revoke"] == [True, True, True]
    assert answers["revoke_all"] == [2, 2, 2]
    assert answers["new ids"] == [False, 0]  # a call of its own sees that nothing is left
    assert session_keys(r, ns) == []
    assert SessionStore(r, namespace=ns).sessions_of("alice") == []


# ------------------------------------------------------------------------------------------------ concurrency


def test_50_concurrent_tasks_creating_and_reading_get_50_distinct_live_sessions(
    redis_target: RedisTarget, r: redis.Redis, ns: str
) -> None:
    async def scenario(client: redis.asyncio.Redis) -> list[tuple[str, Session | None]]:
        store = AsyncSessionStore(client, namespace=ns)

        async def login(index: int) -> tuple[str, Session | None]:
            token = await store.create(f"user-{index % 5}", {"n": index})
            return token, await store.get(token)

        return await asyncio.gather(*(login(index) for index in range(50)))

    results = run_async(redis_target, scenario)
    tokens = [token for token, _ in results]
    assert len(set(tokens)) == 50
    for index, (token, session) in enumerate(results):
        assert session is not None
        assert (session.token, session.user_id, session.data) == (token, f"user-{index % 5}", {"n": str(index)})
    store = SessionStore(r, namespace=ns)
    listed = {user: store.sessions_of(f"user-{user}") for user in range(5)}
    assert {user: len(found) for user, found in listed.items()} == {user: 10 for user in range(5)}
    assert sorted(token for found in listed.values() for token in found) == sorted(tokens)
    assert session_keys(r, ns) == sorted(store.keys.session(token) for token in tokens)


# ------------------------------------------------------------------------------------------------ the shared loop


@pytest.fixture
def drawn_secrets(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Both stores draw these secrets, in this order: a create that draws A again, then a rotate
    that draws B again, meet a token that exists."""
    secrets = iter(["A" * 43, "A" * 43, "B" * 43, "B" * 43, "C" * 43])
    monkeypatch.setattr(_SessionCore, "_new_token", lambda self, bucket: f"{bucket}.{next(secrets)}")
    yield


async def _answer(reply: Any) -> Any:
    return await reply if inspect.isawaitable(reply) else reply


@pytest.mark.parametrize("flavour", ["sync", "asyncio"])
@pytest.mark.usefixtures("drawn_secrets")
def test_a_drawn_token_that_exists_is_drawn_again_by_create_and_rotate(
    redis_target: RedisTarget, r: redis.Redis, ns: str, flavour: str
) -> None:
    bucket = bucket_of("alice")

    async def scenario(client: redis.asyncio.Redis) -> list[Any]:
        store = SessionStore(r, namespace=ns) if flavour == "sync" else AsyncSessionStore(client, namespace=ns)
        first = await _answer(store.create("alice", {"n": "1"}))
        second = await _answer(store.create("alice", {"n": "2"}))  # draws A (taken), then B
        rotated = await _answer(store.rotate(first))  # draws B (taken), then C
        return [first, second, rotated, sorted(await _answer(store.sessions_of("alice")))]

    a, b, c = (f"{bucket}.{letter * 43}" for letter in "ABC")
    assert run_async(redis_target, scenario) == [a, b, c, [b, c]]
    store = SessionStore(r, namespace=ns)
    assert session_keys(r, ns) == sorted([store.keys.session(b), store.keys.session(c)])
    assert [store.get(token).data for token in (b, c)] == [{"n": "2"}, {"n": "1"}]  # type: ignore[union-attr]


# ------------------------------------------------------------------------------------------------ cluster


def test_the_asyncio_store_works_unchanged_on_a_real_cluster(
    cluster_client: redis.RedisCluster, redis_target: RedisTarget, ns: str
) -> None:
    node = cluster_client.get_default_node()

    async def scenario() -> tuple[list[str], str, str]:
        client = redis.asyncio.RedisCluster(
            host=node.host, port=node.port, decode_responses=True, protocol=redis_target.protocol
        )
        try:
            store = AsyncSessionStore(client, namespace=ns)
            tokens = [await store.create("alice", {"n": str(index)}) for index in range(3)]
            bob = await store.create("bob")
            rotated = await store.rotate(tokens[0])
            assert await store.get(tokens[0]) is None
            moved = await store.get(rotated)
            assert moved is not None and moved.data == {"n": "0"}
            assert sorted(await store.sessions_of("alice")) == sorted([rotated, *tokens[1:]])
            return [rotated, *tokens[1:]], bob, str(await store.revoke_all("alice"))
        finally:
            await client.aclose()

    alice, bob, revoked = asyncio.run(scenario())
    assert revoked == "3"
    store = SessionStore(cluster_client, namespace=ns)
    assert [store.get(token) for token in alice] == [None, None, None]
    assert store.sessions_of("bob") == [bob]
