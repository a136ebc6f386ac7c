"""Steps of the ttl_locks topic; `tests/spec/test_ttl_locks.py` imports them (they are not global)."""

from tests.steps.ttl_locks.locks import *  # noqa: F403
from tests.steps.ttl_locks.ratelimit import *  # noqa: F403
