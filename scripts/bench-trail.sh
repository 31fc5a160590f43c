#!/usr/bin/env bash
# Measures what the decision trail costs: AssumeRole and PutObject
# throughput of `xacct serve` with the trail on (default, 10,000 decisions)
# and off (--decisions 0), in one run, runs interleaved (off, on, off, on,
# ...) so load from elsewhere hits both alike; prints each run and the
# median ratio on/off. Figures in docs/benchmarks.md.
# With BEFORE=REV, the "off" server is instead `xacct serve` built from git
# revision REV (e.g. the commit before the trail and CloudTrail landed), so
# the ratio is the cost of everything recorded per request since then.
# Usage: [BEFORE=REV] scripts/bench-trail.sh [calls] [rounds]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-2000}
R=${2:-5}
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$tmp"' EXIT
go build -o "$tmp/xacct" ./cmd/xacct
go build -o "$tmp/benchtool" ./cmd/benchtool
OFFBIN="$tmp/xacct" OFFARGS="--decisions 0"
if [ -n "${BEFORE:-}" ]; then
  mkdir "$tmp/before" && git archive "$BEFORE" | tar -x -C "$tmp/before"
  (cd "$tmp/before" && go build -o "$tmp/xacct-before" ./cmd/xacct)
  OFFBIN="$tmp/xacct-before" OFFARGS=""
  echo "off: xacct serve built from $(git rev-parse --short "$BEFORE"); on: this tree"
fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
wait_http() { for _ in $(seq 1 200); do curl -s -o /dev/null "$1" && return 0; sleep 0.05; done; return 1; }
ops_of() { sed -E 's/.*ops\/s=([0-9.]+).*/\1/' <<<"$1"; }

OFF=$(free_port); "$OFFBIN" serve --quiet $OFFARGS --addr "127.0.0.1:$OFF" & wait_http "http://127.0.0.1:$OFF"
ON=$(free_port); "$tmp/xacct" serve --quiet --addr "127.0.0.1:$ON" & wait_http "http://127.0.0.1:$ON"

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(go version | cut -d' ' -f3), load $(cut -d' ' -f1-3 /proc/loadavg)"
for op in AssumeRole PutObject; do
  offs=() ons=()
  for _ in $(seq 1 "$R"); do
    o=$(ops_of "$("$tmp/benchtool" -endpoint "http://127.0.0.1:$OFF" -op "$op" -n "$N" -raw)")
    n=$(ops_of "$("$tmp/benchtool" -endpoint "http://127.0.0.1:$ON" -op "$op" -n "$N" -raw)")
    offs+=("$o") ons+=("$n")
    echo "$op raw: off $o ops/s, on $n ops/s"
  done
  python3 - "$op" "${offs[*]}" "${ons[*]}" <<'PY'
import statistics, sys
op, off, on = sys.argv[1], [float(x) for x in sys.argv[2].split()], [float(x) for x in sys.argv[3].split()]
mo, mn = statistics.median(off), statistics.median(on)
print(f"{op}: median off {mo:.0f} ops/s, on {mn:.0f} ops/s, on/off {mn/mo:.2f} (cost {100*(1-mn/mo):.1f}%)")
PY
done
