"""The benchmark report: ratio tables per ``benchmark.group``, charts, environment, physical reference.

Conventions (docs/CONTRIBUTING.md): each comparison is one ``benchmark.group``; the reference entry
of a group sets ``extra_info["role"] = "baseline"``; others may set ``extra_info["goal"]`` such as
``"ratio <= 1.10"``.  A ratio is the entry's median time over the baseline's median time (lower is
faster).  Optional ``extra_info`` understood here: ``"commands"`` (``"INCR"`` or ``["GET", "SET"]``),
the raw commands an entry stands for, and ``"ops_per_call"`` (default 1), Redis operations per call.

The physical reference is ``redis-benchmark`` run against the very server the benchmarks used (the
benchmarks' conftest measures it at the end of the session when :data:`REFERENCE_ENV` names a file),
once with one client and no pipelining (what one synchronous client can get) and once with 50
clients (what the server itself can do).
"""

from __future__ import annotations

import csv
import io
import json
import os
import platform
import re
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from redisbehaviors.reports.charts import Guide, Series, bar_chart
from redisbehaviors.reports.render import render

REFERENCE_ENV = "REDISBEHAVIORS_BENCH_REFERENCE"
REQUESTS_ENV = "REDISBEHAVIORS_BENCH_REQUESTS"
#: redis-benchmark ``-t`` tests (XADD is not among them in 7.0, so it is given as a command).
DEFAULT_TESTS = ("ping_mbulk", "set", "get", "incr", "lpush", "sadd")
CUSTOM_COMMANDS: dict[str, list[str]] = {
    "XADD": ["XADD", "__redisbehaviors_bench_stream", "MAXLEN", "~", "10000", "*", "field", "value"],
}
CLIENTS = (1, 50)
GOAL = re.compile(r"ratio\s*(<=|>=|<|>|==)\s*([0-9]*\.?[0-9]+)")


# ---------------------------------------------------------------------------------------------- ratios


@dataclass
class BenchEntry:
    group: str
    name: str
    fullname: str
    extra_info: dict[str, Any]
    median: float
    mean: float
    iqr: float
    stddev: float
    ops: float
    rounds: int

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BenchEntry:
        stats = data.get("stats") or {}
        return cls(
            group=str(data.get("group") or "(no group)"),
            name=str(data.get("name", "")),
            fullname=str(data.get("fullname", data.get("name", ""))),
            extra_info=dict(data.get("extra_info") or {}),
            median=float(stats.get("median", 0.0)),
            mean=float(stats.get("mean", 0.0)),
            iqr=float(stats.get("iqr", 0.0)),
            stddev=float(stats.get("stddev", 0.0)),
            ops=float(stats.get("ops", 0.0)),
            rounds=int(stats.get("rounds", 0)),
        )

    @property
    def is_baseline(self) -> bool:
        return self.extra_info.get("role") == "baseline"

    @property
    def goal(self) -> str:
        return str(self.extra_info.get("goal", ""))

    @property
    def commands(self) -> list[str]:
        value = self.extra_info.get("commands", self.extra_info.get("command", []))
        items = value.split(",") if isinstance(value, str) else list(value)
        return [str(c).strip().upper() for c in items if str(c).strip()]

    @property
    def ops_per_second(self) -> float:
        """Redis operations per second: calls per second (from the median) times ``ops_per_call``."""
        per_call = float(self.extra_info.get("ops_per_call", 1) or 1)
        return per_call / self.median if self.median > 0 else 0.0


@dataclass
class RatioRow:
    entry: BenchEntry
    ratio: float | None
    met: bool | None


@dataclass
class GroupReport:
    group: str
    baseline: BenchEntry | None
    rows: list[RatioRow] = field(default_factory=list)


def parse_goal(goal: str) -> tuple[str, float] | None:
    """``"ratio <= 1.10"`` -> ``("<=", 1.1)``; anything else -> ``None`` (shown, not checked)."""
    match = GOAL.search(goal)
    return (match.group(1), float(match.group(2))) if match else None


def goal_met(goal: str, ratio: float | None) -> bool | None:
    parsed = parse_goal(goal)
    if parsed is None or ratio is None:
        return None
    op, limit = parsed
    return {
        "<=": ratio <= limit,
        "<": ratio < limit,
        ">=": ratio >= limit,
        ">": ratio > limit,
        "==": abs(ratio - limit) < 1e-9,
    }[op]


def load_entries(data: dict[str, Any]) -> list[BenchEntry]:
    return [BenchEntry.from_dict(b) for b in data.get("benchmarks", []) if b.get("stats")]


def natural_key(text: str) -> list[Any]:
    """``"by 4 clients"`` sorts before ``"by 16 clients"``."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text)]


def ratio_groups(entries: Iterable[BenchEntry]) -> list[GroupReport]:
    """One report per group, baseline first; a group without a baseline has no ratios."""
    groups: dict[str, list[BenchEntry]] = {}
    for entry in entries:
        groups.setdefault(entry.group, []).append(entry)
    reports = []
    for group, members in sorted(groups.items(), key=lambda item: natural_key(item[0])):
        baseline = next((e for e in members if e.is_baseline), None)
        ordered = sorted(members, key=lambda e: (not e.is_baseline, e.median))
        report = GroupReport(group, baseline)
        for entry in ordered:
            ratio = entry.median / baseline.median if baseline and baseline.median > 0 else None
            report.rows.append(RatioRow(entry, ratio, None if entry.is_baseline else goal_met(entry.goal, ratio)))
        reports.append(report)
    return reports


def human_time(seconds: float) -> str:
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def met_text(met: bool | None, baseline: bool = False) -> str:
    if baseline:
        return "baseline"
    return {True: "met", False: "NOT MET", None: "—"}[met]


def _ratio_text(row: RatioRow) -> str:
    return f"{row.ratio:.2f}×" if row.ratio is not None else "—"


def ratio_table_text(reports: Sequence[GroupReport]) -> str:
    """The ratio tables as plain text, for the terminal summary of a benchmark run."""
    if not reports:
        return "no benchmark results"
    lines = []
    for report in reports:
        lines.append(f"[{report.group}]" + ("" if report.baseline else "  (no entry has role=baseline)"))
        width = max(len(r.entry.name) for r in report.rows)
        for row in report.rows:
            entry = row.entry
            lines.append(
                f"  {entry.name:<{width}}  median {human_time(entry.median):>9}  "
                f"ratio {_ratio_text(row):>7}  goal {entry.goal or '—':<14} "
                f"{met_text(row.met, entry.is_baseline)}"
            )
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------- reference


def is_loopback(host: str) -> bool:
    return host in ("localhost", "::1") or host.startswith("127.")


def parse_csv(text: str, clients: int) -> list[dict[str, Any]]:
    """redis-benchmark ``--csv`` output -> ``[{"test", "clients", "rps", "p50_ms"}]``."""
    rows = []
    for row in csv.DictReader(io.StringIO(text)):
        if not row.get("test") or not row.get("rps"):
            continue
        test = row["test"].split()[0].upper()
        rows.append(
            {
                "test": test,
                "clients": clients,
                "rps": float(row["rps"]),
                "p50_ms": float(row["p50_latency_ms"]),
            }
        )
    return rows


def measure_reference(
    url: str, requests: int = 20000, tests: Sequence[str] = DEFAULT_TESTS, binary: str = "redis-benchmark"
) -> list[dict[str, Any]]:
    """Run redis-benchmark against ``url`` (a loopback server only), with 1 and with 50 clients."""
    parsed = urlparse(url)
    host, port = parsed.hostname or "127.0.0.1", parsed.port or 6379
    if not is_loopback(host):
        raise ValueError(f"redis-benchmark is only run against a loopback server, not {host!r}")
    base = [binary, "-h", host, "-p", str(port), "-n", str(requests), "-P", "1", "--csv"]
    rows: list[dict[str, Any]] = []
    for clients in CLIENTS:
        command = [*base, "-c", str(clients), "-t", ",".join(tests)]
        done = subprocess.run(command, capture_output=True, text=True, timeout=600, check=True)
        rows += parse_csv(done.stdout, clients)
        for args in CUSTOM_COMMANDS.values():
            done = subprocess.run([*base, "-c", str(clients), *args], capture_output=True, text=True, timeout=600)
            rows += parse_csv(done.stdout, clients)
    return rows


def reference_rate(reference: dict[str, Any] | None, test: str, clients: int = 1) -> float | None:
    for row in (reference or {}).get("redis_benchmark", []):
        if row["test"] == test and row["clients"] == clients:
            return float(row["rps"])
    return None


# ---------------------------------------------------------------------------------------------- charts

VERDICT_COLOURS: dict[bool | None, str] = {True: "#2e7d32", False: "#c62828", None: "#607d8b"}


def ratio_chart_svg(report: GroupReport) -> str:
    """Horizontal bars of each entry's ratio to the baseline, with the 1.0 line and the goal lines."""
    rows = report.rows
    colours = ["#9e9e9e" if r.entry.is_baseline else VERDICT_COLOURS[r.met] for r in rows]
    guides = [Guide(1.0, "1.0 = baseline")] if report.baseline else []
    limits = sorted({goal[1] for goal in (parse_goal(r.entry.goal) for r in rows) if goal})
    guides += [Guide(limit, f"goal {limit:g}") for limit in limits]
    return bar_chart(
        f"{report.group}: time relative to baseline" if report.baseline else f"{report.group}: no baseline",
        [r.entry.name for r in rows],
        [Series("ratio", [r.ratio for r in rows], colours=colours)],
        guides,
        value_format="{:.2f}×".format,
        no_data="no entry has role=baseline: no ratio to draw",
    )


def throughput_chart_svg(entries: Sequence[BenchEntry], reference: dict[str, Any] | None) -> str:
    """Each benchmark's Redis operations per second next to redis-benchmark's one-client PING rate."""
    ping = reference_rate(reference, "PING_MBULK", 1)
    guides = [Guide(ping, f"redis-benchmark PING, 1 client: {ping:,.0f}/s")] if ping else []
    return bar_chart(
        "Operations per second (median), one client",
        [f"{e.group} · {e.name}" for e in entries],
        [Series("ops/s", [e.ops_per_second for e in entries])],
        guides,
        guide_colour="#d82c20",
    )


def reference_chart_svg(reference: dict[str, Any]) -> str:
    """redis-benchmark requests per second per command, with 1 client and with 50 clients."""
    tests = list(dict.fromkeys(r["test"] for r in reference.get("redis_benchmark", [])))
    colours = {1: "#90a4ae", 50: "#d82c20"}
    series = [
        Series(
            f"{clients} client{'s' if clients > 1 else ''}",
            [reference_rate(reference, t, clients) for t in tests],
            colour=colours.get(clients, "#1565c0"),
        )
        for clients in CLIENTS
    ]
    return bar_chart("redis-benchmark on the same server (requests per second)", tests, series)


# ---------------------------------------------------------------------------------------------- report


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def environment(results: dict[str, Any], reference: dict[str, Any] | None) -> list[tuple[str, str]]:
    machine = results.get("machine_info", {})
    cpu = machine.get("cpu", {}) if isinstance(machine.get("cpu"), dict) else {}
    server = (reference or {}).get("server", {})
    commit = results.get("commit_info", {})
    return [
        (
            "Redis server",
            f"{server.get('version', 'unknown')} ({server.get('backend', '?')})" if server else "unknown",
        ),
        ("Protocol", f"RESP{server['protocol']}" if server.get("protocol") else "unknown"),
        ("redis-py", _version("redis")),
        ("hiredis", _version("hiredis")),
        (
            "Python",
            f"{machine.get('python_implementation', platform.python_implementation())} "
            f"{machine.get('python_version', platform.python_version())}",
        ),
        ("CPU count", str(cpu.get("count") or os.cpu_count())),
        ("CPU", str(cpu.get("brand_raw") or machine.get("processor") or platform.processor() or "unknown")),
        ("Load average at report time", " ".join(f"{v:.2f}" for v in os.getloadavg())),
        ("pytest-benchmark", str(results.get("version", _version("pytest-benchmark")))),
        ("Run at", str(results.get("datetime", "unknown"))),
        ("Commit", f"{commit.get('id', 'unknown')}{' (dirty)' if commit.get('dirty') else ''}"),
    ]


def fraction_rows(entries: Sequence[BenchEntry], reference: dict[str, Any] | None) -> list[list[str]]:
    """Per entry: ops/s as a fraction of redis-benchmark's one-client rates (PING, and its command)
    and of the server's many-client PING rate."""
    ping = reference_rate(reference, "PING_MBULK", 1)
    server = reference_rate(reference, "PING_MBULK", CLIENTS[-1])
    rows = []
    for entry in entries:
        command_rates = [(c, reference_rate(reference, c, 1)) for c in entry.commands]
        known = [(c, rate) for c, rate in command_rates if rate]
        of_command = ", ".join(f"{entry.ops_per_second / rate:.1%} of {c}" for c, rate in known) or "—"
        rows.append(
            [
                entry.group,
                entry.name,
                f"{entry.ops_per_second:,.0f}",
                f"{entry.ops_per_second / ping:.1%}" if ping else "—",
                of_command,
                f"{entry.ops_per_second / server:.1%}" if server else "—",
            ]
        )
    return rows


RATIO_HEADER = ("Entry", "Median", "IQR", "Rounds", "Ratio", "Goal", "Verdict")


def ratio_rows(report: GroupReport) -> list[list[str]]:
    return [
        [
            row.entry.name,
            human_time(row.entry.median),
            human_time(row.entry.iqr),
            str(row.entry.rounds),
            _ratio_text(row),
            row.entry.goal or "—",
            met_text(row.met, row.entry.is_baseline),
        ]
        for row in report.rows
    ]


REFERENCE_HEADER = ("Command", "1 client (req/s)", "1 client p50", "50 clients (req/s)", "50 clients p50")
FRACTION_HEADER = (
    "Group",
    "Entry",
    "Ops/s (calls/s × ops_per_call)",
    "of PING, 1 client",
    "of its command, 1 client",
    f"of PING, {CLIENTS[-1]} clients (the server)",
)


def reference_rows(reference: dict[str, Any]) -> list[list[str]]:
    rows = []
    tests = dict.fromkeys(r["test"] for r in reference.get("redis_benchmark", []))
    by = {(r["test"], r["clients"]): r for r in reference.get("redis_benchmark", [])}
    for test in tests:
        cells = [test]
        for clients in CLIENTS:
            row = by.get((test, clients))
            cells += [f"{row['rps']:,.0f}", f"{row['p50_ms']:.3f} ms"] if row else ["—", "—"]
        rows.append(cells)
    return rows


@dataclass
class Table:
    header: Sequence[str]
    rows: list[list[str]]


@dataclass
class GroupSection:
    name: str
    table: Table
    chart: str  # relative to the report


@dataclass
class BenchPage:
    """Everything both renderings of the report show; the templates only lay it out."""

    source: str
    entries: int
    groups: list[GroupSection]
    environment: Table
    reference: Table | None = None
    fractions: Table | None = None
    requests: str = "?"
    not_measured: str = ""
    throughput_chart: bool = False


def chart_name(group: str) -> str:
    return "charts/ratio-" + (re.sub(r"[^A-Za-z0-9_.-]+", "-", group).strip("-") or "group") + ".svg"


def write_charts(reports: Sequence[GroupReport], entries: Sequence[BenchEntry], reference: Any, out_dir: Path) -> None:
    (out_dir / "charts").mkdir(parents=True, exist_ok=True)
    for report in reports:
        (out_dir / chart_name(report.group)).write_text(ratio_chart_svg(report))
    if entries:
        (out_dir / "charts" / "throughput.svg").write_text(throughput_chart_svg(entries, reference))
    if reference and reference.get("redis_benchmark"):
        (out_dir / "charts" / "redis-benchmark.svg").write_text(reference_chart_svg(reference))


def bench_page(results_path: Path, results: dict[str, Any], reference: dict[str, Any] | None) -> BenchPage:
    entries = load_entries(results)
    page = BenchPage(
        source=str(results_path),
        entries=len(entries),
        groups=[
            GroupSection(r.group, Table(RATIO_HEADER, ratio_rows(r)), chart_name(r.group))
            for r in ratio_groups(entries)
        ],
        environment=Table(("What", "Value"), [list(pair) for pair in environment(results, reference)]),
        throughput_chart=bool(entries),
    )
    if reference and reference.get("redis_benchmark"):
        page.reference = Table(REFERENCE_HEADER, reference_rows(reference))
        page.fractions = Table(FRACTION_HEADER, fraction_rows(entries, reference))
        page.requests = str(reference.get("requests", "?"))
    else:
        reason = (reference or {}).get("error") or "no reference file (redis-benchmark runs only under `report bench`)"
        page.not_measured = f"Not measured: {reason}"
    return page


def write_bench_report(results_path: Path, reference_path: Path | None, out_dir: Path) -> tuple[Path, Path]:
    """Write ``report.md``, ``report.html`` and the SVG charts beside them; returns both report paths."""
    results = json.loads(results_path.read_text())
    reference = json.loads(reference_path.read_text()) if reference_path else None
    entries = load_entries(results)
    write_charts(ratio_groups(entries), entries, reference, out_dir)
    page = bench_page(results_path, results, reference)
    markdown, report_html = out_dir / "report.md", out_dir / "report.html"
    markdown.write_text(render("bench/report.md", page=page))
    report_html.write_text(render("bench/report.html", page=page))
    return markdown, report_html
