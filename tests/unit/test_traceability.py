"""The traceability table (docs/traceability.md) against Redis's Tcl suite.

The doc is rebuilt from the cached Tcl test names (docs/traceability/tcl_tests.json), the
hand-kept classification and the scenarios of features/, so no copy of redis/redis is needed.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from redisbehaviors.reports import traceability as t


def test_the_doc_is_up_to_date_with_the_classification_and_the_features() -> None:
    assert t.DOC.read_text() == t.build(), (
        "docs/traceability.md is out of date: run `python -m redisbehaviors.reports.traceability render`"
    )


def test_the_cache_covers_every_traced_file_at_one_pinned_commit() -> None:
    commit, tests = t.load_cache()
    assert len(commit) == 40
    assert {test.file for test in tests} == set(t.TCL_FILES)


def test_test_names_are_read_from_braces_and_quotes_with_their_lines() -> None:
    text = 'start_server {} {\n    test {SET and GET} {\n    }\n    test "ZADD - $encoding" {\n    }\n' + (
        "    test {SET and GET} {\n    }\n}\n"
    )
    parsed = t.parse_tcl("unit/x", text)
    assert [(p.name, p.line, p.key) for p in parsed] == [
        ("SET and GET", 2, "SET and GET"),
        ("ZADD - $encoding", 4, "ZADD - $encoding"),
        ("SET and GET", 6, "SET and GET #2"),
    ]


def _tests() -> list[t.TclTest]:
    return [t.TclTest("unit/x", "A", 1, "A"), t.TclTest("unit/x", "B", 2, "B")]


def test_an_unclassified_test_fails_loudly() -> None:
    with pytest.raises(t.TraceabilityError, match="no classification for 'B'"):
        t.join(_tests(), {"unit/x": {"A": "todo"}}, set())


def test_a_classification_citing_a_missing_scenario_fails_loudly() -> None:
    classification = {"unit/x": {"A": {"stated": ["topic/f.feature: Gone"]}, "B": {"out": "why"}}}
    with pytest.raises(t.TraceabilityError, match=r"cites a missing scenario 'topic/f\.feature: Gone'"):
        t.join(_tests(), classification, {"topic/f.feature: Here"})


def test_a_classified_name_that_is_no_test_fails_loudly() -> None:
    classification = {"unit/x": {"A": "todo", "B": "todo", "C": "todo"}}
    with pytest.raises(t.TraceabilityError, match="'C' is classified but is not a test"):
        t.join(_tests(), classification, set())


def test_coverage_counts_stated_over_stated_and_todo() -> None:
    rows = t.join(
        [*_tests(), t.TclTest("unit/x", "C", 3, "C")],
        {"unit/x": {"A": {"stated": ["topic/f.feature: S"]}, "B": "todo", "C": {"out": "DEBUG"}}},
        {"topic/f.feature: S"},
    )
    counts, ratio = t.coverage(rows)
    assert (counts["stated"], counts["todo"], counts["out"], ratio) == (1, 1, 1, 0.5)


def test_parse_reads_a_bare_repository_at_a_commit(tmp_path: Path) -> None:
    repo = tmp_path / "redis"
    files = {f"tests/{file}.tcl": f"test {{{file} works}} {{\n}}\n" for file in t.TCL_FILES}
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    for path, text in files.items():
        (repo / path).parent.mkdir(parents=True, exist_ok=True)
        (repo / path).write_text(text)
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "tcl"], check=True)
    document = t.parse_repo(repo, "HEAD")
    assert document["files"]["unit/expire"] == [["unit/expire works", 1]]  # type: ignore[index]
