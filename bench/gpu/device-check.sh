#!/usr/bin/env bash
# device-check.sh OUTDIR - the one command for the GPU machine (no Java needed there: the bundle
# brings its own runtime).
# Prints what is there (GPU, driver, Python packages, library paths), then runs the workbench
# (bench/gpu/sparse24_gpu.py): mma.sp probe, every kernel's every output element, fresh-data
# checks, then timing against cuBLAS and PyTorch semi-structured. Logs, checks.json and
# results.json land in OUTDIR; the table is printed last. Then the Java path (bundle/java: a
# jlink'd JRE runs the tutorial model through Device.CUDA). Stops itself after about 290 s.
# Needs bench/gpu/bundle/ (made by bench/gpu/make-bundle.sh on a machine with Java and nvcc).
set -uo pipefail
out="${1:?usage: bench/gpu/device-check.sh OUTDIR}"
here="$(cd "$(dirname "$0")" && pwd)"
mkdir -p "$out"

# CUDA 13 runtime libraries: /usr/local/cuda, or the nvidia-* wheels PyTorch brings.
extra="$(python3 - <<'PY' 2>/dev/null
import glob, os, site
dirs = []
for sp in site.getsitepackages() + [site.getusersitepackages()]:
    dirs += sorted(glob.glob(os.path.join(sp, "nvidia", "*", "lib")))
print(":".join(dirs))
PY
)"
export LD_LIBRARY_PATH="/usr/local/cuda/lib64${extra:+:$extra}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"

{
  echo "== $(date -u +%FT%TZ) $(uname -srm)"
  nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm,clocks.max.mem,power.limit --format=csv 2>&1 || echo "nvidia-smi failed"
  echo "java: $(command -v java || echo 'not installed (not needed)')"
  python3 - <<'PY' 2>&1
import importlib
for m in ("numpy", "cupy", "torch"):
    try:
        mod = importlib.import_module(m)
        print(f"{m} {mod.__version__}")
    except Exception as e:
        print(f"{m}: {type(e).__name__}: {e}")
try:
    import torch
    print("torch cuda", torch.version.cuda, "| cuSPARSELt", getattr(torch.backends, "cusparselt", None) and torch.backends.cusparselt.version())
except Exception as e:
    print("torch details:", e)
PY
  echo "LD_LIBRARY_PATH=$LD_LIBRARY_PATH"
} 2>&1 | tee "$out/environment.txt"

if [[ ! -f "$here/bundle/sparse24.fatbin" || ! -f "$here/bundle/vectors.json" ]]; then
  echo "bench/gpu/bundle/ is missing: run bench/gpu/make-bundle.sh where Java and nvcc exist" >&2
  exit 2
fi
timeout 230 python3 "$here/sparse24_gpu.py" --bundle "$here/bundle" --out "$out" 2>&1 | tee "$out/run.log"
rc=${PIPESTATUS[0]}
[[ $rc -eq 124 ]] && echo "device-check: the workbench stopped after 230 s" >&2

# The Java path: the tutorial model through Device.CUDA (org.bytedeco:cuda, our fatbin from the
# jar, cuBLAS), with the bundled runtime; its predictions against this model's CPU outputs.
jb="$here/bundle/java"
if [[ -x "$jb/jre/bin/java" ]]; then
  echo "== Java: sparse24 run --device cuda (tutorial model, 64 MNIST images)" | tee "$out/java.log"
  timeout 60 "$jb/jre/bin/java" -cp "$jb/jars/*" dev.sparse24.cli.Main run "$jb/tutorial.s24" \
    --input "$jb/x64.bin" --device cuda --batch 64 --output "$out/java-cuda64.bin" 2>&1 | tee -a "$out/java.log"
  jrc=${PIPESTATUS[0]}
  if [[ $jrc -eq 0 ]]; then
    python3 "$here/compare_outputs.py" "$jb/cpu64.bin" "$out/java-cuda64.bin" 10 2>&1 | tee -a "$out/java.log"
    jrc=${PIPESTATUS[0]}
  fi
  echo "java path: exit $jrc" | tee -a "$out/java.log"
  [[ $rc -eq 0 ]] && rc=$jrc
else
  echo "device-check: no bundle/java (make-bundle.sh builds it); Java path not checked" >&2
fi
exit "$rc"
