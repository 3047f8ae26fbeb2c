#!/usr/bin/env bash
# build.sh - compiles the CUDA kernels into one fatbin: SASS for sm_80, sm_90, sm_90a plus
# compute_90 PTX (JIT for newer GPUs), with ptxas's register/spill report, a spill check and a
# check that the PTX holds the instructions the kernels are meant to use.
#
#   cuda/build.sh [DEST_DIR]     build (if sources changed) into cuda/build/, copy the fatbin
#                                to DEST_DIR/sparse24.fatbin when given
#
# nvcc is looked for in $SPARSE24_NVCC (if set), then PATH, then /usr/local/cuda/bin. Without
# it this prints "nvcc not found, skipping CUDA build" and exits 0: the Java build and tests do
# not need the fatbin. Outputs in cuda/build/ (ignored by git): sparse24.fatbin, ptxas.log (raw
# -Xptxas -v), ptxas-summary.txt (kernel, arch, registers, spills), ptx-check.txt (instruction
# counts), sparse24_sm80.ptx. A build prints one line (kernels, architectures, spills); the
# per-kernel tables stay in those files, so a first `mvn install` or tutorial run is not led by
# 50 lines of register counts. Set SPARSE24_ALLOW_SPILLS=1 to accept spills (default: a spill
# fails the build, printing the offending kernels).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
build="$here/build"
dest="${1:-}"

if [[ -n "${SPARSE24_NVCC+x}" ]]; then
  nvcc="$SPARSE24_NVCC"
elif command -v nvcc >/dev/null 2>&1; then
  nvcc="$(command -v nvcc)"
else
  nvcc=/usr/local/cuda/bin/nvcc
fi
if [[ ! -x "$nvcc" ]]; then
  echo "nvcc not found, skipping CUDA build (set SPARSE24_NVCC or put nvcc on PATH)"
  exit 0
fi

mkdir -p "$build"
fatbin="$build/sparse24.fatbin"
sources=("$here"/*.cu "$here"/*.cuh "$here/build.sh")

up_to_date=1
if [[ ! -f "$fatbin" ]]; then
  up_to_date=0
else
  for s in "${sources[@]}"; do
    [[ "$s" -nt "$fatbin" ]] && up_to_date=0
  done
fi

if [[ $up_to_date -eq 1 ]]; then
  echo "CUDA fatbin up to date: $fatbin"
else
  echo "Building $fatbin with $($nvcc --version | tail -1)"
  common=(-std=c++17 -O3 -lineinfo -Xptxas -v -Xfatbin -compress-all)
  # --threads 0: one nvcc thread per target architecture.
  "$nvcc" "${common[@]}" --threads 0 -fatbin \
    -gencode arch=compute_80,code=sm_80 \
    -gencode arch=compute_90,code=sm_90 \
    -gencode arch=compute_90a,code=sm_90a \
    -gencode arch=compute_90,code=compute_90 \
    -o "$fatbin.tmp" "$here/sparse24.cu" 2> "$build/ptxas.log" || {
      cat "$build/ptxas.log" >&2; echo "nvcc failed" >&2; exit 1; }

  # One line per kernel and arch: registers, spill stores/loads, stack frame.
  awk '
    /Compiling entry function/ { split($0, q, "\047"); fn = q[2]; arch = q[4] }
    /bytes stack frame/        { stack = $1; sst = $5; sld = $9 }
    /Used [0-9]+ registers/    { for (i = 1; i < NF; i++) if ($i == "Used") regs = $(i + 1);
                                 printf "%-28s %-7s regs %3d  spill stores %s  spill loads %s  stack %s\n", fn, arch, regs, sst, sld, stack }
' "$build/ptxas.log" | sort > "$build/ptxas-summary.txt"
  kernels=$(awk '{ print $1 }' "$build/ptxas-summary.txt" | sort -u | wc -l)
  archs=$(awk '{ print $2 }' "$build/ptxas-summary.txt" | sort -u | paste -sd/ -)
  spilling=$(awk '$7 != 0 || $10 != 0' "$build/ptxas-summary.txt" | wc -l)
  if [[ "$kernels" -eq 0 ]]; then
    echo "no kernels in ptxas's report ($build/ptxas.log)" >&2; exit 1
  fi
  if [[ "$spilling" -ne 0 ]]; then
    echo "register spills in $spilling kernel/arch builds (all: $build/ptxas-summary.txt):" >&2
    awk '$7 != 0 || $10 != 0' "$build/ptxas-summary.txt" >&2
    [[ "${SPARSE24_ALLOW_SPILLS:-0}" == 1 ]] || exit 1
  fi

  # The PTX must hold the instructions the kernels are written around.
  "$nvcc" -std=c++17 -O3 -ptx -arch=compute_80 -o "$build/sparse24_sm80.ptx" "$here/sparse24.cu"
  for insn in 'mma.sp::ordered_metadata.sync.aligned.m16n8k32.row.col.f32.f16.f16.f32' \
              'mma.sp::ordered_metadata.sync.aligned.m16n8k32.row.col.f32.bf16.bf16.f32' \
              'cp.async.cg.shared.global' 'cp.async.ca.shared.global' 'cp.async.wait_group' \
              'ldmatrix.sync.aligned.m8n8.x4.shared.b16' 'ld.global.nc.L1::no_allocate.v4.u32'; do
    count=$(grep -cF "$insn" "$build/sparse24_sm80.ptx" || true)
    printf 'PTX %-75s %5d\n' "$insn" "$count"
    if [[ "$count" -eq 0 ]]; then echo "PTX lacks $insn (counts: $build/ptx-check.txt)" >&2; exit 1; fi
  done > "$build/ptx-check.txt"
  mv "$fatbin.tmp" "$fatbin"
  echo "CUDA kernels built: $kernels kernels, $archs, $spilling spills; $fatbin ($(stat -c %s "$fatbin") bytes; tables in $build/ptxas-summary.txt)"
fi

if [[ -n "$dest" ]]; then
  mkdir -p "$dest"
  cp "$fatbin" "$dest/sparse24.fatbin"
  # Quiet: the build line above (or "up to date") already names the fatbin.
fi
