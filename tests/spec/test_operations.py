"""The operations specification: every scenario under features/operations/ (real topologies)."""

from pytest_bdd import scenarios

from tests.steps.operations import *  # noqa: F403  (this topic's steps, visible to its scenarios only)

scenarios("operations")
