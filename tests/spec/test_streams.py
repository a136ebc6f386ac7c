"""The Streams specification: every scenario under features/streams/."""

from pytest_bdd import scenarios

from tests.steps.streams import *  # noqa: F403  (this topic's steps, visible to its scenarios only)

scenarios("streams")
