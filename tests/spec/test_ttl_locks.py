"""The TTL & locks specification: every scenario under features/ttl_locks/."""

from pytest_bdd import scenarios

scenarios("ttl_locks")
