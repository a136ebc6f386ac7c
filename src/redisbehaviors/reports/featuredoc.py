"""Feature files read with the official Gherkin parser (``gherkin-official``, as pytest-bdd does).

The model keeps what a reader needs: the narrative, rules, backgrounds, scenarios with their
steps, docstrings, data tables, examples and tags, plus the Redis commands each scenario uses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path, PurePosixPath
from typing import Any


@cache
def redis_commands() -> frozenset[str]:
    """Known Redis command names, and ``"CONTAINER SUB"`` pairs such as ``"OBJECT ENCODING"``."""
    text = resources.files("redisbehaviors.reports").joinpath("redis_commands.txt").read_text()
    return frozenset(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*")
QUOTED = re.compile(r'"([^"]*)"')


def _command_at(words: list[re.Match[str]], index: int, text: str) -> str | None:
    """The command (or ``"CONTAINER SUB"`` pair) spelled by ``words[index]``, if it is one."""
    known = redis_commands()
    word = words[index].group()
    if not word.isupper() or word not in known:
        return None
    if index + 1 < len(words):
        following = words[index + 1]
        pair = f"{word} {following.group()}"
        if text[words[index].end() : following.start()] == " " and pair in known:
            return pair
    return word


def _leading_command(text: str) -> list[str]:
    """A command line such as ``"ZADD z INCR 1 a"`` names one command: its first word."""
    words = list(WORD.finditer(text))
    if not words or text[: words[0].start()].strip():
        return []
    command = _command_at(words, 0, text)
    return [command] if command else []


def _prose_commands(text: str) -> list[str]:
    """Commands named in prose: upper-case words that start a run of upper-case words.

    "ZADD XX INCR on a missing member" names ZADD only: XX and INCR are its options.
    """
    words = list(WORD.finditer(text))
    found = []
    for index, match in enumerate(words):
        previous = words[index - 1] if index else None
        if previous and previous.group().isupper() and text[previous.end() : match.start()] == " ":
            continue
        command = _command_at(words, index, text)
        if command:
            found.append(command)
    return found


def commands_in(text: str, lines: bool = False) -> list[str]:
    """Upper-case Redis command names in ``text``, in order, without repeats.

    Only words written in upper case count, so prose such as "get the value" is not mistaken
    for ``GET``.  A quoted string (``"INCR n"``) names the command it starts with; prose names
    the upper-case words that start a run (options after a command are not commands).  With
    ``lines=True`` every line is a command line (a docstring of commands).
    """
    found: list[str] = []
    if lines:
        for line in text.splitlines():
            found += _leading_command(line.strip())
    else:
        for index, part in enumerate(QUOTED.split(text)):
            found += _leading_command(part) if index % 2 else _prose_commands(part)
    return list(dict.fromkeys(found))


@dataclass
class Step:
    keyword: str
    text: str
    line: int
    docstring: str | None = None
    table: list[list[str]] | None = None

    @property
    def searchable(self) -> str:
        cells = " ".join(" ".join(row) for row in self.table or [])
        return " ".join(part for part in (self.text, self.docstring or "", cells) if part)

    @property
    def commands(self) -> list[str]:
        found = commands_in(self.text)
        if self.docstring:
            found += commands_in(self.docstring, lines=True)
        for row in self.table or []:
            for cell in row:
                found += commands_in(cell, lines=True)
        return list(dict.fromkeys(found))


@dataclass
class Examples:
    keyword: str
    name: str
    tags: list[str]
    header: list[str]
    rows: list[tuple[int, list[str]]]  # (line, cells)

    def row_id(self, cells: list[str]) -> str:
        """The pytest id pytest-bdd gives this row: the values joined by ``-``."""
        return "-".join(cells)


@dataclass
class Scenario:
    keyword: str
    name: str
    description: str
    tags: list[str]
    line: int
    steps: list[Step]
    examples: list[Examples] = field(default_factory=list)
    rule: str = ""

    @property
    def anchor(self) -> str:
        return f"s{self.line}"

    @property
    def commands(self) -> list[str]:
        found = commands_in(self.name)
        for step in self.steps:
            found += step.commands
        for examples in self.examples:
            for _, cells in examples.rows:
                found += [c for cell in cells for c in commands_in(cell, lines=True)]
        return list(dict.fromkeys(found))


@dataclass
class Background:
    keyword: str
    name: str
    steps: list[Step]


@dataclass
class Rule:
    keyword: str
    name: str
    description: str
    tags: list[str]
    line: int
    background: Background | None = None
    scenarios: list[Scenario] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        return f"r{self.line}"


@dataclass
class FeatureDoc:
    path: str  # relative to the features directory, with "/": "fundamentals/hashes.feature"
    keyword: str
    name: str
    description: str
    tags: list[str]
    background: Background | None
    rules: list[Rule]  # scenarios outside any rule sit in a Rule with an empty name, first

    @property
    def topic(self) -> str:
        return PurePosixPath(self.path).parent.name or "features"

    @property
    def stem(self) -> str:
        return PurePosixPath(self.path).stem

    @property
    def scenarios(self) -> list[Scenario]:
        return [s for rule in self.rules for s in rule.scenarios]

    @property
    def summary(self) -> str:
        """The narrative's first sentence."""
        text = " ".join(self.description.split())
        match = re.match(r"(.+?[.!?])(\s|$)", text)
        return match.group(1) if match else text

    @property
    def commands(self) -> list[str]:
        found: list[str] = []
        for scenario in self.scenarios:
            found += [c for c in scenario.commands if c not in found]
        return found


# ---------------------------------------------------------------------------------------------- parsing


def _tags(node: dict[str, Any]) -> list[str]:
    return [str(t["name"]).lstrip("@") for t in node.get("tags", [])]


def _description(node: dict[str, Any]) -> str:
    lines = [line.strip() for line in str(node.get("description", "")).splitlines()]
    return "\n".join(lines).strip()


def _steps(node: dict[str, Any]) -> list[Step]:
    steps = []
    for data in node.get("steps", []):
        docstring = data.get("docString")
        table = data.get("dataTable")
        steps.append(
            Step(
                keyword=str(data["keyword"]).strip(),
                text=str(data["text"]),
                line=int(data["location"]["line"]),
                docstring=str(docstring["content"]) if docstring else None,
                table=[[str(c["value"]) for c in row["cells"]] for row in table["rows"]] if table else None,
            )
        )
    return steps


def _scenario(node: dict[str, Any], rule: str) -> Scenario:
    examples = [
        Examples(
            keyword=str(ex["keyword"]),
            name=str(ex.get("name", "")),
            tags=_tags(ex),
            header=[str(c["value"]) for c in (ex.get("tableHeader") or {}).get("cells", [])],
            rows=[
                (int(row["location"]["line"]), [str(c["value"]) for c in row["cells"]])
                for row in ex.get("tableBody", [])
            ],
        )
        for ex in node.get("examples", [])
    ]
    return Scenario(
        keyword=str(node["keyword"]),
        name=str(node["name"]),
        description=_description(node),
        tags=_tags(node),
        line=int(node["location"]["line"]),
        steps=_steps(node),
        examples=examples,
        rule=rule,
    )


def _background(node: dict[str, Any]) -> Background:
    return Background(str(node["keyword"]), str(node.get("name", "")), _steps(node))


def parse_feature_text(text: str, path: str) -> FeatureDoc:
    """Parse the text of one feature file; ``path`` is its name relative to the features directory."""
    from gherkin.parser import Parser  # type: ignore[import-untyped]

    document = Parser().parse(text)
    feature = document.get("feature") or {}
    loose = Rule("", "", "", [], 0)
    rules: list[Rule] = [loose]
    background: Background | None = None
    for child in feature.get("children", []):
        if "background" in child:
            background = _background(child["background"])
        elif "scenario" in child:
            loose.scenarios.append(_scenario(child["scenario"], ""))
        elif "rule" in child:
            data = child["rule"]
            rule = Rule(
                str(data["keyword"]),
                str(data["name"]),
                _description(data),
                _tags(data),
                int(data["location"]["line"]),
            )
            for grandchild in data.get("children", []):
                if "background" in grandchild:
                    rule.background = _background(grandchild["background"])
                elif "scenario" in grandchild:
                    rule.scenarios.append(_scenario(grandchild["scenario"], rule.name))
            rules.append(rule)
    if not loose.scenarios:
        rules.remove(loose)
    return FeatureDoc(
        path=path,
        keyword=str(feature.get("keyword", "Feature")),
        name=str(feature.get("name", PurePosixPath(path).stem)),
        description=_description(feature),
        tags=_tags(feature),
        background=background,
        rules=rules,
    )


def load_features(features_dir: Path, errors: list[str] | None = None) -> list[FeatureDoc]:
    """Every ``*.feature`` under ``features_dir``, sorted by path.

    A file the parser rejects is left out and its error appended to ``errors`` (when given), so
    that one broken file does not hide the documentation of all the others.
    """
    docs = []
    for file in sorted(features_dir.rglob("*.feature")):
        relative = file.relative_to(features_dir).as_posix()
        try:
            docs.append(parse_feature_text(file.read_text(encoding="utf-8"), relative))
        except Exception as exc:  # gherkin raises its own CompositeParserException and friends
            if errors is None:
                raise
            errors.append(f"{relative}: {exc}")
    return docs
