"""``redisbehaviors chat --room lobby --name ana``: a terminal chat for two (or more) people.

Start it in two terminals with different ``--name``s.  Each keystroke may announce "typing"
(throttled), the prompt shows who is online and who is typing, ``/who`` lists the members,
``/quit`` (or Ctrl-D / Ctrl-C) leaves.  When the connection drops, the client says so,
reconnects, and replays from the history what it missed, or tells you what is lost.

``--url`` takes ``redis://``/``rediss://`` URLs with ``user:password@`` (default ``$REDIS_URL``);
when Redis cannot be reached or refuses the login, one line says so on stderr (the password
masked) and the exit status is 3.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import os
import select
import sys
import termios
import time
import tty
from collections.abc import Iterator
from typing import Any, TextIO

import redis

from redisbehaviors.chat.chat import Chat
from redisbehaviors.chat.feed import (
    Disconnected,
    Event,
    Gap,
    PresenceChanged,
    Reconnected,
    TypingChanged,
    UnreadablePayload,
)
from redisbehaviors.chat.payload import ChatMessage
from redisbehaviors.cli.connection import CONNECTION_PROBLEMS, add_connection_arguments, connect, mask, report
from redisbehaviors.errors import InvalidInput

ERASE_LINE = "\r\x1b[2K"


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("chat", help="chat in a room from the terminal", description=__doc__)
    parser.add_argument("--room", required=True, help="room to join, for example lobby")
    parser.add_argument("--name", required=True, help="your name in the room")
    add_connection_arguments(parser)
    parser.add_argument("--namespace", default="chat", help="key namespace (default: chat)")
    parser.add_argument("--backlog", type=int, default=20, help="recent messages shown on join")
    parser.add_argument("--since", default=None, help="replay everything after this id")
    parser.add_argument("--history-limit", type=int, default=1000, help="messages kept per room")
    parser.set_defaults(handler=run)


def render(event: Event) -> str | None:
    """One line for an event, or None for events that only change the prompt."""
    if isinstance(event, ChatMessage):
        clock = datetime.datetime.fromtimestamp(event.time / 1000).strftime("%H:%M:%S")
        mark = " (history)" if event.replayed else ""
        return f"{clock} <{event.sender}>{mark} {event.body}"
    if isinstance(event, PresenceChanged):
        verb = {"join": "joined", "leave": "left", "timeout": "timed out"}.get(event.reason, event.reason)
        return f"* {event.name} {verb}"
    if isinstance(event, Gap):
        what = "the room's history was reset" if event.reason == "reset" else "they are no longer in the history"
        return f"! messages after {event.after_id} up to {event.until_id} were missed: {what}"
    if isinstance(event, Disconnected):
        return f"! connection lost ({event.error}); reconnecting…"
    if isinstance(event, Reconnected):
        return f"! reconnected; fetching what was missed since {event.since_id}"
    if isinstance(event, UnreadablePayload):
        return f"! unreadable payload on the room channel: {event.error}"
    return None


class Terminal:
    """The prompt line and the lines printed above it."""

    def __init__(self, out: TextIO, room: str, name: str, url: str | None = None) -> None:
        self.out, self.room, self.name = out, room, name
        self.url = url  # only to mask its password in whatever is shown (errors quote the server)
        self.buffer = ""
        self.online: list[str] = []
        self.typing: set[str] = set()

    def prompt(self) -> str:
        status = f"online: {', '.join(self.online) or '-'}"
        if self.typing:
            status += f" | {', '.join(sorted(self.typing))} typing…"
        return f"[{self.room} | {status}] {self.name}> {self.buffer}"

    def show(self, line: str | None = None) -> None:
        text = ERASE_LINE + (f"{line}\n" if line is not None else "") + self.prompt()
        self.out.write(mask(text, self.url))
        self.out.flush()


@contextlib.contextmanager
def keystrokes(fd: int) -> Iterator[bool]:
    """cbreak mode on a terminal, so that typing is seen before Enter; True when it is a terminal."""
    if not os.isatty(fd):
        yield False
        return
    saved = termios.tcgetattr(fd)
    tty.setcbreak(fd)
    try:
        yield True
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


def run(args: argparse.Namespace) -> int:
    client = connect(args, retries=2, socket_timeout=5, health_check_interval=5)
    try:
        chat = Chat(client, namespace=args.namespace, history_limit=args.history_limit)
        feed = chat.feed(args.room, me=args.name, since=args.since, backlog=args.backlog)
    except InvalidInput as exc:
        print(f"redisbehaviors chat: {exc}", file=sys.stderr)
        return 2
    try:
        return session(chat, feed, args.room, args.name, args.url)
    except CONNECTION_PROBLEMS as exc:
        sys.stdout.write("\n")  # end the prompt line first
        return report("chat", exc, args.url)
    finally:
        client.close()


def session(chat: Chat, feed: Any, room: str, name: str, url: str | None = None) -> int:
    term = Terminal(sys.stdout, room, name, url)
    fd = sys.stdin.fileno()
    heartbeat_every = chat.presence_ttl_ms / 3000
    with feed, keystrokes(fd):
        for event in feed.open():
            term.show(render(event))
        term.online = chat.heartbeat(room, name)
        next_beat = time.monotonic() + heartbeat_every
        term.show()
        try:
            while True:
                ready, _, _ = select.select([fd], [], [], 0.1)
                if ready and not handle_input(chat, term, os.read(fd, 1024).decode(errors="replace")):
                    break
                for event in feed.poll(0):
                    apply(term, event)
                if time.monotonic() >= next_beat:
                    next_beat = time.monotonic() + heartbeat_every
                    with contextlib.suppress(redis.ConnectionError, redis.TimeoutError):
                        term.online = chat.heartbeat(room, name)
                        term.show()
        except KeyboardInterrupt:
            pass
        finally:
            with contextlib.suppress(redis.RedisError):
                chat.leave(room, name)
            term.out.write("\n")
    return 0


def apply(term: Terminal, event: Event) -> None:
    if isinstance(event, TypingChanged):
        (term.typing.add if event.typing else term.typing.discard)(event.sender)
    elif isinstance(event, PresenceChanged):
        if event.online and event.name not in term.online:
            term.online = sorted([*term.online, event.name])
        elif not event.online:
            term.online = [n for n in term.online if n != event.name]
    term.show(render(event))


def handle_input(chat: Chat, term: Terminal, text: str) -> bool:
    """Apply typed characters; False when the user leaves (EOF, Ctrl-C, Ctrl-D or /quit)."""
    if not text:
        return False
    for char in text:
        if char in ("\x03", "\x04"):
            return False
        if char in ("\r", "\n"):
            line, term.buffer = term.buffer.strip(), ""
            if line == "/quit":
                return False
            if line == "/who":
                with contextlib.suppress(redis.ConnectionError, redis.TimeoutError):
                    term.online = chat.online(term.room)
                term.show(f"* online: {', '.join(term.online) or 'nobody'}")
            elif line:
                try:
                    chat.send(term.room, term.name, line)
                except (redis.ConnectionError, redis.TimeoutError) as exc:
                    term.buffer = line
                    term.show(f"! not sent ({exc}); press Enter to retry")
                except InvalidInput as exc:
                    term.show(f"! not sent: {exc}")
            term.show()
        elif char in ("\x7f", "\b"):
            term.buffer = term.buffer[:-1]
            term.show()
        elif char.isprintable():
            term.buffer += char
            if not term.buffer.startswith("/"):  # commands are not chat: nobody sees them typed
                with contextlib.suppress(redis.ConnectionError, redis.TimeoutError):
                    chat.typing(term.room, term.name)
            term.show()
    return True
