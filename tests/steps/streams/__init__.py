"""Steps of the streams topic; `tests/spec/test_streams.py` imports them (they are not global)."""

from tests.steps.streams.media import *  # noqa: F403
from tests.steps.streams.streams import *  # noqa: F403
