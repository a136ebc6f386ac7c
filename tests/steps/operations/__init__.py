"""Steps of the operations topic; `tests/spec/test_operations.py` imports them (they are not global)."""

from tests.steps.operations.cluster_operations import *  # noqa: F403
from tests.steps.operations.eviction import *  # noqa: F403
from tests.steps.operations.failover import *  # noqa: F403
from tests.steps.operations.nodes import *  # noqa: F403
from tests.steps.operations.persistence import *  # noqa: F403
from tests.steps.operations.replication import *  # noqa: F403
