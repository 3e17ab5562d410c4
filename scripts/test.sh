#!/usr/bin/env bash
# The one test command: installs what the tests need, type-checks, runs the whole suite and
# prints a plain "N passed, N failed" summary line.
set -euo pipefail
cd "$(dirname "$0")/.."
export KAFKAJS_NO_PARTITIONER_WARNING=1
bash scripts/ensure-deps.sh
# Debian packages for the servers the tests start on loopback (PostgreSQL, ClickHouse, Kafka mock).
bash scripts/install-test-deps.sh
export CARELOOP_TEST_SERVICES=1
npx tsc --noEmit -p .
mkdir -p test-artifacts
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json=test-artifacts/vitest.json "$@" || status=$?
node -e '
  const r = JSON.parse(require("fs").readFileSync("test-artifacts/vitest.json", "utf8"));
  const skipped = r.numPendingTests + r.numTodoTests;
  console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped`);
' || true
exit "$status"
