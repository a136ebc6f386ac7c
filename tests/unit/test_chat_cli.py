"""The terminal client, driven through a pipe (no terminal: line mode) against the run's server."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import redis

from redisbehaviors.chat import Chat
from redisbehaviors.chat.feed import Gap
from redisbehaviors.chat.payload import ChatMessage
from redisbehaviors.cli.chat import render


def run_cli(url: str, ns: str, name: str, text: str) -> subprocess.CompletedProcess[str]:
    command = [
        sys.executable,
        "-m",
        "redisbehaviors.cli",
        "chat",
        "--room",
        "lobby",
        "--name",
        name,
        "--namespace",
        ns,
        "--url",
        url,
    ]
    return subprocess.run(
        command,
        input=text,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "REDIS_URL": "redis://127.0.0.1:1/0"},
    )


def test_lines_typed_into_the_client_are_sent_to_the_room_and_it_leaves_on_quit(
    redis_target: Any, r: redis.Redis, ns: str
) -> None:
    chat = Chat(r, namespace=ns)
    chat.send("lobby", "bob", "earlier")
    done = run_cli(redis_target.url, ns, "ana", "hello from a pipe\n/who\n/quit\n")
    assert done.returncode == 0, done.stderr
    assert [(m.sender, m.body) for m in chat.history("lobby")] == [("bob", "earlier"), ("ana", "hello from a pipe")]
    assert "<bob> (history) earlier" in done.stdout
    assert "* online: ana" in done.stdout
    assert chat.online("lobby") == []  # /quit left the room at once


def test_a_bad_name_is_refused_before_connecting(redis_target: Any, ns: str) -> None:
    done = run_cli(redis_target.url, ns, "a{b}", "")
    assert done.returncode == 2
    assert "name 'a{b}'" in done.stderr or "me 'a{b}'" in done.stderr


def test_an_unreachable_server_is_reported_with_its_url_in_one_line(ns: str) -> None:
    done = run_cli("redis://127.0.0.1:1/0", ns, "ana", "")
    assert done.returncode == 3
    assert done.stderr.startswith("redisbehaviors chat: cannot reach Redis at redis://127.0.0.1:1/0: ")
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr


def test_events_are_rendered_as_one_line_each() -> None:
    message = ChatMessage("1764170000000-0", "0-0", "lobby", "ana", 1764170000000, "hi", replayed=True)
    assert render(message).endswith("<ana> (history) hi")
    gap = render(Gap("lobby", "1-0", "5-0", "trimmed"))
    assert gap == "! messages after 1-0 up to 5-0 were missed: they are no longer in the history"
