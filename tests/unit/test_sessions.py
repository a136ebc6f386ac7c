"""Session store behaviour that the feature file does not state: validation, meta fields, deadlines,
the index's own TTL, round trips and a real cluster."""

from __future__ import annotations

import threading
from typing import Any

import pytest
import redis

from redisbehaviors.errors import InvalidInput
from redisbehaviors.sessions import SessionKeys, SessionNotFound, SessionStore, bucket_of, validate_token
from redisbehaviors.testing import wait_until
from tests.support import CountingConnection


@pytest.fixture
def store(r: redis.Redis, ns: str) -> SessionStore:
    return SessionStore(r, namespace=ns, idle_timeout_ms=60_000, absolute_lifetime_ms=600_000)


def test_a_session_and_its_users_index_share_one_hash_tag(store: SessionStore) -> None:
    token = store.create("alice")
    tags = {name.split("{")[1].split("}")[0] for name in (store.keys.session(token), store.keys.user("alice"))}
    assert tags == {f"s{bucket_of('alice')}"}


def test_buckets_are_stable_numbers_below_1024() -> None:
    assert bucket_of("alice") == bucket_of("alice")
    assert all(0 <= bucket_of(f"user-{i}") < 1024 for i in range(200))
    assert len({bucket_of(f"user-{i}") for i in range(200)}) > 150


@pytest.mark.parametrize("token_bytes", [15, 65, True, 32.0])
def test_tokens_below_128_bits_are_refused(r: redis.Redis, token_bytes: Any) -> None:
    with pytest.raises(InvalidInput, match="token_bytes"):
        SessionStore(r, token_bytes=token_bytes)


def test_a_16_byte_token_has_22_characters_of_secret(r: redis.Redis, ns: str) -> None:
    token = SessionStore(r, namespace=ns, token_bytes=16).create("alice")
    assert len(token.split(".")[1]) == 22


@pytest.mark.parametrize(
    "token",
    ["", "abc", "1024.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "12.short", "12.AAAAAAAAAAAAAAAAAAAAAA{}", 12],
)
def test_malformed_tokens_are_invalid_input(store: SessionStore, token: Any) -> None:
    with pytest.raises(InvalidInput):
        validate_token(token)
    for action in (store.get, store.revoke, store.rotate, lambda t: store.set(t, {"a": 1})):
        with pytest.raises(InvalidInput):
            action(token)


@pytest.mark.parametrize(
    "data",
    [
        {"~user": "mallory"},
        {"ok": True},
        {"ok": float("nan")},
        {"a b": "x"},
        {"big": "x" * (64 * 1024 + 1)},
        {"ok": None},
        {},
    ],
)
def test_bad_session_data_is_refused_and_nothing_is_written(
    store: SessionStore, r: redis.Redis, ns: str, data: dict[str, Any]
) -> None:
    token = store.create("alice", {"cart": "1"})
    before = {name: r.dump(name) for name in r.scan_iter(match=f"{ns}:*")}
    with pytest.raises(InvalidInput):
        store.set(token, data)
    assert {name: r.dump(name) for name in r.scan_iter(match=f"{ns}:*")} == before


def test_bad_user_ids_are_refused_before_redis(store: SessionStore, r: redis.Redis, ns: str) -> None:
    for user in ("", "a:b", "{x}", "x" * 129, 7):
        with pytest.raises(InvalidInput):
            store.create(user)  # type: ignore[arg-type]
    assert list(r.scan_iter(match=f"{ns}:*")) == []


def test_meta_fields_never_appear_in_the_data(store: SessionStore) -> None:
    token = store.create("alice", {"cart": 3, "ratio": 0.5})
    session = store.get(token)
    assert session is not None
    assert session.data == {"cart": "3", "ratio": "0.5"}
    assert session.user_id == "alice"
    assert session.deadline_ms - session.created_ms == 600_000
    assert session.idle_timeout_ms == 60_000


def test_reading_some_fields_gives_none_for_missing_ones(store: SessionStore) -> None:
    token = store.create("alice", {"cart": "3"})
    session = store.get(token, ["cart", "theme"])
    assert session is not None and session.data == {"cart": "3", "theme": None}
    with pytest.raises(InvalidInput):
        store.get(token, [])


def test_set_and_delete_fields_count_what_changed(store: SessionStore) -> None:
    token = store.create("alice", {"cart": "3"})
    assert store.set(token, {"cart": "4", "theme": "dark"}) == 1
    assert store.delete_fields(token, ["theme", "absent"]) == 1
    with pytest.raises(InvalidInput):
        store.delete_fields(token, [])
    with pytest.raises(InvalidInput):
        store.delete_fields(token, ["~user"])
    session = store.get(token)
    assert session is not None and session.data == {"cart": "4"} and session.user_id == "alice"


def test_rotation_keeps_the_absolute_deadline(store: SessionStore) -> None:
    token = store.create("alice")
    before = store.get(token)
    rotated = store.rotate(token)
    after = store.get(rotated)
    assert before is not None and after is not None
    assert (after.created_ms, after.deadline_ms) == (before.created_ms, before.deadline_ms)
    assert rotated != token and rotated.split(".")[0] == token.split(".")[0]


def test_a_gone_session_cannot_be_rotated_changed_or_revoked_twice(store: SessionStore) -> None:
    token = store.create("alice")
    assert store.revoke(token) is True
    assert store.revoke(token) is False
    with pytest.raises(SessionNotFound):
        store.rotate(token)
    with pytest.raises(SessionNotFound):
        store.delete_fields(token, ["cart"])
    assert store.get(token) is None


def test_the_index_lives_as_long_as_its_longest_session(r: redis.Redis, ns: str) -> None:
    short = SessionStore(r, namespace=ns, idle_timeout_ms=60_000, absolute_lifetime_ms=100_000)
    long = SessionStore(r, namespace=ns, idle_timeout_ms=60_000, absolute_lifetime_ms=500_000)
    long.create("alice")
    short.create("alice")
    assert 400_000 < r.pttl(short.keys.user("alice")) <= 500_000


def test_revoke_all_of_a_user_without_sessions_is_zero(store: SessionStore) -> None:
    assert store.revoke_all("nobody") == 0
    assert store.sessions_of("nobody") == []


def test_a_session_past_its_deadline_is_gone_even_if_read_constantly(r: redis.Redis, ns: str) -> None:
    store = SessionStore(r, namespace=ns, idle_timeout_ms=10_000, absolute_lifetime_ms=300)
    token = store.create("alice")
    session = store.get(token)
    assert session is not None and session.expires_in_ms <= 300
    wait_until(lambda: store.get(token) is None, timeout=5)
    with pytest.raises(SessionNotFound):
        store.set(token, {"cart": "1"})
    assert r.exists(store.keys.session(token)) == 0


def test_a_read_and_a_write_take_one_round_trip_each(redis_target: Any, ns: str) -> None:
    client = redis.Redis.from_url(
        redis_target.url, decode_responses=True, protocol=redis_target.protocol, connection_class=CountingConnection
    )
    store = SessionStore(client, namespace=ns)
    token = store.create("alice", {"cart": "3"})
    store.get(token)
    store.set(token, {"cart": "3"})  # each script is loaded once (EVALSHA, NOSCRIPT, EVAL)
    CountingConnection.sends = 0
    store.get(token)
    store.set(token, {"cart": "4"})
    assert CountingConnection.sends == 2
    client.close()


def test_keys_refuse_a_bad_namespace() -> None:
    with pytest.raises(InvalidInput):
        SessionKeys("a{b}")


def test_the_store_works_unchanged_on_a_real_cluster(cluster_client: redis.RedisCluster) -> None:
    store = SessionStore(cluster_client, namespace="clustered")
    tokens = [store.create("alice", {"n": str(i)}) for i in range(3)]
    bob = store.create("bob")
    rotated = store.rotate(tokens[0])
    assert store.get(tokens[0]) is None
    assert store.get(rotated).data == {"n": "0"}  # type: ignore[union-attr]
    assert sorted(store.sessions_of("alice")) == sorted([rotated, *tokens[1:]])
    assert store.revoke_all("alice") == 3
    assert store.get(bob) is not None


def _threads(count: int, work: Any) -> None:
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            work(index)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors


def test_concurrent_requests_writing_different_fields_lose_nothing(redis_target: Any, r: redis.Redis, ns: str) -> None:
    token = SessionStore(r, namespace=ns).create("alice")

    def request(index: int) -> None:
        client = redis_target.client(single_connection_client=True)
        store = SessionStore(client, namespace=ns)
        for step in range(30):
            store.set(token, {f"f{index}": str(step)})
        client.close()

    _threads(8, request)
    session = SessionStore(r, namespace=ns).get(token)
    assert session is not None and session.data == {f"f{i}": "29" for i in range(8)}


def test_writes_racing_a_revoke_never_revive_the_session(redis_target: Any, r: redis.Redis, ns: str) -> None:
    main = SessionStore(r, namespace=ns)
    token = main.create("alice", {"cart": "0"})
    revoked = threading.Event()
    late_accepted: list[int] = []

    def request(index: int) -> None:
        client = redis_target.client(single_connection_client=True)
        store = SessionStore(client, namespace=ns)
        for step in range(200):
            after_revoke = revoked.is_set()  # read *before* the write is sent
            try:
                store.set(token, {"cart": f"{index}-{step}"})
            except SessionNotFound:
                continue
            if after_revoke:
                late_accepted.append(step)
        client.close()

    def revoker(index: int) -> None:
        if index == 8:
            wait_until(lambda: main.get(token, ["cart"]).data["cart"] != "0", timeout=10)  # type: ignore[union-attr]
            assert main.revoke(token) is True
            revoked.set()
        else:
            request(index)

    _threads(9, revoker)
    assert late_accepted == []
    assert r.exists(main.keys.session(token)) == 0
    assert main.sessions_of("alice") == []
