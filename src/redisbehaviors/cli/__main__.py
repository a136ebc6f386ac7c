"""``python -m redisbehaviors.cli``: the same as the ``redisbehaviors`` command."""

import sys

from redisbehaviors.cli import main

sys.exit(main())
