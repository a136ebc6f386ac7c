"""The Fundamentals specification: every scenario under features/fundamentals/."""

from pytest_bdd import scenarios

from tests.steps.fundamentals import *  # noqa: F403  (this topic's steps, visible to its scenarios only)

scenarios("fundamentals")
