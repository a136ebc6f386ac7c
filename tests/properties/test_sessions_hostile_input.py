"""Hostile input to every public entry point of the session store: refused, nothing written.

As for the lock (``test_locks_hostile_input.py``, whose hostile values this reuses): for each
constructor and method argument Hypothesis draws a value that must be refused, the other arguments
being valid; the call must raise :class:`InvalidInput` and leave the namespace as it was (a DUMP of
every key before and after).  Among them: ``idle_timeout_ms=10**17``, which PEXPIRE refused after
the script had written the session hash (a session without TTL, missing from its user's index).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import redis
from hypothesis import given
from hypothesis import strategies as st

from redisbehaviors.errors import InvalidInput
from redisbehaviors.sessions import SessionStore
from redisbehaviors.sessions.store import MAX_LIFETIME_MS
from tests.properties.support import HUGE
from tests.properties.test_locks_hostile_input import (
    WRONG_TYPES,
    bad_field_values,
    bad_identifiers,
    bad_namespaces,
    given_,
    hashable,
    not_an_int_within,
    snapshot,
)

SECRET = "A" * 43


def bad_tokens() -> st.SearchStrategy[Any]:
    """Strings that are not a token the store makes (``<bucket>.<secret>``), and non-strings."""
    near_misses = st.sampled_from(
        [
            f"0417.{SECRET}",  # a leading zero: int() says bucket 417, the hash tag says "0417"
            f"\u0661.{SECRET}",  # an Arabic-Indic digit one: int() says 1
            f"1024.{SECRET}",  # no such bucket
            f"-1.{SECRET}",
            f"12.{'A' * 21}",  # under 128 bits
            f"12.{'A' * 87}",
            f"12.{'A' * 42}{{",
            f"12.{'A' * 42}:",
            f"12.{'A' * 42}\n",
            f"12{SECRET}",
            f".{SECRET}",
            "12.",
        ]
    )
    return st.one_of(near_misses, bad_identifiers(), WRONG_TYPES)


def bad_data(*, allow_empty: bool) -> st.SearchStrategy[Any]:
    bad = st.one_of(
        st.builds(lambda name: {name: "v"}, bad_identifiers(64).filter(hashable)),
        st.builds(lambda value: {"a": value}, bad_field_values()),
        st.just({"~user": "mallory"}),
        st.just({f"f{n}": n for n in range(1001)}),
        st.sampled_from(["a=1", ["a", 1], [("a", 1)], 0, "", b"a", 1.5]),
    )
    return bad if allow_empty else st.one_of(bad, st.just({}))


def bad_names() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.just([]),
        st.sampled_from(["cart", b"cart", 42, 1.5, True, {"cart": 1}]),
        st.builds(lambda name: [name], bad_identifiers(64)),
        st.just([f"f{n}" for n in range(1001)]),
    )


@dataclass
class World:
    r: redis.Redis
    ns: str
    store: SessionStore
    token: str
    bytes_client: redis.Redis


@pytest.fixture
def world(r: redis.Redis, ns: str, client_factory: Any) -> World:
    store = SessionStore(r, namespace=ns)
    token = store.create("alice", {"cart": "3"})
    return World(r, ns, store, token, client_factory(decode_responses=False))


def store_with(w: World, **kwargs: Any) -> SessionStore:
    return SessionStore(w.r, **{"namespace": w.ns, **kwargs})


def bad_clients(w: World) -> st.SearchStrategy[Any]:
    import redis.asyncio

    return st.sampled_from([None, "redis://127.0.0.1:6379", 6379, w.bytes_client, redis.asyncio.Redis()])


LIFETIME = lambda w: not_an_int_within(1, MAX_LIFETIME_MS)  # noqa: E731

CASES: dict[str, tuple[Callable[[World], st.SearchStrategy[Any]], Callable[[World, Any], Any]]] = {
    "SessionStore(client)": (bad_clients, lambda w, v: SessionStore(v, namespace=w.ns)),
    "SessionStore(namespace)": (lambda w: bad_namespaces(), lambda w, v: SessionStore(w.r, namespace=v)),
    "SessionStore(idle_timeout_ms)": (LIFETIME, lambda w, v: store_with(w, idle_timeout_ms=v)),
    "SessionStore(absolute_lifetime_ms)": (LIFETIME, lambda w, v: store_with(w, absolute_lifetime_ms=v)),
    "SessionStore(token_bytes)": (lambda w: not_an_int_within(16, 64), lambda w, v: store_with(w, token_bytes=v)),
    "SessionStore(operation_ttl_ms)": (
        lambda w: not_an_int_within(1, 86_400_000),
        lambda w, v: store_with(w, operation_ttl_ms=v),
    ),
    "create(user_id)": (lambda w: bad_identifiers(), lambda w, v: w.store.create(v)),
    "create(data)": (lambda w: given_(bad_data(allow_empty=True)), lambda w, v: w.store.create("alice", v)),
    "create(operation_id)": (
        lambda w: given_(bad_identifiers()),
        lambda w, v: w.store.create("alice", operation_id=v),
    ),
    "get(token)": (lambda w: bad_tokens(), lambda w, v: w.store.get(v)),
    "get(fields)": (lambda w: given_(bad_names()), lambda w, v: w.store.get(w.token, v)),
    "set(token)": (lambda w: bad_tokens(), lambda w, v: w.store.set(v, {"cart": "4"})),
    "set(data)": (lambda w: bad_data(allow_empty=False), lambda w, v: w.store.set(w.token, v)),
    "delete_fields(token)": (lambda w: bad_tokens(), lambda w, v: w.store.delete_fields(v, ["cart"])),
    "delete_fields(names)": (lambda w: bad_names(), lambda w, v: w.store.delete_fields(w.token, v)),
    "rotate(token)": (lambda w: bad_tokens(), lambda w, v: w.store.rotate(v)),
    "rotate(operation_id)": (lambda w: given_(bad_identifiers()), lambda w, v: w.store.rotate(w.token, operation_id=v)),
    "revoke(token)": (lambda w: bad_tokens(), lambda w, v: w.store.revoke(v)),
    "revoke(operation_id)": (lambda w: given_(bad_identifiers()), lambda w, v: w.store.revoke(w.token, operation_id=v)),
    "revoke_all(user_id)": (lambda w: bad_identifiers(), lambda w, v: w.store.revoke_all(v)),
    "revoke_all(operation_id)": (
        lambda w: given_(bad_identifiers()),
        lambda w, v: w.store.revoke_all("alice", operation_id=v),
    ),
    "sessions_of(user_id)": (lambda w: bad_identifiers(), lambda w, v: w.store.sessions_of(v)),
}


@pytest.mark.parametrize("entry", sorted(CASES))
@given(data=st.data())
def test_every_entry_point_refuses_hostile_input_and_writes_nothing(world: World, entry: str, data: Any) -> None:
    values, call = CASES[entry]
    value = data.draw(values(world), label=entry)
    before = snapshot(world.r, world.ns)
    with pytest.raises(InvalidInput):
        call(world, value)
    assert snapshot(world.r, world.ns) == before


def test_the_partial_write_from_the_issue_is_refused_at_construction(world: World) -> None:
    """``SessionStore(idle_timeout_ms=10**17, absolute_lifetime_ms=10**17).create`` wrote a session hash
    that never expired and was missing from the user index: the store now refuses the configuration."""
    before = snapshot(world.r, world.ns)
    with pytest.raises(InvalidInput, match="idle_timeout_ms"):
        store_with(world, idle_timeout_ms=10**17, absolute_lifetime_ms=10**17)
    assert snapshot(world.r, world.ns) == before
    assert HUGE[0] > MAX_LIFETIME_MS  # the strategies cover the huge values too
