"""Faults on the wire, injected at a known moment: a reply lost after the server ran the command,
and a storm of ``CLIENT KILL``.

A client library that retries on ``ConnectionError`` (redis-py does, with its default ``Retry``)
sends a command again when the connection breaks before the reply arrives.  If the server had
already run it, the effect happens twice unless the operation is idempotent.  The
:class:`ReplyDroppingProxy` reproduces exactly that: it forwards a chosen request to the server,
waits for the server's reply, then closes the client's connection instead of delivering it.

Registered as its own pytest plugin (entry point ``pytest11`` ``redisbehaviors-faults``) for the
``lossy_proxy`` and ``kill_storm`` fixtures.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import redis

from redisbehaviors.testing.server import LOOPBACK

Predicate = Callable[[bytes], bool]


@dataclass
class _Rule:
    matches: Predicate
    remaining: int


@dataclass
class _Link:
    dropping: bool = False
    reply_seen: threading.Event = field(default_factory=threading.Event)


@dataclass
class ReplyDroppingProxy:
    """A loopback TCP proxy in front of ``upstream`` that can lose chosen replies.

    ``lose_reply_to(b"EVALSHA", times=1)``: the next request whose bytes contain ``EVALSHA`` reaches
    the server and runs; its reply is read from the server and thrown away, and the client's
    connection is closed.  ``lost`` counts the replies lost so far.
    """

    upstream_host: str
    upstream_port: int
    host: str = LOOPBACK
    port: int = 0
    lost: int = 0
    _rules: list[_Rule] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _listener: socket.socket | None = None
    _sockets: set[socket.socket] = field(default_factory=set)
    _stopped: threading.Event = field(default_factory=threading.Event)

    @classmethod
    def start(cls, upstream_host: str, upstream_port: int) -> ReplyDroppingProxy:
        proxy = cls(upstream_host, upstream_port)
        listener = socket.create_server((proxy.host, 0))
        proxy._listener = listener
        proxy.port = listener.getsockname()[1]
        threading.Thread(target=proxy._accept, name="lossy-proxy", daemon=True).start()
        return proxy

    @property
    def url(self) -> str:
        return f"redis://{self.host}:{self.port}/0"

    def lose_reply_to(self, needle: bytes | Predicate, times: int = 1) -> None:
        """Lose the reply to the next ``times`` requests that contain ``needle`` (or satisfy it)."""
        matches = needle if callable(needle) else (lambda data, n=needle: n in data)
        with self._lock:
            self._rules.append(_Rule(matches, times))

    def pending_rules(self) -> int:
        with self._lock:
            return sum(rule.remaining for rule in self._rules)

    def stop(self) -> None:
        self._stopped.set()
        if self._listener is not None:
            with contextlib.suppress(OSError):
                self._listener.close()
        with self._lock:
            for sock in list(self._sockets):
                with contextlib.suppress(OSError):
                    sock.close()
            self._sockets.clear()

    # ------------------------------------------------------------------------------------------ internals

    def _take(self, data: bytes) -> bool:
        with self._lock:
            for rule in self._rules:
                if rule.remaining and rule.matches(data):
                    rule.remaining -= 1
                    return True
        return False

    def _accept(self) -> None:
        assert self._listener is not None
        while not self._stopped.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection((self.upstream_host, self.upstream_port), timeout=5)
            except OSError:
                client.close()
                continue
            server.settimeout(None)
            with self._lock:
                self._sockets.update((client, server))
            threading.Thread(target=self._serve, args=(client, server), daemon=True).start()

    def _serve(self, client: socket.socket, server: socket.socket) -> None:
        """Requests flow client -> server and replies flow back, until a marked request.

        redis-py sends a command (or a whole pipeline) and then waits for its replies, so the bytes
        the server sends after a marked request are its replies: they are read and dropped, and only
        then is the client's connection closed, so the command has certainly run.
        """
        link = _Link()
        threading.Thread(target=self._pump, args=(server, client, link), daemon=True).start()
        try:
            while True:
                data = client.recv(65536)
                if not data:
                    break
                if self._take(data):
                    link.dropping = True
                    server.sendall(data)
                    if link.reply_seen.wait(timeout=5):
                        with self._lock:
                            self.lost += 1
                    break
                server.sendall(data)
        except OSError:
            pass
        finally:
            self._close(client, server)

    def _pump(self, source: socket.socket, sink: socket.socket, link: _Link) -> None:
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                if link.dropping:
                    link.reply_seen.set()
                    continue
                sink.sendall(data)
        except OSError:
            pass
        finally:
            self._close(source, sink)

    def _close(self, *sockets: socket.socket) -> None:
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.close()
            with self._lock:
                self._sockets.discard(sock)


class KillStorm:
    """``CLIENT KILL TYPE normal SKIPME yes`` every ``interval`` seconds from a separate client."""

    def __init__(self, client: redis.Redis, interval: float = 0.01) -> None:
        self.client = client
        self.interval = interval
        self.kills = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="kill-storm", daemon=True)

    def __enter__(self) -> KillStorm:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            with contextlib.suppress(redis.RedisError):
                self.kills += int(self.client.execute_command("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes"))


# ---------------------------------------------------------------------------------------------- fixtures


def _address(redis_target: Any) -> tuple[str, int]:
    pool_kwargs = redis.Redis.from_url(redis_target.url).connection_pool.connection_kwargs
    return pool_kwargs.get("host", LOOPBACK), int(pool_kwargs.get("port", 6379))


@pytest.fixture
def lossy_proxy(redis_target: Any) -> Iterator[ReplyDroppingProxy]:
    """A :class:`ReplyDroppingProxy` in front of the run's server; connect clients to ``.url``."""
    if redis_target.mode == "cluster":
        pytest.skip("the lost-reply proxy fronts one standalone server")
    proxy = ReplyDroppingProxy.start(*_address(redis_target))
    yield proxy
    proxy.stop()


@pytest.fixture
def kill_storm(redis_target: Any) -> Iterator[Callable[..., KillStorm]]:
    """``with kill_storm(interval=0.01): …`` kills every normal client but the storm's own, repeatedly."""
    if not redis_target.owned:
        pytest.skip("a CLIENT KILL storm would disconnect other users of a shared server")
    clients: list[redis.Redis] = []

    def make(interval: float = 0.01) -> KillStorm:
        client = redis_target.client()
        clients.append(client)
        return KillStorm(client, interval)

    yield make
    for client in clients:
        client.close()
