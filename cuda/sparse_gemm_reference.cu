// sparse_gemm_reference.cu - the scalar reference beside the fast kernels: one thread per output,
// reading the PORTABLE 2:4 format (docs/format.md; CompressedWeights) directly, no
// tensor cores, no re-packing. Slow on purpose; it is the on-device oracle that shares no
// code path with the lane-packed layout.
//
//   Y[n, m] = act( sum_k X[n, k] * W[m, k] + bias[m] ),  fp32 accumulation in k order
//
// Launch contract:
//   symbol  s24_sparse_gemm_reference_{f16,bf16}_f32
//   grid    (ceil(M / 128), N, 1), block 128, no shared memory
//   params  values   const In*       [M][round4(K) / 2] kept values, ascending column order
//           meta     const uint32_t* row-major nibble stream: group g of the matrix (row-major
//                                    over [M][round4(K)/4]) at bits 4 (g % 8) of word g / 8
//           x        const In*       X [N, ldx], ldx >= K
//           ldx, bias, y (float*), ldy, M, N, K (logical columns), act
#include "sparse24_common.cuh"

namespace s24 {
template <typename In>
__device__ __forceinline__ void sparse_gemm_reference(const In* values, const uint32_t* meta,
                                               const In* x, int ldx, const float* bias, float* y,
                                               int ldy, int M, int N, int K, int act) {
  const int m = blockIdx.x * blockDim.x + threadIdx.x, n = blockIdx.y;
  if (m >= M || n >= N) return;
  const int groups = (K + 3) / 4;
  float s = 0.f;
  for (int j = 0; j < groups; ++j) {
    const size_t gi = (size_t)m * groups + j;
    const uint32_t code = (meta[gi / 8] >> (4 * (gi % 8))) & 0xFu;
    const int cols[2] = {4 * j + (int)(code & 3u), 4 * j + (int)(code >> 2)};
    for (int p = 0; p < 2; ++p)
      if (cols[p] < K)
        s += static_cast<float>(values[gi * 2 + p]) * static_cast<float>(x[(size_t)n * ldx + cols[p]]);
  }
  epilogue(y, ldy, kOutF32, bias, act, m, n, s);
}
}  // namespace s24

extern "C" __global__ void __launch_bounds__(128) s24_sparse_gemm_reference_f16_f32(
    const __half* values, const uint32_t* meta, const __half* x, int ldx, const float* bias,
    float* y, int ldy, int M, int N, int K, int act) {
  s24::sparse_gemm_reference(values, meta, x, ldx, bias, y, ldy, M, N, K, act);
}

extern "C" __global__ void __launch_bounds__(128) s24_sparse_gemm_reference_bf16_f32(
    const __nv_bfloat16* values, const uint32_t* meta, const __nv_bfloat16* x, int ldx,
    const float* bias, float* y, int ldy, int M, int N, int K, int act) {
  s24::sparse_gemm_reference(values, meta, x, ldx, bias, y, ldy, M, N, K, act);
}
