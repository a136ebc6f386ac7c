"""Steps of the lua topic; `tests/spec/test_lua.py` imports them (they are not global)."""

from tests.steps.lua.reservations import *  # noqa: F403
