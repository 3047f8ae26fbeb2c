#!/usr/bin/env bash
# make-bundle.sh [SEED] - prepares, on a normal machine (Java 17, Maven, nvcc), everything the
# GPU machine needs into bench/gpu/bundle/: sparse24.fatbin (cuda/build.sh) and the test
# vectors (dev.sparse24.bench.gpu.WriteTestVectors, reproducible from SEED, default 24). Then
# runs the workbench's host-side checks (no GPU) and, where g++ exists, every kernel variant in
# the host simulation (cuda/host_sim; SPARSE24_SKIP_SIM=1 skips it), so that a broken bundle
# never travels.
# With the Java path (java-bundle.sh: jars, a jlink'd JRE, the tutorial model) the bundle stays
# under 64 MiB; the GPU machine needs Python, NumPy, CuPy and PyTorch, not Java.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
bundle="$here/bundle"
seed="${1:-24}"

rm -rf "$bundle"
mkdir -p "$bundle"
"$root/cuda/build.sh" "$bundle"
if [[ ! -f "$bundle/sparse24.fatbin" ]]; then
  echo "no fatbin (nvcc missing?): the bundle needs one; build it where nvcc exists" >&2
  exit 1
fi
(cd "$root" && mvn -B -o -q -DskipTests package)
cp="$root/java/cli/target/sparse24.jar:$root/java/cli/target/lib/*:$root/bench/target/sparse24-bench-0.1.0-SNAPSHOT.jar"
java -cp "$cp" dev.sparse24.bench.gpu.WriteTestVectors "$bundle" "$seed"
cp "$root/cuda/build/ptxas-summary.txt" "$bundle/"
python3 "$here/sparse24_gpu.py" --bundle "$bundle" --cpu-only --out "$bundle/host-check"
# The kernels themselves, on CPU threads (cuda/host_sim): about a minute on 2 cores.
if [[ "${SPARSE24_SKIP_SIM:-0}" != 1 ]] && command -v g++ >/dev/null; then
  "$root/cuda/host_sim/build.sh"
  if [[ -f "$root/cuda/build/libs24sim.so" ]]; then
    python3 "$here/sparse24_gpu.py" --bundle "$bundle" --sim "$root/cuda/build/libs24sim.so" --out "$bundle/host-check"
  fi
fi
rm -rf "$bundle/host-check"
# The Java path: jars, a jlink'd runtime, the tutorial model and its CPU outputs (java-bundle.sh).
"$here/java-bundle.sh" "$bundle"
du -sh "$bundle"
mib=$(du -sm "$bundle" | cut -f1)
if (( mib >= 64 )); then echo "bundle is $mib MiB, over the 64 MiB a device run carries" >&2; exit 1; fi
echo "bundle ready: on the GPU machine run  bench/gpu/device-check.sh OUTDIR"
