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
import html
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


def _svg(width: int, height: int, body: list[str], title: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="DejaVu Sans, sans-serif" font-size="12">'
        f"<title>{html.escape(title)}</title>"
        f'<rect width="{width}" height="{height}" fill="#fff"/>' + "".join(body) + "</svg>\n"
    )


def ratio_chart_svg(report: GroupReport) -> str:
    """Horizontal bars of each entry's ratio to the baseline, with the 1.0 line and the goal line."""
    label_w, bar_w, row_h, top = 300, 380, 26, 34
    ratios = [r.ratio for r in report.rows if r.ratio is not None]
    limits = [g[1] for r in report.rows if (g := parse_goal(r.entry.goal))]
    scale_max = max([1.0, *ratios, *limits]) * 1.15
    height = top + row_h * len(report.rows) + 30
    x = lambda value: label_w + bar_w * value / scale_max  # noqa: E731
    body = [f'<text x="10" y="20" font-weight="bold">{html.escape(report.group)}: time relative to baseline</text>']
    for index, row in enumerate(report.rows):
        y = top + index * row_h
        name = html.escape(row.entry.name if len(row.entry.name) <= 42 else row.entry.name[:41] + "…")
        body.append(f'<text x="{label_w - 8}" y="{y + 16}" text-anchor="end">{name}</text>')
        if row.ratio is None:
            body.append(f'<text x="{label_w + 4}" y="{y + 16}" fill="#777">no baseline</text>')
            continue
        colour = {True: "#2e7d32", False: "#c62828", None: "#607d8b"}[row.met]
        if row.entry.is_baseline:
            colour = "#9e9e9e"
        body.append(
            f'<rect x="{label_w}" y="{y + 4}" width="{x(row.ratio) - label_w:.1f}" height="{row_h - 8}" '
            f'fill="{colour}"/>'
        )
        body.append(f'<text x="{x(row.ratio) + 4:.1f}" y="{y + 16}">{row.ratio:.2f}×</text>')
    bottom = top + row_h * len(report.rows)
    body.append(f'<line x1="{x(1.0):.1f}" y1="{top}" x2="{x(1.0):.1f}" y2="{bottom}" stroke="#333"/>')
    body.append(f'<text x="{x(1.0):.1f}" y="{bottom + 14}" text-anchor="middle" fill="#333">1.0 (baseline)</text>')
    for limit in sorted(set(limits)):
        body.append(
            f'<line x1="{x(limit):.1f}" y1="{top}" x2="{x(limit):.1f}" y2="{bottom}" stroke="#c62828" '
            f'stroke-dasharray="4 3"/>'
        )
        body.append(
            f'<text x="{x(limit):.1f}" y="{bottom + 26}" text-anchor="middle" fill="#c62828">goal {limit:g}</text>'
        )
    return _svg(label_w + bar_w + 80, height + 6, body, f"{report.group} ratios")


def throughput_chart_svg(entries: Sequence[BenchEntry], reference: dict[str, Any] | None) -> str:
    """Each benchmark's Redis operations per second next to redis-benchmark's one-client PING rate."""
    label_w, bar_w, row_h, top = 340, 360, 22, 34
    ping = reference_rate(reference, "PING_MBULK", 1)
    values = [e.ops_per_second for e in entries]
    scale_max = max([*values, ping or 0.0, 1.0]) * 1.15
    x = lambda value: label_w + bar_w * value / scale_max  # noqa: E731
    body = ['<text x="10" y="20" font-weight="bold">Operations per second (median), one client</text>']
    for index, entry in enumerate(entries):
        y = top + index * row_h
        name = f"{entry.group} · {entry.name}"
        name = html.escape(name if len(name) <= 50 else name[:49] + "…")
        body.append(f'<text x="{label_w - 8}" y="{y + 15}" text-anchor="end">{name}</text>')
        body.append(
            f'<rect x="{label_w}" y="{y + 3}" width="{x(entry.ops_per_second) - label_w:.1f}" '
            f'height="{row_h - 6}" '
            f'fill="#1565c0"/>'
        )
        body.append(f'<text x="{x(entry.ops_per_second) + 4:.1f}" y="{y + 15}">{entry.ops_per_second:,.0f}</text>')
    bottom = top + row_h * len(entries)
    if ping:
        body.append(
            f'<line x1="{x(ping):.1f}" y1="{top - 4}" x2="{x(ping):.1f}" y2="{bottom}" stroke="#d82c20" '
            f'stroke-dasharray="5 3"/>'
        )
        body.append(
            f'<text x="{x(ping):.1f}" y="{bottom + 14}" text-anchor="middle" fill="#d82c20">'
            f"redis-benchmark PING, 1 client: {ping:,.0f}/s</text>"
        )
    return _svg(label_w + bar_w + 110, bottom + 24, body, "throughput")


def reference_chart_svg(reference: dict[str, Any]) -> str:
    """redis-benchmark requests per second per command, with 1 client and with 50 clients."""
    rows = reference.get("redis_benchmark", [])
    tests = list(dict.fromkeys(r["test"] for r in rows))
    label_w, bar_w, row_h, top = 120, 480, 34, 34
    scale_max = max([r["rps"] for r in rows] + [1.0]) * 1.2
    x = lambda value: label_w + bar_w * value / scale_max  # noqa: E731
    colours = {1: "#90a4ae", 50: "#d82c20"}
    body = ['<text x="10" y="20" font-weight="bold">redis-benchmark on the same server (requests per second)</text>']
    for index, test in enumerate(tests):
        y = top + index * row_h
        body.append(f'<text x="{label_w - 8}" y="{y + 18}" text-anchor="end">{html.escape(test)}</text>')
        for offset, clients in enumerate(CLIENTS):
            rate = reference_rate(reference, test, clients)
            if rate is None:
                continue
            bar_y = y + 3 + offset * 14
            body.append(
                f'<rect x="{label_w}" y="{bar_y}" width="{x(rate) - label_w:.1f}" height="12" '
                f'fill="{colours[clients]}"/>'
            )
            body.append(
                f'<text x="{x(rate) + 4:.1f}" y="{bar_y + 10}" font-size="11">{rate:,.0f} ({clients} cl.)</text>'
            )
    return _svg(label_w + bar_w + 130, top + row_h * len(tests) + 10, body, "redis-benchmark")


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


def _md_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    def cell(text: str) -> str:
        return str(text).replace("|", "\\|")

    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _html_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


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


def write_bench_report(results_path: Path, reference_path: Path | None, out_dir: Path) -> tuple[Path, Path]:
    """Write ``report.md``, ``report.html`` and the SVG charts beside them; returns both report paths."""
    results = json.loads(results_path.read_text())
    reference = json.loads(reference_path.read_text()) if reference_path else None
    entries = load_entries(results)
    reports = ratio_groups(entries)
    charts = out_dir / "charts"
    charts.mkdir(parents=True, exist_ok=True)
    chart_files = {}
    for report in reports:
        name = re.sub(r"[^A-Za-z0-9_.-]+", "-", report.group).strip("-") or "group"
        (charts / f"ratio-{name}.svg").write_text(ratio_chart_svg(report))
        chart_files[report.group] = f"charts/ratio-{name}.svg"
    if entries:
        (charts / "throughput.svg").write_text(throughput_chart_svg(entries, reference))
    if reference and reference.get("redis_benchmark"):
        (charts / "redis-benchmark.svg").write_text(reference_chart_svg(reference))

    env_rows = [list(pair) for pair in environment(results, reference)]
    not_measured = "Not measured: " + str(
        (reference or {}).get("error") or "no reference file (redis-benchmark runs only under `report bench`)"
    )
    measured = bool(reference and reference.get("redis_benchmark"))
    md = [
        "# Benchmark report",
        "",
        f"From `{results_path}`; {len(entries)} benchmarks in {len(reports)} groups.",
        "",
    ]
    md += ["A ratio is the entry's median time divided by its group's baseline median (lower is faster).", ""]
    md += ["## Environment", "", _md_table(("What", "Value"), env_rows), ""]
    md += ["## Ratios by group", ""]
    for report in reports:
        md += [f"### {report.group}", "", _md_table(RATIO_HEADER, ratio_rows(report)), ""]
        md += [f"![{report.group}]({chart_files[report.group]})", ""]
    md += ["## Physical reference", ""]
    if measured and reference:
        md += [
            "`redis-benchmark` against the same server, right after the benchmarks "
            f"(`-n {reference.get('requests', '?')} -P 1`, with 1 and with 50 clients):",
            "",
            _md_table(REFERENCE_HEADER, reference_rows(reference)),
            "",
            "![redis-benchmark](charts/redis-benchmark.svg)",
            "",
            "Each benchmark's throughput as a fraction of what one client gets from the server itself:",
            "",
            _md_table(FRACTION_HEADER, fraction_rows(entries, reference)),
            "",
        ]
    else:
        md += [not_measured + ".", ""]
    if entries:
        md += ["![throughput](charts/throughput.svg)", ""]
    markdown = out_dir / "report.md"
    markdown.write_text("\n".join(md))

    page = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Benchmark report</title>",
        f"<style>{BENCH_CSS}</style></head><body><main>",
        "<h1>Benchmark report</h1>",
        f"<p>From <code>{html.escape(str(results_path))}</code>: {len(entries)} benchmarks in "
        f"{len(reports)} groups. "
        "A ratio is the entry's median time divided by its group's baseline median (lower is faster).</p>",
        "<h2>Environment</h2>",
        _html_table(("What", "Value"), env_rows),
        "<h2>Ratios by group</h2>",
    ]
    for report in reports:
        page += [f"<h3>{html.escape(report.group)}</h3>", _html_table(RATIO_HEADER, ratio_rows(report))]
        page.append(f"<img src='{chart_files[report.group]}' alt='{html.escape(report.group)} ratios'>")
    page.append("<h2>Physical reference</h2>")
    if measured and reference:
        page += [
            f"<p><code>redis-benchmark</code> against the same server, right after the benchmarks "
            f"(<code>-n {reference.get('requests', '?')} -P 1</code>, with 1 and with 50 clients).</p>",
            _html_table(REFERENCE_HEADER, reference_rows(reference)),
            "<img src='charts/redis-benchmark.svg' alt='redis-benchmark'>",
            "<p>Each benchmark's throughput as a fraction of what one client gets from the server itself:</p>",
            _html_table(FRACTION_HEADER, fraction_rows(entries, reference)),
        ]
    else:
        page.append(f"<p>{html.escape(not_measured)}.</p>")
    if entries:
        page.append("<img src='charts/throughput.svg' alt='throughput'>")
    page.append("</main></body></html>")
    report_html = out_dir / "report.html"
    report_html.write_text("\n".join(page))
    return markdown, report_html


BENCH_CSS = """
body { font: 15px/1.5 system-ui, "DejaVu Sans", sans-serif; color: #1d1d1f; margin: 0; }
main { max-width: 64rem; margin: 0 auto; padding: 1rem 1.5rem 3rem; }
h1 { border-bottom: 3px solid #d82c20; padding-bottom: .3rem; }
table { border-collapse: collapse; margin: .5rem 0 1rem; }
th, td { border: 1px solid #d5d5d5; padding: .25rem .6rem; text-align: left; }
th { background: #f0f0f0; }
img { display: block; max-width: 100%; margin: .5rem 0 1.5rem; }
"""
