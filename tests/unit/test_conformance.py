"""Which server a run has, and what runs on it: vendor detection and the tag gates, decided without a server."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from redisbehaviors.serverinfo import identify
from redisbehaviors.testing.plugin import (
    EMULATOR_REASONS,
    VERSION_TAG,
    RedisTarget,
    VersionMark,
    emulator_skip,
    environment_skip,
    fakeredis_target,
    vendor_skip,
    version_skip,
)

# INFO server as redis-py parses it (only the fields identification reads, plus one it ignores).
REDIS_7_INFO = {"redis_version": "7.0.15", "redis_mode": "standalone"}
VALKEY_8_INFO = {"redis_version": "7.2.4", "server_name": "valkey", "valkey_version": "8.1.8"}


def target(vendor: str = "redis", version: str = "7.0.15", vendor_version: str | None = None) -> RedisTarget:
    info = {"redis_version": version}
    if vendor != "redis":
        info |= {"server_name": vendor, f"{vendor}_version": vendor_version or version}
    identity = identify(info)
    made = RedisTarget("binary", "redis://127.0.0.1:1/0", identity.version, "standalone", True, 3, "redis-server")
    made.vendor, made.vendor_version = identity.vendor, identity.vendor_version
    return made


def fakeredis() -> RedisTarget:
    pytest.importorskip("fakeredis")
    return fakeredis_target(3)


# ---------------------------------------------------------------------------------------------- vendor detection


def test_a_server_without_server_name_is_redis_and_its_version_is_its_own() -> None:
    identity = identify(REDIS_7_INFO)
    assert (identity.vendor, identity.version, identity.vendor_version) == ("redis", (7, 0, 15), (7, 0, 15))
    assert identity.describe() == "redis 7.0.15"


def test_valkey_is_told_by_server_name_and_keeps_both_versions() -> None:
    identity = identify(VALKEY_8_INFO)
    assert (identity.vendor, identity.version, identity.vendor_version) == ("valkey", (7, 2, 4), (8, 1, 8))
    assert identity.describe() == "valkey 8.1.8 (redis_version 7.2.4)"


def test_another_vendor_without_its_own_version_field_takes_redis_version() -> None:
    identity = identify({"redis_version": "7.4.0", "server_name": "SomeServer"})
    assert (identity.vendor, identity.vendor_version) == ("someserver", (7, 4, 0))


def test_fakeredis_has_no_info_so_its_target_names_it_and_it_counts_as_redis() -> None:
    import fakeredis as package

    fake = fakeredis()
    assert fake.vendor == "fakeredis" and fake.family == "redis" and fake.emulated
    assert fake.vendor_version_text == package.__version__
    assert fake.version[0] >= 7  # the Redis release fakeredis emulates (FakeServer.version)
    assert fake.product.startswith(f"fakeredis {package.__version__} (redis_version ")


# ---------------------------------------------------------------------------------------------- version tags


@pytest.mark.parametrize(
    ("tag", "groups"),
    [
        ("since_7_0", (None, "since", "7", "0", None)),
        ("before_7_2", (None, "before", "7", "2", None)),
        ("since_7_0_1", (None, "since", "7", "0", "1")),
        ("valkey_since_8_1", ("valkey", "since", "8", "1", None)),
    ],
)
def test_version_tags_are_read_with_an_optional_vendor_and_patch_level(tag: str, groups: tuple) -> None:
    match = VERSION_TAG.fullmatch(tag)
    assert match is not None and match.groups() == groups


@pytest.mark.parametrize(
    ("mark", "server", "reason"),
    [
        (VersionMark("since", "7.2"), target(), "needs Redis >= 7.2, server is 7.0.15"),
        (VersionMark("since", "7.0"), target(), None),
        (VersionMark("since", "7.0.16"), target(), "needs Redis >= 7.0.16, server is 7.0.15"),
        (VersionMark("before", "7.0"), target(), "describes Redis < 7.0, server is 7.0.15"),
        # Valkey 8.1 claims Redis 7.2.4: plain tags compare with that, not with 8.1.8.
        (VersionMark("since", "7.2"), target("valkey", "7.2.4", "8.1.8"), None),
        (VersionMark("since", "7.4"), target("valkey", "7.2.4", "8.1.8"), "needs Redis >= 7.4, server is 7.2.4"),
        (VersionMark("before", "7.2"), target("valkey", "7.2.4", "8.1.8"), "describes Redis < 7.2, server is 7.2.4"),
        # A vendor's tag compares with its own version, and says nothing about other servers.
        (VersionMark("since", "8.1", "valkey"), target("valkey", "7.2.4", "8.1.8"), None),
        (
            VersionMark("since", "9.0", "valkey"),
            target("valkey", "7.2.4", "8.1.8"),
            "needs Valkey >= 9.0, server is 8.1.8",
        ),
        (VersionMark("since", "9.0", "valkey"), target("redis", "6.2.14"), None),
        (VersionMark("before", "8.0", "valkey"), target("redis", "8.2.3"), None),
    ],
)
def test_version_gates(mark: VersionMark, server: RedisTarget, reason: str | None) -> None:
    assert version_skip([mark], server) == reason


def test_the_first_version_tag_that_blocks_gives_the_reason() -> None:
    marks = [VersionMark("since", "6.2"), VersionMark("before", "7.0")]
    assert version_skip(marks, target()) == "describes Redis < 7.0, server is 7.0.15"


# ---------------------------------------------------------------------------------------------- vendor tags


def test_redis_only_runs_on_redis_and_fakeredis_but_not_valkey() -> None:
    assert vendor_skip({"redis_only"}, target()) is None
    assert vendor_skip({"redis_only"}, fakeredis()) is None
    reason = vendor_skip({"redis_only"}, target("valkey", "7.2.4", "8.1.8"))
    assert reason == (
        "Redis-only behaviour: valkey 8.1.8 (redis_version 7.2.4) differs (its own scenario is tagged @valkey_only)"
    )


def test_valkey_only_runs_only_on_valkey() -> None:
    assert vendor_skip({"valkey_only"}, target("valkey", "7.2.4", "8.1.8")) is None
    assert vendor_skip({"valkey_only"}, target()) == (
        "Valkey-only behaviour: redis 7.0.15 is not Valkey (the Redis scenario is tagged @redis_only)"
    )
    assert "fakeredis" in (vendor_skip({"valkey_only"}, fakeredis()) or "")


def test_untagged_behaviours_run_everywhere() -> None:
    for server in (target(), target("valkey", "7.2.4", "8.1.8"), fakeredis()):
        assert vendor_skip(set(), server) is None
        assert version_skip([], server) is None


# ---------------------------------------------------------------------------------------------- fakeredis


@pytest.mark.parametrize("tag", sorted(EMULATOR_REASONS))
def test_on_fakeredis_a_tag_needing_a_real_server_is_skipped_naming_what_is_missing(tag: str) -> None:
    reason = emulator_skip({tag}, fakeredis())
    assert reason == EMULATOR_REASONS[tag] and "fakeredis" in reason
    assert emulator_skip({tag}, target()) is None  # a real server decides by the ordinary rules


def test_the_ordinary_rules_still_apply_after_the_emulator_ones() -> None:
    assert environment_skip({"resp2_only"}, fakeredis(), run_slow=False, cluster_url=None) == (
        "RESP2 behaviour: run with --redis-protocol 2"
    )
    assert environment_skip({"slow"}, target(), run_slow=True, cluster_url=None) is None


def test_fakeredis_runs_skip_the_fixtures_an_emulator_cannot_give_with_the_reason(tmp_path: Path) -> None:
    pytest.importorskip("fakeredis")
    (tmp_path / "test_it.py").write_text(
        textwrap.dedent(
            """
            def test_plain(r, key):
                r.set(key("k"), "v")
                assert r.get(key("k")) == "v"

            def test_config(server_config):
                raise AssertionError("must be skipped")

            def test_spawn(spawn_server):
                raise AssertionError("must be skipped")

            def test_replica(replica_set):
                raise AssertionError("must be skipped")

            def test_cluster(redis_cluster):
                raise AssertionError("must be skipped")

            def test_fresh_server_per_test(r):
                assert r.dbsize() == 0
            """
        )
    )
    command = [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", "--redis-backend", "fakeredis"]
    result = subprocess.run(
        [*command, str(tmp_path)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "2 passed, 4 skipped" in result.stdout, result.stdout + result.stderr
    for reason in (
        EMULATOR_REASONS["own_server"],
        "needs a second redis-server process: fakeredis runs in this process",
        EMULATOR_REASONS["needs_replica"],
        EMULATOR_REASONS["cluster_only"],
    ):
        assert reason in result.stdout, result.stdout


# ---------------------------------------------------------------------------------------------- the matrix

FEATURE = """Feature: Demo
  Scenario: A plain behaviour
    When the client sends "PING"
    Then the reply is "PONG"

  @redis_only
  Scenario: Redis says it one way
    When the client sends "X"
    Then the reply is an error saying "ERR Redis words"

  @valkey_only
  Scenario: On Valkey, it is said another way
    When the client sends "X"
    Then the reply is an error saying "ERR Valkey words"
"""


def _record(line: int, name: str, outcome: str = "passed", reason: str = "", message: str = "", tags=()) -> dict:
    return {
        "topic": "demo",
        "feature_file": "demo/demo.feature",
        "feature": "Demo",
        "rule": "",
        "scenario": name,
        "tags": list(tags),
        "line": line,
        "nodeid": f"tests/spec/test_demo.py::test_{line}",
        "outcome": outcome,
        "reason": reason,
        "message": message,
    }


def _run(vendor: str, version: str, protocol: int, plain: str = "passed", message: str = "") -> dict:
    from redisbehaviors.testing.records import SCHEMA_VERSION

    redis_version = {"valkey": "7.2.4", "fakeredis": "8.0.0"}.get(vendor, version)
    server = {"version": redis_version, "protocol": protocol, "backend": vendor}
    if vendor != "redis":
        server |= {"vendor": vendor, "vendor_version": version}
    on_valkey = vendor == "valkey"
    skip_redis = "Redis-only behaviour: valkey 8.1.8 (redis_version 7.2.4) differs"
    skip_valkey = "Valkey-only behaviour: redis 7.0.15 is not Valkey"
    return {
        "schema_version": SCHEMA_VERSION,
        "server": server,
        "behaviours": [
            _record(2, "A plain behaviour", plain, message=message),
            _record(7, "Redis says it one way", "skipped" if on_valkey else "passed", skip_redis * on_valkey,
                    tags=["redis_only"]),
            _record(12, "On Valkey, it is said another way", "passed" if on_valkey else "skipped",
                    "" if on_valkey else skip_valkey, tags=["valkey_only"]),
        ],
    }  # fmt: skip


def _matrix(tmp_path: Path, runs: list[dict]):
    import json

    from redisbehaviors.reports.matrix import write_reports
    from redisbehaviors.reports.results import load_runs

    (tmp_path / "features" / "demo").mkdir(parents=True)
    (tmp_path / "features" / "demo" / "demo.feature").write_text(FEATURE)
    paths = []
    for number, data in enumerate(runs):
        path = tmp_path / "runs" / f"{number}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(data))
        paths.append(path)
    return write_reports(load_runs(paths), tmp_path / "out", tmp_path / "features", docs_dir=tmp_path / "docs")


def test_the_divergence_page_of_valkey_shows_both_sides_of_each_stated_pair(tmp_path: Path) -> None:
    outcome = _matrix(tmp_path, [_run("redis", "7.0.15", 3), _run("valkey", "8.1.8", 3)])
    assert outcome.unexplained == 0
    page = (tmp_path / "out" / "divergences" / "valkey-8.1.8.md").read_text()
    assert "## Divergences the spec states (1)" in page
    assert "- **Redis** — Redis says it one way (`demo/demo.feature:7`)" in page
    assert '`Then the reply is an error saying "ERR Redis words"`' in page
    assert '`Then the reply is an error saying "ERR Valkey words"`' in page
    assert "## Behaviours that fail here (0)" in page
    matrix = (tmp_path / "out" / "matrix.md").read_text()
    assert "| Redis says it one way <sub>demo/demo.feature:7</sub> | ✓ | ⇄ |" in matrix
    assert "Unexplained failures on real servers: **0**." in matrix


def test_a_failure_on_a_real_server_is_unexplained_and_shows_what_the_server_replied(tmp_path: Path) -> None:
    message = 'expected "PONG", Redis replied "pong"'
    outcome = _matrix(tmp_path, [_run("redis", "7.0.15", 3), _run("valkey", "8.1.8", 3, "failed", message)])
    assert outcome.unexplained == 1
    page = (tmp_path / "out" / "divergences" / "valkey-8.1.8.md").read_text()
    assert f"| A plain behaviour <sub>`demo/demo.feature:2`</sub> | {message} | RESP3 only | redis 7.0.15 |" in page


def test_fakeredis_failures_are_fidelity_gaps_on_its_own_page_in_the_docs(tmp_path: Path) -> None:
    message = 'expected "PONG", Redis replied the error "ERR unknown command \'ping\'"'
    runs = [_run("redis", "7.0.15", 2), _run("fakeredis", "2.41.0", 2, "failed", message)]
    runs.append(_run("fakeredis", "2.41.0", 3, "failed", message))
    outcome = _matrix(tmp_path, runs)
    assert outcome.unexplained == 0  # an emulator's gaps are listed, not counted against the spec
    page = (tmp_path / "docs" / "fakeredis.md").read_text()
    assert "Measured with fakeredis 2.41.0 (Redis 8.0.0)." in page
    assert "## demo (1)" in page
    assert "[`demo/demo.feature:2`](../../features/demo/demo.feature#L2)" in page
    assert "| both | redis 7.0.15 |" in page
    assert "Divergences the spec states" not in (tmp_path / "out" / "divergences" / "fakeredis-2.41.0.md").read_text()


def test_discovery_finds_each_server_once_by_vendor_and_version_and_fakeredis_last(tmp_path: Path) -> None:
    from redisbehaviors.reports import matrix

    fake = tmp_path / "valkey-server"
    fake.write_text("#!/bin/sh\necho 'Valkey server v=8.1.8 sha=00000000:0 malloc=libc bits=64 build=0'\n")
    fake.chmod(0o755)
    copy = tmp_path / "copy-of-valkey-server"
    copy.write_text(fake.read_text())
    copy.chmod(0o755)
    servers = matrix.discover_servers([str(fake), str(copy)], discover=False)
    assert [(s.vendor, s.version, s.source, s.binary) for s in servers] == [("valkey", "8.1.8", "given", str(fake))]
    assert servers[0].pytest_args == ["--redis-backend", "binary", "--redis-server-bin", str(fake)]
    found = matrix.discover_servers()
    assert len({(s.vendor, s.version) for s in found}) == len(found)
    if matrix.fakeredis_choice() is not None:
        assert found[-1].vendor == "fakeredis" and found[-1].pytest_args == ["--redis-backend", "fakeredis"]


def test_a_failing_scenario_records_what_the_server_replied(tmp_path: Path) -> None:
    import json

    (tmp_path / "x.feature").write_text("Feature: F\n  Scenario: S\n    Then it fails\n")
    (tmp_path / "test_x.py").write_text(
        textwrap.dedent(
            """
            from pytest_bdd import scenarios, then
            scenarios("x.feature")

            @then("it fails")
            def it_fails(r):  # the run needs a server for its records to name one
                raise AssertionError('expected 1, Redis replied 2\\nmore detail')
            """
        )
    )
    out = tmp_path / "records.json"
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--redis-backend", "fakeredis"]
    subprocess.run([*command, "--behaviour-json", str(out), str(tmp_path)], cwd=tmp_path, capture_output=True)
    [record] = json.loads(out.read_text())["behaviours"]
    assert record["outcome"] == "failed" and record["message"] == "expected 1, Redis replied 2"


def test_report_matrix_no_run_rebuilds_every_page_and_fails_on_an_unexplained_failure(tmp_path: Path) -> None:
    import json

    from redisbehaviors.reports.cli import main

    (tmp_path / "features" / "demo").mkdir(parents=True)
    (tmp_path / "features" / "demo" / "demo.feature").write_text(FEATURE)
    (tmp_path / "out" / "matrix").mkdir(parents=True)
    runs = {"redis-7.0.15-resp3": _run("redis", "7.0.15", 3), "valkey-8.1.8-resp3": _run("valkey", "8.1.8", 3)}
    for name, data in runs.items():
        (tmp_path / "out" / "matrix" / f"{name}.json").write_text(json.dumps(data))
    argv = ["matrix", "--no-run", "--out", str(tmp_path / "out"), "--features", str(tmp_path / "features")]
    argv += ["--docs", str(tmp_path / "docs")]
    assert main(argv) == 0
    assert (tmp_path / "out" / "divergences" / "valkey-8.1.8.html").is_file()
    site = (tmp_path / "out" / "site" / "index.html").read_text()
    assert '<a href="../matrix.html">Conformance matrix</a>' in site
    failing = _run("valkey", "8.1.8", 3, "failed", "expected 1, Redis replied 2")
    (tmp_path / "out" / "matrix" / "valkey-8.1.8-resp3.json").write_text(json.dumps(failing))
    assert main(argv) == 1


def test_the_causes_of_failures_mask_what_varies_from_one_scenario_to_the_next() -> None:
    from redisbehaviors.reports.matrix import cause_of

    sha = "6f8e06d121a25ff004108578eecafc218d554144"
    message = f"expected 1, Redis replied the error 'ERR Error running script (call to f_{sha}): line 12'"
    assert cause_of(message) == "'ERR Error running script (call to f_<sha>): line N'"
    assert cause_of("expected an error saying 'ERR x', got 'ERR y 3'") == "'ERR y N'"
