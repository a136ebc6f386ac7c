"""The TTL & locks specification: every scenario under features/ttl_locks/."""

from pytest_bdd import scenarios

from tests.steps.ttl_locks import *  # noqa: F403  (this topic's steps, visible to its scenarios only)

scenarios("ttl_locks")
