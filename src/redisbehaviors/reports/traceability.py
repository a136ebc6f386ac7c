"""Traceability: every test of Redis's own Tcl suite, for the subjects this spec covers, and where it is stated.

Redis's test suite (``tests/unit/*.tcl`` in redis/redis) is the reference specification.  This module
reads the names of its ``test`` blocks at a pinned commit, joins them with a hand-kept classification
(``docs/traceability/classification.toml``) and with the scenarios found in ``features/``, and writes
``docs/traceability.md``: per Tcl file, how many tests a scenario states, how many are out of scope
(and why), how many are still to do, and the in-scope coverage ``stated / (stated + todo)``.

Only names and line numbers are read from the Tcl files; no test body is quoted.  A test block whose
name uses a loop variable (``"ZADD XX existing key - $encoding"``) is counted once, as written.

Commands::

    python -m redisbehaviors.reports.traceability parse --repo /path/to/redis.git --commit <sha>
    python -m redisbehaviors.reports.traceability render      # docs/traceability.md from the cached parse
    python -m redisbehaviors.reports.traceability check       # exit 1 if the doc is out of date

``parse`` reads the Tcl files from a checkout or a bare repository (``git show <commit>:<path>``)
and caches the names beside the classification (``docs/traceability/tcl_tests.json``), so rendering
and the unit test need neither the network nor a copy of redis/redis.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tomllib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

# The Tcl files traced (issue 14 §3), as paths under tests/ without the .tcl suffix.
TCL_FILES: tuple[str, ...] = (
    "unit/expire",
    "unit/type/incr",
    "unit/type/string",
    "unit/type/hash",
    "unit/type/list",
    "unit/type/set",
    "unit/type/zset",
    "unit/type/stream",
    "unit/type/stream-cgroups",
    "unit/multi",
    "unit/pubsub",
    "unit/pubsubshard",
    "unit/scripting",
    "unit/functions",
)

ROOT = Path(__file__).resolve().parents[3]
DATA_DIR = ROOT / "docs" / "traceability"
CACHE = DATA_DIR / "tcl_tests.json"
CLASSIFICATION = DATA_DIR / "classification.toml"
FEATURES = ROOT / "features"
DOC = ROOT / "docs" / "traceability.md"

STATUSES = ("stated", "out", "todo")
TEST_START = re.compile(r"^\s*test\s+(?=[{\"])")
SCENARIO = re.compile(r"^\s*(?:Scenario|Scenario Outline|Example|Scenario Template):\s*(?P<name>.+?)\s*$")


class TraceabilityError(Exception):
    """The classification does not match the Tcl names or the feature files."""


@dataclass(frozen=True)
class TclTest:
    file: str  # "unit/type/list"
    name: str  # as written, loop variables included
    line: int
    key: str  # the name, with " #2", " #3" … for a name repeated in the same file

    def url(self, commit: str) -> str:
        return f"https://github.com/redis/redis/blob/{commit}/tests/{self.file}.tcl#L{self.line}"


@dataclass(frozen=True)
class Row:
    test: TclTest
    status: str  # one of STATUSES
    scenarios: tuple[str, ...] = ()  # "topic/file.feature: Scenario name"
    reason: str = ""


# ------------------------------------------------------------------------------------------------ Tcl names


def _braced(text: str, start: int) -> tuple[str, int]:
    """The body of the ``{…}`` word opening at ``start`` (nesting counted), and the index after it."""
    depth = 0
    for index in range(start, len(text)):
        char = text[index]
        if char == "\\":
            continue
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return text[start + 1 : index], index + 1
    raise TraceabilityError(f"unbalanced braces in a test name: {text[start : start + 80]!r}")


def _quoted(text: str, start: int) -> tuple[str, int]:
    """The body of the ``"…"`` word opening at ``start`` (backslash escapes kept as written)."""
    index = start + 1
    while index < len(text):
        if text[index] == "\\":
            index += 2
            continue
        if text[index] == '"':
            return text[start + 1 : index], index + 1
        index += 1
    raise TraceabilityError(f"unterminated quote in a test name: {text[start : start + 80]!r}")


def parse_tcl(file: str, text: str) -> list[TclTest]:
    """Every ``test {name}`` / ``test "name"`` block of one Tcl file, in order, with its line number."""
    tests: list[TclTest] = []
    seen: Counter[str] = Counter()
    offsets = [0]
    for line in text.splitlines(keepends=True):
        offsets.append(offsets[-1] + len(line))
    for number, line in enumerate(text.splitlines(), start=1):
        match = TEST_START.match(line)
        if not match:
            continue
        start = offsets[number - 1] + match.end()
        word, _ = _braced(text, start) if text[start] == "{" else _quoted(text, start)
        name = " ".join(word.split())
        seen[name] += 1
        key = name if seen[name] == 1 else f"{name} #{seen[name]}"
        tests.append(TclTest(file, name, number, key))
    return tests


def read_from_git(repo: Path, commit: str, file: str) -> str:
    """One Tcl file at ``commit`` from a checkout or a bare repository."""
    spec = f"{commit}:tests/{file}.tcl"
    done = subprocess.run(["git", "-C", str(repo), "show", spec], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise TraceabilityError(f"git show {spec} in {repo}: {done.stderr.strip()}")
    return done.stdout


def parse_repo(repo: Path, commit: str) -> dict[str, object]:
    """The cache document: the full commit id and, per traced file, ``[name, line]`` pairs."""
    full = subprocess.run(
        ["git", "-C", str(repo), "rev-parse", f"{commit}^{{commit}}"], capture_output=True, text=True, check=True
    ).stdout.strip()
    files = {file: [[t.name, t.line] for t in parse_tcl(file, read_from_git(repo, full, file))] for file in TCL_FILES}
    return {"repository": "redis/redis", "commit": full, "files": files}


def load_cache(path: Path = CACHE) -> tuple[str, list[TclTest]]:
    data = json.loads(path.read_text())
    tests: list[TclTest] = []
    for file in TCL_FILES:
        seen: Counter[str] = Counter()
        for name, line in data["files"][file]:
            seen[name] += 1
            tests.append(TclTest(file, name, line, name if seen[name] == 1 else f"{name} #{seen[name]}"))
    return data["commit"], tests


# ------------------------------------------------------------------------------------------------ scenarios


def feature_scenarios(features: Path = FEATURES) -> set[str]:
    """Every scenario as ``"topic/file.feature: name"``."""
    found: set[str] = set()
    for path in sorted(features.rglob("*.feature")):
        relative = path.relative_to(features).as_posix()
        for line in path.read_text().splitlines():
            match = SCENARIO.match(line)
            if match:
                found.add(f"{relative}: {match['name']}")
    return found


# ------------------------------------------------------------------------------------------------ joining


def _row(test: TclTest, entry: object) -> Row:
    if entry == "todo":
        return Row(test, "todo")
    if isinstance(entry, dict) and set(entry) == {"stated"} and entry["stated"]:
        return Row(test, "stated", scenarios=tuple(entry["stated"]))
    if isinstance(entry, dict) and set(entry) == {"out"} and entry["out"]:
        return Row(test, "out", reason=str(entry["out"]))
    raise TraceabilityError(
        f'{test.file}: {test.key!r}: expected "todo", {{stated = [...]}} or {{out = "reason"}}, got {entry!r}'
    )


def join(tests: Sequence[TclTest], classification: dict[str, dict[str, object]], scenarios: set[str]) -> list[Row]:
    """One row per Tcl test; every problem is collected and raised together, so one run shows them all."""
    problems: list[str] = []
    rows: list[Row] = []
    for test in tests:
        entry = classification.get(test.file, {}).get(test.key)
        if entry is None:
            problems.append(f"{test.file}: no classification for {test.key!r} (line {test.line})")
            continue
        try:
            row = _row(test, entry)
        except TraceabilityError as exc:
            problems.append(str(exc))
            continue
        missing = [s for s in row.scenarios if s not in scenarios]
        problems += [f"{test.file}: {test.key!r} cites a missing scenario {s!r}" for s in missing]
        rows.append(row)
    known = {(t.file, t.key) for t in tests}
    for file, entries in classification.items():
        stale = [key for key in entries if (file, key) not in known]
        problems += [f"{file}: {key!r} is classified but is not a test at this commit" for key in stale]
    if problems:
        raise TraceabilityError(f"{len(problems)} problem(s):\n" + "\n".join(problems))
    return rows


# ------------------------------------------------------------------------------------------------ the doc


def coverage(rows: Iterable[Row]) -> tuple[Counter[str], float]:
    counts = Counter(row.status for row in rows)
    in_scope = counts["stated"] + counts["todo"]
    return counts, (counts["stated"] / in_scope if in_scope else 1.0)


def _cell(text: str) -> str:
    """Markdown-safe table cell text (Tcl names hold ``<count>``, ``|``, ``*`` and brackets)."""
    text = text.replace("\\", "\\\\")
    for char in "|*_[]`<>#":
        text = text.replace(char, "\\" + char)
    return text


def _scenario_link(reference: str) -> str:
    path, name = reference.split(": ", 1)
    return f"[{_cell(path)}](../features/{path}): {_cell(name)}"


def _detail(row: Row) -> str:
    if row.status == "stated":
        return "<br>".join(_scenario_link(s) for s in row.scenarios)
    return _cell(row.reason)


def _summary_line(label: str, counts: Counter[str], ratio: float) -> str:
    total = sum(counts.values())
    return f"| {label} | {total} | {counts['stated']} | {counts['out']} | {counts['todo']} | {ratio:.0%} |"


def render(commit: str, rows: Sequence[Row]) -> str:
    by_file = {file: [r for r in rows if r.test.file == file] for file in TCL_FILES}
    counts, ratio = coverage(rows)
    out = [
        "# Traced to Redis's own test suite",
        "",
        "<!-- Generated by `python -m redisbehaviors.reports.traceability render`; edit",
        "     docs/traceability/classification.toml instead. -->",
        "",
        "Redis's Tcl suite is the reference specification.  Every `test` block of the files below, at",
        f"redis/redis commit [`{commit[:12]}`](https://github.com/redis/redis/tree/{commit}), is classified:",
        "",
        "- **stated**: the scenario(s) of `features/` that state the same behaviour;",
        "- **out** of scope, with the reason (an encoding-internal variant, a DEBUG-only or stress test,",
        "  a regression test of a crash, replication or persistence internals, …);",
        "- **todo**: a user-visible behaviour no scenario states yet.",
        "",
        "Coverage is `stated / (stated + todo)`.  A block whose name uses a loop variable",
        "(`$encoding`, `$type`, `$pop`…) is counted once, as written.  Only names and links are shown.",
        "",
        "| Tcl file | tests | stated | out of scope | todo | coverage |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for file, file_rows in by_file.items():
        file_counts, file_ratio = coverage(file_rows)
        out.append(_summary_line(f"[{file}](#{file.replace('/', '').replace('-', '')})", file_counts, file_ratio))
    out += [_summary_line("**all**", counts, ratio), ""]
    for file, file_rows in by_file.items():
        file_counts, file_ratio = coverage(file_rows)
        url = f"https://github.com/redis/redis/blob/{commit}/tests/{file}.tcl"
        out += [
            f"## {file}",
            "",
            f"[`tests/{file}.tcl`]({url}): {len(file_rows)} tests, {file_counts['stated']} stated, "
            f"{file_counts['out']} out of scope, {file_counts['todo']} todo; coverage {file_ratio:.0%}.",
            "",
            "| line | test | status | where / why |",
            "|---:|---|---|---|",
        ]
        out += [
            f"| [{r.test.line}]({r.test.url(commit)}) | {_cell(r.test.name)} | {r.status} | {_detail(r)} |"
            for r in file_rows
        ]
        out.append("")
    todo = [r for r in rows if r.status == "todo"]
    out += ["## Remaining todo", "", f"{len(todo)} in-scope tests no scenario states yet:", ""]
    out += [f"- `tests/{r.test.file}.tcl` line {r.test.line}: {_cell(r.test.name)}" for r in todo]
    return "\n".join(out) + "\n"


def build(cache: Path = CACHE, classification: Path = CLASSIFICATION, features: Path = FEATURES) -> str:
    commit, tests = load_cache(cache)
    with classification.open("rb") as handle:
        data = tomllib.load(handle)
    return render(commit, join(tests, data, feature_scenarios(features)))


# ------------------------------------------------------------------------------------------------ command line


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m redisbehaviors.reports.traceability", description=(__doc__ or "").split("\n")[0]
    )
    commands = parser.add_subparsers(dest="command", required=True)
    parse = commands.add_parser("parse", help="read the Tcl test names at a commit and cache them")
    parse.add_argument("--repo", type=Path, required=True, help="a checkout or bare repository of redis/redis")
    parse.add_argument("--commit", required=True)
    commands.add_parser("render", help=f"write {DOC.relative_to(ROOT)} from the cache and the classification")
    commands.add_parser("check", help=f"exit 1 if {DOC.relative_to(ROOT)} is not what render would write")
    args = parser.parse_args(argv)
    try:
        if args.command == "parse":
            CACHE.write_text(json.dumps(parse_repo(args.repo, args.commit), indent=1) + "\n")
            print(f"cached the test names in {CACHE.relative_to(ROOT)}")
            return 0
        text = build()
    except TraceabilityError as exc:
        print(exc, file=sys.stderr)
        return 1
    if args.command == "render":
        DOC.write_text(text)
        print(f"wrote {DOC.relative_to(ROOT)}")
        return 0
    if DOC.exists() and DOC.read_text() == text:
        return 0
    print(f"{DOC.relative_to(ROOT)} is out of date: run `python -m redisbehaviors.reports.traceability render`")
    return 1


if __name__ == "__main__":
    raise SystemExit(main())
