"""Steps of the fundamentals topic; `tests/spec/test_fundamentals.py` imports them (they are not global)."""

from tests.steps.fundamentals.blocking import *  # noqa: F403
from tests.steps.fundamentals.catalog import *  # noqa: F403
from tests.steps.fundamentals.hashes import *  # noqa: F403
from tests.steps.fundamentals.transactions import *  # noqa: F403
