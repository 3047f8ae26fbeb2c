#!/usr/bin/env bash
# gRPC vs REST on the same `sparse24 serve`, with the same Java closed-loop clients
# (bench/src/main/java/dev/sparse24/bench/serve/ServeLoad.java):
#
#   bench/serve/run-grpc-load.sh [MODEL] [THREADS] [SECONDS] [CLIENTS] [ROUNDS]
#                                (defaults: /tmp/tut/model.s24, 2, 10, 64, 1)
#
# For --max-batch 64 --max-delay-ms 2 and for --max-batch 1: one server with HTTP and gRPC ports;
# each round runs CLIENTS single-image requests in flight over REST (binary tensor extension),
# then over gRPC (raw_input_contents), SECONDS each after a 3 s warm-up: requests/s, p50/p99,
# errors, the batches formed. The clients run on the same machine: they take CPU from the server.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
model="${1:-/tmp/tut/model.s24}"
threads="${2:-2}"
secs="${3:-10}"
clients="${4:-64}"
rounds="${5:-1}"
jar="$root/java/cli/target/sparse24.jar"
port=18000
gport=18001
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
[ -f "$jar" ] || (cd "$root" && ./sparse24 --version >/dev/null)
# The load generator: the bench module's classes and class path (no shaded jar needed).
(cd "$root" && mvn -q -o -pl bench -am -DskipTests compile dependency:build-classpath \
    -Dmdep.outputFile="$work/cp.txt" >&2)
cp="$root/bench/target/classes:$(cat "$work/cp.txt")"

server_pid=""
start_server() {   # args: extra serve flags
  java -Xms512m -Xmx512m -XX:+AlwaysPreTouch -jar "$jar" serve "$model" --name m --port $port --grpc-port $gport \
      --threads "$threads" --device cpu "$@" > "$work/server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 200); do
    grep -q "gRPC on" "$work/server.log" && return 0
    sleep 0.1
  done
  cat "$work/server.log" >&2; exit 1
}
stop_server() {
  kill -TERM "$server_pid"; wait "$server_pid" || true
}

echo "== $(date -u +%FT%TZ) $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), model $model, session threads $threads"
for mb in 64 1; do
  start_server --max-batch $mb --max-delay-ms 2 --queue 1024
  input=$(curl -s "http://127.0.0.1:$port/v2/models/m" | sed -n 's/.*"inputs":\[{"name":"\([^"]*\)".*/\1/p')
  echo "-- serve --max-batch $mb --max-delay-ms 2 (input '$input')"
  java -Xmx512m -cp "$cp" dev.sparse24.bench.serve.ServeLoad "http://127.0.0.1:$port" "127.0.0.1:$gport" m "$input" \
      "$clients" "$secs" 3 "$rounds"
  stop_server
done
echo "== done $(date -u +%FT%TZ), load average $(cut -d' ' -f1-3 /proc/loadavg)"
