"""Steps of the lua topic; `tests/spec/test_lua.py` imports them (they are not global)."""

from tests.steps.lua.busy_scripts import *  # noqa: F403
from tests.steps.lua.reservations import *  # noqa: F403
from tests.steps.lua.scripts import *  # noqa: F403
