#!/usr/bin/env bash
# S3 PutObject and GetObject throughput of this tree beside a server built
# from BEFORE (a git revision), in one run: both servers in memory and
# with --data-dir, measured in alternating rounds so machine noise hits
# both alike (benchtool, aws-sdk-go-v2 clients, 1 KiB objects); prints each
# round and the medians with after/before ratios. Figures in
# docs/benchmarks.md.
# AFTER=rev measures that revision instead of this tree.
# Usage: BEFORE=rev [AFTER=rev] scripts/bench-s3-before-after.sh [calls-per-round] [clients] [rounds]
set -euo pipefail
cd "$(dirname "$0")/.."
: "${BEFORE:?set BEFORE to the git revision to compare with}"
N=${1:-3000}; C=${2:-16}; R=${3:-5}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/xacct-bench-s3.XXXXXX")
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$tmp"' EXIT
if [[ -n "${AFTER:-}" ]]; then
  mkdir "$tmp/after"
  git archive "$AFTER" | tar -x -C "$tmp/after"
  (cd "$tmp/after" && go build -o "$tmp/xacct" ./cmd/xacct)
else
  go build -o "$tmp/xacct" ./cmd/xacct
fi
go build -o "$tmp/benchtool" ./cmd/benchtool
mkdir "$tmp/before"
git archive "$BEFORE" | tar -x -C "$tmp/before"
(cd "$tmp/before" && go build -o "$tmp/xacct-before" ./cmd/xacct)

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
wait_http() { for _ in $(seq 1 200); do curl -s -o /dev/null "$1" && return 0; sleep 0.05; done; return 1; }
ops_of() { sed -E 's/.*ops\/s=([0-9.]+).*/\1/' <<<"$1"; }
start() { # binary name [serve args]
  local p; p=$(free_port); "$1" serve --quiet --addr "127.0.0.1:$p" "${@:3}" & wait_http "http://127.0.0.1:$p"; eval "$2=$p"
}
mkdir "$tmp/d-after" "$tmp/d-before"
start "$tmp/xacct" AM; start "$tmp/xacct-before" BM
start "$tmp/xacct" AD --data-dir "$tmp/d-after"; start "$tmp/xacct-before" BD --data-dir "$tmp/d-before"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(go version | cut -d' ' -f3), load $(cut -d' ' -f1-3 /proc/loadavg); before = $BEFORE, after = ${AFTER:-$(git rev-parse --short HEAD)}"
declare -A res
for r in $(seq 1 "$R"); do
  for op in PutObject GetObject; do
    for s in AM BM AD BD; do
      out=$("$tmp/benchtool" -endpoint "http://127.0.0.1:${!s}" -op "$op" -n "$N" -c "$C")
      echo "round $r $op $s: $out"
      res[$op.$s]+="$(ops_of "$out") "
    done
  done
done
python3 - "${res[PutObject.AM]}" "${res[PutObject.BM]}" "${res[PutObject.AD]}" "${res[PutObject.BD]}" \
  "${res[GetObject.AM]}" "${res[GetObject.BM]}" "${res[GetObject.AD]}" "${res[GetObject.BD]}" <<'PY'
import statistics, sys
v = [[float(x) for x in a.split()] for a in sys.argv[1:]]
for i, op in enumerate(["PutObject", "GetObject"]):
    for j, where in enumerate(["memory", "--data-dir"]):
        a, b = v[4*i+2*j], v[4*i+2*j+1]
        ma, mb = statistics.median(a), statistics.median(b)
        rr = [x / y for x, y in zip(a, b)]
        print(f"{op} {where}: after {ma:.0f} ops/s, before {mb:.0f} ops/s, ratio of medians {ma/mb:.2f}; per round " + ", ".join(f"{x:.2f}" for x in rr))
PY
