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
