"""The Pub/Sub specification: every scenario under features/pubsub/."""

from pytest_bdd import scenarios

scenarios("pubsub")
