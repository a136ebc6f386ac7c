"""Every step of every feature file matches exactly one step definition.

pytest-bdd silently picks one definition when several match, and every step module here is
global, so an ambiguous step would run the wrong code without a word.  This check finds both
ambiguous and undefined steps at once, across all topics.
"""

from __future__ import annotations

from pathlib import Path

from pytest_bdd.feature import get_features
from pytest_bdd.steps import step_function_context_registry

FEATURES = Path(__file__).resolve().parents[2] / "features"


def _definitions() -> list[tuple[str | None, object, str]]:
    return [
        (context.type, context.parser, f"{context.step_func.__module__}.{context.step_func.__name__}")
        for context in list(step_function_context_registry.values())
        if context.step_func.__module__.startswith("tests.steps.")
    ]


def test_every_step_matches_exactly_one_definition() -> None:
    definitions = _definitions()
    problems: list[str] = []
    for feature in get_features([str(FEATURES)]):
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
