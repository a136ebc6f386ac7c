"""Steps of features/operations/persistence.feature: one server of the scenario's own, killed with
SIGKILL (as a crash would) and started again on the same port and directory."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

from pytest_bdd import given, parsers, step

from redisbehaviors.testing import RedisServer, wait_until
from tests.steps.operations.nodes import DEADLINE, Nodes


def _start(nodes: Nodes, spawn_server: Callable[..., RedisServer], options: dict[str, str]) -> None:
    nodes.bind("the server", spawn_server(options))
    nodes.primary_role, nodes.replica_roles = "the server", []


@given("a server started without persistence")
def server_without_persistence(nodes: Nodes, spawn_server: Callable[..., RedisServer]) -> None:
    _start(nodes, spawn_server, {"appendonly": "no", "save": ""})


@given(parsers.re(r'a server started with (?P<options>".+")'))
def server_with(nodes: Nodes, spawn_server: Callable[..., RedisServer], options: str) -> None:
    """``a server started with "appendonly yes" and "appendfsync always"``."""
    pairs = [text.split(" ", 1) for text in re.findall(r'"([^"]+)"', options)]
    _start(nodes, spawn_server, {name: value for name, value in pairs})


@step("the server is killed and started again")
def kill_and_restart(nodes: Nodes) -> None:
    nodes.server("the server").restart()  # SIGKILL, then the same binary, options, port and directory
    nodes.forget("the server")


@step("the server is started again")
def start_again(nodes: Nodes) -> None:
    kill_and_restart(nodes)


@step(parsers.parse("{ms:d} milliseconds pass while the server is down"))
def time_passes(nodes: Nodes, ms: int) -> None:
    assert not nodes.server("the server").is_running()
    until = time.monotonic() + ms / 1000
    wait_until(lambda: time.monotonic() >= until, ms / 1000 + DEADLINE, what=f"{ms} ms to pass")
