"""The Lua scripting specification: every scenario under features/lua/."""

from pytest_bdd import scenarios

scenarios("lua")
