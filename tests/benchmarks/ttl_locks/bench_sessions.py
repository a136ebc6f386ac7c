"""Session benchmarks: a read (which slides the idle expiry) against a raw HGETALL, where the time of
create / get / set goes, and the memory a session costs.

- Group "sessions: one read vs raw HGETALL": a raw ``HGETALL`` of the session's hash (the baseline:
  one round trip, no expiry slid, no meta fields hidden) against :meth:`SessionStore.get` (one
  script: read, check the absolute deadline, slide the idle expiry).  Informational.
- The split of ``create``, ``get`` and ``set`` (round trip, server, client; see ``measure.py``).
- Memory: 100,000 sessions of 100,000 users, two data fields each, on a fresh server.

Run: python -m pytest tests/benchmarks/ttl_locks/bench_sessions.py -o python_files='bench_*.py' --benchmark-only
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest
import redis

from redisbehaviors.sessions import SessionStore
from tests.benchmarks.measure import memory_per_entity, split_call

DATA = {"name": "Ana", "role": "admin"}
READ = "sessions: one read vs raw HGETALL"


def _role(benchmark: Any, role: str, goal: str) -> None:
    benchmark.extra_info.update(role=role, goal=goal)


@pytest.mark.benchmark(group=READ)
def test_raw_hgetall(benchmark: Any, r: redis.Redis, ns: str) -> None:
    _role(benchmark, "baseline", "")
    store = SessionStore(r, namespace=ns)
    key = store.keys.session(store.create("ana", DATA))
    assert benchmark(r.hgetall, key)["name"] == "Ana"


@pytest.mark.benchmark(group=READ)
def test_session_get(benchmark: Any, r: redis.Redis, ns: str) -> None:
    _role(benchmark, "subject", "informational")
    store = SessionStore(r, namespace=ns)
    token = store.create("ana", DATA)
    assert benchmark(store.get, token).data == DATA


# ---------------------------------------------------------------------------------------------- the split


@pytest.mark.parametrize("call", ["create", "get", "set"])
def test_where_the_time_goes(benchmark: Any, metered: tuple[redis.Redis, redis.Redis], ns: str, call: str) -> None:
    client, admin = metered
    store = SessionStore(client, namespace=ns)
    token = store.create("ana", DATA)
    users = (f"user-{n}" for n in itertools.count())
    calls = {
        "create": lambda: store.create(next(users), DATA),
        "get": lambda: store.get(token),
        "set": lambda: store.set(token, {"cart": "3 items"}),
    }
    result = benchmark.pedantic(split_call, args=("sessions", call, calls[call], client, admin), rounds=1, iterations=1)
    benchmark.extra_info.update(result)


# ---------------------------------------------------------------------------------------------- memory


def test_memory_per_session(benchmark: Any, fresh_server: tuple[str, redis.Redis]) -> None:
    url, admin = fresh_server
    client = redis.Redis.from_url(url, decode_responses=True)
    store = SessionStore(client, namespace="mem")

    def fill(start: int, stop: int) -> None:
        for n in range(start, stop):
            store.create(f"user-{n}", DATA)

    result = benchmark.pedantic(
        memory_per_entity,
        args=(admin, "sessions", "session (with its user index)", fill),
        kwargs={"note": "one session per user: the session hash and the user's index (a zset of 1)"},
        rounds=1,
        iterations=1,
    )
    benchmark.extra_info.update(kind="memory", memory=[result])
    client.close()
