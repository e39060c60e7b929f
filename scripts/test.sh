#!/usr/bin/env bash
# test.sh [pytest args...] -- install what is missing (setup.sh), then run the test suite.
# Tests start their own xrootd / MariaDB / proxy through fixtures: nothing needs to be running.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$REPO/scripts/setup.sh"
cd "$REPO"
echo "==> test: .venv/bin/python -m pytest $*"
exec "$REPO/.venv/bin/python" -m pytest "$@"
