"""Busy-script steps of the Lua topic (features/lua/atomicity_and_busy_scripts.feature): a script
running past the busy threshold, SCRIPT KILL, and a separate server for scripts that cannot be killed.

A script started "in the background" runs in a thread on its own connection, so the scenario can
watch other clients meanwhile; the scenario's :class:`BusyWorld` holds it, and on teardown leaves
no server busy (SCRIPT KILL on the shared server, SHUTDOWN NOSAVE on a separate one).
"""

from __future__ import annotations

import contextlib
import shlex
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

import pytest
import redis
from pytest_bdd import given, parsers, step, then, when

from redisbehaviors.testing import RedisServer, wait_until
from tests.steps.lua.scripts import script_command
from tests.steps.redis_commands import ERROR, ErrorPattern, RawCommands, error_text

DEADLINE = 15.0  # generous bound for anything that must happen "soon" on a loaded machine


class Background:
    """One command running in a thread on its own connection; its outcome is a Future."""

    def __init__(self, client: redis.Redis, args: list[Any]) -> None:
        self.future: Future[Any] = Future()
        self.thread = threading.Thread(target=self._run, args=(client, args), daemon=True)
        self.thread.start()

    def _run(self, client: redis.Redis, args: list[Any]) -> None:
        try:
            self.future.set_result(client.execute_command(*args))
        except BaseException as exc:
            self.future.set_exception(exc)


@dataclass
class BusyWorld:
    """The background script of a scenario, and the separate server it may run on."""

    raw: RawCommands
    background: Background | None = None
    spare: RedisServer | None = None
    spare_clients: dict[str, redis.Redis] = field(default_factory=dict)

    def spare_client(self, who: str) -> redis.Redis:
        assert self.spare is not None, "no separate server was started"
        if who not in self.spare_clients:
            self.spare_clients[who] = self.spare.client(single_connection_client=True, socket_timeout=DEADLINE)
        return self.spare_clients[who]

    def outcome(self) -> Any:
        assert self.background is not None, "no script was started in the background"
        return self.background.future.result(DEADLINE)

    def close(self) -> None:
        if self.spare is not None and self.spare.is_running():
            # An unkillable script leaves only SHUTDOWN NOSAVE (allowed while a script is busy).
            with contextlib.suppress(redis.RedisError), self.spare.client(socket_timeout=5) as janitor:
                janitor.execute_command("SHUTDOWN", "NOSAVE")
        elif self.background is not None and not self.background.future.done():
            # Never leave the shared server busy: kill the (read-only) script if it still runs.
            with contextlib.suppress(redis.RedisError):
                self.raw.client("janitor").execute_command("SCRIPT", "KILL")
            self.background.thread.join(DEADLINE)
        for client in self.spare_clients.values():
            client.close()


@pytest.fixture
def busy_world(raw: RawCommands) -> Iterator[BusyWorld]:
    world = BusyWorld(raw)
    yield world
    world.close()


def busy_setting(version: tuple[int, int, int]) -> str:
    """busy-reply-threshold since 7.0; before that the same setting was lua-time-limit."""
    return "busy-reply-threshold" if version >= (7, 0, 0) else "lua-time-limit"


def wait_for_error(send: Callable[[], str | None], pattern: ErrorPattern, seconds: float) -> None:
    """Send until the error line ``send`` returns matches ``pattern``, within ``seconds``."""
    seen: list[str | None] = [None]

    def matched() -> bool:
        seen[0] = send()
        return pattern.matches(seen[0])

    try:
        wait_until(matched, seconds, what=f"an error {pattern}")
    except TimeoutError as exc:
        raise AssertionError(f"expected an error {pattern} within {seconds} s, last got {seen[0]!r}") from exc


# ------------------------------------------------------------------------------------ the shared server


@given(parsers.parse("the busy-script threshold is {ms:d} ms"))
def busy_threshold(server_config: Callable[[str, str], None], redis_target: Any, ms: int) -> None:
    server_config(busy_setting(redis_target.version), str(ms))


@when(parsers.re(r'client "(?P<who>[^"]+)" starts EVAL(?: with keys "(?P<keys>[^"]*)")? in the background:'))
def start_background(raw: RawCommands, busy_world: BusyWorld, who: str, keys: str | None, docstring: str) -> None:
    args = raw.namespaced(script_command("EVAL", docstring, keys, None))
    busy_world.background = Background(raw.client(who), args)


@step(parsers.re(rf'within (?P<seconds>[\d.]+) seconds client "(?P<who>[^"]+)" gets {ERROR} for "(?P<command>[^"]+)"'))
def busy_error(
    raw: RawCommands,
    seconds: str,
    who: str,
    saying: str | None,
    start: str | None,
    end: str | None,
    command: str,
) -> None:
    """As ``the reply is an error saying …`` (the whole error line), polled until it shows up."""

    def send() -> str | None:
        raw.send(command, who)
        return raw.error_line

    wait_for_error(send, ErrorPattern(saying, start, end), float(seconds))


@then(parsers.re(rf'the background script of client "(?P<who>[^"]+)" ends with {ERROR}'))
def background_error(busy_world: BusyWorld, who: str, saying: str | None, start: str | None, end: str | None) -> None:
    pattern = ErrorPattern(saying, start, end)
    with pytest.raises(redis.ResponseError) as caught:
        busy_world.outcome()
    line = error_text(caught.value)
    assert pattern.matches(line), f"expected an error {pattern}, got {line!r}"


# ---------------------------------------------------------------- a separate server, for unkillable scripts


@given(parsers.parse("a separate server with a busy-script threshold of {ms:d} ms"))
def separate_server(
    spawn_server: Callable[..., RedisServer], redis_target: Any, busy_world: BusyWorld, ms: int
) -> None:
    busy_world.spare = spawn_server({busy_setting(redis_target.version): str(ms)})


@when(parsers.re(r'a client of that server starts EVAL with keys "(?P<keys>[^"]*)" in the background:'))
def spare_background(busy_world: BusyWorld, keys: str, docstring: str) -> None:
    busy_world.background = Background(busy_world.spare_client("A"), script_command("EVAL", docstring, keys, None))


@step(
    parsers.re(
        rf"within (?P<seconds>[\d.]+) seconds another client of that server gets {ERROR}"
        r' for "(?P<command>[^"]+)"'
    )
)
def spare_busy(
    busy_world: BusyWorld, seconds: str, saying: str | None, start: str | None, end: str | None, command: str
) -> None:
    def send() -> str | None:
        try:
            busy_world.spare_client("B").execute_command(*shlex.split(command))
        except redis.ResponseError as exc:
            return error_text(exc)
        return None

    wait_for_error(send, ErrorPattern(saying, start, end), float(seconds))


@step(parsers.re(r'another client of that server sends "(?P<command>[^"]+)"'))
def spare_send(raw: RawCommands, busy_world: BusyWorld, command: str) -> None:
    client = busy_world.spare_client("B")
    try:
        raw.record(lambda: client.execute_command(*shlex.split(command)))
    except redis.ConnectionError:  # SHUTDOWN closes the connection instead of replying: no reply
        raw.record(lambda: None)


@then(parsers.parse("that server has stopped within {seconds:d} seconds"))
def spare_stopped(busy_world: BusyWorld, seconds: int) -> None:
    spare = busy_world.spare
    assert spare is not None, "no separate server was started"
    wait_until(lambda: not spare.is_running(), seconds, what="the server process to exit")


@then("the background script ended because the connection was closed")
def background_connection_closed(busy_world: BusyWorld) -> None:
    with pytest.raises(redis.ConnectionError):
        busy_world.outcome()
