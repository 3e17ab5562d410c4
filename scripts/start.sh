#!/usr/bin/env bash
# The one run command: installs dependencies if needed, then starts the engine (embedded mode).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
exec node bin/careloop.js start "$@"
