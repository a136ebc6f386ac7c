"""The manifest names real files: every component's package, feature, steps, docs page, benchmark and CLI."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from redisbehaviors.topics import components

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("topic", "component"), components(), ids=lambda x: x.name)
def test_a_component_has_the_same_name_in_every_place(topic, component) -> None:
    assert (ROOT / "src" / "redisbehaviors" / component.name / "__init__.py").is_file()
    for path in (topic.feature(component), topic.steps(component), topic.docs(component), topic.benchmark(component)):
        assert (ROOT / path).is_file(), f"{path} is missing"
    if component.cli:
        assert hasattr(importlib.import_module(f"redisbehaviors.cli.{component.cli}"), "register")


def test_the_command_line_offers_every_tool_of_the_manifest() -> None:
    from redisbehaviors.cli import command_modules

    tools = {c.cli for _, c in components() if c.cli}
    assert tools | {"report"} == set(command_modules())
