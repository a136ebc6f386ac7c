"""The harness itself: spawning, stopping, gating, isolation on a shared server."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis

from redisbehaviors.serverinfo import parse_version
from redisbehaviors.testing.plugin import NO_REDIS_MESSAGE, RedisTarget, docker_answers
from redisbehaviors.testing.server import RedisServer, port_is_free

ROOT = Path(__file__).resolve().parents[2]


def test_parse_version_pads_missing_parts() -> None:
    assert parse_version("7.0.15") == (7, 0, 15)
    assert parse_version("8.2") == (8, 2, 0)


def test_a_spawned_server_leaves_its_port_free_when_stopped(redis_target: RedisTarget) -> None:
    if redis_target.binary is None:
        pytest.skip("needs a redis-server binary")
    server = RedisServer.start(redis_target.binary)
    port, directory = server.port, server.directory
    with server.client() as client:
        assert client.ping() is True
        assert client.config_get("save") == {"save": ""}
        assert client.config_get("bind")["bind"].startswith("127.0.0.1")
    server.stop()
    assert server.process.poll() is not None
    assert port_is_free(port)
    assert not directory.exists()


@contextmanager
def _another_server(redis_target: RedisTarget) -> Iterator[RedisServer]:
    """A server started from this run's binary, stopped afterwards."""
    if redis_target.binary is None:
        pytest.skip("needs a redis-server binary")
    server = RedisServer.start(redis_target.binary)
    try:
        yield server
    finally:
        server.stop()


def test_a_restarted_server_comes_back_on_the_same_port_empty(redis_target: RedisTarget) -> None:
    with _another_server(redis_target) as server:
        with server.client() as client:
            client.set("k", "v")
        server.restart()
        with server.client() as client:
            assert client.exists("k") == 0  # no persistence: a restart loses everything


def test_docker_detection_answers_fast_when_no_engine_runs() -> None:
    started = time.monotonic()
    docker_answers()
    assert time.monotonic() - started < 1.0


def _own_server_args(redis_target: RedisTarget) -> list[str]:
    """Options that give a child run a server of its own, from the binary this run uses (the PATH one,
    the embedded one, Valkey's: whatever this run has, so a machine with only Python passes too)."""
    if redis_target.binary is None:
        pytest.skip("needs a redis-server binary for the child run to start")
    return ["--redis-backend", "binary", "--redis-server-bin", redis_target.binary]


def _run_pytest(tmp_path: Path, test_body: str, *args: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "test_it.py").write_text(textwrap.dedent(test_body))
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args, str(tmp_path)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_without_any_server_the_run_stops_with_one_clear_message(tmp_path: Path) -> None:
    result = _run_pytest(tmp_path, "def test_x(r): pass\n", "--redis-backend", "url")
    assert result.returncode != 0
    assert "--redis-backend url needs --redis-url" in result.stdout + result.stderr
    assert "redis-server binary" in NO_REDIS_MESSAGE and "embedded" in NO_REDIS_MESSAGE


def test_the_plugin_stops_its_server_after_the_run_even_when_tests_fail(
    redis_target: RedisTarget, tmp_path: Path
) -> None:
    body = """
        def test_remember_port(redis_target):
            open("port.txt", "w").write(str(redis_target.server.port))
            assert False, "this test fails on purpose"
    """
    result = _run_pytest(tmp_path, body, *_own_server_args(redis_target))
    assert result.returncode == 1, result.stdout
    assert port_is_free(int((tmp_path / "port.txt").read_text()))


def _run_tagged_scenario(tmp_path: Path, tag: str, *args: str) -> subprocess.CompletedProcess[str]:
    """A feature of one scenario tagged ``@tag`` (its one step does nothing), run with ``args``."""
    (tmp_path / "x.feature").write_text(f"Feature: F\n  @{tag}\n  Scenario: S\n    Given nothing\n")
    body = """
        from pytest_bdd import given, scenarios
        scenarios("x.feature")
        @given("nothing")
        def nothing(): pass
    """
    return _run_pytest(tmp_path, body, *args)


def test_an_unknown_tag_fails_collection(tmp_path: Path) -> None:
    result = _run_tagged_scenario(tmp_path, "no_such_tag", "--strict-markers")
    assert result.returncode != 0
    assert "no_such_tag" in result.stdout


def test_version_tags_skip_with_the_reason(tmp_path: Path) -> None:
    result = _run_tagged_scenario(tmp_path, "since_99_0", "--strict-markers", "-rs")
    assert result.returncode == 0, result.stdout
    assert "needs Redis >= 99.0" in result.stdout


def test_on_a_shared_server_only_the_scenarios_own_keys_are_removed(redis_target: RedisTarget, tmp_path: Path) -> None:
    with _another_server(redis_target) as shared:
        with shared.client() as client:
            client.set("someone-elses-key", "keep me")
        body = """
            def test_writes(r, key, ns):
                r.set(key("mine"), 1)
                r.set(ns + ":component-key", 1)
        """
        result = _run_pytest(tmp_path, body, "--redis-url", shared.url)
        assert result.returncode == 0, result.stdout
        with shared.client() as client:
            assert client.keys("*") == ["someone-elses-key"]


def test_clients_speak_the_selected_protocol(r: redis.Redis, redis_target: RedisTarget) -> None:
    assert r.connection_pool.connection_kwargs["protocol"] == redis_target.protocol
    if redis_target.version >= (7, 0, 0):  # CLIENT INFO reports resp= since 7.0
        assert str(r.client_info()["resp"]) == str(redis_target.protocol)


def test_a_server_started_from_a_short_lived_thread_outlives_that_thread(redis_target: RedisTarget) -> None:
    if redis_target.binary is None:
        pytest.skip("needs a redis-server binary")
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        server = pool.submit(RedisServer.start, redis_target.binary).result()
    try:  # the thread that asked for the server has ended: the server must stay up
        with pytest.raises(subprocess.TimeoutExpired):
            server.process.wait(timeout=1.0)
        with server.client() as client:
            assert client.ping() is True
    finally:
        server.stop()


def test_ctrl_c_during_a_run_stops_the_server_it_started(redis_target: RedisTarget, tmp_path: Path) -> None:
    import signal

    from redisbehaviors.testing import wait_until

    (tmp_path / "test_it.py").write_text(
        textwrap.dedent(
            """
            import threading

            def test_long(redis_target):
                open("port.txt", "w").write(str(redis_target.server.port))
                threading.Event().wait(60)  # a long test, interrupted by Ctrl-C
            """
        )
    )
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *_own_server_args(redis_target)]
    run = subprocess.Popen(
        [*command, str(tmp_path)],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    port_file = tmp_path / "port.txt"
    wait_until(lambda: port_file.exists() and port_file.read_text(), timeout=60, what="the test to start")
    run.send_signal(signal.SIGINT)
    output, _ = run.communicate(timeout=60)
    assert run.returncode == 2, output  # pytest's exit code for an interrupted run
    assert port_is_free(int(port_file.read_text()))


def test_an_outside_project_with_no_conftest_gets_the_fixtures_from_the_installed_plugin(tmp_path: Path) -> None:
    """``pip install redisbehaviors[test]`` is enough: the ``pytest11`` entry point loads the plugin."""
    assert not (tmp_path / "conftest.py").exists()
    result = _run_pytest(
        tmp_path,
        """
        import pytest

        def test_fixtures(r, ns, key, redis_target, client_factory):
            assert r.set(key("greeting"), "hello") is True
            assert client_factory().get(key("greeting")) == "hello"
            assert key("greeting") == "{" + ns + "}:greeting"
            assert redis_target.version >= (6, 0, 0)

        @pytest.mark.redis_since("99.0")
        def test_gated(r):
            raise AssertionError("a test for a newer server must be skipped")
        """,
        "-rs",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed, 1 skipped" in result.stdout, result.stdout
    assert "needs Redis >= 99.0" in result.stdout
    assert "redisbehaviors: redis " in result.stdout  # the lazily started server is named in the summary


# ---------------------------------------------------------------------------------------------- isolation


def _threshold_setting(redis_target: RedisTarget) -> str:
    return "busy-reply-threshold" if redis_target.version >= (7, 0, 0) else "lua-time-limit"


ORDINARY_TESTS = """
    def test_{n}_an_ordinary_test(r, key):
        assert r.ping() is True
        assert r.dbsize() == 0
        r.set(key("k"), "v")
        assert r.get(key("k")) == "v"
"""

#: Helpers of a generated module whose tests leave a script running: ``_busy(r)`` says one runs.
BUSY_HELPERS = """
        import threading

        import redis
        from redisbehaviors.testing import wait_until

        def _busy(r):
            try:
                r.ping()
            except redis.ResponseError as exc:
                return str(exc).startswith("BUSY")
            return False
"""


def _with_ordinary_tests(body: str, numbers: Iterable[int]) -> str:
    """The test module ``body`` (dedented) with an ordinary test numbered each of ``numbers`` around its own."""
    return textwrap.dedent(body) + "".join(textwrap.dedent(ORDINARY_TESTS.format(n=n)) for n in numbers)


def test_a_scenario_that_leaves_a_runaway_script_fails_alone(redis_target: RedisTarget, tmp_path: Path) -> None:
    setting = _threshold_setting(redis_target)
    body = f"""
        def test_0_leaves_a_runaway_script_and_a_changed_setting(r, redis_target):
            r.config_set("{setting}", "100")  # not through server_config: nobody restores it
            runaway = redis_target.client()
            threading.Thread(target=lambda: runaway.eval("while true do end", 0), daemon=True).start()
            wait_until(lambda: _busy(r), timeout=10, what="the script to make the server busy")

        def test_9_the_setting_is_back(r):
            assert r.config_get("{setting}") == {{"{setting}": "5000"}}
    """
    body = _with_ordinary_tests(BUSY_HELPERS + body, range(1, 6))
    result = _run_pytest(tmp_path, body, *_own_server_args(redis_target))
    # The bad test's own body passes; its teardown is the one error. Nothing else fails.
    assert "7 passed" in result.stdout and " 1 error" in result.stdout, result.stdout
    assert "failed" not in result.stdout.splitlines()[-1], result.stdout
    assert "ERROR at teardown of test_0_leaves_a_runaway_script_and_a_changed_setting" in result.stdout
    assert "a script or function was still running (SCRIPT KILL stopped it)" in result.stdout
    assert "was left at '100' (set back to '5000')" in result.stdout  # busy-reply-threshold or its alias


def test_an_unkillable_script_a_pause_or_a_shutdown_each_fail_alone_and_the_server_is_restarted(
    redis_target: RedisTarget, tmp_path: Path
) -> None:
    if redis_target.version < (6, 2, 0):
        pytest.skip("CLIENT PAUSE ALL needs 6.2")
    setting = _threshold_setting(redis_target)
    body = f"""
        def test_0_leaves_a_script_that_wrote(r, key, redis_target):
            r.config_set("{setting}", "100")
            runaway = redis_target.client()
            script = "redis.call('SET', KEYS[1], 1) while true do end"
            threading.Thread(target=lambda: runaway.eval(script, 1, key("w")), daemon=True).start()
            wait_until(lambda: _busy(r), timeout=10, what="the script to make the server busy")

        def test_2_leaves_every_client_paused(r):
            r.execute_command("CLIENT", "PAUSE", "60000", "ALL")

        def test_4_shuts_the_server_down(r):
            try:
                r.shutdown(nosave=True)
            except redis.ConnectionError:
                pass
    """
    body = _with_ordinary_tests(BUSY_HELPERS + body, (1, 3, 5))
    result = _run_pytest(tmp_path, body, "-rN", *_own_server_args(redis_target))  # -rN: each error text once
    assert "6 passed" in result.stdout and " 3 errors" in result.stdout, result.stdout
    assert "failed" not in result.stdout.splitlines()[-1], result.stdout
    for name, why in (
        ("test_0_leaves_a_script_that_wrote", "UNKILLABLE"),
        ("test_2_leaves_every_client_paused", "did not answer PING"),
        ("test_4_shuts_the_server_down", "the server was gone"),
    ):
        assert f"ERROR at teardown of {name}" in result.stdout
        assert why in result.stdout
    assert result.stdout.count("the server was restarted") == 3


def test_a_scenario_that_kills_every_client_connection_breaks_nothing(
    redis_target: RedisTarget, tmp_path: Path
) -> None:
    """``CLIENT KILL TYPE normal`` also closes the guard's own connection: a fresh one answers, so no restart."""
    body = """
        def test_0_kills_every_normal_client(r):
            assert r.execute_command("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes") >= 1
    """
    body = _with_ordinary_tests(body, (1, 2))
    result = _run_pytest(tmp_path, body, *_own_server_args(redis_target))
    assert result.stdout.splitlines()[-1].startswith("3 passed"), result.stdout
    assert "restarted" not in result.stdout, result.stdout
