#!/usr/bin/env bash
# Installs the Debian packages the tests' private servers need: PostgreSQL, ClickHouse 18.16 and
# librdkafka's mock Kafka cluster (librdkafka-dev, kcat, a C compiler), and chromium for the
# console's browser tests. Idempotent: when every
# package is installed it only checks (well under a second) and changes nothing. Otherwise it runs
# apt-get update once and installs what is missing, without starting any system service.
# Needs root (or sudo) and the Debian mirrors; nothing else.
set -euo pipefail

packages=(postgresql clickhouse-server clickhouse-client librdkafka-dev kcat gcc libc6-dev chromium fonts-wqy-microhei)
# Commands the test helpers call, by the package that provides them.
commands=(/usr/sbin/clickhouse-server kcat gcc runuser /usr/bin/chromium)

installed() {
  [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null || true)" = installed ]
}

postgres_server_present() {
  compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null
}

missing=()
for p in "${packages[@]}"; do
  installed "$p" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  ok=1
  for c in "${commands[@]}"; do command -v "$c" >/dev/null 2>&1 || ok=0; done
  postgres_server_present || ok=0
  if [ "$ok" = 1 ]; then
    echo "install-test-deps: all present"
    exit 0
  fi
  # Packages recorded as installed but files missing (e.g. deleted by hand): reinstall them all.
  missing=("${packages[@]}")
  reinstall=--reinstall
fi

sudo_=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    sudo_=(sudo -n)
  else
    echo "install-test-deps: missing ${missing[*]}; run as root (or with sudo): bash $0" >&2
    exit 1
  fi
fi

echo "install-test-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive

# Packages must not start system services here: the tests start private servers on free ports.
# clickhouse-server's postinst ends in `invoke-rc.d clickhouse-server start || exit 1` (a failed
# start would fail the install) and PostgreSQL's starts a system cluster on port 5432.
# policy-rc.d exit 101 ("action not allowed") makes invoke-rc.d skip the start and succeed.
# An existing policy-rc.d (Docker images have one) is left alone; only ours is removed again.
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
  "${sudo_[@]}" sh -c "printf '#!/bin/sh\n# temporary, from careloop scripts/install-test-deps.sh\nexit 101\n' > $policy && chmod 755 $policy"
  created_policy=1
fi
cleanup() {
  if [ "$created_policy" = 1 ]; then "${sudo_[@]}" rm -f "$policy"; fi
}
trap cleanup EXIT

apt_opts=(-o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold -o Dpkg::Use-Pty=0)
"${sudo_[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
"${sudo_[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${apt_opts[@]}" ${reinstall:-} "${missing[@]}"

for p in "${packages[@]}"; do
  installed "$p" || { echo "install-test-deps: $p is still not installed" >&2; exit 1; }
done
postgres_server_present || { echo "install-test-deps: no /usr/lib/postgresql/*/bin/initdb after install" >&2; exit 1; }
echo "install-test-deps: done"
