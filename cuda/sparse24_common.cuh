// sparse24_common.cuh - pieces shared by every Sparse24 CUDA kernel family.
//
// Contents (top to bottom):
//   operand types      In = __half | __nv_bfloat16 (template); Y: f32 | f16 | bf16 (run time)
//   mma_sp<In, Sel>    one mma.sp::ordered_metadata m16n8k32 (f32 accumulate), sel immediate
//   ldmatrix_x4        four 8x8 b16 matrices from shared memory (the B fragment)
//   cp_async_*         16/8-byte global->shared copies with zero fill, commit, wait
//   ld_stream_16       16-byte read-once global load (weights and metadata)
//   epilogue           bias + ReLU/ReLU6 + conversion to the run-time output type + store
//   SplitK fixup       partials to a workspace; the last CTA of a tile sums them in order
//
// The weight layout all kernels read is LanePackedWeights (Java, dev.sparse24.runtime.cuda):
//   values   uint4 [rowBlocks][kChunks][4 steps][2 tiles][32 lanes]   (8 x 16-bit each)
//   metadata uint4 [rowBlocks][kChunks][32 lanes]                     (4 steps x uint32 each)
// A row block is 32 rows = tile 0 (sel 0) + tile 1 (sel 1); a chunk is 128 dense k = 4 steps
// of 32. The per-lane meaning of each 16-bit value and metadata nibble is in docs/mma-sp-layout.md.
#pragma once

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <stdint.h>

#include <type_traits>

#ifdef S24_HOST_SIM
// Host simulation (cuda/host_sim/): the same kernel source runs on CPU threads, with the warp
// intrinsics below replaced by warp-cooperative C++ (sim_runtime.h). No GPU, no nvcc.
#include "host_sim/sim_runtime.h"
#define S24_DYNAMIC_SMEM(name) uint8_t* name = s24sim::dynamic_smem()
#else
#define S24_DYNAMIC_SMEM(name) extern __shared__ __align__(128) uint8_t name[]
#endif

namespace s24 {

// Activations fused in the epilogue (kernel parameter `act`).
enum Activation : int { kNone = 0, kRelu = 1, kRelu6 = 2, kReluN1To1 = 3, kTanh = 4 };

// ---------------------------------------------------------------------------------------------
// mma.sp m16n8k32, fp32 accumulate in place: d = A(2:4, 16x32) * B(32x8) + d.
// a: 4 regs (f16x2/bf16x2) of the compressed 16x16 A fragment; b: 4 regs of B; e: metadata.
// Sel must be 0 or 1 (2/3 are accepted by ptxas for f16 only and would be undefined here).
template <typename In, int Sel>
__device__ __forceinline__ void mma_sp(float (&d)[4], const uint4& a, const uint32_t (&b)[4],
                                       uint32_t e) {
  static_assert(Sel == 0 || Sel == 1, "sparsity selector must be 0 or 1");
#ifdef S24_HOST_SIM
  s24sim::mma_sp<std::is_same<In, __half>::value, Sel>(d, a, b, e);
#else
  if constexpr (std::is_same<In, __half>::value) {
    asm volatile(
        "mma.sp::ordered_metadata.sync.aligned.m16n8k32.row.col.f32.f16.f16.f32 "
        "{%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9,%10,%11}, {%0,%1,%2,%3}, %12, %13;\n"
        : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
        : "r"(a.x), "r"(a.y), "r"(a.z), "r"(a.w), "r"(b[0]), "r"(b[1]), "r"(b[2]), "r"(b[3]),
          "r"(e), "n"(Sel));
  } else {
    asm volatile(
        "mma.sp::ordered_metadata.sync.aligned.m16n8k32.row.col.f32.bf16.bf16.f32 "
        "{%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9,%10,%11}, {%0,%1,%2,%3}, %12, %13;\n"
        : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
        : "r"(a.x), "r"(a.y), "r"(a.z), "r"(a.w), "r"(b[0]), "r"(b[1]), "r"(b[2]), "r"(b[3]),
          "r"(e), "n"(Sel));
  }
#endif
}

// ldmatrix x4 (non-transposed): lane i supplies the address of row (i & 7) of matrix (i >> 3);
// lane (g, t) receives row g, elements 2t, 2t+1 of matrix r in register r. With matrix r =
// 8 batch columns x k 8r..8r+7 of a 32-wide step, that is exactly mma's B fragment.
__device__ __forceinline__ void ldmatrix_x4(uint32_t (&r)[4], uint32_t smem_addr) {
#ifdef S24_HOST_SIM
  s24sim::ldmatrix_x4(r, smem_addr);
#else
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0,%1,%2,%3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(smem_addr));
#endif
}

__device__ __forceinline__ uint32_t smem_u32(const void* p) {
#ifdef S24_HOST_SIM
  return s24sim::smem_offset(p);
#else
  return static_cast<uint32_t>(__cvta_generic_to_shared(p));
#endif
}

// 16-byte async copy; when !valid nothing is read and the 16 bytes are zero-filled (padding
// rows/columns of X must be zeros, not garbage: 0 * NaN would poison the sums).
__device__ __forceinline__ void cp_async_16(uint32_t smem, const void* gmem, bool valid) {
  int bytes = valid ? 16 : 0;
#ifdef S24_HOST_SIM
  s24sim::cp_async(smem, gmem, 16, bytes);
#else
  asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(smem), "l"(gmem),
               "r"(bytes));
#endif
}

__device__ __forceinline__ void cp_async_8(uint32_t smem, const void* gmem, bool valid) {
  int bytes = valid ? 8 : 0;
#ifdef S24_HOST_SIM
  s24sim::cp_async(smem, gmem, 8, bytes);
#else
  asm volatile("cp.async.ca.shared.global [%0], [%1], 8, %2;\n" ::"r"(smem), "l"(gmem),
               "r"(bytes));
#endif
}

#ifdef S24_HOST_SIM
// The simulation completes copies at once: commit/wait order is checked by the GPU run only.
__device__ __forceinline__ void cp_async_commit() {}
template <int N>
__device__ __forceinline__ void cp_async_wait() {}
#else
__device__ __forceinline__ void cp_async_commit() { asm volatile("cp.async.commit_group;\n" ::); }

template <int N>
__device__ __forceinline__ void cp_async_wait() {
  asm volatile("cp.async.wait_group %0;\n" ::"n"(N));
}
#endif

// Weights are read exactly once per call: don't let them evict X or partials from L1.
__device__ __forceinline__ uint4 ld_stream_16(const uint4* p) {
#ifdef S24_HOST_SIM
  return *p;
#else
  uint4 v;
  asm volatile("ld.global.nc.L1::no_allocate.v4.u32 {%0,%1,%2,%3}, [%4];\n"
               : "=r"(v.x), "=r"(v.y), "=r"(v.z), "=r"(v.w)
               : "l"(p));
  return v;
#endif
}

// ---------------------------------------------------------------------------------------------
// Epilogue: y = act(acc + bias[m]) converted to Out.
__device__ __forceinline__ float activate(float v, int act) {
  if (act == kRelu) return fmaxf(v, 0.f);
  if (act == kRelu6) return fminf(fmaxf(v, 0.f), 6.f);
  if (act == kReluN1To1) return fminf(fmaxf(v, -1.f), 1.f);
  if (act == kTanh) return tanhf(v);
  return v;
}

__device__ __forceinline__ void store_out(float* p, float v) { *p = v; }
__device__ __forceinline__ void store_out(__half* p, float v) { *p = __float2half_rn(v); }
__device__ __forceinline__ void store_out(__nv_bfloat16* p, float v) { *p = __float2bfloat16_rn(v); }

// Element type of Y, a kernel parameter (a run-time switch costs nothing next to the MMAs and
// keeps the number of compiled kernels, and the build time, down by 3x).
enum OutType : int { kOutF32 = 0, kOutF16 = 1, kOutBf16 = 2 };

__device__ __forceinline__ void epilogue(void* y, int ldy, int out_type, const float* bias,
                                         int act, int m, int n, float acc) {
  float v = activate(acc + (bias != nullptr ? __ldg(bias + m) : 0.f), act);
  size_t at = (size_t)n * ldy + m;
  if (out_type == kOutF16) store_out(static_cast<__half*>(y) + at, v);
  else if (out_type == kOutBf16) store_out(static_cast<__nv_bfloat16*>(y) + at, v);
  else store_out(static_cast<float*>(y) + at, v);
}

// ---------------------------------------------------------------------------------------------
// Split-K: each CTA of tile `tile` (one of `splits` along k) writes its fp32 partials to
// ws[split][n][m] (ws row length wsRows = gridDim.x * 128), then counts itself in
// counters[tile]. The CTA that arrives last sums all partials in split order 0..splits-1
// (deterministic: independent of arrival order), applies the epilogue and re-arms the counter
// for the next launch. counters must be zero before the first launch.
// Returns true in the last CTA (all threads), after which the caller runs its fixup loop.
__device__ __forceinline__ bool split_k_arrive(unsigned* counters, int tile, int splits) {
  __shared__ unsigned s_is_last;
  __threadfence();  // make this CTA's partials visible device-wide before counting
  __syncthreads();
  if (threadIdx.x == 0) {
    unsigned old = atomicAdd(counters + tile, 1u);
    s_is_last = (old == (unsigned)splits - 1u) ? 1u : 0u;
    if (s_is_last) counters[tile] = 0u;  // every other CTA of this launch has already counted
  }
  __syncthreads();
  if (s_is_last) __threadfence();  // order the partial reads after the counter read
  return s_is_last != 0u;
}

__device__ __forceinline__ float split_k_sum(const float* ws, size_t split_stride, size_t at,
                                             int splits) {
  float s = 0.f;
  for (int i = 0; i < splits; ++i) s += __ldcg(ws + (size_t)i * split_stride + at);
  return s;
}

}  // namespace s24
