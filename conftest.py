"""Root conftest: the Redis harness plugin, every step module under tests/steps, Hypothesis profiles."""

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# Step modules import each other (the shared raw-command helpers): rewrite their asserts either way.
pytest.register_assert_rewrite("tests.steps")

_STEPS = Path(__file__).parent / "tests" / "steps"

pytest_plugins = [
    "redisbehaviors.pytest_plugin",
    *sorted(f"tests.steps.{p.stem}" for p in _STEPS.glob("*.py") if p.stem != "__init__"),
]

# Stateful machines talk to a real server: no per-example deadline, bounded work under CI.
_common = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow, HealthCheck.function_scoped_fixture]}
settings.register_profile("ci", max_examples=25, stateful_step_count=30, derandomize=True, **_common)
settings.register_profile("dev", max_examples=60, stateful_step_count=40, **_common)
settings.register_profile("torture", max_examples=1000, stateful_step_count=100, **_common)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))
