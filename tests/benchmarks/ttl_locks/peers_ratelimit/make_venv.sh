#!/bin/sh
# The environment for the `limits` side of bench_ratelimit.py: limits 5.8 pins redis-py < 8.
set -eu
VENV="${1:-/tmp/limits-venv}"
python3 -m venv "$VENV"
"$VENV/bin/pip" install --quiet 'limits[redis]==5.8.0' hiredis
"$VENV/bin/python" -c 'import limits, redis; print("limits", limits.__version__, "redis-py", redis.__version__)'
