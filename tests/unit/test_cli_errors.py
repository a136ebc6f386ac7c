"""The command-line tools with a bad connection: one line on stderr, exit status 3, never a password.

Covered for every tool (``chat``, ``stock``, ``media``): an unreachable port, a wrong password
for an ACL user, ``NOAUTH`` (a server with ``requirepass``, a URL without one), a TLS handshake
that fails, and a command the ACL user may not run.  The tools also work over ``rediss://`` as an
ACL user with ``--tls-ca-cert``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from redisbehaviors.cli import main
from redisbehaviors.cli.connection import EXIT_UNAVAILABLE, redact, scrub
from redisbehaviors.testing.tls import TlsServer
from tests.support import running_tls_server
from tests.unit.test_acl import AclUser, acl_user, documented_rule

__all__ = ["acl_user"]  # the fixture, imported for its use here

SECRET = "PASSWORD-8f3a"
#: One call per tool; ``{conn}`` is where ``--url`` and the TLS options go.
TOOLS: dict[str, list[str]] = {
    "stock": ["stock", "{conn}", "--namespace", "{ns}", "show", "A-1"],
    "media-monitor": ["media", "monitor", "{conn}", "--namespace", "{ns}"],
    "media-submit": ["media", "submit", "transcode", "{conn}", "--namespace", "{ns}", "--job-id", "j1"],
    "media-dead-letters": ["media", "dead-letters", "list", "{conn}", "--namespace", "{ns}"],
}


def run_tool(argv: list[str], url: str, ns: str, *extra: str) -> list[str]:
    """``argv`` with the namespace filled in and ``--url url *extra`` at ``{conn}``."""
    command: list[str] = []
    for part in argv:
        command += ["--url", url, *extra] if part == "{conn}" else [part.replace("{ns}", ns)]
    return command


def one_line_failure(code: int, err: str, out: str, *expected: str) -> None:
    assert code == EXIT_UNAVAILABLE, err
    assert err.count("\n") == 1, err
    assert "Traceback" not in err and SECRET not in err + out
    for text in expected:
        assert text in err, err


def chat(url: str, *extra: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "redisbehaviors.cli", "chat", "--room", "lobby", "--name", "ana", "--url", url]
    env = {**os.environ, "REDIS_URL": "redis://127.0.0.1:1/0"}
    return subprocess.run([*command, *extra], input="", capture_output=True, text=True, timeout=60, env=env)


# ------------------------------------------------------------------------------------------ redaction


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379/0"),
        ("redis://u:s3cret@127.0.0.1:6379/0", "redis://u:***@127.0.0.1:6379/0"),
        ("rediss://:s3cret@db.example:6380", "rediss://:***@db.example:6380"),
        ("redis://s3cret@127.0.0.1", "redis://***@127.0.0.1"),  # some clients read a lone userinfo as a password
        ("redis://u:p@ss:w@rd@127.0.0.1/0", "redis://u:***@127.0.0.1/0"),  # unencoded '@' in the password
        ("redis://u:p%40ss@127.0.0.1/0", "redis://u:***@127.0.0.1/0"),
        ("redis://127.0.0.1/0?password=s3cret&db=1", "redis://127.0.0.1/0?password=***&db=1"),
        ("unix://u:s3cret@/run/redis.sock?db=1", "unix://u:***@/run/redis.sock?db=1"),
        ("u:s3cret@127.0.0.1", "***"),
    ],
)
def test_a_url_is_shown_without_its_password(url: str, shown: str) -> None:
    assert redact(url) == shown


def test_an_error_text_is_scrubbed_of_the_password_as_written_and_as_decoded() -> None:
    url = "redis://u:p%40ss@127.0.0.1/0"
    assert scrub("AUTH u p@ss failed\nfor p%40ss", url) == "AUTH u *** failed for ***"


# ------------------------------------------------------------------------------------------ unreachable


def test_the_chat_does_not_print_the_password_of_an_unreachable_url() -> None:
    done = chat(f"redis://u:{SECRET}@127.0.0.1:1/0")
    one_line_failure(done.returncode, done.stderr, done.stdout, "cannot reach Redis at redis://u:***@127.0.0.1:1/0")


@pytest.mark.parametrize("tool", list(TOOLS))
def test_an_unreachable_server_is_one_line_without_the_password(
    tool: str, ns: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(run_tool(TOOLS[tool], f"redis://u:{SECRET}@127.0.0.1:1/0", ns))
    captured = capsys.readouterr()
    one_line_failure(code, captured.err, captured.out, "cannot reach Redis at redis://u:***@127.0.0.1:1/0")


def test_the_media_worker_gives_up_on_an_unreachable_server_in_one_line(
    ns: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["media", "worker", "--namespace", ns, "--url", f"redis://:{SECRET}@127.0.0.1:1/0", "--block-ms", "10"])
    captured = capsys.readouterr()
    one_line_failure(code, captured.err, captured.out, "cannot reach Redis at redis://:***@127.0.0.1:1/0")


# ------------------------------------------------------------------------------------------ authentication


def _port(redis_target: Any) -> str:
    return redis_target.url.rsplit(":", 1)[1].split("/")[0]


@pytest.mark.parametrize("tool", list(TOOLS))
def test_a_wrong_password_for_an_acl_user_is_one_line(
    tool: str, acl_user: Callable[[str, str], AclUser], redis_target: Any, ns: str, capsys: pytest.CaptureFixture[str]
) -> None:
    user = acl_user("media" if tool.startswith("media") else "reservations", 'engine="script"')
    url = f"redis://{user.name}:{SECRET}@127.0.0.1:{_port(redis_target)}/0"
    code = main(run_tool(TOOLS[tool], url, ns))
    captured = capsys.readouterr()
    one_line_failure(code, captured.err, captured.out, "refused the login", f"{user.name}:***@")


def test_the_chat_reports_a_wrong_password_in_one_line(
    acl_user: Callable[[str, str], AclUser], redis_target: Any
) -> None:
    user = acl_user("chat", "")
    done = chat(f"redis://{user.name}:{SECRET}@127.0.0.1:{_port(redis_target)}/0")
    one_line_failure(done.returncode, done.stderr, done.stdout, "refused the login: invalid username-password pair")


@pytest.fixture
def password_server(spawn_server: Callable[..., Any]) -> Any:
    # Set after the start: RedisServer's readiness check sends PING without a password.
    server = spawn_server()
    with server.client() as admin:
        admin.config_set("requirepass", SECRET)
    return server


@pytest.mark.parametrize("tool", list(TOOLS))
def test_a_url_without_the_password_of_a_requirepass_server_is_one_line(
    tool: str, password_server: Any, ns: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(run_tool(TOOLS[tool], password_server.url, ns))
    captured = capsys.readouterr()
    one_line_failure(code, captured.err, captured.out, "refused the login", "(the URL gives no password)")
    assert "Authentication required" in captured.err or "HELLO must be called with the client already" in captured.err


def test_the_right_password_of_a_requirepass_server_works_and_is_not_printed(
    password_server: Any, ns: str, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"redis://:{SECRET}@127.0.0.1:{password_server.port}/0"
    assert main(run_tool(["stock", "{conn}", "--namespace", "{ns}", "set", "A-1", "3"], url, ns)) == 0
    assert SECRET not in capsys.readouterr().out


# ------------------------------------------------------------------------------------------ permissions


def test_a_command_the_acl_user_may_not_run_is_one_line(
    acl_user: Callable[[str, str], AclUser], redis_target: Any, ns: str, capsys: pytest.CaptureFixture[str]
) -> None:
    user = acl_user("chat", "")  # a chat user running the stock tool: logged in, but no HMGET
    url = f"redis://{user.name}:{user.password}@127.0.0.1:{_port(redis_target)}/0"
    code = main(run_tool(TOOLS["stock"], url, ns))
    captured = capsys.readouterr()
    assert user.password not in captured.err
    assert code == EXIT_UNAVAILABLE and captured.err.count("\n") == 1
    assert f"the Redis user of redis://{user.name}:***@" in captured.err and "may not do this" in captured.err


def test_the_media_tool_needs_no_info_for_its_acl_user(
    acl_user: Callable[[str, str], AclUser], redis_target: Any, ns: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert not any("+info" in line.tokens for line in documented_rule("media"))
    user = acl_user("media", "")
    url = f"redis://{user.name}:{user.password}@127.0.0.1:{_port(redis_target)}/0"
    assert main(run_tool(TOOLS["media-submit"], url, ns)) == 0
    worker = ["media", "worker", "{conn}", "--namespace", "{ns}", "--handler", "noop", "--max-jobs", "1"]
    assert main(run_tool([*worker, "--block-ms", "10"], url, ns)) == 0
    assert main(run_tool(TOOLS["media-monitor"], url, ns)) == 0
    out = capsys.readouterr().out
    assert "job=j1" in out and '"applied": 1' in out and "group workers: OK" in out


# ------------------------------------------------------------------------------------------ TLS


@pytest.fixture(scope="module")
def tls_server(redis_target: Any) -> Iterator[TlsServer]:
    yield from running_tls_server(redis_target)


@pytest.mark.parametrize("tool", list(TOOLS))
def test_a_tls_server_whose_ca_is_not_given_fails_the_handshake_in_one_line(
    tool: str, tls_server: TlsServer, ns: str, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"rediss://:{SECRET}@127.0.0.1:{tls_server.tls_port}"
    code = main(run_tool(TOOLS[tool], url, ns))
    captured = capsys.readouterr()
    expected = ("TLS handshake with Redis at rediss://:***@", "CERTIFICATE_VERIFY")
    one_line_failure(code, captured.err, captured.out, *expected)


def test_tls_to_a_plain_text_port_times_out_in_one_line_that_says_why(
    redis_target: Any, ns: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(run_tool(TOOLS["stock"], f"rediss://127.0.0.1:{_port(redis_target)}", ns))
    captured = capsys.readouterr()
    one_line_failure(code, captured.err, captured.out, "a port that does not speak TLS never answers the handshake")


def test_the_tools_work_over_tls_as_an_acl_user(
    tls_server: TlsServer, ns: str, capsys: pytest.CaptureFixture[str]
) -> None:
    admin = tls_server.client()
    name = "stock-tls"
    for line in documented_rule("reservations"):
        if 'engine="script"' in line.label:
            tokens = [t.replace("<ns>", ns).replace("<password>", SECRET) for t in line.tokens]
            admin.execute_command("ACL", "SETUSER", name, *tokens)
    try:
        url = f"rediss://{name}:{SECRET}@127.0.0.1:{tls_server.tls_port}/0"
        ca = ["--tls-ca-cert", str(tls_server.files.ca_cert)]
        assert main(run_tool(["stock", "{conn}", "--namespace", "{ns}", "set", "A-1", "3"], url, ns, *ca)) == 0
        cert = ["--tls-cert", str(tls_server.files.client_cert), "--tls-key", str(tls_server.files.client_key)]
        assert main(run_tool(["stock", "{conn}", "--namespace", "{ns}", "show", "A-1"], url, ns, *ca, *cert)) == 0
        out = capsys.readouterr().out
        assert out.splitlines()[-1] == "A-1: StockLevel(available=3, reserved=0, sold=0, total=3)"
        assert SECRET not in out
    finally:
        admin.execute_command("ACL", "DELUSER", name)
        admin.flushall()
        admin.close()


def test_the_chat_talks_over_tls(tls_server: TlsServer) -> None:
    done = chat(tls_server.url, "--tls-ca-cert", str(tls_server.files.ca_cert))
    assert done.returncode == 0, done.stderr
    assert "[lobby | online: ana] ana> " in done.stdout


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--tls-ca-cert", "/nonexistent/ca.crt"], "TLS file '/nonexistent/ca.crt' does not exist"),
        (["--url", "redis://127.0.0.1:1", "--tls-ca-cert", __file__], "need a rediss:// URL"),
    ],
)
def test_tls_options_are_checked_before_connecting(
    extra: list[str], message: str, ns: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["stock", "--url", f"rediss://:{SECRET}@127.0.0.1:1", *extra, "--namespace", ns, "show", "A-1"])
    captured = capsys.readouterr()
    assert code == 2 and message in captured.err and SECRET not in captured.err
