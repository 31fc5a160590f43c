#!/usr/bin/env bash
# Benchmarks the emulator against moto's server in the same run, from one
# aws-sdk-go-v2 client, and measures `xacct serve` startup and S3 streaming
# memory. Prints the figures recorded in docs/benchmarks.md.
# Usage: scripts/bench.sh [calls]   (moto gets a quarter of the calls)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-2000}
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$tmp"' EXIT
go build -o "$tmp/xacct" ./cmd/xacct
go build -o "$tmp/benchtool" ./cmd/benchtool

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
wait_http() { for _ in $(seq 1 200); do curl -s -o /dev/null "$1" && return 0; sleep 0.05; done; return 1; }
ops_of() { sed -E 's/.*ops\/s=([0-9.]+).*/\1/' <<<"$1"; }

XP=$(free_port); "$tmp/xacct" serve --quiet --addr "127.0.0.1:$XP" & wait_http "http://127.0.0.1:$XP"
MP=$(free_port); moto_server -p "$MP" >"$tmp/moto.log" 2>&1 & wait_http "http://127.0.0.1:$MP"

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(go version | cut -d' ' -f3), moto $(python3 -c 'import moto; print(moto.__version__)')"
bench() { # op xacct-calls moto-calls [-raw]
  x=$("$tmp/benchtool" -endpoint "http://127.0.0.1:$XP" -op "$1" -n "$2" ${4:-})
  m=$("$tmp/benchtool" -endpoint "http://127.0.0.1:$MP" -op "$1" -n "$3" ${4:-})
  echo "xacct: $x"
  echo "moto:  $m"
  echo "$1 ${4:-sdk} ratio xacct/moto: $(python3 -c "print(round($(ops_of "$x")/$(ops_of "$m"),1))")x"
}
bench GetCallerIdentity "$N" "$((N/4))"
bench AssumeRole "$N" "$((N/4))"
bench PutObject "$N" "$((N/4))"
bench GetObject "$N" "$((N/4))"
bench CopyObject "$N" "$((N/4))"
bench ListObjectsV2 20 5
bench KMSEncrypt "$N" "$((N/4))"
bench KMSDecrypt "$N" "$((N/4))"
# The same with a raw net/http + SigV4 client: the servers' own costs.
for op in GetCallerIdentity AssumeRole PutObject GetObject CopyObject; do bench $op "$N" "$((N/4))" -raw; done
bench ListObjectsV2 20 5 -raw
"$tmp/benchtool" -op startup -binary "$tmp/xacct" -n 20

# Streaming a 2 GiB object through Put and Get with --data-dir.
SP=$(free_port); mkdir "$tmp/data"
"$tmp/xacct" serve --quiet --data-dir "$tmp/data" --addr "127.0.0.1:$SP" & spid=$!
wait_http "http://127.0.0.1:$SP"
"$tmp/benchtool" -endpoint "http://127.0.0.1:$SP" -op stream -size $((2<<30)) -pid "$spid"
