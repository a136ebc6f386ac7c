"""The reservation service under load: many threads, expiring holds, a sweeper, and snapshots.

Soak: worker threads reserve random multi-SKU orders (half with TTLs of a few ms, so they
expire while the run goes on), confirm, cancel, extend and read them; a sweeper thread runs the
sweep script; a restock thread adds units, retrying every restock id once.  A checker thread
takes MULTI snapshots of the partition during the run, and one more is taken at the end.
Every snapshot must satisfy, for every SKU:

    available + reserved + sold == total == units the test put in
    reserved == the sum of the lines of the live ("held") holds
    no counter is negative, and the expiry index holds exactly the live holds

and at the end sold == the units of every order whose confirm answered CONFIRMED.

Contention: at least 8 clients reserve one unit each of one hot SKU.  The script path sends
exactly one EVALSHA per reservation (counted by the server: INFO commandstats), never
retries; the WATCH path aborts and retries, and both counts are printed.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
import redis

from redisbehaviors.reservations import (
    OptimisticReservations,
    OrderConflict,
    Outcome,
    OutOfStock,
    Reservations,
)
from redisbehaviors.testing import RedisServer
from tests.support import in_threads

SKUS = ["A", "B", "C", "D"]
INITIAL = 40


def snapshot_violations(client: redis.Redis, service: Reservations, added: dict[str, int]) -> list[str]:
    """Conservation checks on one MULTI snapshot of the partition; returns what is wrong."""
    keys = service.keys
    pipe = client.pipeline(transaction=True)
    pipe.hgetall(keys.stock)
    pipe.hgetall(keys.holds)
    pipe.zrange(keys.expiry, 0, -1)
    stock, holds, expiry = pipe.execute()
    live = Counter[str]()
    held = set()
    for order_id, raw in holds.items():
        hold = json.loads(raw)
        if hold["state"] == "held":
            held.add(order_id)
            for sku, qty in hold["lines"]:
                live[sku] += int(qty)
    problems = []
    if set(expiry) != held:
        problems.append(f"expiry index {len(expiry)} entries vs {len(held)} live holds")
    for sku in SKUS:
        available, reserved, sold, total = (
            int(stock[f"{sku}:{c}"]) for c in ("available", "reserved", "sold", "total")
        )
        if min(available, reserved, sold) < 0:
            problems.append(f"{sku}: negative counter {stock}")
        if not available + reserved + sold == total == added[sku]:
            problems.append(f"{sku}: {available}+{reserved}+{sold} != {total} (added {added[sku]})")
        if reserved != live[sku]:
            problems.append(f"{sku}: reserved {reserved} != live holds {live[sku]}")
    return problems


def run_soak(client_factory: Callable[..., Any], ns: str, seconds: float, workers: int) -> dict[str, Any]:
    admin = client_factory()
    service = Reservations(admin, namespace=ns)
    added = dict.fromkeys(SKUS, INITIAL)
    for sku in SKUS:
        service.set_stock(sku, INITIAL)
    lock = threading.Lock()  # guards `added` against the checker's reads
    count_lock = threading.Lock()
    stop = threading.Event()
    tally: Counter[str] = Counter()
    confirmed_units: Counter[str] = Counter()
    violations: list[str] = []
    failures: list[BaseException] = []

    def count(what: str, n: int = 1) -> None:
        with count_lock:
            tally[what] += n

    def guarded(body: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            try:
                body()
            except BaseException as exc:  # reported by the test
                failures.append(exc)
                stop.set()

        return run

    def worker(seed: int) -> None:
        rng = random.Random(seed)
        mine = Reservations(client_factory(), namespace=ns)
        mine_orders: dict[str, dict[str, int]] = {}
        n = 0
        while not stop.is_set():
            action = rng.random()
            if action < 0.5 or not mine_orders:
                n += 1
                order_id = f"w{seed}-{n}"
                items = {sku: rng.randint(1, 3) for sku in rng.sample(SKUS, rng.randint(1, 3))}
                ttl = rng.choice([2, 5, 20, 60_000])
                try:
                    mine.reserve(order_id, items, ttl)
                    mine_orders[order_id] = items
                    count("held")
                except OutOfStock:
                    count("out of stock")
                continue
            order_id = rng.choice(list(mine_orders))
            if action < 0.7:
                outcome = mine.confirm(order_id)
                if outcome is Outcome.CONFIRMED:
                    with count_lock:
                        confirmed_units.update(mine_orders[order_id])
            elif action < 0.85:
                outcome = mine.cancel(order_id)
            elif action < 0.93:
                outcome = mine.extend(order_id, rng.choice([5, 60_000]))
            else:
                outcome = mine.hold(order_id).state
            count(str(outcome))
            try:  # an idempotent retry of the same reservation must not hold stock twice
                if rng.random() < 0.05:
                    mine.reserve(order_id, mine_orders[order_id], 60_000)
            except OrderConflict:
                count("conflict on retry")

    def sweeper() -> None:
        mine = Reservations(client_factory(), namespace=ns)
        while not stop.wait(0.005):
            count("swept", mine.sweep(limit=50).expired)

    def restocker() -> None:
        mine = Reservations(client_factory(), namespace=ns)
        rng = random.Random(7)
        n = 0
        while not stop.wait(0.02):
            n += 1
            sku, units = rng.choice(SKUS), rng.randint(1, 5)
            with lock:
                if mine.restock(sku, units, f"delivery-{n}"):
                    added[sku] += units
            assert not mine.restock(sku, units, f"delivery-{n}"), "a retried restock was applied twice"

    def checker() -> None:
        watcher = client_factory()
        while not stop.wait(0.01):
            with lock:
                found = snapshot_violations(watcher, service, added)
            violations.extend(found)
            count("snapshots")

    threads = [threading.Thread(target=guarded(lambda s=s: worker(s))) for s in range(workers)]
    threads += [threading.Thread(target=guarded(f)) for f in (sweeper, restocker, checker)]
    for thread in threads:
        thread.start()
    stop.wait(seconds)
    stop.set()
    for thread in threads:
        thread.join(30)
    assert not failures, f"a thread failed: {failures[0]!r}"
    with lock:
        violations.extend(snapshot_violations(admin, service, added))
    sold = {sku: service.stock(sku).sold for sku in SKUS}
    return {
        "tally": dict(tally),
        "violations": violations,
        "sold": sold,
        "confirmed": {sku: confirmed_units[sku] for sku in SKUS},
    }


def check_soak(result: dict[str, Any]) -> None:
    print(f"soak: {result['tally']}")
    assert result["violations"] == [], result["violations"][:5]
    assert result["sold"] == result["confirmed"]
    assert result["tally"].get("expired", 0) + result["tally"].get("swept", 0) > 0, "no hold expired"
    assert result["tally"]["snapshots"] > 10


def test_soak_conserves_stock(client_factory: Callable[..., Any], ns: str) -> None:
    check_soak(run_soak(client_factory, ns, seconds=4, workers=8))


@pytest.mark.slow
def test_long_soak_conserves_stock(client_factory: Callable[..., Any], ns: str) -> None:
    check_soak(run_soak(client_factory, ns, seconds=60, workers=16))


# ------------------------------------------------------------------------------------------------ contention


def evalsha_calls(client: redis.Redis) -> int:
    return int(client.info("commandstats").get("cmdstat_evalsha", {}).get("calls", 0))


def contend(server: RedisServer, clients: int, orders: int, stock: int, path: str) -> dict[str, int]:
    """``clients`` threads each reserve ``orders`` orders of 1 unit of one hot SKU."""
    admin = server.client()
    Reservations(admin, namespace="hot").set_stock("HOT", stock)
    services = [
        OptimisticReservations(server.client(), namespace="hot")
        if path == "watch"
        else Reservations(server.client(), namespace="hot")
        for _ in range(clients)
    ]
    admin.config_resetstat()
    outcomes: Counter[str] = Counter()
    lock = threading.Lock()

    def work(index: int) -> None:
        for n in range(orders):
            try:
                services[index].reserve(f"c{index}-{n}", {"HOT": 1}, 60_000)
                outcome = "held"
            except OutOfStock:
                outcome = "refused"
            with lock:
                outcomes[outcome] += 1

    started = time.perf_counter()
    in_threads(work, clients, timeout=120)
    elapsed = time.perf_counter() - started
    level = Reservations(admin, namespace="hot").stock("HOT")
    result = {
        "held": outcomes["held"],
        "refused": outcomes["refused"],
        "reserved": level.reserved,
        "available": level.available,
        "evalsha": evalsha_calls(admin),
        "attempts": sum(getattr(s, "attempts", 0) for s in services),
        "aborts": sum(getattr(s, "aborts", 0) for s in services),
        "reloads": sum(getattr(s, "script_reloads", 0) for s in services),
        "ms": round(elapsed * 1000),
    }
    admin.flushall()
    print(f"contention {path}, {clients} clients: {result}")
    return result


HOT_ORDERS = 10  # per client, for 4 units per client: most orders are refused


def sold_out(server: RedisServer, clients: int, path: str) -> dict[str, int]:
    """``contend`` on a hot SKU: every unit held, every other order refused, nothing left."""
    stock = 4 * clients
    result = contend(server, clients, HOT_ORDERS, stock, path)
    assert (result["held"], result["refused"]) == (stock, clients * HOT_ORDERS - stock)
    assert (result["reserved"], result["available"]) == (stock, 0)
    return result


@pytest.mark.parametrize("clients", [8, 16])
def test_script_path_never_retries_on_a_hot_sku(spawn_server: Callable[..., RedisServer], clients: int) -> None:
    result = sold_out(spawn_server(), clients, "script")
    assert result["evalsha"] == clients * HOT_ORDERS, "one EVALSHA per reservation: no retry, no NOSCRIPT"
    assert result["reloads"] == 0


@pytest.mark.parametrize("clients", [8, 16])
def test_watch_path_aborts_and_retries_on_a_hot_sku(spawn_server: Callable[..., RedisServer], clients: int) -> None:
    result = sold_out(spawn_server(), clients, "watch")
    assert result["attempts"] == result["aborts"] + clients * HOT_ORDERS
    assert result["aborts"] > 0, "no WATCH attempt aborted under contention"
