#!/usr/bin/env bash
# host_sim/build.sh - builds cuda/build/libs24sim.so: the CUDA kernels compiled for the CPU
# (g++ >= 12, C++20, the CUDA headers only: no nvcc, no GPU). Used by
#   python3 bench/gpu/sparse24_gpu.py --bundle bench/gpu/bundle --sim cuda/build/libs24sim.so
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cuda="$(cd "$here/.." && pwd)"
inc="${CUDA_HOME:-/usr/local/cuda}/include"
if [[ ! -f "$inc/cuda_fp16.h" ]]; then
  echo "CUDA headers not found in $inc, skipping host simulation build"
  exit 0
fi
mkdir -p "$cuda/build"
g++ -std=c++20 -O2 -g -pthread -shared -fPIC -Wall -Wno-unknown-pragmas -Wno-unused-function \
  -I"$cuda" -I"$inc" "$here/sim_lib.cpp" -o "$cuda/build/libs24sim.so"
echo "built $cuda/build/libs24sim.so"
