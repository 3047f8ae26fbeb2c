#!/usr/bin/env bash
# Load test of `sparse24 serve` on loopback with wrk (Debian: apt-get install -y wrk).
#
#   bench/serve/run-load.sh [MODEL] [THREADS] [SECONDS] [INSTANCES]
#                                 (defaults: /tmp/tut/model.s24, 2, 20, 2: serve --instances)
#
# 1. 64 connections of single-image requests (JSON body, and the binary tensor extension), with
#    dynamic batching (--max-batch 64 --max-delay-ms 2) and without (--max-batch 1): throughput,
#    p50/p99, statuses, the batch sizes that formed (from /metrics).
# 2. Offline `sparse24 run` throughput at the same threads (batch 64), for the served fraction.
# 3. Overload: --queue 64, 256 connections: statuses (503s), latency, server RSS sampled every
#    second; then 64 connections again (recovery).
# Every server runs with a fixed, pre-touched 512 MiB heap (-Xms512m -Xmx512m -XX:+AlwaysPreTouch), so RSS
# growth means memory outside the heap. wrk runs on the same machine: it takes CPU from the server.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
model="${1:-/tmp/tut/model.s24}"
threads="${2:-2}"
secs="${3:-20}"
instances="${4:-2}"
jar="$root/java/cli/target/sparse24.jar"
port=18000
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
[ -f "$jar" ] || (cd "$root" && ./sparse24 --version >/dev/null)
command -v wrk >/dev/null || { echo "wrk not found: apt-get install -y wrk" >&2; exit 2; }

input=$(java -jar "$jar" run "$model" --mnist 1 --threads 1 --show 0 2>/dev/null | sed -n 's/^Model [^:]*: \([^[]*\)\[.*/\1/p' || true)
input="${input:-input}"
hl_json=$(python3 "$root/bench/serve/make_body.py" "$work/body.json" "$input" json)
hl_bin=$(python3 "$root/bench/serve/make_body.py" "$work/body.bin" "$input" binary)

server_pid=""
start_server() {   # args: extra serve flags
  java -Xms512m -Xmx512m -XX:+AlwaysPreTouch -jar "$jar" serve "$model" --name m --port $port --threads "$threads" --instances "$instances" --device cpu "$@" \
      > "$work/server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 200); do
    grep -q "listening on" "$work/server.log" && return 0
    sleep 0.1
  done
  cat "$work/server.log" >&2; exit 1
}
stop_server() {
  kill -TERM "$server_pid"; wait "$server_pid" || true
}
metrics() { curl -s "http://127.0.0.1:$port/metrics" > "$1"; }
batch_summary() {   # before after
  python3 - "$1" "$2" <<'PY'
import re, sys
def read(p):
    m = {}
    for line in open(p):
        g = re.match(r'sparse24_batch_size_(bucket|sum|count)\{model="m"(?:,le="([^"]+)")?\} (\S+)', line)
        if g:
            m[(g.group(1), g.group(2))] = float(g.group(3))
    return m
a, b = read(sys.argv[1]), read(sys.argv[2])
d = {k: b[k] - a.get(k, 0) for k in b}
n = d.get(("count", None), 0); s = d.get(("sum", None), 0)
prev = 0; parts = []
for k in sorted([k for k in d if k[0] == "bucket"], key=lambda k: float("inf") if k[1] == "+Inf" else float(k[1])):
    c = d[k] - prev; prev = d[k]
    if c: parts.append("<=%s: %d" % (k[1], c))
print("batches=%d mean_batch=%.1f  %s" % (n, s / n if n else 0, ", ".join(parts)))
PY
}
load() {   # label connections seconds body header_length
  local before="$work/m0" after="$work/m1"
  metrics "$before"
  BODY="$4" HEADER_LENGTH="$5" PATH_INFER=/v2/models/m/infer \
      wrk -t1 -c"$2" -d"$3"s --timeout 10s -s "$root/bench/serve/post.lua" "http://127.0.0.1:$port" > "$work/wrk.txt"
  metrics "$after"
  local rps; rps=$(sed -n 's/^Requests\/sec: *//p' "$work/wrk.txt")
  echo "$1: $(grep -E '^statuses' "$work/wrk.txt") req/s=$rps $(grep -E '^p50' "$work/wrk.txt")"
  echo "    $(batch_summary "$before" "$after")"
}

echo "== $(date -u +%FT%TZ) $(nproc) cores, model $model, session threads $threads, instances $instances, ${secs}s per run"
for mb in 64 1; do
  start_server --max-batch $mb --max-delay-ms 2 --queue 1024
  load "warm-up max-batch $mb" 64 5 "$work/body.bin" "$hl_bin" > /dev/null
  load "max-batch $mb, 64 conn, JSON  " 64 "$secs" "$work/body.json" "$hl_json"
  load "max-batch $mb, 64 conn, binary" 64 "$secs" "$work/body.bin" "$hl_bin"
  stop_server
done

echo "== offline: sparse24 run --threads $threads --batch 64"
java -Xmx1g -jar "$jar" run "$model" --mnist 2000 --threads "$threads" --batch 64 --device cpu --show 0 2>/dev/null \
    | grep -iE "throughput|images/s" || true

echo "== overload: --queue 64, 256 connections, then recovery at 64"
start_server --max-batch 64 --max-delay-ms 2 --queue 64
load "warm-up" 64 5 "$work/body.bin" "$hl_bin" > /dev/null
rss0=$(ps -o rss= -p "$server_pid")
( for _ in $(seq 1 "$secs"); do ps -o rss= -p "$server_pid"; sleep 1; done ) > "$work/rss.txt" &
sampler=$!
load "overload 256 conn, binary" 256 "$secs" "$work/body.bin" "$hl_bin"
wait "$sampler" || true
echo "    server RSS (KiB): before $rss0, during min $(sort -n "$work/rss.txt" | head -1) max $(sort -n "$work/rss.txt" | tail -1), after $(ps -o rss= -p "$server_pid")"
load "recovery 64 conn, binary" 64 10 "$work/body.bin" "$hl_bin"
curl -s "http://127.0.0.1:$port/metrics" | grep -E '^sparse24_inference_failures_total' || true
stop_server
