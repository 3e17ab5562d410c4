#!/usr/bin/env bash
# The one test command: installs what the tests need, then runs type check and the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."
export KAFKAJS_NO_PARTITIONER_WARNING=1
bash scripts/ensure-deps.sh
npx tsc --noEmit -p .
npx vitest run "$@"
