"""A Hypothesis state machine drives the session store against the real server and a model, expiries included.

Time is the server's.  Every operation is bracketed by the server's TIME before and after it, so
the model knows each deadline only within an interval: the idle expiry of a session lies in
[last use before + idle, last use after + idle] and its absolute deadline likewise.  A session is
*certainly alive* when the operation ended before the earliest possible expiry, *certainly gone*
when it started after the latest one; in between the store may answer either way, and its answer
is then taken as the truth (a session seen gone is gone for good).  Waiting is done by polling
the server's clock, never by sleeping for a state.

Checked after every step: a certainly-alive session reads back exactly the model's data; a gone
session refuses every write and cannot be revived; rotation, revoke and revoke-all agree with the
model; and no key under the store's namespace is ever left without a TTL.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import redis
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from redisbehaviors.sessions import SessionNotFound, SessionStore
from redisbehaviors.testing import wait_until

IDLE_MS, LIFETIME_MS, MARGIN_MS = 300, 700, 2
USERS = ["ana", "bob"]
FIELDS = ["cart", "theme", "lang"]

users = st.sampled_from(USERS)
fields = st.sampled_from(FIELDS)
values = st.text(alphabet="abc123", max_size=4)


@dataclass
class Model:
    user: str
    data: dict[str, str]
    idle_lo: int
    idle_hi: int
    deadline_lo: int
    deadline_hi: int
    gone: bool = False

    def certainly_alive(self, after: int) -> bool:
        return not self.gone and after + MARGIN_MS < min(self.idle_lo, self.deadline_lo)

    def certainly_gone(self, before: int) -> bool:
        return self.gone or before > min(self.idle_hi, self.deadline_hi) + MARGIN_MS

    def used(self, before: int, after: int) -> None:
        self.idle_lo, self.idle_hi = before + IDLE_MS, after + IDLE_MS


def server_ms(client: redis.Redis) -> int:
    seconds, micros = client.time()
    return int(seconds) * 1000 + int(micros) // 1000


def test_session_store_agrees_with_its_model(redis_target: Any) -> None:
    client = redis_target.client()

    class SessionMachine(RuleBasedStateMachine):
        tokens = Bundle("tokens")

        def __init__(self) -> None:
            super().__init__()
            self.ns = f"rbt-m-{uuid.uuid4().hex[:8]}"
            self.store = SessionStore(
                client, namespace=self.ns, idle_timeout_ms=IDLE_MS, absolute_lifetime_ms=LIFETIME_MS
            )
            self.model: dict[str, Model] = {}

        def teardown(self) -> None:
            for name in client.scan_iter(match=f"{self.ns}:*", count=1000):
                client.delete(name)

        def observe(self, token: str, alive: bool, before: int, after: int) -> bool:
            """Check an observed alive/gone against the model; returns whether it was alive."""
            session = self.model[token]
            if session.certainly_alive(after):
                assert alive, f"a session certainly alive was reported gone ({token[:10]})"
            elif session.certainly_gone(before):
                assert not alive, f"a session certainly gone was reported alive ({token[:10]})"
            if not alive:
                session.gone = True
            return alive

        @rule(target=tokens, user=users, data=st.dictionaries(fields, values, max_size=2))
        def create(self, user: str, data: dict[str, str]) -> str:
            before = server_ms(client)
            token = self.store.create(user, data)
            after = server_ms(client)
            assert token not in self.model
            self.model[token] = Model(
                user, dict(data), before + IDLE_MS, after + IDLE_MS, before + LIFETIME_MS, after + LIFETIME_MS
            )
            return token

        @rule(token=tokens)
        def read(self, token: str) -> None:
            before = server_ms(client)
            session = self.store.get(token)
            after = server_ms(client)
            if self.observe(token, session is not None, before, after):
                assert session is not None
                assert session.data == self.model[token].data
                assert session.user_id == self.model[token].user
                self.model[token].used(before, after)

        @rule(token=tokens, field=fields, value=values)
        def write(self, token: str, field: str, value: str) -> None:
            before = server_ms(client)
            try:
                self.store.set(token, {field: value})
                written = True
            except SessionNotFound:
                written = False
            after = server_ms(client)
            if self.observe(token, written, before, after):
                self.model[token].data[field] = value
                self.model[token].used(before, after)

        @rule(token=tokens, field=fields)
        def delete_field(self, token: str, field: str) -> None:
            before = server_ms(client)
            try:
                removed = self.store.delete_fields(token, [field])
            except SessionNotFound:
                removed = None
            after = server_ms(client)
            if self.observe(token, removed is not None, before, after):
                assert removed == (1 if field in self.model[token].data else 0)
                self.model[token].data.pop(field, None)
                self.model[token].used(before, after)

        @rule(target=tokens, token=tokens)
        def rotate(self, token: str) -> str:
            before = server_ms(client)
            try:
                new_token = self.store.rotate(token)
            except SessionNotFound:
                new_token = None
            after = server_ms(client)
            if not self.observe(token, new_token is not None, before, after):
                return token  # the bundle gets the dead token again: fine, it stays dead
            assert new_token is not None and new_token not in self.model
            old = self.model[token]
            self.model[new_token] = Model(
                old.user, dict(old.data), before + IDLE_MS, after + IDLE_MS, old.deadline_lo, old.deadline_hi
            )
            old.gone = True
            return new_token

        @rule(token=tokens)
        def revoke(self, token: str) -> None:
            before = server_ms(client)
            was_live = self.store.revoke(token)
            after = server_ms(client)
            self.observe(token, was_live, before, after)
            self.model[token].gone = True

        @rule(user=users)
        def revoke_all(self, user: str) -> None:
            before = server_ms(client)
            count = self.store.revoke_all(user)
            after = server_ms(client)
            mine = [m for m in self.model.values() if m.user == user]
            low = sum(m.certainly_alive(after) for m in mine)
            high = sum(not m.certainly_gone(before) for m in mine)
            assert low <= count <= high, (low, count, high)
            for session in mine:
                session.gone = True

        @rule(user=users)
        def list_sessions(self, user: str) -> None:
            before = server_ms(client)
            listed = set(self.store.sessions_of(user))
            after = server_ms(client)
            for token, session in self.model.items():
                if session.user == user:
                    self.observe(token, token in listed, before, after)
                else:
                    assert token not in listed

        @rule(ms=st.sampled_from([50, 150, 350]))
        def time_passes(self, ms: int) -> None:
            start = server_ms(client)
            wait_until(lambda: server_ms(client) >= start + ms, timeout=10, interval=0.005, what=f"+{ms} ms")

        @invariant()
        def no_key_lives_forever(self) -> None:
            for name in client.scan_iter(match=f"{self.ns}:*", count=1000):
                pttl = client.pttl(name)
                assert pttl != -1, f"{name} has no TTL"
                if ":session:" in name:
                    assert pttl <= IDLE_MS, f"{name} expires in {pttl} ms, more than the idle timeout"

    current = settings()
    if current.max_examples <= 60:  # the ci and dev profiles: every step waits on real time, keep it short
        current = settings(
            current,
            max_examples=min(current.max_examples, 10),
            stateful_step_count=min(current.stateful_step_count, 25),
        )
    run_state_machine_as_test(SessionMachine, settings=current)
    client.close()
