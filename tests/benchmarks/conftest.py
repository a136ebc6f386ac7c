"""Benchmarks: the ratio table at the end of every run, and the physical reference on demand.

- ``pytest_terminal_summary`` prints, per ``benchmark.group``, each entry's median time relative to
  the group's ``extra_info["role"] == "baseline"`` entry, with its ``extra_info["goal"]`` and verdict.
- When ``REDISBEHAVIORS_BENCH_REFERENCE`` names a file (``redisbehaviors report bench`` sets it),
  ``redis-benchmark`` is run against the run's own server once the benchmarks are done, and its
  results are written there, so the report shows each component as a fraction of the server's rate.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis

from redisbehaviors.reports.bench import (
    REFERENCE_ENV,
    REQUESTS_ENV,
    BenchEntry,
    measure_reference,
    ratio_groups,
    ratio_table_text,
)
from redisbehaviors.testing.plugin import RedisTarget, get_target
from tests.benchmarks.measure import metered_client


@pytest.fixture
def metered(redis_target: RedisTarget) -> Iterator[tuple[redis.Redis, redis.Redis]]:
    """``(client, admin)``: a metered client for the component whose time is split, and a second
    client for CONFIG RESETSTAT and INFO.  The server must be the run's own (its stats are reset)."""
    if not redis_target.owned or redis_target.mode != "standalone":
        pytest.skip("the time split resets INFO commandstats: needs a standalone server the run owns")
    client, admin = metered_client(redis_target.url, redis_target.protocol), redis_target.client()
    yield client, admin  # type: ignore[misc]
    client.close()
    admin.close()


@pytest.fixture
def fresh_server(spawn_server: Callable[..., Any]) -> Iterator[tuple[str, redis.Redis]]:
    """``(url, admin)`` of a server started for this benchmark alone: memory deltas count only its entities."""
    server = spawn_server()
    admin = server.client()
    yield server.url, admin
    admin.close()


def _entries(config: pytest.Config) -> list[BenchEntry]:
    session = getattr(config, "_benchmarksession", None)
    if session is None:
        return []
    entries = []
    for bench in session.benchmarks:
        if getattr(bench, "has_error", False) or not getattr(bench, "stats", None):
            continue
        entries.append(BenchEntry.from_dict(bench.as_dict(include_data=False)))
    return entries


@pytest.hookimpl(trylast=True)  # after pytest-benchmark's own tables
def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    entries = _entries(config)
    if not entries:
        return
    terminalreporter.write_sep("-", "benchmark ratios (median / baseline median)")
    terminalreporter.write_line(ratio_table_text(ratio_groups(entries), entries))


def pytest_sessionfinish(session: pytest.Session) -> None:
    path = os.environ.get(REFERENCE_ENV)
    if not path or session.config.option.collectonly:
        return
    try:
        target = get_target(session.config)
    except pytest.UsageError:
        return
    payload: dict[str, Any] = {
        "server": {
            "version": target.version_text,
            "backend": target.backend,
            "protocol": target.protocol,
            "url": target.url,
        },
        "requests": int(os.environ.get(REQUESTS_ENV, "20000")),
        "redis_benchmark": [],
    }
    binary = shutil.which("redis-benchmark")
    if binary is None:
        payload["error"] = "redis-benchmark is not installed (apt-get install redis-tools)"
    elif target.mode != "standalone":
        payload["error"] = f"not measured on a {target.mode} server"
    else:
        try:
            payload["redis_benchmark"] = measure_reference(target.url, payload["requests"], binary=binary)
        except (ValueError, OSError) as exc:
            payload["error"] = str(exc)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(json.dumps(payload, indent=1))
