#!/usr/bin/env bash
# 2:4 sparse vs dense OpenBLAS, layers (SparseGemmBenchmark) and the whole tutorial model
# (ModelInferenceBenchmark), one thread unless -p threads=..., written as results.json.
#   bench/run-cpu-bench.sh [OUT_DIR] [BENCHMARK_REGEX] [extra JMH args, e.g. -p batch=1,64]
# BENCHMARK_REGEX defaults to both benchmarks.
# Dense runs OpenBLAS's strongest kernels for this CPU: OPENBLAS_CORETYPE=SKYLAKEX (AVX-512) when
# the CPU reports avx512f, else HASWELL (AVX2/FMA), OPENBLAS_L2_SIZE unset (docs/cpu-notes.md);
# forcing SKYLAKEX on a CPU without AVX-512 kills the JVM with SIGILL. Builds the benchmarks jar when it is missing or older than sources.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-out/cpu-bench}"
shift || true
bench='SparseGemmBenchmark|ModelInferenceBenchmark'
if [[ $# -gt 0 && $1 != -* ]]; then
  bench=$1
  shift
fi
mkdir -p "$out"
jar=bench/target/benchmarks.jar
if [[ ! -f $jar ]] || [[ -n $(find native java/core/src/main bench/src -newer "$jar" -type f | head -1) ]]; then
  mvn -B -o -q -DskipTests package
fi
if grep -qw avx512f /proc/cpuinfo; then
  export OPENBLAS_CORETYPE=SKYLAKEX
else
  export OPENBLAS_CORETYPE=HASWELL
fi
unset OPENBLAS_L2_SIZE
echo "OpenBLAS core type: OPENBLAS_CORETYPE=$OPENBLAS_CORETYPE (OPENBLAS_L2_SIZE unset)"
echo "load average before: $(cat /proc/loadavg)"
java -jar "$jar" "$bench" -rf json -rff "$out/jmh.json" "$@"
echo "load average after: $(cat /proc/loadavg)"
java -cp "$jar" dev.sparse24.bench.BenchResultsWriter "$out/jmh.json" "$out/results.json" \
  "bench/run-cpu-bench.sh $out $bench $*"
echo "wrote $out/results.json"
