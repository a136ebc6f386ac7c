"""The Lua scripting specification: every scenario under features/lua/."""

from pytest_bdd import scenarios

from tests.steps.lua import *  # noqa: F403  (this topic's steps, visible to its scenarios only)

scenarios("lua")
