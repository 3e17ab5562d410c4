#!/usr/bin/env bash
# Installs npm dependencies from the lockfile when node_modules is missing or older than it.
# `npm install` rather than `npm ci`: chdb lists optional per-platform libraries that this
# registry does not serve for other platforms, and `npm ci` refuses a lockfile without them.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm install --no-audit --no-fund
fi
