#!/usr/bin/env bash
# Soak run of the CPU runtime (dev.sparse24.bench.SoakRun): RUNS calls on one session, then SESSIONS
# sessions opened/run/closed, resident memory sampled; writes OUT_JSON, exit 1 on growth.
#   bench/run-soak.sh OUT_JSON [RUNS=100000] [BATCH=1] [THREADS=1] [SESSIONS=2000]
# The heap is capped (-Xmx512m) so that RSS growth reflects native memory, not a lazy GC.
set -euo pipefail
cd "$(dirname "$0")/.."
jar=bench/target/benchmarks.jar
if [[ ! -f $jar ]] || [[ -n $(find native java/core/src/main bench/src -newer "$jar" -type f | head -1) ]]; then
  mvn -B -o -q -DskipTests package
fi
mkdir -p "$(dirname "$1")"
exec java -Xmx512m -cp "$jar" dev.sparse24.bench.SoakRun "$@"
