#!/usr/bin/env bash
# A venv for the lock peers of bench_locks.py (see README.md beside this file).
set -euo pipefail
VENV="${1:-/tmp/peers-venv}"
python -m venv --system-site-packages "$VENV"
"$VENV/bin/pip" install --quiet "pottery==3.0.1" "python-redis-lock==4.0.1"
"$VENV/bin/python" -c "import pottery, redis, redis_lock; print('peers ready with redis-py', redis.__version__)"
