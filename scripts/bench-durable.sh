#!/usr/bin/env bash
# PutObject throughput with --data-dir beside the same in memory, in one
# run: 64 concurrent aws-sdk-go-v2 clients, 1 KiB objects, the servers
# measured in alternating rounds so machine noise hits both alike; prints
# each round, its ratio, and the median of each. With BEFORE=<git rev>, a
# --data-dir server built from that revision is measured in the same
# rounds too (before/after). Figures in docs/benchmarks.md.
# Usage: [BEFORE=rev] scripts/bench-durable.sh [calls-per-round] [clients] [rounds]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-4000}; C=${2:-64}; R=${3:-5}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/xacct-bench-durable.XXXXXX")
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$tmp"' EXIT
go build -o "$tmp/xacct" ./cmd/xacct
go build -o "$tmp/benchtool" ./cmd/benchtool
if [[ -n "${BEFORE:-}" ]]; then
  mkdir "$tmp/before"
  git archive "$BEFORE" | tar -x -C "$tmp/before"
  (cd "$tmp/before" && go build -o "$tmp/xacct-before" ./cmd/xacct)
fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
wait_http() { for _ in $(seq 1 200); do curl -s -o /dev/null "$1" && return 0; sleep 0.05; done; return 1; }
ops_of() { sed -E 's/.*ops\/s=([0-9.]+).*/\1/' <<<"$1"; }

MP=$(free_port); "$tmp/xacct" serve --quiet --addr "127.0.0.1:$MP" & wait_http "http://127.0.0.1:$MP"
mkdir "$tmp/data"
DP=$(free_port); "$tmp/xacct" serve --quiet --data-dir "$tmp/data" --addr "127.0.0.1:$DP" & wait_http "http://127.0.0.1:$DP"
if [[ -n "${BEFORE:-}" ]]; then
  mkdir "$tmp/data-before"
  BP=$(free_port); "$tmp/xacct-before" serve --quiet --data-dir "$tmp/data-before" --addr "127.0.0.1:$BP" & wait_http "http://127.0.0.1:$BP"
fi
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(go version | cut -d' ' -f3), data dir on $(df -T "$tmp" | awk 'NR==2{print $2}'), load $(cut -d' ' -f1-3 /proc/loadavg)"
mem=(); disk=(); before=()
for r in $(seq 1 "$R"); do
  m=$("$tmp/benchtool" -endpoint "http://127.0.0.1:$MP" -op PutObject -n "$N" -c "$C")
  d=$("$tmp/benchtool" -endpoint "http://127.0.0.1:$DP" -op PutObject -n "$N" -c "$C")
  echo "round $r memory:   $m"
  echo "round $r data-dir: $d"
  mem+=("$(ops_of "$m")"); disk+=("$(ops_of "$d")")
  if [[ -n "${BEFORE:-}" ]]; then
    b=$("$tmp/benchtool" -endpoint "http://127.0.0.1:$BP" -op PutObject -n "$N" -c "$C")
    echo "round $r data-dir at $BEFORE: $b"
    before+=("$(ops_of "$b")")
  fi
  echo "round $r data-dir/memory $(python3 -c "print(f'{$(ops_of "$d")/$(ops_of "$m"):.0%}')"), load $(cut -d' ' -f1 /proc/loadavg)"
done
python3 - "${mem[*]}" "${disk[*]}" "${before[*]:-}" "${BEFORE:-}" <<'PY'
import statistics, sys
m = [float(x) for x in sys.argv[1].split()]
d = [float(x) for x in sys.argv[2].split()]
mm, dm = statistics.median(m), statistics.median(d)
print(f"median PutObject ops/s: memory {mm:.0f}, --data-dir {dm:.0f}, data-dir/memory {dm/mm:.0%}")
r = [a / b for a, b in zip(d, m)]
print("per-round data-dir/memory: " + ", ".join(f"{x:.0%}" for x in r) + f"; median {statistics.median(r):.0%}, lowest {min(r):.0%}")
if sys.argv[3]:
    b = [float(x) for x in sys.argv[3].split()]
    bm = statistics.median(b)
    print(f"median --data-dir at {sys.argv[4]}: {bm:.0f} ops/s ({bm/mm:.0%} of memory); now {dm/bm:.1f}x that")
PY
