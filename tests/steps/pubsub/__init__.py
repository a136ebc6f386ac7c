"""Steps of the pubsub topic; `tests/spec/test_pubsub.py` imports them (they are not global)."""

from tests.steps.pubsub.backpressure import *  # noqa: F403
from tests.steps.pubsub.chat import *  # noqa: F403
from tests.steps.pubsub.subscribers import *  # noqa: F403
