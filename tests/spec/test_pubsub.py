"""The Pub/Sub specification: every scenario under features/pubsub/."""

from pytest_bdd import scenarios

from tests.steps.pubsub import *  # noqa: F403  (this topic's steps, visible to its scenarios only)

scenarios("pubsub")
