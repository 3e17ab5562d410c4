#!/usr/bin/env bash
# Builds the mock Kafka cluster (tools/kafka-mock/mock.c) into .tmp/kafka-mock/ (git-ignored),
# only when the source or this script is newer than the binary. Prints the binary's path.
# Needs Debian's librdkafka-dev and gcc (see shared/INFRA.md "Kafka protocol here").
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out_dir="$root/.tmp/kafka-mock"
bin="$out_dir/kafka-mock"
src="$here/mock.c"

if [[ -x "$bin" && "$bin" -nt "$src" && "$bin" -nt "$here/build.sh" ]]; then
  echo "$bin"
  exit 0
fi
if [[ ! -f /usr/include/librdkafka/rdkafka_mock.h ]]; then
  echo "kafka-mock: librdkafka-dev is not installed (apt-get install librdkafka-dev gcc libc6-dev)" >&2
  exit 1
fi
mkdir -p "$out_dir"
# Build to a temporary name and rename: parallel test workers may build at the same time, and
# none of them must ever execute a half-written binary.
tmp="$(mktemp "$out_dir/kafka-mock.XXXXXX")"
trap 'rm -f "$tmp"' EXIT
gcc -std=gnu11 -O2 -Wall -Wextra -o "$tmp" "$src" -lrdkafka -lpthread
chmod 755 "$tmp"
mv -f "$tmp" "$bin"
trap - EXIT
echo "$bin"
