"""Every step of every feature file matches exactly one step definition among those its topic sees.

pytest-bdd silently picks one definition when several match, so an ambiguous step would run the
wrong code without a word.  A feature under ``features/<topic>/`` sees the shared raw-command
vocabulary (``tests/steps/redis_commands.py``) and its own topic's package ``tests/steps/<topic>/``.
This check finds ambiguous and undefined steps at once, for every topic of the manifest.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
from pytest_bdd.feature import get_features
from pytest_bdd.steps import step_function_context_registry

from redisbehaviors.topics import TOPICS

FEATURES = Path(__file__).resolve().parents[2] / "features"
SHARED = "tests.steps.redis_commands"


def _definitions(topic: str) -> list[tuple[str | None, object, str]]:
    importlib.import_module(f"tests.steps.{topic}")
    visible = (SHARED, f"tests.steps.{topic}.")
    return [
        (context.type, context.parser, f"{context.step_func.__module__}.{context.step_func.__name__}")
        for context in list(step_function_context_registry.values())
        if context.step_func.__module__.startswith(visible)
    ]


@pytest.mark.parametrize("topic", [t.name for t in TOPICS])
def test_every_step_matches_exactly_one_definition(topic: str) -> None:
    definitions = _definitions(topic)
    problems: list[str] = []
    for feature in get_features([str(FEATURES / topic)]):
        for template in feature.scenarios.values():
            for step in template.steps:
                matches = {
                    where
                    for kind, parser, where in definitions
                    if kind in (None, step.type) and parser.is_matching(step.name)  # type: ignore[attr-defined]
                }
                if len(matches) != 1 and "<" not in step.name:
                    where = f"{feature.rel_filename}:{step.line_number}"
                    problems.append(f"{where} {step.type} {step.name!r}: {sorted(matches) or 'no definition'}")
    assert not problems, "steps that do not match exactly one definition:\n" + "\n".join(sorted(set(problems)))


def test_every_topic_of_the_manifest_has_its_folders() -> None:
    root = FEATURES.parent
    for topic in TOPICS:
        for folder in ("features", "tests/steps", "docs", "tests/benchmarks"):
            assert (root / folder / topic.name).is_dir(), f"{folder}/{topic.name} is missing"
