"""Steps of the streams topic; `tests/spec/test_streams.py` imports them (they are not global)."""

from tests.steps.streams.media import *  # noqa: F403
