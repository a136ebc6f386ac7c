"""The living documentation: a static HTML site rendered from the feature files and the last runs.

Pages (all relative links, so the site works from ``file://`` and from GitHub Pages)::

    index.html                          the topics, their features and their results
    commands.html                       an index by Redis command: which scenarios use it
    features/<topic>/<stem>.html        one page per feature file, rendered from its Gherkin
    assets/style.css, assets/search.js, assets/search-index.js

Every scenario carries one result pill per run (server version and protocol); an outline's
Examples rows carry theirs too.  No page loads anything from the network.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

from redisbehaviors.reports.featuredoc import QUOTED, Examples, FeatureDoc, Scenario
from redisbehaviors.reports.render import render
from redisbehaviors.reports.results import Behaviour, Outcome, Record, Run, Tally, collect, combine
from redisbehaviors.topics import TOPICS

SYMBOLS: dict[Outcome, str] = {
    Outcome.PASSED: "✓",
    Outcome.FAILED: "✗",
    Outcome.TOO_OLD: "⤓",
    Outcome.TOO_NEW: "⤒",
    Outcome.SKIPPED: "–",
    Outcome.ABSENT: "·",
}
WORDS: dict[Outcome, str] = {
    Outcome.PASSED: "passed",
    Outcome.FAILED: "failed",
    Outcome.TOO_OLD: "server too old",
    Outcome.TOO_NEW: "server too new",
    Outcome.SKIPPED: "skipped",
    Outcome.ABSENT: "not run",
}
VERSION_TAG = re.compile(r"(since|before)_(\d+)_(\d+)(?:_(\d+))?")
TAG_WORDS = {
    "resp2_only": "RESP2 only",
    "resp3_only": "RESP3 only",
    "standalone_only": "standalone only",
    "needs_databases": "numbered databases",
    "cluster_only": "Redis Cluster",
    "needs_replica": "with a replica",
    "own_server": "changes server state",
    "needs_debug": "uses DEBUG",
    "slow": "slow",
    "component": "component",
}


def tag_text(tag: str) -> str:
    """``since_7_2`` -> ``"Redis ≥ 7.2"``; ``resp3_only`` -> ``"RESP3 only"``; others unchanged."""
    match = VERSION_TAG.fullmatch(tag)
    if match:
        version = ".".join(p for p in match.groups()[1:] if p is not None)
        return f"Redis ≥ {version}" if match.group(1) == "since" else f"Redis < {version}"
    return TAG_WORDS.get(tag, tag)


def command_anchor(command: str) -> str:
    return "cmd-" + command.replace(" ", "-")


def command_reference(command: str) -> str:
    """The command's page in the Redis documentation (a plain link; nothing is loaded from it)."""
    return f"https://redis.io/docs/latest/commands/{command.lower().replace(' ', '-')}/"


def feature_url(doc: FeatureDoc) -> str:
    return f"features/{doc.topic}/{doc.stem}.html"


# ---------------------------------------------------------------------------------------------- view model


@dataclass(frozen=True)
class Pill:
    """A result pill: the outcome's symbol and a text; run pills also name their run and explain themselves."""

    outcome: Outcome
    text: str
    run: str = ""
    title: str = ""

    @property
    def symbol(self) -> str:
        return SYMBOLS[self.outcome]


def run_pill(label: str, outcome: Outcome, reason: str = "", backend: str = "") -> Pill:
    title = WORDS[outcome] + (f": {reason}" if reason else "") + (f" (backend {backend})" if backend else "")
    return Pill(outcome, label, run=label, title=title)


def tally_pill(tally: Tally) -> Pill:
    return Pill(tally.status, tally.summary())


def status_pill(outcome: Outcome) -> Pill:
    return Pill(outcome, WORDS[outcome])


def run_pills(site: Site, behaviour: Behaviour | None) -> list[Pill]:
    if behaviour is None:
        return [run_pill(label, Outcome.ABSENT) for label in site.labels]
    return [
        run_pill(label, behaviour.outcome_in(label), behaviour.reason_in(label), site.backends[label])
        for label in site.labels
    ]


Segment = tuple[bool, str]  # (is a <placeholder>, text)


def step_parts(text: str) -> list[tuple[bool, list[Segment]]]:
    """Step text cut for display: ``(is a quoted argument, segments)``, each segment marking ``<placeholders>``."""
    parts = []
    for index, part in enumerate(QUOTED.split(text)):
        pieces = re.split(r"(<[\w -]+>)", part)
        parts.append((index % 2 == 1, [(i % 2 == 1, piece) for i, piece in enumerate(pieces) if piece]))
    return parts


def row_records(behaviour: Behaviour | None, label: str, row_id: str, position: int, total: int) -> list[Record]:
    """The records of one Examples row in one run: by pytest id, else by position.

    pytest-bdd names a row by its values joined with ``-``; pytest may still change that id
    (escaping non-ASCII, numbering duplicates), and then the row is found by its position among
    all the outline's rows, provided the run has exactly one record per row.
    """
    records = behaviour.records.get(label, []) if behaviour else []
    matched = [r for r in records if r.example_id == row_id]
    if matched or len(records) != total:
        return matched
    return [records[position]]


def examples_rows(
    site: Site, doc: FeatureDoc, scenario: Scenario, examples: Examples
) -> list[tuple[list[str], list[Pill]]]:
    """Each Examples row's cells and its pill per run."""
    behaviour = site.behaviour(doc, scenario)
    all_rows = [row for block in scenario.examples for row in block.rows]
    out = []
    for line, cells in examples.rows:
        position = next(i for i, (row_line, _) in enumerate(all_rows) if row_line == line)
        pills = []
        for label in site.labels:
            rows = row_records(behaviour, label, examples.row_id(cells), position, len(all_rows))
            reason = rows[0].reason if rows else ""
            pills.append(run_pill(label, combine(r.outcome for r in rows), reason, site.backends.get(label, "")))
        out.append((cells, pills))
    return out


@dataclass(frozen=True)
class TopicView:
    """A topic on the index page: its manifest entry when it has one, and its feature files."""

    name: str
    title: str
    teaches: str
    components: list[tuple[str, FeatureDoc | None]]  # (component title, its feature file)
    docs: list[FeatureDoc]


def topic_title(name: str) -> str:
    """The manifest's title of a topic folder (``ttl_locks`` -> ``"TTL & locks"``), else the folder name."""
    return next((t.title for t in TOPICS if t.name == name), name)


def topic_views(features: Sequence[FeatureDoc]) -> list[TopicView]:
    """The topics in the manifest's order (folders the manifest does not name come after, by name)."""
    grouped: dict[str, list[FeatureDoc]] = {}
    for doc in features:
        grouped.setdefault(doc.topic, []).append(doc)
    known = {t.name: t for t in TOPICS}
    order = [t.name for t in TOPICS if t.name in grouped] + sorted(set(grouped) - set(known))
    views = []
    for name in order:
        docs = grouped[name]
        topic = known.get(name)
        by_stem = {doc.stem: doc for doc in docs}
        components = [(c.title, by_stem.get(c.name)) for c in topic.components] if topic else []
        views.append(TopicView(name, topic_title(name), topic.teaches if topic else "", components, docs))
    return views


def _by_key(run: Run) -> dict[tuple[str, int], list[Record]]:
    grouped: dict[tuple[str, int], list[Record]] = {}
    for record in run.records:
        grouped.setdefault(record.key, []).append(record)
    return grouped


@dataclass
class Site:
    """What the pages are built from."""

    features: list[FeatureDoc]
    runs: list[Run]
    generated: str
    errors: list[str]
    title: str = "Redis behaviours"
    #: More pages the header links to: (title, path relative to the site's root), e.g. the conformance matrix.
    links: list[tuple[str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.behaviours: dict[tuple[str, int], Behaviour] = {b.key: b for b in collect(self.runs)}
        self.labels: list[str] = list(dict.fromkeys(run.label for run in self.runs))
        self.backends: dict[str, str] = {run.label: run.server.backend for run in self.runs}

    def behaviour(self, doc: FeatureDoc, scenario: Scenario) -> Behaviour | None:
        return self.behaviours.get((doc.path, scenario.line))

    def outcome(self, doc: FeatureDoc, scenario: Scenario) -> Outcome:
        behaviour = self.behaviour(doc, scenario)
        return behaviour.outcome if behaviour else Outcome.ABSENT

    def tally(self, docs: Sequence[FeatureDoc]) -> Tally:
        return Tally.of(self.outcome(doc, s) for doc in docs for s in doc.scenarios)

    def run_tally(self, run: Run) -> Tally:
        return Tally.of(combine(r.outcome for r in rows) for rows in _by_key(run).values())


def commands_index(site: Site) -> dict[str, list[tuple[FeatureDoc, Scenario]]]:
    index: dict[str, list[tuple[FeatureDoc, Scenario]]] = {}
    for doc in site.features:
        for scenario in doc.scenarios:
            for command in scenario.commands:
                index.setdefault(command, []).append((doc, scenario))
    return dict(sorted(index.items()))


# ---------------------------------------------------------------------------------------------- pages


def _render(template: str, site: Site, root: str, **context: object) -> str:
    return render(
        f"site/{template}",
        site=site,
        root=root,
        Outcome=Outcome,
        WORDS=WORDS,
        run_pills=run_pills,
        tally_pill=tally_pill,
        status_pill=status_pill,
        topic_title=topic_title,
        step_parts=step_parts,
        examples_rows=examples_rows,
        tag_text=tag_text,
        feature_url=feature_url,
        command_anchor=command_anchor,
        command_reference=command_reference,
        **context,
    )


def feature_page(site: Site, doc: FeatureDoc) -> str:
    return _render("feature.html", site, "../../", doc=doc)


def index_page(site: Site) -> str:
    return _render("index.html", site, "", topics=topic_views(site.features))


def commands_page(site: Site) -> str:
    index = commands_index(site)
    letters = sorted({c[0] for c in index})
    return _render("commands.html", site, "", index=index, letters=letters)


def search_index(site: Site) -> list[dict[str, str]]:
    entries = []
    for doc in site.features:
        entries.append({"k": "feature", "t": doc.name, "s": doc.summary, "u": feature_url(doc), "c": ""})
        for scenario in doc.scenarios:
            outcome = site.outcome(doc, scenario)
            entries.append(
                {
                    "k": "scenario",
                    "t": scenario.name,
                    "s": f"{doc.name}" + (f" › {scenario.rule}" if scenario.rule else ""),
                    "u": f"{feature_url(doc)}#{scenario.anchor}",
                    "c": " ".join(scenario.commands),
                    "o": str(outcome),
                }
            )
    for command, uses in commands_index(site).items():
        entries.append(
            {
                "k": "command",
                "t": command,
                "s": f"{len(uses)} scenario{'s' if len(uses) != 1 else ''}",
                "u": f"commands.html#{command_anchor(command)}",
                "c": command,
            }
        )
    return entries


def build_site(
    features: Sequence[FeatureDoc],
    runs: Sequence[Run],
    out_dir: Path,
    errors: Sequence[str] = (),
    generated: str | None = None,
    links: Sequence[tuple[str, str]] = (),
) -> Path:
    """Write the whole site under ``out_dir``; returns the path of ``index.html``."""
    site = Site(
        list(features),
        list(runs),
        generated or datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        list(errors),
        links=list(links),
    )
    assets = out_dir / "assets"
    assets.mkdir(parents=True, exist_ok=True)
    for name in ("style.css", "search.js"):
        (assets / name).write_text(
            resources.files("redisbehaviors.reports").joinpath("assets").joinpath(name).read_text()
        )
    index_json = json.dumps(search_index(site), ensure_ascii=False, separators=(",", ":"))
    (assets / "search-index.js").write_text(f"window.SEARCH_INDEX = {index_json};\n")
    for doc in site.features:
        target = out_dir / feature_url(doc)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(feature_page(site, doc))
    (out_dir / "commands.html").write_text(commands_page(site))
    index = out_dir / "index.html"
    index.write_text(index_page(site))
    return index
