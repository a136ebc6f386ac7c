"""The Fundamentals specification: every scenario under features/fundamentals/."""

from pytest_bdd import scenarios

scenarios("fundamentals")
