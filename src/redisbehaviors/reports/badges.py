"""SVG badges, rendered offline with ``anybadge``: one per behaviour, feature, topic, and overall.

Layout under the output directory::

    overall.svg
    topics/<topic>.svg
    features/<topic>/<feature-file-stem>.svg
    behaviours/<topic>/<feature-file-stem>/<scenario-slug>.svg
    index.json            every badge with its subject and status, for tools

The README's table (:mod:`redisbehaviors.reports.readme`) points at these paths.

A badge combines all the runs it is given (for ``report spec``: RESP2 and RESP3 on one server):
red when any run failed, green when it passed, blue when every run skipped it because of the
server's version (the text says which version it needs), grey when skipped for another reason.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from redisbehaviors.reports.results import Behaviour, Outcome, Run, Tally, group_by

COLOURS: dict[Outcome, str] = {
    Outcome.PASSED: "#44cc11",
    Outcome.FAILED: "#e05d44",
    Outcome.TOO_OLD: "#007ec6",
    Outcome.TOO_NEW: "#007ec6",
    Outcome.SKIPPED: "#9f9f9f",
    Outcome.ABSENT: "#9f9f9f",
}
LABEL_LIMIT = 60


def slug(text: str) -> str:
    """A file-name-safe, lower-case slug: ``"INCR on a missing key"`` -> ``"incr-on-a-missing-key"``."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:80] or "unnamed"


def shorten(text: str, limit: int = LABEL_LIMIT) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def behaviour_value(behaviour: Behaviour) -> tuple[str, Outcome]:
    """Badge text and status of one behaviour over all its runs."""
    outcome = behaviour.outcome
    note = behaviour.version_note
    text = {
        Outcome.PASSED: "passing",
        Outcome.FAILED: "failing",
        Outcome.TOO_OLD: f"needs Redis {note}",
        Outcome.TOO_NEW: f"Redis {note} only",
        Outcome.SKIPPED: "skipped",
        Outcome.ABSENT: "not run",
    }[outcome]
    return text, outcome


def tally_value(tally: Tally) -> tuple[str, Outcome]:
    """Badge text and status of a group of behaviours."""
    if tally[Outcome.FAILED]:
        return f"{tally[Outcome.FAILED]} of {tally.total} failing", Outcome.FAILED
    parts = []
    if tally[Outcome.PASSED]:
        parts.append(f"{tally[Outcome.PASSED]} passing")
    if tally.version_skipped:
        parts.append(f"{tally.version_skipped} for another Redis version")
    if tally[Outcome.SKIPPED]:
        parts.append(f"{tally[Outcome.SKIPPED]} skipped")
    return (" · ".join(parts) or "no results"), tally.status


def render(label: str, value: str, outcome: Outcome) -> str:
    """The SVG text of one badge."""
    import anybadge  # the ``reports`` extra

    badge = anybadge.Badge(shorten(label), value, default_color=COLOURS[outcome])
    return str(badge.badge_svg_text)


@dataclass(frozen=True)
class BadgeFile:
    kind: str  # overall | topic | feature | behaviour
    subject: str
    path: str  # relative to the badge directory, with "/"
    text: str
    outcome: Outcome
    nodeids: tuple[str, ...] = ()


def topic_badge(topic: str) -> str:
    return f"topics/{topic}.svg"


def feature_badge(feature_file: str) -> str:
    """``"lua/functions.feature"`` -> ``"features/lua/functions.svg"``."""
    path = PurePosixPath(feature_file)
    return f"features/{path.parent.name or 'features'}/{path.stem}.svg"


def plan(behaviours: Sequence[Behaviour]) -> list[BadgeFile]:
    """Every badge to write, without writing it."""
    files: list[BadgeFile] = []
    text, outcome = tally_value(Tally.of(b.outcome for b in behaviours))
    files.append(BadgeFile("overall", "Redis behaviours", "overall.svg", text, outcome))
    for topic, members in group_by(behaviours, "topic").items():
        text, outcome = tally_value(Tally.of(b.outcome for b in members))
        files.append(BadgeFile("topic", topic, topic_badge(topic), text, outcome))
    for feature_file, members in group_by(behaviours, "feature_file").items():
        topic, stem = members[0].topic, PurePosixPath(feature_file).stem
        text, outcome = tally_value(Tally.of(b.outcome for b in members))
        files.append(BadgeFile("feature", members[0].feature, feature_badge(feature_file), text, outcome))
        used: set[str] = set()
        for behaviour in members:
            name = slug(behaviour.scenario)
            if name in used:
                name = f"{name}-line-{behaviour.line}"
            used.add(name)
            text, outcome = behaviour_value(behaviour)
            path = f"behaviours/{topic}/{stem}/{name}.svg"
            nodeids = tuple(behaviour.nodeids)
            files.append(BadgeFile("behaviour", behaviour.scenario, path, text, outcome, nodeids))
    return files


def write_badges(behaviours: Sequence[Behaviour], out_dir: Path, runs: Sequence[Run] = ()) -> list[BadgeFile]:
    """Write every badge and ``index.json`` under ``out_dir``."""
    files = plan(behaviours)
    for badge in files:
        target = out_dir / badge.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(render(badge.subject, badge.text, badge.outcome))
    index = {
        "runs": [run.label for run in runs],
        "badges": [
            {
                "kind": b.kind,
                "subject": b.subject,
                "path": b.path,
                "text": b.text,
                "outcome": str(b.outcome),
                "nodeids": list(b.nodeids),
            }
            for b in files
        ],
    }
    (out_dir / "index.json").write_text(json.dumps(index, indent=1))
    return files
