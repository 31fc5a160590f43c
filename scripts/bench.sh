#!/usr/bin/env bash
# Benchmarks the emulator against moto's server in the same run, from one
# aws-sdk-go-v2 client, and measures `xacct serve` startup. Prints figures
# for docs/benchmarks.md. Usage: scripts/bench.sh [calls]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-2000}
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$tmp"' EXIT
go build -o "$tmp/xacct" ./cmd/xacct
go build -o "$tmp/benchtool" ./internal/benchtool

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
wait_http() { for _ in $(seq 1 200); do curl -s -o /dev/null "$1" && return 0; sleep 0.05; done; return 1; }

XP=$(free_port); "$tmp/xacct" serve --quiet --addr "127.0.0.1:$XP" & wait_http "http://127.0.0.1:$XP"
MP=$(free_port); moto_server -p "$MP" >"$tmp/moto.log" 2>&1 & wait_http "http://127.0.0.1:$MP"

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
for op in GetCallerIdentity AssumeRole; do
  x=$("$tmp/benchtool" -endpoint "http://127.0.0.1:$XP" -op $op -n "$N")
  m=$("$tmp/benchtool" -endpoint "http://127.0.0.1:$MP" -op $op -n "$((N/4))")
  echo "xacct: $x"
  echo "moto:  $m"
  xo=$(sed -E 's/.*ops\/s=([0-9]+).*/\1/' <<<"$x"); mo=$(sed -E 's/.*ops\/s=([0-9]+).*/\1/' <<<"$m")
  echo "$op ratio xacct/moto: $(python3 -c "print(round($xo/$mo,1))")x"
done
"$tmp/benchtool" -op startup -binary "$tmp/xacct" -n 20
