"""Steps of the ttl_locks topic; `tests/spec/test_ttl_locks.py` imports them (they are not global).

One module per feature file that has steps of its own: ``expiration.py`` (also the server-clock and
active-expiry steps that locking, ratelimit and sessions use), ``locks.py``, ``ratelimit.py``,
``sessions.py``; ``support.py`` holds the helpers they share.  locking.feature uses only the
shared raw-command vocabulary and the steps of ``expiration.py``.
"""

from tests.steps.ttl_locks.expiration import *  # noqa: F403
from tests.steps.ttl_locks.locks import *  # noqa: F403
from tests.steps.ttl_locks.ratelimit import *  # noqa: F403
from tests.steps.ttl_locks.sessions import *  # noqa: F403
from tests.steps.ttl_locks.support import *  # noqa: F403
