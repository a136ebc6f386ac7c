"""Root conftest: the shared raw-command steps, Hypothesis profiles.

The Redis harness is the installed pytest plugin ``redisbehaviors`` (entry point ``pytest11``); each
topic's own steps are imported by its spec module, ``tests/spec/test_<topic>.py``.
"""

import os

import pytest
from hypothesis import HealthCheck, settings

# Step modules import each other (the shared raw-command helpers): rewrite their asserts either way.
pytest.register_assert_rewrite("tests.steps")

pytest_plugins = ["tests.steps.redis_commands"]

# Stateful machines talk to a real server: no per-example deadline, bounded work under CI.
_common = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow, HealthCheck.function_scoped_fixture]}
settings.register_profile("ci", max_examples=25, stateful_step_count=30, derandomize=True, **_common)
settings.register_profile("dev", max_examples=60, stateful_step_count=40, **_common)
settings.register_profile("torture", max_examples=1000, stateful_step_count=100, **_common)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))
