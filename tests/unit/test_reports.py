"""The report code on small synthetic runs: results, badges, Gherkin model, site, bench, matrix, CLI."""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path
from typing import Any

import pytest

from redisbehaviors.reports import badges, bench, matrix, readme
from redisbehaviors.reports.featuredoc import commands_in, load_features, parse_feature_text
from redisbehaviors.reports.results import Outcome, Run, Tally, classify, collect, combine, load_runs
from redisbehaviors.reports.runner import RunProgress, run_pytest
from redisbehaviors.reports.site import build_site, tag_text
from redisbehaviors.testing.records import SCHEMA_VERSION, RecordFile, SchemaError, ServerBlock
from redisbehaviors.topics import TOPICS

FEATURE = '''@component
Feature: Counters count
  A counter is a string holding an integer.

  It changes on the server.

  Background:
    Given the client has sent "SET base 1"

  Scenario: A loose scenario outside any rule
    When the client sends "PING"
    Then the reply is "PONG"

  Rule: INCR adds one

    Scenario: INCR on a missing key returns 1
      When the client sends "INCR n"
      Then the reply is 1

    @since_7_2
    Scenario: A newer behaviour
      When the client sends "OBJECT ENCODING n"
      Then the reply is "int"

    Scenario Outline: INCR refuses non-integers
      Given the client has sent "SET n <stored>"
      When the client sends "INCR n"
      Then the reply is an error saying "value is not an integer or out of range"

      Examples:
        | stored |
        | 1e3    |
        | 0x10   |

    Scenario: A transaction queues its commands
      Given the client has sent:
        """
        MULTI
        INCR n
        """
      When the client sends "EXEC"
      Then the reply is:
        | value |
        | 1     |
'''


def record(line: int, scenario: str, nodeid: str, outcome: str = "passed", reason: str = "", **kw: Any) -> dict:
    return {
        "topic": "demo",
        "feature_file": "demo/counters.feature",
        "feature": "Counters count",
        "rule": kw.get("rule", "INCR adds one"),
        "scenario": scenario,
        "tags": kw.get("tags", []),
        "line": line,
        "nodeid": f"tests/spec/test_demo.py::{nodeid}",
        "outcome": outcome,
        "duration": 0.01,
        **({"reason": reason} if reason else {}),
    }


def run_json(version: str, protocol: int, *, fail_outline_row: bool = False, newer: bool = False) -> dict:
    too_old = not newer
    return {
        "schema_version": SCHEMA_VERSION,
        "server": {"version": version, "backend": "binary", "mode": "standalone", "protocol": protocol},
        "behaviours": [
            record(10, "A loose scenario outside any rule", "test_loose", rule=""),
            record(16, "INCR on a missing key returns 1", "test_incr"),
            record(
                21,
                "A newer behaviour",
                "test_newer",
                "skipped" if too_old else "passed",
                f"needs Redis >= 7.2, server is {version}" if too_old else "",
                tags=["since_7_2"],
            ),
            record(25, "INCR refuses non-integers", "test_refuses[1e3]"),
            record(25, "INCR refuses non-integers", "test_refuses[0x10]", "failed" if fail_outline_row else "passed"),
            record(35, "A transaction queues its commands", "test_multi"),
        ],
    }


def write_fixture(root: Path) -> tuple[Path, list[Path]]:
    """A features directory and two runs (7.0.15 under RESP2 and RESP3, one outline row failing on RESP3)."""
    features = root / "features"
    (features / "demo").mkdir(parents=True)
    (features / "demo" / "counters.feature").write_text(FEATURE)
    paths = []
    for protocol in (2, 3):
        path = root / "runs" / f"spec-resp{protocol}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(run_json("7.0.15", protocol, fail_outline_row=protocol == 3)))
        paths.append(path)
    return features, paths


# ---------------------------------------------------------------------------------------------- results


@pytest.mark.parametrize(
    ("outcome", "reason", "expected"),
    [
        ("passed", "", Outcome.PASSED),
        ("failed", "", Outcome.FAILED),
        ("skipped", "needs Redis >= 7.2, server is 7.0.15", Outcome.TOO_OLD),
        ("skipped", "describes Redis < 7.2, server is 8.2.3", Outcome.TOO_NEW),
        ("skipped", "RESP2 behaviour: run with --redis-protocol 2", Outcome.SKIPPED),
    ],
)
def test_classify_reads_the_harness_skip_reasons(outcome: str, reason: str, expected: Outcome) -> None:
    assert classify(outcome, reason) is expected


def test_combine_lets_a_failure_win_then_a_pass_then_version_skips() -> None:
    assert combine([Outcome.PASSED, Outcome.FAILED, Outcome.SKIPPED]) is Outcome.FAILED
    assert combine([Outcome.SKIPPED, Outcome.PASSED]) is Outcome.PASSED
    assert combine([Outcome.SKIPPED, Outcome.TOO_OLD]) is Outcome.TOO_OLD
    assert combine([]) is Outcome.ABSENT


def test_collect_groups_outline_rows_into_one_behaviour_per_scenario() -> None:
    runs = [Run.from_json(run_json("7.0.15", 2)), Run.from_json(run_json("7.0.15", 3, fail_outline_row=True))]
    behaviours = collect(runs)
    assert [b.line for b in behaviours] == [10, 16, 21, 25, 35]
    outline = behaviours[3]
    assert len(outline.records["7.0.15 RESP3"]) == 2
    assert outline.outcome_in("7.0.15 RESP2") is Outcome.PASSED
    assert outline.outcome_in("7.0.15 RESP3") is Outcome.FAILED
    assert outline.outcome is Outcome.FAILED
    assert [r.example_id for r in outline.records["7.0.15 RESP3"]] == ["1e3", "0x10"]
    newer = behaviours[2]
    assert newer.outcome is Outcome.TOO_OLD
    assert newer.version_note == ">= 7.2"


def test_tally_summary_names_each_non_zero_count() -> None:
    tally = Tally.of([Outcome.PASSED, Outcome.PASSED, Outcome.FAILED, Outcome.TOO_OLD])
    assert tally.summary() == "1 failed, 2 passed, 1 need a newer server"
    assert tally.status is Outcome.FAILED
    assert tally.total == 4


def test_load_runs_sorts_by_version_then_protocol_and_ignores_missing_files(tmp_path: Path) -> None:
    for version, protocol in (("8.2.3", 2), ("6.2.14", 3), ("7.0.15", 2)):
        (tmp_path / f"{version}-{protocol}.json").write_text(json.dumps(run_json(version, protocol)))
    runs = load_runs([*sorted(tmp_path.glob("*.json")), tmp_path / "missing.json"])
    assert [r.label for r in runs] == ["6.2.14 RESP3", "7.0.15 RESP2", "8.2.3 RESP2"]


# ---------------------------------------------------------------------------------------------- badges


def test_badges_distinguish_passing_failing_and_version_skipped(tmp_path: Path) -> None:
    runs = [Run.from_json(run_json("7.0.15", 3, fail_outline_row=True))]
    files = badges.write_badges(collect(runs), tmp_path, runs)
    by_path = {f.path: f for f in files}
    assert by_path["overall.svg"].text == "1 of 5 failing"
    assert by_path["topics/demo.svg"].outcome is Outcome.FAILED
    assert by_path["behaviours/demo/counters/incr-on-a-missing-key-returns-1.svg"].text == "passing"
    assert by_path["behaviours/demo/counters/incr-refuses-non-integers.svg"].text == "failing"
    newer = by_path["behaviours/demo/counters/a-newer-behaviour.svg"]
    assert (newer.text, newer.outcome) == ("needs Redis >= 7.2", Outcome.TOO_OLD)
    svg = (tmp_path / newer.path).read_text()
    assert "needs Redis &gt;= 7.2" in svg or "needs Redis >= 7.2" in svg
    assert badges.COLOURS[Outcome.TOO_OLD] in svg
    assert badges.COLOURS[Outcome.FAILED] in (tmp_path / "overall.svg").read_text()
    index = json.loads((tmp_path / "index.json").read_text())
    assert index["runs"] == ["7.0.15 RESP3"]
    assert len(list(tmp_path.rglob("*.svg"))) == 1 + 1 + 1 + 5


def test_the_readme_table_lists_manifest_topics_then_other_folders_with_their_badges(tmp_path: Path) -> None:
    features, _ = write_fixture(tmp_path)
    lines = readme.status_table(load_features(features)).splitlines()
    assert lines[0] == "![Redis behaviours](../../raw/gh-pages/badges/overall.svg)"
    topic_rows = [line for line in lines if line.startswith("| **")]
    assert [row.split("**")[1] for row in topic_rows] == [*(t.title for t in TOPICS), "demo"]
    assert (
        "| demo | [Counters count](features/demo/counters.feature) | "
        "![counters](../../raw/gh-pages/badges/features/demo/counters.svg) |"
    ) in lines


def test_a_components_feature_links_its_usage_page_from_the_manifest() -> None:
    doc = parse_feature_text("Feature: Locks\n  Scenario: S\n    Given x\n", "ttl_locks/locks.feature")
    table = readme.status_table([doc])
    assert "[Locks](features/ttl_locks/locks.feature) · [usage](docs/ttl_locks/locks.md)" in table


def test_the_readme_table_is_replaced_between_its_markers_only() -> None:
    text = f"# Title\n\nbefore\n{readme.BEGIN}\nold table\n{readme.END}\nafter\n"
    assert (
        readme.replace_table(text, "new | table\n")
        == f"# Title\n\nbefore\n{readme.BEGIN}\nnew | table\n{readme.END}\nafter\n"
    )
    with pytest.raises(readme.ReadmeError, match="marker"):
        readme.replace_table("# no markers\n", "table")


def test_the_readme_status_table_is_up_to_date_with_the_manifest_and_the_features() -> None:
    root = Path(__file__).resolve().parents[2]
    current = (root / "README.md").read_text(encoding="utf-8")
    expected = readme.replace_table(current, readme.status_table(load_features(root / "features")))
    assert current == expected, "README.md's status table is out of date: run `redisbehaviors report readme`"


def test_slug_keeps_file_names_safe() -> None:
    assert badges.slug("INCR on a missing key, returns 1!") == "incr-on-a-missing-key-returns-1"
    assert badges.slug("???") == "unnamed"


# ---------------------------------------------------------------------------------------------- gherkin


def test_the_gherkin_model_keeps_narrative_rules_background_examples_docstrings_and_tables() -> None:
    doc = parse_feature_text(FEATURE, "demo/counters.feature")
    assert (doc.topic, doc.stem, doc.name, doc.tags) == ("demo", "counters", "Counters count", ["component"])
    assert doc.description == "A counter is a string holding an integer.\n\nIt changes on the server."
    assert doc.summary == "A counter is a string holding an integer."
    assert doc.background is not None and doc.background.steps[0].text == 'the client has sent "SET base 1"'
    assert [r.name for r in doc.rules] == ["", "INCR adds one"]
    assert [s.line for s in doc.scenarios] == [10, 16, 21, 25, 35]
    newer = doc.scenarios[2]
    assert newer.tags == ["since_7_2"] and newer.rule == "INCR adds one"
    outline = doc.scenarios[3]
    assert outline.examples[0].header == ["stored"]
    assert [cells for _, cells in outline.examples[0].rows] == [["1e3"], ["0x10"]]
    multi = doc.scenarios[4]
    assert multi.steps[0].docstring == "MULTI\nINCR n"
    assert multi.steps[2].table == [["value"], ["1"]]
    assert multi.commands == ["MULTI", "INCR", "EXEC"]
    assert newer.commands == ["OBJECT ENCODING"]
    assert doc.commands == ["PING", "INCR", "OBJECT ENCODING", "SET", "MULTI", "EXEC"]


@pytest.mark.parametrize(
    ("text", "lines", "expected"),
    [
        ('the client sends "ZADD z INCR 1 a"', False, ["ZADD"]),
        ("ZADD XX INCR on a missing member reads nil", False, ["ZADD"]),
        ("LPUSH then LTRIM keep the newest", False, ["LPUSH", "LTRIM"]),
        ('"OBJECT ENCODING k" replies "listpack"', False, ["OBJECT ENCODING"]),
        ("get the value and set it", False, []),
        ('the reply is an error saying "ERR MULTI calls can not be nested"', False, []),
        ("A counter command fails with WRONGTYPE", False, []),
        ("MULTI\nINCR n\nEXEC", True, ["MULTI", "INCR", "EXEC"]),
    ],
)
def test_commands_in_finds_upper_case_command_names(text: str, lines: bool, expected: list[str]) -> None:
    assert commands_in(text, lines=lines) == expected


def test_a_feature_file_the_parser_rejects_is_reported_not_fatal(tmp_path: Path) -> None:
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "good.feature").write_text("Feature: Good\n  Scenario: S\n    Given x\n")
    (tmp_path / "t" / "bad.feature").write_text(
        "Feature: Bad\n  Scenario: S\n    Given x\n      | a |\n      | b | c |\n"
    )
    errors: list[str] = []
    docs = load_features(tmp_path, errors)
    assert [d.name for d in docs] == ["Good"]
    assert len(errors) == 1 and errors[0].startswith("t/bad.feature:")
    assert "inconsistent cell count" in errors[0]


def test_tag_text_reads_version_and_environment_tags() -> None:
    assert tag_text("since_7_2") == "Redis ≥ 7.2"
    assert tag_text("before_7_0_3") == "Redis < 7.0.3"
    assert tag_text("resp3_only") == "RESP3 only"
    assert tag_text("custom") == "custom"


# ---------------------------------------------------------------------------------------------- site


def test_the_site_has_a_page_per_feature_an_index_a_command_index_and_a_search_index(tmp_path: Path) -> None:
    features, paths = write_fixture(tmp_path)
    index = build_site(load_features(features), load_runs(paths), tmp_path / "site", generated="now")
    site = tmp_path / "site"
    assert index == site / "index.html"
    page = (site / "features" / "demo" / "counters.html").read_text()
    assert '<section class="scenario o-passed" id="s16" data-outcome="passed">' in page
    assert '<section class="scenario o-failed" id="s25" data-outcome="failed">' in page
    assert '<section class="scenario o-too-old" id="s21" data-outcome="too-old">' in page
    assert 'title="server too old: needs Redis &gt;= 7.2, server is 7.0.15 (backend binary)"' in page
    # one pill per run on each scenario; the failing outline row is marked on RESP3 only
    assert page.count('data-run="7.0.15 RESP2"') == 5 + 2
    row = re.search(r"<tr><td>0x10</td>.*?</tr>", page)
    assert row and 'data-run="7.0.15 RESP2" data-outcome="passed"' in row.group()
    assert 'data-run="7.0.15 RESP3" data-outcome="failed"' in row.group()
    assert '<pre class="doc">MULTI\nINCR n</pre>' in page
    assert '<code class="arg">SET n <var>&lt;stored&gt;</var></code>' in page
    assert "<p>A counter is a string holding an integer.</p>\n<p>It changes on the server.</p>" in page
    assert '<a class="cmd" href="../../commands.html#cmd-OBJECT-ENCODING">OBJECT ENCODING</a>' in page
    assert "Redis ≥ 7.2" in page
    home = index.read_text()
    assert '<a href="features/demo/counters.html">Counters count</a>' in home
    assert "<td>7.0.15</td><td>RESP3</td><td>binary</td><td>1 failed, 3 passed, 1 need a newer server</td>" in home
    commands = (site / "commands.html").read_text()
    assert '<section class="command" id="cmd-INCR">' in commands
    assert '<a href="https://redis.io/docs/latest/commands/object-encoding/">reference</a>' in commands
    search = (site / "assets" / "search-index.js").read_text()
    entries = json.loads(search.removeprefix("window.SEARCH_INDEX = ").rstrip().rstrip(";"))
    assert {"k": "command", "t": "EXEC", "s": "1 scenario", "u": "commands.html#cmd-EXEC", "c": "EXEC"} in entries
    assert (site / "assets" / "style.css").stat().st_size > 1000
    assert "http://" not in page and "https://" not in page


def test_the_site_without_results_still_documents_every_scenario(tmp_path: Path) -> None:
    features, _ = write_fixture(tmp_path)
    build_site(load_features(features), [], tmp_path / "site", generated="now")
    page = (tmp_path / "site" / "features" / "demo" / "counters.html").read_text()
    assert page.count('data-outcome="absent"') >= 5
    assert "INCR on a missing key returns 1" in page


# ---------------------------------------------------------------------------------------------- bench


def bench_json() -> dict:
    def entry(group: str, name: str, median: float, **extra: Any) -> dict:
        stats = {"median": median, "mean": median * 1.1, "iqr": median / 10, "stddev": 0.0, "ops": 1 / median}
        return {"group": group, "name": name, "fullname": name, "extra_info": extra, "stats": {**stats, "rounds": 9}}

    return {
        "machine_info": {"cpu": {"count": 2, "brand_raw": "Test CPU"}, "python_version": "3.11.7"},
        "commit_info": {"id": "abc", "dirty": False},
        "datetime": "2026-11-26T00:00:00",
        "version": "5.3.1",
        "benchmarks": [
            entry("incr", "raw INCR", 0.0001, role="baseline", commands="INCR"),
            entry("incr", "component", 0.000105, goal="ratio <= 1.10", commands=["INCR"]),
            entry("incr", "slow path", 0.0002, goal="ratio <= 1.50"),
            entry("other", "lonely", 0.001),
        ],
    }


def test_ratios_compare_each_entry_with_its_groups_baseline_and_check_the_goal() -> None:
    reports = bench.ratio_groups(bench.load_entries(bench_json()))
    assert [r.group for r in reports] == ["incr", "other"]
    incr = reports[0]
    assert [r.entry.name for r in incr.rows] == ["raw INCR", "component", "slow path"]
    assert [round(r.ratio, 2) for r in incr.rows if r.ratio] == [1.0, 1.05, 2.0]
    assert [r.met for r in incr.rows] == [None, True, False]
    assert reports[1].baseline is None and reports[1].rows[0].ratio is None
    text = bench.ratio_table_text(reports)
    assert "NOT MET" in text and "baseline" in text and "(no entry has role=baseline)" in text


@pytest.mark.parametrize(
    ("goal", "ratio", "met"),
    [("ratio <= 1.10", 1.1, True), ("ratio < 1.1", 1.1, False), ("ratio >= 2", 2.5, True), ("fast", 1.0, None)],
)
def test_goal_met(goal: str, ratio: float, met: bool | None) -> None:
    assert bench.goal_met(goal, ratio) is met


def test_redis_benchmark_csv_is_parsed_per_test_and_client_count() -> None:
    text = (
        '"test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms",'
        '"max_latency_ms"\n"SET","25380.71","0.036","0.024","0.031","0.047","0.087","2.103"\n'
        '"XADD __redisbehaviors_bench_stream MAXLEN ~ 10000 * field value","20000.00","0.04","0.02","0.039",'
        '"0.05","0.09","1.0"\n'
    )
    assert bench.parse_csv(text, 1) == [
        {"test": "SET", "clients": 1, "rps": 25380.71, "p50_ms": 0.031},
        {"test": "XADD", "clients": 1, "rps": 20000.0, "p50_ms": 0.039},
    ]


def test_redis_benchmark_is_never_pointed_at_a_remote_host() -> None:
    with pytest.raises(ValueError, match="loopback"):
        bench.measure_reference("redis://10.0.0.5:6379/0")


def test_the_bench_report_has_tables_charts_environment_and_the_physical_reference(tmp_path: Path) -> None:
    results = tmp_path / "results.json"
    results.write_text(json.dumps(bench_json()))
    reference = tmp_path / "reference.json"
    reference.write_text(
        json.dumps(
            {
                "server": {"version": "7.0.15", "backend": "binary", "protocol": 3},
                "requests": 1000,
                "redis_benchmark": [
                    {"test": "PING_MBULK", "clients": 1, "rps": 20000.0, "p50_ms": 0.04},
                    {"test": "INCR", "clients": 1, "rps": 19000.0, "p50_ms": 0.04},
                    {"test": "INCR", "clients": 50, "rps": 90000.0, "p50_ms": 0.3},
                    {"test": "PING_MBULK", "clients": 50, "rps": 100000.0, "p50_ms": 0.3},
                ],
            }
        )
    )
    markdown, page = bench.write_bench_report(results, reference, tmp_path)
    md = markdown.read_text()
    assert "| component | 105 µs | 10.5 µs | 9 | 1.05× | ratio <= 1.10 | met |" in md
    assert "| slow path | 200 µs | 20 µs | 9 | 2.00× | ratio <= 1.50 | NOT MET |" in md
    assert "| Redis server | 7.0.15 (binary) |" in md and "| CPU count | 2 |" in md
    assert "| INCR | 19,000 | 0.040 ms | 90,000 | 0.300 ms |" in md
    # the component does 1 / 105 µs = 9,524 INCR/s: 48% of the PING round-trip rate, 50% of INCR's
    assert "| incr | component | 9,524 | 47.6% | 50.1% of INCR | 9.5% |" in md
    for chart in ("ratio-incr.svg", "ratio-other.svg", "throughput.svg", "redis-benchmark.svg"):
        svg = (tmp_path / "charts" / chart).read_text()
        assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
    assert "goal 1.1" in (tmp_path / "charts" / "ratio-incr.svg").read_text()
    assert '<img src="charts/ratio-incr.svg" alt="incr ratios">' in page.read_text()


# ---------------------------------------------------------------------------------------------- matrix


def test_server_discovery_deduplicates_by_version(tmp_path: Path) -> None:
    servers = matrix.discover_servers([], discover=True)
    versions = [s.version for s in servers]
    assert len(versions) == len(set(versions))
    assert all(s.pytest_args[0] == "--redis-backend" for s in servers)


# ---------------------------------------------------------------------------------------------- runner, CLI


def test_run_pytest_keeps_the_log_and_reads_the_closing_line(tmp_path: Path) -> None:
    (tmp_path / "test_tiny.py").write_text("def test_ok():\n    pass\n\ndef test_bad():\n    assert False\n")
    result = run_pytest(
        ["-q", "-p", "no:cacheprovider", "test_tiny.py"],
        label="tiny",
        log=tmp_path / "log.txt",
        cwd=tmp_path,
        echo=False,
    )
    assert result.returncode == 1 and not result.ok
    assert re.fullmatch(r"1 failed, 1 passed in [\d.]+s", result.summary)
    assert "test_bad" in (tmp_path / "log.txt").read_text()
    events = [json.loads(line) for line in (tmp_path / "log.events.jsonl").read_text().splitlines()]
    assert events[0] == {"event": "collected", "total": 2}
    assert [e["category"] for e in events if e["event"] == "test"] == ["passed", "failed"]
    assert events[-1]["event"] == "finished" and events[-1]["exitstatus"] == 1


def build_parser() -> argparse.ArgumentParser:
    from redisbehaviors.reports.cli import register

    parser = argparse.ArgumentParser(prog="redisbehaviors")
    register(parser.add_subparsers(dest="command", required=True))
    return parser


def test_report_site_command_rebuilds_badges_and_docs_from_json(tmp_path: Path) -> None:
    features, paths = write_fixture(tmp_path)
    out = tmp_path / "out"
    args = build_parser().parse_args(
        ["report", "site", "--out", str(out), "--features", str(features), *map(str, paths)]
    )
    assert args.handler(args) == 0
    assert (out / "badges" / "overall.svg").is_file()
    assert (out / "site" / "features" / "demo" / "counters.html").is_file()
    empty = build_parser().parse_args(["report", "site", "--out", str(tmp_path / "none")])
    assert empty.handler(empty) == 2


def test_progress_is_counted_from_the_events_in_pytests_words() -> None:
    progress = RunProgress()
    progress.feed({"event": "collected", "total": 4})
    for nodeid, category in (("a", "passed"), ("b", "failed"), ("c", "skipped"), ("c", "error")):
        progress.feed({"event": "test", "nodeid": nodeid, "category": category})
    assert progress.describe() == "3/4 tests done, 1 failed, 1 passed, 1 skipped, 1 error"
    assert progress.summary() == ""  # not finished yet
    progress.feed({"event": "finished", "exitstatus": 1, "seconds": 1.5})
    assert progress.summary() == "1 failed, 1 passed, 1 skipped, 1 error in 1.50s"


def test_an_examples_row_whose_pytest_id_was_changed_is_found_by_its_position(tmp_path: Path) -> None:
    features, _ = write_fixture(tmp_path)
    data = run_json("7.0.15", 3)
    data["behaviours"][3]["nodeid"] += "0"  # as pytest renames duplicate ids: test_refuses[1e3]0
    data["behaviours"][4]["outcome"] = "failed"
    data["behaviours"][4]["nodeid"] = data["behaviours"][4]["nodeid"].replace("0x10", "0x10-renamed")
    build_site(load_features(features), [Run.from_json(data)], tmp_path / "site", generated="now")
    page = (tmp_path / "site" / "features" / "demo" / "counters.html").read_text()
    first = re.search(r"<tr><td>1e3</td>.*?</tr>", page)
    second = re.search(r"<tr><td>0x10</td>.*?</tr>", page)
    assert first and 'data-outcome="passed"' in first.group()
    assert second and 'data-outcome="failed"' in second.group()


def test_every_report_sub_command_has_a_handler() -> None:
    parser = build_parser()
    for argv in (["report", "spec"], ["report", "bench"], ["report", "matrix"], ["report", "site"]):
        args = parser.parse_args(argv)
        assert callable(args.handler)
    args = parser.parse_args(["report", "spec", "--protocols", "2", "--", "--run-slow", "-x"])
    assert args.protocols == [2] and args.pytest_args == ["--run-slow", "-x"]


def test_the_bench_report_says_why_the_reference_is_missing(tmp_path: Path) -> None:
    results = tmp_path / "results.json"
    results.write_text(json.dumps(bench_json()))
    reference = tmp_path / "reference.json"
    reference.write_text(json.dumps({"server": {}, "redis_benchmark": [], "error": "redis-benchmark is not installed"}))
    markdown, _ = bench.write_bench_report(results, reference, tmp_path)
    assert "Not measured: redis-benchmark is not installed." in markdown.read_text()
    markdown, _ = bench.write_bench_report(results, None, tmp_path / "no-reference")
    assert "Not measured: no reference file" in markdown.read_text()
    assert not (tmp_path / "no-reference" / "charts" / "redis-benchmark.svg").exists()


def test_a_binary_that_cannot_tell_its_version_is_left_out_of_the_matrix(tmp_path: Path) -> None:
    fake = tmp_path / "redis-server"
    fake.write_text("#!/bin/sh\necho 'not redis'\n")
    fake.chmod(0o755)
    broken = tmp_path / "broken-server"
    broken.write_text("#!/bin/sh\nexit 3\n")
    broken.chmod(0o755)
    assert matrix.discover_servers([str(fake), str(broken)], discover=False) == []


# ---------------------------------------------------------------------------------------------- records schema


def test_a_record_file_round_trips_through_json_with_the_vendor_fields() -> None:
    data = run_json("7.2.4", 3)
    data["server"].update(vendor="valkey", vendor_version="8.1.1")
    file = RecordFile.from_json(json.loads(json.dumps(data)))
    assert file.server.product == "valkey 8.1.1 (Redis 7.2.4)"
    assert file.behaviours[2].tags == ("since_7_2",) and file.behaviours[2].line == 21
    assert RecordFile.from_json(file.to_json()) == file
    run = Run.of(file)
    assert run.label == "valkey 8.1.1 RESP3"
    assert Run.from_json(run_json("7.2.4", 3)).label == "7.2.4 RESP3"


@pytest.mark.parametrize("version", [None, 1, SCHEMA_VERSION + 1])
def test_a_behaviour_file_of_another_schema_version_is_refused_with_what_to_do(tmp_path: Path, version: Any) -> None:
    data = run_json("7.0.15", 2)
    if version is None:
        del data["schema_version"]
    else:
        data["schema_version"] = version
    path = tmp_path / "old.json"
    path.write_text(json.dumps(data))
    with pytest.raises(
        SchemaError, match=rf"old.json: behaviour records of schema version .*reads version {SCHEMA_VERSION}"
    ):
        load_runs([path])


def test_report_site_says_why_it_refuses_an_old_behaviour_file(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    features, paths = write_fixture(tmp_path)
    data = json.loads(paths[0].read_text())
    del data["schema_version"]
    paths[0].write_text(json.dumps(data))
    args = build_parser().parse_args(["report", "site", "--out", str(tmp_path / "out"), "--features", str(features)])
    args.runs = [str(paths[0])]
    assert args.handler(args) == 2
    assert "no schema_version" in capsys.readouterr().out


def test_the_records_plugin_writes_one_versioned_record_per_scenario(tmp_path: Path) -> None:
    features = tmp_path / "features" / "demo"
    features.mkdir(parents=True)
    (features / "tiny.feature").write_text(
        "Feature: Tiny\n  Scenario: It passes\n    Given nothing\n\n"
        "  @slow\n  Scenario: It is slow\n    Given nothing\n"
    )
    (tmp_path / "test_tiny.py").write_text(
        "from pytest_bdd import given, scenarios\n\nscenarios('features/demo/tiny.feature')\n\n"
        "@given('nothing')\ndef nothing():\n    pass\n"
    )
    out = tmp_path / "records.json"
    result = run_pytest(
        ["-q", "-p", "no:cacheprovider", "test_tiny.py", "--behaviour-json", str(out)],
        label="tiny",
        log=tmp_path / "log.txt",
        cwd=tmp_path,
        echo=False,
    )
    assert result.ok, (tmp_path / "log.txt").read_text()
    file = RecordFile.read(out)
    assert file.schema_version == SCHEMA_VERSION
    assert file.server.protocol in (2, 3) and file.server.version.count(".") == 2
    assert [(b.scenario, b.outcome, b.line) for b in file.behaviours] == [
        ("It passes", "passed", 2),
        ("It is slow", "skipped", 6),
    ]
    assert file.behaviours[1].reason == "slow behaviour: run with --run-slow"
    assert file.behaviours[1].tags == ("slow",)


# ---------------------------------------------------------------------------------------------- templates, charts


def test_a_narrative_renders_its_markdown_and_escapes_any_html(tmp_path: Path) -> None:
    text = (
        "@component\nFeature: Marked\n  A command that *replaces* a value drops its `TTL`.\n"
        "  <script>alert(1)</script> & friends.\n\n  Scenario: S <b>bold</b>\n    Given x\n"
    )
    (tmp_path / "f" / "t").mkdir(parents=True)
    (tmp_path / "f" / "t" / "marked.feature").write_text(text)
    build_site(load_features(tmp_path / "f"), [], tmp_path / "site", generated="now")
    page = (tmp_path / "site" / "features" / "t" / "marked.html").read_text()
    assert "A command that <em>replaces</em> a value drops its <code>TTL</code>." in page
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; friends." in page
    assert "S &lt;b&gt;bold&lt;/b&gt;</h3>" in page
    index = (tmp_path / "site" / "index.html").read_text()
    assert "A command that <em>replaces</em> a value drops its <code>TTL</code>." in index


def test_a_chart_is_a_standalone_svg_that_loads_nothing(tmp_path: Path) -> None:
    from redisbehaviors.reports.charts import Guide, Series, bar_chart

    svg = bar_chart("t <&>", ["a", "b"], [Series("s", [1.0, None])], [Guide(1.0, "goal 1.0")])
    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
    assert "t &lt;&amp;&gt;" in svg and "goal 1.0" in svg
    # pygal keeps an inline config script, but no script or stylesheet is fetched from anywhere
    assert "kozea.github.io" not in svg and '<script type="text/javascript" src' not in svg and 'href="http' not in svg


def test_the_server_block_takes_the_vendor_from_the_harness_target() -> None:
    from types import SimpleNamespace

    from redisbehaviors.testing.records import server_block

    target = SimpleNamespace(
        version_text="7.2.4", protocol=3, backend="binary", mode="standalone", vendor="valkey", vendor_version=(8, 1, 1)
    )
    assert server_block(target) == ServerBlock("7.2.4", 3, "binary", "standalone", "valkey", "8.1.1")
    plain = SimpleNamespace(version_text="8.2.3", protocol=2, backend="embedded", mode="standalone")
    assert server_block(plain).label == "8.2.3 RESP2" and not server_block(plain).other_vendor


def test_the_runs_table_has_a_vendor_column_only_when_a_server_is_not_redis(tmp_path: Path) -> None:
    features, paths = write_fixture(tmp_path)
    build_site(load_features(features), load_runs(paths), tmp_path / "plain", generated="now")
    assert "<th>Vendor</th>" not in (tmp_path / "plain" / "index.html").read_text()
    data = run_json("7.2.4", 3)
    data["server"].update(vendor="valkey", vendor_version="8.1.1")
    build_site(load_features(features), [Run.from_json(data)], tmp_path / "valkey", generated="now")
    home = (tmp_path / "valkey" / "index.html").read_text()
    assert "<td>7.2.4</td><td>valkey 8.1.1</td><td>RESP3</td><td>binary</td>" in home


def test_halt_polling_sets_the_limit_while_the_block_runs_and_puts_the_old_one_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    limit = tmp_path / "guest_halt_poll_ns"
    limit.write_text("0\n")
    monkeypatch.setattr(bench, "HALT_POLL_NS", limit)
    with bench.halt_polling(200000):
        assert limit.read_text() == "200000"
    assert limit.read_text().strip() == "0"
    with bench.halt_polling(None):  # no option: nothing is written
        assert limit.read_text().strip() == "0"


def test_halt_polling_without_the_haltpoll_driver_refuses_to_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bench, "HALT_POLL_NS", tmp_path / "absent")
    with pytest.raises(OSError, match="haltpoll"), bench.halt_polling(200000):
        pass
