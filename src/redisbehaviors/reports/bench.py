"""The benchmark report: ratio tables per ``benchmark.group``, charts, environment, physical reference.

Conventions (docs/CONTRIBUTING.md): each comparison is one ``benchmark.group``; the reference entry
of a group sets ``extra_info["role"] = "baseline"``; others may set ``extra_info["goal"]`` such as
``"ratio <= 1.10"``.  A ratio is the entry's median time over the baseline's median time (lower is
faster).  Optional ``extra_info`` understood here: ``"commands"`` (``"INCR"`` or ``["GET", "SET"]``),
the raw commands an entry stands for, and ``"operations_per_call"`` (default 1; ``"ops_per_call"`` is
read too): the operations one timed call handles (jobs of a batch, deliveries of a fan-out round).

Entries with ``extra_info["kind"]`` are measurements of their own, laid out in their own sections
and left out of the ratio groups (``tests/benchmarks/measure.py`` makes them):

- ``"split"``: where one component call's time goes (round trip, server, client, with a profile);
- ``"interleaved"``: candidates timed one call each in shuffled turns, and the comparisons that matter;
- ``"memory"``: bytes per entity at a given count on a fresh server, with the keys' encodings.

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
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
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
    def kind(self) -> str:
        """``""`` for a timed entry; ``"split"``, ``"interleaved"`` or ``"memory"`` for a measurement."""
        return str(self.extra_info.get("kind", ""))

    @property
    def operations_per_call(self) -> float:
        info = self.extra_info
        return float(info.get("operations_per_call", info.get("ops_per_call", 1)) or 1)

    @property
    def ops_per_second(self) -> float:
        """Operations per second: calls per second (from the median) times ``operations_per_call``."""
        return self.operations_per_call / self.median if self.median > 0 else 0.0


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
    for entry in timed(entries):
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


def timed(entries: Iterable[BenchEntry]) -> list[BenchEntry]:
    """The entries whose own median is the figure (not a split, interleaved or memory measurement)."""
    return [e for e in entries if not e.kind]


def of_kind(entries: Iterable[BenchEntry], kind: str) -> list[BenchEntry]:
    return [e for e in entries if e.kind == kind]


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


def ratio_table_text(reports: Sequence[GroupReport], entries: Sequence[BenchEntry] = ()) -> str:
    """The ratio tables (and the split, interleaved and memory measurements) as plain text."""
    if not reports and not entries:
        return "no benchmark results"
    lines = []
    for table in (split_table(entries), interleaved_summary(entries), memory_table(entries)):
        if table.rows:
            lines += ["  ".join(table.header), *("  ".join(row) for row in table.rows), ""]
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
    entries = timed(entries)
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


# ---------------------------------------------------------------------------------------------- measurements

#: The goal of issue 15 for the client's share of a component call.
CLIENT_SHARE_GOAL = 0.15
SPLIT_HEADER = (
    "Component",
    "Call",
    "Total",
    "Round trip",
    "Server",
    "Client (the rest)",
    "Client CPU",
    f"Client CPU share (goal ≤ {CLIENT_SHARE_GOAL:.0%})",
    "Round trips",
    "Request / reply bytes",
    "Commands sent per call",
    "Profile",
)


def _us(value: float) -> str:
    return f"{value:,.1f} µs"


def splits(entries: Iterable[BenchEntry]) -> list[dict[str, Any]]:
    return [e.extra_info["split"] for e in of_kind(entries, "split")]


def split_table(entries: Iterable[BenchEntry]) -> Table:
    rows = []
    for split in splits(entries):
        # the CPU figure when the run measured it (older results have only the rest)
        client = split.get("client_cpu_us", split["client_us"])
        share = client / split["total_us"] if split["total_us"] else 0.0
        sent = ", ".join(f"{count:g} {name}" for name, count in split["sent"].items())
        rows.append(
            [
                split["component"],
                split["call"],
                _us(split["total_us"]),
                _us(split["round_trip_us"]),
                _us(split["server_us"]),
                _us(split["client_us"]),
                _us(split["client_cpu_us"]) if "client_cpu_us" in split else "—",
                f"{share:.0%} {met_text(share <= CLIENT_SHARE_GOAL)}",
                f"{split['round_trips']:g}",
                f"{split['request_bytes']:,} / {split['reply_bytes']:,}",
                sent or "—",
                split.get("profile") or "—",
            ]
        )
    return Table(SPLIT_HEADER, rows)


def split_chart_svg(entries: Iterable[BenchEntry]) -> str:
    """Each call's parts as shares of its median (the table has the µs): which part is large."""
    rows = splits(entries)
    parts = [
        ("round trip", "round_trip_us", "#90a4ae"),
        ("server", "server_us", "#d82c20"),
        ("client", "client_us", "#1565c0"),
    ]
    shares = [
        Series(name, [100 * max(0.0, r[key]) / r["total_us"] if r["total_us"] else 0.0 for r in rows], colour=colour)
        for name, key, colour in parts
    ]
    return bar_chart(
        "Where a call's median time goes (% of the call): round trip + server + client",
        [f"{r['component']} · {r['call']} ({r['total_us']:,.0f} µs)" for r in rows],
        shares,
        [Guide(100 * (1 - CLIENT_SHARE_GOAL), f"client goal: the last {CLIENT_SHARE_GOAL:.0%}")],
        value_format="{:.0f}%".format,
        stacked=True,
        no_data="no split measured",
    )


@dataclass
class Comparison:
    where: str
    subject: str
    against: str
    subject_us: float | None
    against_us: float | None
    goal: str

    @property
    def ratio(self) -> float | None:
        if self.subject_us is None or not self.against_us:
            return None
        return self.subject_us / self.against_us

    @property
    def met(self) -> bool | None:
        return goal_met(self.goal, self.ratio)


def comparisons(entry: BenchEntry) -> list[Comparison]:
    table = entry.extra_info["interleaved"]
    medians = table.get("medians_us", {})
    return [
        Comparison(
            table["title"], c["subject"], c["against"], medians.get(c["subject"]), medians.get(c["against"]), c["goal"]
        )
        for c in table.get("comparisons", [])
    ]


INTERLEAVED_HEADER = ("Subject", "Median", "Against", "Its median", "Ratio", "Goal", "Verdict")


def interleaved_rows(entry: BenchEntry) -> list[list[str]]:
    return [
        [
            c.subject,
            _us(c.subject_us) if c.subject_us is not None else "—",
            c.against,
            _us(c.against_us) if c.against_us is not None else "—",
            f"{c.ratio:.2f}×" if c.ratio is not None else "—",
            c.goal or "—",
            met_text(c.met),
        ]
        for c in comparisons(entry)
    ]


def interleaved_chart_svg(entry: BenchEntry) -> str:
    rows = comparisons(entry)
    limits = sorted({goal[1] for goal in (parse_goal(c.goal) for c in rows) if goal})
    return bar_chart(
        f"{entry.extra_info['interleaved']['title']}: ratio (interleaved)",
        [f"{c.subject} / {c.against}" for c in rows],
        [Series("ratio", [c.ratio for c in rows], colours=[VERDICT_COLOURS[c.met] for c in rows])],
        [Guide(1.0, "1.0 = equal"), *(Guide(limit, f"goal {limit:g}") for limit in limits if limit != 1.0)],
        value_format="{:.2f}×".format,
        no_data="no comparison",
    )


def interleaved_summary(entries: Iterable[BenchEntry]) -> Table:
    rows = [
        [c.where, *row]
        for e in of_kind(entries, "interleaved")
        for c, row in zip(comparisons(e), interleaved_rows(e), strict=True)
    ]
    return Table(("Table", *INTERLEAVED_HEADER), rows)


SMALL_FORMS = {"listpack", "intset", "int", "embstr", "stream", "quicklist"}


def encoding_text(encodings: dict[str, dict[str, int]]) -> str:
    """``"session: hash/listpack"``; a big structure (hashtable, skiplist) is flagged."""
    parts = []
    for shape, kinds in encodings.items():
        name = shape.replace("*:", "").replace(":*", "") or shape
        for kind, count in kinds.items():
            flag = "" if kind.split("/")[-1] in SMALL_FORMS else " (not a small-object form)"
            parts.append(f"{name}: {kind}{flag}" + (f" ×{count}" if count > 1 else ""))
    return "; ".join(parts) or "—"


MEMORY_HEADER = ("Component", "Entity", "Count", "Bytes per entity", "Keys per entity", "Encodings (sample)", "Note")


def memories(entries: Iterable[BenchEntry]) -> list[dict[str, Any]]:
    return [record for e in of_kind(entries, "memory") for record in e.extra_info["memory"]]


def memory_table(entries: Iterable[BenchEntry]) -> Table:
    rows = [
        [
            m["component"],
            m["entity"],
            f"{m['count']:,}",
            f"{m['bytes_per_entity']:,.0f}",
            "—" if m.get("keys_per_entity") is None else f"{m['keys_per_entity']:g}",
            encoding_text(m.get("encodings", {})),
            m.get("note", ""),
        ]
        for m in memories(entries)
    ]
    return Table(MEMORY_HEADER, rows)


def memory_chart_svg(entries: Iterable[BenchEntry]) -> str:
    rows = memories(entries)
    return bar_chart(
        "Memory per entity (bytes, INFO memory used_memory delta on a fresh server)",
        [f"{m['component']} · {m['entity']}" for m in rows],
        [
            Series(
                "bytes",
                [m["bytes_per_entity"] for m in rows],
                colours=["#8e24aa" if "peer" in m["component"] else None for m in rows],
            )
        ],
        no_data="no memory measured",
    )


GOALS_HEADER = ("Where", "Subject", "Against", "Ratio", "Goal", "Verdict")


def goal_rows(entries: Sequence[BenchEntry]) -> list[list[str]]:
    """Every ratio that has a goal, from the groups and from the interleaved tables, in one list."""
    rows = []
    for report in ratio_groups(entries):
        for row in report.rows:
            if parse_goal(row.entry.goal) and report.baseline:
                rows.append(
                    [
                        report.group,
                        row.entry.name,
                        report.baseline.name,
                        _ratio_text(row),
                        row.entry.goal,
                        met_text(row.met),
                    ]
                )
    for entry in of_kind(entries, "interleaved"):
        for c in comparisons(entry):
            if c.goal:
                ratio = f"{c.ratio:.2f}×" if c.ratio is not None else "—"
                rows.append([c.where + " (interleaved)", c.subject, c.against, ratio, c.goal, met_text(c.met)])
    return rows


# ---------------------------------------------------------------------------------------------- report


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


#: The haltpoll cpuidle driver's limit on how long an idle vCPU polls before it halts (a guest of a hypervisor).
HALT_POLL_NS = Path("/sys/module/haltpoll/parameters/guest_halt_poll_ns")


def cpu_idle_state() -> str:
    """What an idle CPU does while a client waits for its reply: the cpuidle driver, and with haltpoll
    how long a vCPU polls before it halts (waking a halted vCPU is what makes loopback round trips slow
    on a VM; docs/reports.md)."""
    driver = Path("/sys/devices/system/cpu/cpuidle/current_driver")
    name = driver.read_text().strip() if driver.is_file() else "unknown"
    if name == "haltpoll" and HALT_POLL_NS.is_file():
        return f"haltpoll, guest_halt_poll_ns={HALT_POLL_NS.read_text().strip()}"
    return name


@contextmanager
def halt_polling(ns: int | None) -> Iterator[str]:
    """With ``ns``, let the haltpoll driver poll up to ``ns`` nanoseconds before halting an idle vCPU while
    the block runs (root only; put back afterwards); yields the state in effect, for the report."""
    previous = HALT_POLL_NS.read_text().strip() if ns is not None and HALT_POLL_NS.is_file() else None
    if ns is not None and previous is None:
        raise OSError(f"--halt-poll-ns needs the haltpoll cpuidle driver ({HALT_POLL_NS} not found)")
    if previous is not None:
        HALT_POLL_NS.write_text(str(ns))
    try:
        yield cpu_idle_state()
    finally:
        if previous is not None:
            HALT_POLL_NS.write_text(previous)


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
        ("CPU idle while a client waits", str((reference or {}).get("cpu_idle", "not recorded"))),
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
    for entry in timed(entries):
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
    "Ops/s (calls/s × operations_per_call)",
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
    note: str = ""


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
    split: Table | None = None
    interleaved: list[GroupSection] = field(default_factory=list)
    memory: Table | None = None
    goals: Table | None = None


def chart_name(group: str) -> str:
    return "charts/ratio-" + (re.sub(r"[^A-Za-z0-9_.-]+", "-", group).strip("-") or "group") + ".svg"


def interleaved_chart_name(entry: BenchEntry) -> str:
    return chart_name("interleaved " + entry.extra_info["interleaved"]["title"])


def write_charts(reports: Sequence[GroupReport], entries: Sequence[BenchEntry], reference: Any, out_dir: Path) -> None:
    (out_dir / "charts").mkdir(parents=True, exist_ok=True)
    for report in reports:
        (out_dir / chart_name(report.group)).write_text(ratio_chart_svg(report))
    for entry in of_kind(entries, "interleaved"):
        (out_dir / interleaved_chart_name(entry)).write_text(interleaved_chart_svg(entry))
    if splits(entries):
        (out_dir / "charts" / "split.svg").write_text(split_chart_svg(entries))
    if memories(entries):
        (out_dir / "charts" / "memory.svg").write_text(memory_chart_svg(entries))
    if timed(entries):
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
        throughput_chart=bool(timed(entries)),
    )
    if splits(entries):
        page.split = split_table(entries)
    page.interleaved = [
        GroupSection(
            e.extra_info["interleaved"]["title"],
            Table(INTERLEAVED_HEADER, interleaved_rows(e)),
            interleaved_chart_name(e),
            e.extra_info["interleaved"].get("note", ""),
        )
        for e in of_kind(entries, "interleaved")
    ]
    if memories(entries):
        page.memory = memory_table(entries)
    goals = goal_rows(entries)
    page.goals = Table(GOALS_HEADER, goals) if goals else None
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
