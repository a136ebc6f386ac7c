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

import html
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

from redisbehaviors.reports.featuredoc import QUOTED, Background, Examples, FeatureDoc, Scenario, Step
from redisbehaviors.reports.results import Behaviour, Outcome, Record, Run, Tally, collect, combine

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
    "cluster_only": "Redis Cluster",
    "needs_replica": "with a replica",
    "own_server": "changes server state",
    "needs_debug": "uses DEBUG",
    "slow": "slow",
    "component": "component",
}


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


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


@dataclass
class Site:
    """What the pages are built from."""

    features: list[FeatureDoc]
    runs: list[Run]
    generated: str
    errors: list[str]
    title: str = "Redis behaviours"

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

    def topics(self) -> dict[str, list[FeatureDoc]]:
        grouped: dict[str, list[FeatureDoc]] = {}
        for doc in self.features:
            grouped.setdefault(doc.topic, []).append(doc)
        return grouped


# ---------------------------------------------------------------------------------------------- pieces


def pill(label: str, outcome: Outcome, reason: str = "", backend: str = "") -> str:
    title = WORDS[outcome] + (f": {reason}" if reason else "") + (f" (backend {backend})" if backend else "")
    return (
        f'<span class="pill o-{outcome}" title="{esc(title)}" data-run="{esc(label)}" '
        f'data-outcome="{outcome}">'
        f'<span class="sym">{SYMBOLS[outcome]}</span> {esc(label)}</span>'
    )


def status_pill(outcome: Outcome, text: str) -> str:
    return f'<span class="pill o-{outcome}" data-outcome="{outcome}">{SYMBOLS[outcome]} {esc(text)}</span>'


def run_pills(site: Site, behaviour: Behaviour | None) -> str:
    if not site.labels:
        return '<span class="pill o-absent">no results</span>'
    parts = []
    for label in site.labels:
        if behaviour is None:
            parts.append(pill(label, Outcome.ABSENT))
        else:
            parts.append(pill(label, behaviour.outcome_in(label), behaviour.reason_in(label), site.backends[label]))
    return '<span class="pills">' + "".join(parts) + "</span>"


def tag_chips(tags: Sequence[str]) -> str:
    if not tags:
        return ""
    chips = "".join(f'<span class="tag" title="@{esc(t)}">{esc(tag_text(t))}</span>' for t in tags)
    return f'<span class="tags">{chips}</span>'


def inline(text: str) -> str:
    """Step text: quoted arguments as code, ``<placeholders>`` as variables."""
    parts = QUOTED.split(text)
    out = []
    for index, part in enumerate(parts):
        escaped = esc(part)
        escaped = re.sub(r"&lt;([\w -]+)&gt;", r"<var>&lt;\1&gt;</var>", escaped)
        out.append(f'<code class="arg">{escaped}</code>' if index % 2 else escaped)
    return "".join(out)


def paragraphs(text: str) -> str:
    blocks = [b for b in re.split(r"\n\s*\n", text) if b.strip()]
    return "".join(f"<p>{esc(' '.join(b.split()))}</p>" for b in blocks)


def data_table(rows: list[list[str]]) -> str:
    head, *body = rows
    out = ['<table class="data"><thead><tr>', *(f"<th>{esc(c)}</th>" for c in head), "</tr></thead><tbody>"]
    for row in body:
        out += ["<tr>", *(f"<td>{esc(c)}</td>" for c in row), "</tr>"]
    out.append("</tbody></table>")
    return "".join(out)


def step_html(step: Step) -> str:
    keyword = esc(step.keyword)
    body = f'<li class="step"><span class="kw">{keyword}</span> {inline(step.text)}'
    if step.docstring is not None:
        body += f'<pre class="doc">{esc(step.docstring)}</pre>'
    if step.table:
        body += data_table(step.table)
    return body + "</li>"


def steps_html(steps: Sequence[Step]) -> str:
    return '<ol class="steps">' + "".join(step_html(s) for s in steps) + "</ol>"


def background_html(background: Background | None) -> str:
    if background is None:
        return ""
    name = f": {esc(background.name)}" if background.name else ""
    heading = f"<h4>{esc(background.keyword)}{name}</h4>"
    return f'<div class="background">{heading}{steps_html(background.steps)}</div>'


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


def examples_html(site: Site, scenario: Scenario, examples: Examples, behaviour: Behaviour | None) -> str:
    name = f": {esc(examples.name)}" if examples.name else ""
    out = [f'<div class="examples"><h4>{esc(examples.keyword)}{name} {tag_chips(examples.tags)}</h4>']
    out.append('<table class="data"><thead><tr>')
    out += [f"<th>{esc(c)}</th>" for c in examples.header]
    out.append('<th class="res">result</th></tr></thead><tbody>')
    all_rows = [row for block in scenario.examples for row in block.rows]
    for line, cells in examples.rows:
        position = next(i for i, (row_line, _) in enumerate(all_rows) if row_line == line)
        pills = []
        for label in site.labels:
            rows = row_records(behaviour, label, examples.row_id(cells), position, len(all_rows))
            outcome = combine(r.outcome for r in rows)
            reason = rows[0].reason if rows else ""
            pills.append(pill(label, outcome, reason, site.backends.get(label, "")))
        out += ["<tr>", *(f"<td>{esc(c)}</td>" for c in cells), f'<td class="res">{"".join(pills)}</td></tr>']
    out.append("</tbody></table></div>")
    return "".join(out)


def scenario_html(site: Site, doc: FeatureDoc, scenario: Scenario, root: str) -> str:
    behaviour = site.behaviour(doc, scenario)
    outcome = behaviour.outcome if behaviour else Outcome.ABSENT
    commands = "".join(
        f'<a class="cmd" href="{root}commands.html#{command_anchor(c)}">{esc(c)}</a>' for c in scenario.commands
    )
    out = [
        f'<section class="scenario o-{outcome}" id="{scenario.anchor}" data-outcome="{outcome}">',
        f'<h3><a class="anchor" href="#{scenario.anchor}">#</a> {esc(scenario.name)}</h3>',
        f'<div class="meta">{run_pills(site, behaviour)} {tag_chips(scenario.tags)}</div>',
    ]
    if scenario.description:
        out.append(f'<div class="narrative">{paragraphs(scenario.description)}</div>')
    out.append(steps_html(scenario.steps))
    out += [examples_html(site, scenario, ex, behaviour) for ex in scenario.examples]
    footer = f"{esc(scenario.keyword)} · features/{esc(doc.path)}:{scenario.line}"
    if commands:
        footer += f' · <span class="cmds">Commands: {commands}</span>'
    if behaviour:
        footer += f' · <span class="nodeid">{esc(behaviour.nodeids[0].split("[")[0])}</span>'
    out.append(f'<p class="where">{footer}</p></section>')
    return "".join(out)


# ---------------------------------------------------------------------------------------------- pages


def page(site: Site, title: str, body: str, root: str) -> str:
    generated = esc(site.generated)
    runs = ", ".join(esc(f"{label} ({site.backends[label]})") for label in site.labels) or "no runs"
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)} · {esc(site.title)}</title>
<link rel="stylesheet" href="{root}assets/style.css">
</head>
<body>
<header class="top">
  <a class="home" href="{root}index.html">{esc(site.title)}</a>
  <nav><a href="{root}index.html#topics">Topics</a> <a href="{root}commands.html">Commands</a></nav>
  <div class="search">
    <input id="search" type="search" placeholder="Search behaviours, features, commands…" autocomplete="off"
           aria-label="Search">
    <ul id="search-results" hidden></ul>
  </div>
</header>
<main>
{body}
</main>
<footer>Generated {generated} from the feature files and these runs: {runs}.</footer>
<script>window.SITE_ROOT = "{root}";</script>
<script src="{root}assets/search-index.js"></script>
<script src="{root}assets/search.js"></script>
</body>
</html>
"""


def legend() -> str:
    items = "".join(status_pill(o, WORDS[o]) for o in Outcome)
    return f'<p class="legend">Results: {items}</p>'


def feature_page(site: Site, doc: FeatureDoc) -> str:
    root = "../../"
    tally = site.tally([doc])
    toc = "".join(f'<li><a href="#{rule.anchor}">{esc(rule.name)}</a></li>' for rule in doc.rules if rule.name)
    out = [
        f'<p class="crumbs"><a href="{root}index.html">Index</a> › '
        f'<a href="{root}index.html#topic-{esc(doc.topic)}">{esc(doc.topic)}</a></p>',
        f'<h1><span class="kwd">{esc(doc.keyword)}:</span> {esc(doc.name)}</h1>',
        tag_chips(doc.tags),
        f'<div class="narrative lead">{paragraphs(doc.description)}</div>',
        f'<p class="summary">{status_pill(tally.status, Tally.summary(tally))}</p>',
    ]
    if toc:
        out.append(f'<nav class="toc"><h2>Rules</h2><ol>{toc}</ol></nav>')
    out.append(legend())
    out.append(background_html(doc.background))
    for rule in doc.rules:
        out.append(f'<article class="rule" id="{rule.anchor}">')
        if rule.name:
            out.append(
                f'<h2><span class="kwd">{esc(rule.keyword)}:</span> {esc(rule.name)} {tag_chips(rule.tags)}</h2>'
            )
            if rule.description:
                out.append(f'<div class="narrative">{paragraphs(rule.description)}</div>')
            out.append(background_html(rule.background))
        out += [scenario_html(site, doc, scenario, root) for scenario in rule.scenarios]
        out.append("</article>")
    return page(site, doc.name, "\n".join(out), root)


def index_page(site: Site) -> str:
    overall = site.tally(site.features)
    out = [
        f"<h1>{esc(site.title)}</h1>",
        '<div class="narrative lead"><p>An executable specification of Redis: every scenario below was '
        "run against a real <code>redis-server</code>, and its result is shown for each server version and "
        "protocol it ran on. Each feature page reads as documentation of one part of Redis (or of one of "
        "this project's components built on it); the commands index lists the scenarios that use each "
        "command.</p></div>",
        f'<p class="summary">{status_pill(overall.status, Tally.summary(overall))}</p>',
        runs_table(site),
        legend(),
    ]
    if site.errors:
        items = "".join(f"<li><code>{esc(e)}</code></li>" for e in site.errors)
        out.append(f'<div class="errors"><h2>Feature files that could not be read</h2><ul>{items}</ul></div>')
    out.append('<h2 id="topics">Topics</h2>')
    for topic, docs in site.topics().items():
        tally = site.tally(docs)
        out.append(f'<section class="topic" id="topic-{esc(topic)}">')
        out.append(f"<h3>{esc(topic)} {status_pill(tally.status, Tally.summary(tally))}</h3>")
        out.append('<table class="features"><thead><tr><th>Feature</th><th>What it shows</th><th>Results</th>')
        out.append("</tr></thead><tbody>")
        for doc in docs:
            feature_tally = site.tally([doc])
            out.append(
                f'<tr><td><a href="{feature_url(doc)}">{esc(doc.name)}</a></td><td>{esc(doc.summary)}</td>'
                f"<td>{status_pill(feature_tally.status, Tally.summary(feature_tally))}</td></tr>"
            )
        out.append("</tbody></table></section>")
    return page(site, "Index", "\n".join(out), "")


def runs_table(site: Site) -> str:
    if not site.runs:
        return "<p>No results were given: the pages show the specification without results.</p>"
    rows = []
    for run in site.runs:
        tally = Tally.of(combine(r.outcome for r in rows) for rows in _by_key(run).values())
        rows.append(
            f"<tr><td>{esc(run.server.version)}</td><td>RESP{run.server.protocol}</td>"
            f"<td>{esc(run.server.backend)}</td><td>{esc(Tally.summary(tally))}</td></tr>"
        )
    return (
        '<table class="runs"><thead><tr><th>Redis</th><th>Protocol</th><th>Backend</th><th>Behaviours</th>'
        "</tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
    )


def _by_key(run: Run) -> dict[tuple[str, int], list[Record]]:
    grouped: dict[tuple[str, int], list[Record]] = {}
    for record in run.records:
        grouped.setdefault(record.key, []).append(record)
    return grouped


def commands_index(site: Site) -> dict[str, list[tuple[FeatureDoc, Scenario]]]:
    index: dict[str, list[tuple[FeatureDoc, Scenario]]] = {}
    for doc in site.features:
        for scenario in doc.scenarios:
            for command in scenario.commands:
                index.setdefault(command, []).append((doc, scenario))
    return dict(sorted(index.items()))


def commands_page(site: Site) -> str:
    index = commands_index(site)
    letters = sorted({c[0] for c in index})
    jump = " ".join(f'<a href="#letter-{letter}">{letter}</a>' for letter in letters)
    out = [
        "<h1>Redis commands</h1>",
        '<div class="narrative lead"><p>Every Redis command the scenarios send or name, with the behaviours '
        "that show it. Follow a scenario to read its steps and its result on each server.</p></div>",
        f'<p class="jump">{jump}</p>',
    ]
    current = ""
    for command, uses in index.items():
        if command[0] != current:
            current = command[0]
            out.append(f'<h2 id="letter-{current}">{current}</h2>')
        out.append(f'<section class="command" id="{command_anchor(command)}"><h3><code>{esc(command)}</code>')
        out.append(f' <span class="count">{len(uses)} scenario{"s" if len(uses) != 1 else ""} · ')
        out.append(f'<a href="{command_reference(command)}">reference</a></span></h3><ul>')
        for doc, scenario in uses:
            outcome = site.outcome(doc, scenario)
            out.append(
                f'<li>{status_pill(outcome, WORDS[outcome])} <a href="{feature_url(doc)}#{scenario.anchor}">'
                f'{esc(scenario.name)}</a> <span class="from">— {esc(doc.name)}</span></li>'
            )
        out.append("</ul></section>")
    return page(site, "Commands", "\n".join(out), "")


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
) -> Path:
    """Write the whole site under ``out_dir``; returns the path of ``index.html``."""
    site = Site(
        list(features),
        list(runs),
        generated or datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        list(errors),
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
