#!/usr/bin/env bash
# Interrupt/close stress of the CPU runtime (dev.sparse24.bench.InterruptStress): callers
# interrupted at random moments and sessions closed under them for MINUTES; every returned
# result checked bit for bit. Exit 0 on PASS, 1 on a mismatch, anything else (134, 139) when the
# JVM crashed.
#   bench/run-interrupt-stress.sh [MINUTES=10] [CALLERS=3] [THREADS=4]
set -euo pipefail
cd "$(dirname "$0")/.."
jar=bench/target/benchmarks.jar
if [[ ! -f $jar ]] || [[ -n $(find native java/core/src/main bench/src -newer "$jar" -type f | head -1) ]]; then
  mvn -B -o -q -DskipTests package
fi
set +e
java -Xmx1g -cp "$jar" dev.sparse24.bench.InterruptStress "$@"
rc=$?
if (( rc > 1 )); then
  echo "FAIL: the JVM ended with status $rc (crash?)" >&2
fi
exit $rc
