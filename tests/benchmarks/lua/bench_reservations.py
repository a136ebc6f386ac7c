"""Lua benchmarks: the reservation script against a trivial script, and against WATCH/MULTI/EXEC.

Groups, on the run's own server:

- a 3-line ``reserve`` (validation, EVALSHA, the whole check-then-write script) against a raw
  ``EVALSHA`` of ``return 1`` given the same keys and arguments (the baseline): what the work
  inside the script costs on top of a round trip.  Goal: within 25 %;
- for 1, 4 and 16 concurrent clients, each on its own connection, reserving 1 unit of one hot
  SKU: a batch of 240 reservations through the WATCH path (the baseline) and through the
  script.  Goal at 16 clients: the script at least 3x faster (ratio <= 0.33).  The WATCH
  entries record their attempts and aborts in ``extra_info`` (and print them with ``-s``).

Besides: an interleaved table (reserve and the trivial EVALSHA one call each in shuffled turns), the
split of ``reserve`` (round trip, server, client; see ``measure.py``) and the memory of 100,000 holds.

Run: python -m pytest tests/benchmarks/lua/bench_reservations.py -o python_files='bench_*.py' --benchmark-only
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import redis

from redisbehaviors.reservations import OptimisticReservations, Reservations
from tests.benchmarks.measure import (
    ENTITIES,
    INTERLEAVED_GOAL,
    interleaved_medians,
    interleaved_table,
    memory_per_entity,
    split_call,
)

ORDER = {"A": 1, "B": 2, "C": 1}
BATCH = 240
PLENTY = 10**9


def _role(benchmark: Any, role: str, goal: str) -> None:
    benchmark.extra_info.update(role=role, goal=goal)


@pytest.fixture
def stocked(r: redis.Redis, ns: str) -> Reservations:
    service = Reservations(r, namespace=ns)
    for sku in [*ORDER, "HOT"]:
        service.set_stock(sku, PLENTY)
    return service


# ---------------------------------------------------------------------------------- one reservation

SINGLE = "lua: a 3-line reserve vs a trivial EVALSHA with the same keys and arguments"
#: Both entries measured the same way, so that their medians compare like with like.
SAME_SHAPE: dict[str, Any] = {"rounds": 400, "iterations": 5, "warmup_rounds": 20}


@pytest.mark.benchmark(group=SINGLE)
def test_trivial_evalsha(benchmark: Any, r: redis.Redis, stocked: Reservations) -> None:
    _role(benchmark, "baseline", "")
    sha = r.script_load("return 1")
    keys = stocked.keys.all
    args = [0, "order-00000001", 60_000, 16, "A", 1, "B", 2, "C", 1]
    benchmark.pedantic(r.evalsha, args=(sha, len(keys), *keys, *args), **SAME_SHAPE)
    assert r.evalsha(sha, len(keys), *keys, *args) == 1


@pytest.mark.benchmark(group=SINGLE)
def test_reserve_three_lines(benchmark: Any, stocked: Reservations) -> None:
    _role(benchmark, "subject", INTERLEAVED_GOAL)  # the goal (<= 1.50) is on the interleaved table
    ids = (f"order-{n:08d}" for n in itertools.count())
    benchmark.pedantic(lambda: stocked.reserve(next(ids), ORDER, 60_000), **SAME_SHAPE)
    assert stocked.reserve(next(ids), ORDER, 60_000).outcome == "held"


# ---------------------------------------------------------------------------------- one hot SKU


@pytest.fixture
def pool(request: pytest.FixtureRequest) -> Iterator[Callable[[int], ThreadPoolExecutor]]:
    pools: list[ThreadPoolExecutor] = []

    def make(size: int) -> ThreadPoolExecutor:
        pools.append(ThreadPoolExecutor(max_workers=size))
        return pools[-1]

    yield make
    for executor in pools:
        executor.shutdown()


def _hot_batch(benchmark: Any, pool: Callable[[int], ThreadPoolExecutor], services: list[Any], clients: int) -> None:
    """Time ``BATCH`` one-unit reservations of ``HOT`` spread over ``clients`` concurrent clients."""
    executor = pool(clients)
    rounds = itertools.count()
    per_client = BATCH // clients

    def client_share(index: int, round_no: int) -> None:
        for n in range(per_client):
            services[index].reserve(f"r{round_no}-c{index}-{n}", {"HOT": 1}, 600_000)

    def batch() -> None:
        round_no = next(rounds)
        list(executor.map(client_share, range(clients), [round_no] * clients))

    benchmark.extra_info["operations_per_call"] = BATCH  # reservations per timed round
    benchmark.pedantic(batch, rounds=8, warmup_rounds=1)


HotSku = Callable[[type, int, str, str], list[Any]]


@pytest.fixture
def hot_sku(benchmark: Any, pool: Any, client_factory: Callable[..., Any], ns: str) -> HotSku:
    """``hot_sku(kind, clients, role, goal)``: ``clients`` services of ``kind``, each on its own client, timed
    through ``_hot_batch`` in the comparison of that many clients; returns the services."""

    def run(kind: type, clients: int, role: str, goal: str) -> list[Any]:
        benchmark.group = f"lua: {BATCH} reservations of one hot SKU by {clients} concurrent client(s)"
        _role(benchmark, role, goal)
        services = [kind(client_factory(), namespace=ns) for _ in range(clients)]
        _hot_batch(benchmark, pool, services, clients)
        return services

    return run


@pytest.mark.parametrize("clients", [1, 4, 16])
def test_hot_sku_watch(benchmark: Any, hot_sku: HotSku, stocked: Reservations, clients: int) -> None:
    services = hot_sku(OptimisticReservations, clients, "baseline", "")
    attempts, aborts = sum(s.attempts for s in services), sum(s.aborts for s in services)
    benchmark.extra_info.update(attempts=attempts, aborts=aborts, reservations=attempts - aborts)
    print(f"\nWATCH, {clients} client(s): {attempts - aborts} reservations, {aborts} aborted attempts")
    assert stocked.stock("HOT").reserved == attempts - aborts


@pytest.mark.parametrize("clients", [1, 4, 16])
def test_hot_sku_script(benchmark: Any, hot_sku: HotSku, stocked: Reservations, clients: int) -> None:
    goal = "ratio <= 0.33" if clients == 16 else ""  # the goal: 3x at 16
    services = hot_sku(Reservations, clients, "subject", goal)
    reloads = sum(s.script_reloads for s in services)
    benchmark.extra_info.update(aborts=0, reloads=reloads)
    print(f"\nscript, {clients} client(s): {stocked.stock('HOT').reserved} reservations, 0 retries")
    assert reloads == 0


# ---------------------------------------------------------------------------------- interleaved, split, memory


def test_interleaved_reserve_vs_trivial_evalsha(benchmark: Any, r: redis.Redis, stocked: Reservations) -> None:
    sha = r.script_load("return 1")
    keys = stocked.keys.all
    args = [0, "order-00000001", 60_000, 16, "A", 1, "B", 2, "C", 1]
    ids = (f"order-{n:08d}" for n in itertools.count())
    candidates = {
        "trivial EVALSHA": lambda: r.evalsha(sha, len(keys), *keys, *args),
        "reserve (3 lines)": lambda: stocked.reserve(next(ids), ORDER, 60_000),
    }
    medians = benchmark.pedantic(interleaved_medians, args=(candidates, 2000), rounds=1, iterations=1)
    table = interleaved_table(SINGLE, medians, [("reserve (3 lines)", "trivial EVALSHA", "ratio <= 1.50")])
    benchmark.extra_info.update(table)


def test_where_the_time_goes(benchmark: Any, metered: tuple[redis.Redis, redis.Redis], ns: str) -> None:
    client, admin = metered
    service = Reservations(client, namespace=ns)
    for sku in ORDER:
        service.set_stock(sku, PLENTY)
    ids = (f"order-{n:08d}" for n in itertools.count())
    call = lambda: service.reserve(next(ids), ORDER, 600_000)  # noqa: E731
    result = benchmark.pedantic(
        split_call, args=("reservations", "reserve (3 lines)", call, client, admin), rounds=1, iterations=1
    )
    benchmark.extra_info.update(result)


def test_memory_per_hold(benchmark: Any, fresh_server: tuple[str, redis.Redis]) -> None:
    url, admin = fresh_server
    client = redis.Redis.from_url(url, decode_responses=True)
    service = Reservations(client, namespace="mem")
    service.set_stock("A", PLENTY)

    def fill(start: int, stop: int) -> None:
        for n in range(start, stop):
            service.reserve(f"order-{n:08d}", {"A": 1}, 3_600_000)

    note = "one SKU per hold; the hold, its expiry entry and its audit entry"
    result = benchmark.pedantic(
        memory_per_entity, args=(admin, "reservations", "reservation hold", fill, ENTITIES, note), rounds=1
    )
    benchmark.extra_info.update(kind="memory", memory=[result])
    client.close()
