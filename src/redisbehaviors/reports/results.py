"""Behaviour results: the ``--behaviour-json`` files a spec run writes, read back and aggregated.

The file format is :mod:`redisbehaviors.testing.records` (a versioned schema shared with the writer).

One run is one server (version, backend) under one protocol.  Every scenario of the run is one
record; a Scenario Outline gives one record per Examples row, all with the scenario's line.
A *behaviour* is one scenario of one feature file, identified by ``(feature_file, line)``; its
outcome in a run combines its rows, and its overall outcome combines its runs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from redisbehaviors.testing.records import BehaviourRecord, RecordFile, ServerBlock


class Outcome(StrEnum):
    """What happened to a behaviour, from worst to least informative."""

    FAILED = "failed"
    PASSED = "passed"
    TOO_OLD = "too-old"  # skipped: the server is older than the behaviour's @since_X_Y
    TOO_NEW = "too-new"  # skipped: the server is newer than the behaviour's @before_X_Y
    SKIPPED = "skipped"  # skipped for another reason (protocol, --run-slow, no binary, ...)
    ABSENT = "absent"  # not in the run at all (collection error, older checkout, ...)

    @property
    def is_version_skip(self) -> bool:
        return self in (Outcome.TOO_OLD, Outcome.TOO_NEW)


#: Precedence when outcomes are combined: the first present wins.
PRECEDENCE: tuple[Outcome, ...] = (
    Outcome.FAILED,
    Outcome.PASSED,
    Outcome.TOO_OLD,
    Outcome.TOO_NEW,
    Outcome.SKIPPED,
    Outcome.ABSENT,
)

NEEDS = re.compile(r"needs Redis >= ([\d.]+)")
BEFORE = re.compile(r"describes Redis < ([\d.]+)")


def classify(outcome: str, reason: str = "") -> Outcome:
    """Map a pytest outcome and skip reason (as the harness words them) to an :class:`Outcome`."""
    if outcome == "passed":
        return Outcome.PASSED
    if outcome == "failed":
        return Outcome.FAILED
    if NEEDS.search(reason):
        return Outcome.TOO_OLD
    if BEFORE.search(reason):
        return Outcome.TOO_NEW
    return Outcome.SKIPPED


def combine(outcomes: Iterable[Outcome]) -> Outcome:
    """One outcome for several (outline rows, or runs): a failure wins, then a pass, then skips."""
    present = set(outcomes)
    return next((o for o in PRECEDENCE if o in present), Outcome.ABSENT)


@dataclass(frozen=True)
class Record:
    """One scenario (or one Examples row of an outline) in one run, with its classified outcome."""

    data: BehaviourRecord
    outcome: Outcome

    @classmethod
    def of(cls, data: BehaviourRecord) -> Record:
        return cls(data, classify(data.outcome, data.reason))

    @property
    def key(self) -> tuple[str, int]:
        return (self.data.feature_file, self.data.line)

    @property
    def nodeid(self) -> str:
        return self.data.nodeid

    @property
    def reason(self) -> str:
        return self.data.reason

    @property
    def example_id(self) -> str:
        """The pytest parameter id of an outline row (``"+5"`` in ``test_x[+5]``), else ``""``."""
        _head, bracket, rest = self.nodeid.partition("[")
        return rest[:-1] if bracket and rest.endswith("]") else ""


@dataclass
class Run:
    """One ``--behaviour-json`` file (:class:`~redisbehaviors.testing.records.RecordFile`): a server and its records."""

    server: ServerBlock
    records: list[Record]
    source: str = ""

    @classmethod
    def from_json(cls, data: dict[str, Any], source: str = "") -> Run:
        """Read a behaviour file's JSON; ``SchemaError`` when its schema version is not this one."""
        return cls.of(RecordFile.from_json(data, source or "behaviour file"), source)

    @classmethod
    def of(cls, file: RecordFile, source: str = "") -> Run:
        return cls(file.server, [Record.of(b) for b in file.behaviours], source)

    @classmethod
    def load(cls, path: str | Path) -> Run:
        return cls.of(RecordFile.read(path), str(path))

    @property
    def label(self) -> str:
        return self.server.label


@dataclass
class Behaviour:
    """One scenario of one feature file, with its records in every run (keyed by run label)."""

    topic: str
    feature_file: str
    feature: str
    rule: str
    scenario: str
    tags: tuple[str, ...]
    line: int
    records: dict[str, list[Record]] = field(default_factory=dict)

    @property
    def key(self) -> tuple[str, int]:
        return (self.feature_file, self.line)

    @property
    def nodeids(self) -> list[str]:
        return sorted({r.nodeid for rows in self.records.values() for r in rows})

    def outcome_in(self, label: str) -> Outcome:
        return combine(r.outcome for r in self.records.get(label, []))

    @property
    def outcome(self) -> Outcome:
        return combine(self.outcome_in(label) for label in self.records)

    def reason_in(self, label: str) -> str:
        return next((r.reason for r in self.records.get(label, []) if r.reason), "")

    @property
    def version_note(self) -> str:
        """``">= 7.2"`` / ``"< 7.0"`` when a run skipped it for its version, else ``""``."""
        for rows in self.records.values():
            for record in rows:
                if match := NEEDS.search(record.reason):
                    return f">= {match.group(1)}"
                if match := BEFORE.search(record.reason):
                    return f"< {match.group(1)}"
        return ""


def collect(runs: Sequence[Run]) -> list[Behaviour]:
    """Every behaviour seen in any run, in topic / feature file / line order."""
    found: dict[tuple[str, int], Behaviour] = {}
    for run in runs:
        for record in run.records:
            behaviour = found.get(record.key)
            if behaviour is None:
                data = record.data
                behaviour = found[record.key] = Behaviour(
                    data.topic, data.feature_file, data.feature, data.rule, data.scenario, data.tags, data.line
                )
            behaviour.records.setdefault(run.label, []).append(record)
    return sorted(found.values(), key=lambda b: (b.topic, b.feature_file, b.line))


@dataclass
class Tally:
    """Counts of behaviour outcomes (a feature, a topic, everything)."""

    counts: dict[Outcome, int] = field(default_factory=dict)

    @classmethod
    def of(cls, outcomes: Iterable[Outcome]) -> Tally:
        tally = cls()
        for outcome in outcomes:
            tally.counts[outcome] = tally.counts.get(outcome, 0) + 1
        return tally

    def __getitem__(self, outcome: Outcome) -> int:
        return self.counts.get(outcome, 0)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def version_skipped(self) -> int:
        return self[Outcome.TOO_OLD] + self[Outcome.TOO_NEW]

    @property
    def status(self) -> Outcome:
        return combine(o for o, n in self.counts.items() if n)

    def summary(self) -> str:
        """``"12 passed, 1 failed, 2 need a newer server"``: the non-zero counts, in plain words."""
        words = {
            Outcome.PASSED: "passed",
            Outcome.FAILED: "failed",
            Outcome.TOO_OLD: "need a newer server",
            Outcome.TOO_NEW: "need an older server",
            Outcome.SKIPPED: "skipped",
            Outcome.ABSENT: "not run",
        }
        parts = [f"{self[o]} {words[o]}" for o in PRECEDENCE if self[o]]
        return ", ".join(parts) or "no behaviours"


def load_runs(paths: Iterable[str | Path]) -> list[Run]:
    """Load the runs that exist, sorted by server version then protocol."""
    runs = [Run.load(p) for p in paths if Path(p).is_file()]
    return sorted(runs, key=lambda run: run.server.sort_key)


def group_by(behaviours: Iterable[Behaviour], attribute: str) -> dict[str, list[Behaviour]]:
    """Behaviours grouped by ``topic`` or ``feature_file``, keeping their order."""
    groups: dict[str, list[Behaviour]] = {}
    for behaviour in behaviours:
        groups.setdefault(getattr(behaviour, attribute), []).append(behaviour)
    return groups
