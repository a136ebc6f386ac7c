"""The Streams specification: every scenario under features/streams/."""

from pytest_bdd import scenarios

scenarios("streams")
