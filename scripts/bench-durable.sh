#!/usr/bin/env bash
# PutObject throughput with --data-dir beside the same in memory, in one
# run: 64 concurrent aws-sdk-go-v2 clients, 1 KiB objects, the two servers
# measured in alternating rounds so machine noise hits both alike; prints
# each round and the median of each. Figures in docs/benchmarks.md.
# Usage: scripts/bench-durable.sh [calls-per-round] [clients] [rounds]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-4000}; C=${2:-64}; R=${3:-5}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/xacct-bench-durable.XXXXXX")
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$tmp"' EXIT
go build -o "$tmp/xacct" ./cmd/xacct
go build -o "$tmp/benchtool" ./cmd/benchtool

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
wait_http() { for _ in $(seq 1 200); do curl -s -o /dev/null "$1" && return 0; sleep 0.05; done; return 1; }
ops_of() { sed -E 's/.*ops\/s=([0-9.]+).*/\1/' <<<"$1"; }

MP=$(free_port); "$tmp/xacct" serve --quiet --addr "127.0.0.1:$MP" & wait_http "http://127.0.0.1:$MP"
mkdir "$tmp/data"
DP=$(free_port); "$tmp/xacct" serve --quiet --data-dir "$tmp/data" --addr "127.0.0.1:$DP" & wait_http "http://127.0.0.1:$DP"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(go version | cut -d' ' -f3), data dir on $(df -T "$tmp" | awk 'NR==2{print $2}'), load $(cut -d' ' -f1-3 /proc/loadavg)"
mem=(); disk=()
for r in $(seq 1 "$R"); do
  m=$("$tmp/benchtool" -endpoint "http://127.0.0.1:$MP" -op PutObject -n "$N" -c "$C")
  d=$("$tmp/benchtool" -endpoint "http://127.0.0.1:$DP" -op PutObject -n "$N" -c "$C")
  echo "round $r memory:   $m"
  echo "round $r data-dir: $d"
  mem+=("$(ops_of "$m")"); disk+=("$(ops_of "$d")")
done
python3 - "${mem[*]}" "${disk[*]}" <<'PY'
import statistics, sys
m = [float(x) for x in sys.argv[1].split()]
d = [float(x) for x in sys.argv[2].split()]
mm, dm = statistics.median(m), statistics.median(d)
print(f"median PutObject ops/s: memory {mm:.0f}, --data-dir {dm:.0f}, data-dir/memory {dm/mm:.0%}")
PY
