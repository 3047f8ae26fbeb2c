// mma_sp_probe.cu - one warp, one mma.sp: the first thing to run on a new GPU.
//
// docs/mma-sp-layout.md (the per-lane layout our packing relies on) agrees with several sources but
// had not been run with non-uniform metadata. This kernel issues exactly one
//   mma.sp::ordered_metadata.sync.aligned.m16n8k32.row.col.f32.{f16,bf16}.{f16,bf16}.f32
// on fragments given lane by lane, so that the device's D can be compared bit for bit (small
// integers) with dev.sparse24.runtime.cuda.MmaSpEmulator's.
//
// Launch contract:
//   symbol  s24_mma_sp_probe_{f16,bf16}_sel{0,1}
//   grid 1, block 32 (one warp), no shared memory
//   params  a  const uint32_t*  [32 lanes][4]  A registers (f16x2 / bf16x2)
//           b  const uint32_t*  [32 lanes][4]  B registers
//           c  const float*     [32 lanes][4]  C
//           e  const uint32_t*  [32 lanes]     E
//           d  float*           [32 lanes][4]  D (written)
#include "sparse24_common.cuh"

namespace s24 {
template <typename In, int Sel>
__device__ __forceinline__ void mma_sp_probe(const uint32_t* a, const uint32_t* b, const float* c,
                                             const uint32_t* e, float* d) {
  const int lane = threadIdx.x & 31;
  uint4 fa = make_uint4(a[lane * 4], a[lane * 4 + 1], a[lane * 4 + 2], a[lane * 4 + 3]);
  uint32_t fb[4] = {b[lane * 4], b[lane * 4 + 1], b[lane * 4 + 2], b[lane * 4 + 3]};
  float acc[4] = {c[lane * 4], c[lane * 4 + 1], c[lane * 4 + 2], c[lane * 4 + 3]};
  mma_sp<In, Sel>(acc, fa, fb, e[lane]);
#pragma unroll
  for (int r = 0; r < 4; ++r) d[lane * 4 + r] = acc[r];
}
}  // namespace s24

#define S24_PROBE(IN, INNAME, SEL)                                                              \
  extern "C" __global__ void __launch_bounds__(32) s24_mma_sp_probe_##INNAME##_sel##SEL(       \
      const uint32_t* a, const uint32_t* b, const float* c, const uint32_t* e, float* d) {     \
    s24::mma_sp_probe<IN, SEL>(a, b, c, e, d);                                                  \
  }

S24_PROBE(__half, f16, 0)
S24_PROBE(__half, f16, 1)
S24_PROBE(__nv_bfloat16, bf16, 0)
S24_PROBE(__nv_bfloat16, bf16, 1)
