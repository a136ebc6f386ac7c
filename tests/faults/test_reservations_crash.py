"""Crash the server in the middle of reservations and check that no script was half applied.

Since 7.0 a script's writes are propagated to the AOF (and to replicas) wrapped in MULTI/EXEC.
With ``appendfsync always`` every acknowledged script is on disk before its reply, and an AOF
whose tail is an incomplete MULTI block is loaded without that block.  So after ``kill -9``
and a restart, the books must balance exactly as they do after every script: for every SKU
available + reserved + sold == total == the units put in, reserved == the sum of live holds,
and the expiry index == the live holds.  The script cache does not survive the restart, so the
services recover from NOSCRIPT on their own (and count it).
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from typing import Any

import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from redisbehaviors.reservations import OutOfStock, Reservations
from redisbehaviors.testing import RedisServer, wait_until
from tests.faults.test_reservations_soak import SKUS, snapshot_violations

UNITS = 500


def hammer(server: RedisServer, stop: threading.Event, seed: int, counts: dict[str, int]) -> None:
    """Reserve, confirm and cancel until the server dies (or ``stop`` is set)."""
    rng = random.Random(seed)
    # No retries: a worker must notice the crash at once rather than back off for seconds.
    client = server.client(socket_timeout=5, retry=Retry(NoBackoff(), 0))
    service = Reservations(client, namespace="crash")
    mine: list[str] = []
    n = 0
    while not stop.is_set():
        try:
            if rng.random() < 0.6 or not mine:
                n += 1
                order = f"s{seed}-{counts['cycle']}-{n}"
                items = {sku: rng.randint(1, 3) for sku in rng.sample(SKUS, rng.randint(1, 3))}
                service.reserve(order, items, rng.choice([3, 60_000]))
                mine.append(order)
            elif rng.random() < 0.5:
                service.confirm(rng.choice(mine))
            else:
                service.cancel(rng.choice(mine))
            counts["calls"] += 1
        except OutOfStock:
            counts["calls"] += 1
        except (redis.ConnectionError, redis.TimeoutError):
            client.close()
            return  # the server was killed under us


def crash_cycles(spawn_server: Callable[..., RedisServer], cycles: int, workers: int) -> dict[str, Any]:
    server = spawn_server({"appendonly": "yes", "appendfsync": "always"})
    admin = server.client()
    service = Reservations(admin, namespace="crash")
    for sku in SKUS:
        service.set_stock(sku, UNITS)
    added = dict.fromkeys(SKUS, UNITS)
    counts = {"calls": 0, "cycle": 0}
    for cycle in range(cycles):
        counts["cycle"] = cycle
        stop = threading.Event()
        threads = [threading.Thread(target=hammer, args=(server, stop, w, counts)) for w in range(workers)]
        for thread in threads:
            thread.start()
        calls_before = counts["calls"]
        wait_until(lambda b=calls_before: counts["calls"] > b + 100, 30, what="some reservations before the crash")
        server.kill()  # SIGKILL: no shutdown, no final fsync
        stop.set()
        for thread in threads:
            thread.join(30)
        server.restart()
        problems = snapshot_violations(admin, service, added)
        assert problems == [], f"after crash {cycle + 1}: {problems[:5]}"
    log = server.log_path.read_text(errors="replace")
    reverted = log.count("Revert incomplete MULTI/EXEC transaction")
    truncated = log.count("aof-load-truncated")
    reloads_before = service.script_reloads
    service.sweep()  # the first script after a restart meets an empty script cache
    result = {
        "cycles": cycles,
        "calls": counts["calls"],
        "reloads": service.script_reloads - reloads_before,
        "aof tails reverted": reverted,
        "aof tails truncated": truncated,
    }
    admin.close()
    print(f"crash: {result}")
    return result


def test_no_script_is_half_applied_after_a_crash(spawn_server: Callable[..., RedisServer]) -> None:
    result = crash_cycles(spawn_server, cycles=3, workers=4)
    assert result["reloads"] == 1


@pytest.mark.slow
def test_no_script_is_half_applied_after_many_crashes(spawn_server: Callable[..., RedisServer]) -> None:
    result = crash_cycles(spawn_server, cycles=25, workers=8)
    assert result["reloads"] == 1
