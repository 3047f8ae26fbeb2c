// sparse_gemm_small_batch.cu - 2:4 sparse GEMM for small batches (N <= 64): streams the compressed
// weights and metadata at memory speed.
//
//   Y[n, m] = act( sum_k X[n, k] * W[m, k] + bias[m] )     W: [M, K] 2:4, lane-packed
//   i.e. Y^T = W X^T with W as mma.sp's sparse A operand (M on the MMA's m16 side) and the
//   batch on the n8 side.
//
// How: each warp owns one 32-row block (two m16 tiles, sel 0 and 1) and walks its k range in
// 128-wide chunks. Per chunk and lane: 8 x 16-byte weight loads + 1 x 16-byte metadata load,
// issued one chunk ahead (register double buffer) so that two chunks (9 KB per warp) are in
// flight. X (tiny, shared by the 4 warps) goes through a 2-stage cp.async ring in shared memory
// and reaches the MMA as B fragments via ldmatrix. k is split across gridDim.y CTAs when the
// row blocks alone cannot keep enough bytes in flight (see SparseGemmPlan).
//
// Launch contract (SparseGemmPlan.choose, bench/gpu/sparse24_gpu.py plan()):
//   symbol   s24_sparse_gemm_small_n{NTILE}_{in}, NTILE in {8,16,32,64} >= N, in in {f16,bf16}
//   grid     (ceil(rowBlocks / 4), splits, 1); rowBlocks = ceil(M / 32)
//   block    128 threads (4 warps; warp w handles row block 4 * blockIdx.x + w)
//   smem     dynamic, 2 * NTILE * 128 * 2 bytes (<= 32 KB)
//   params   wv        const uint4*  packed values   [rowBlocks][kChunks][4][2][32]  16-B aligned
//            wm        const uint4*  packed metadata [rowBlocks][kChunks][32]        16-B aligned
//            x         const In*     X [N, ldx]; 16-byte aligned, ldx % 8 == 0
//            ldx       int           row stride of X in elements
//            bias      const float*  [M] or nullptr
//            y         void*         Y [N, ldy] (only m < M, n < N written), 4/2-B aligned
//            ldy       int           row stride of Y in elements (>= M)
//            out_type  int           Y's element type: 0 f32, 1 f16, 2 bf16
//            M, N      int           rows of W, batch (1 <= N <= NTILE)
//            kx        int           valid columns of X, a multiple of 8 (K rounded up to 8; the
//                                    columns K..kx-1 of X must be finite, W is zero there)
//            kChunks   int           ceil(round4(K) / 128): chunks per packed row block
//            chunksPerSplit int      chunks each split handles; splits = gridDim.y
//            act       int           0 none, 1 ReLU, 2 ReLU6
//            ws        float*        splits > 1: [splits][N][gridDim.x * 128] fp32 scratch
//            counters  unsigned*     splits > 1: [gridDim.x], zero before the first launch;
//                                    the kernel leaves them zero. One launch at a time per buffer.
//   padding  rows of W padded to 32 and k to 128 inside the packed arrays (code 0x4, zeros);
//            X rows >= N and columns >= kx are never read (zero-filled in shared memory).
#include "sparse24_common.cuh"

namespace s24 {

constexpr int kSmallThreads = 128;
constexpr int kChunkK = 128;  // dense k per chunk

// Minimum resident CTAs per SM promised to ptxas. Without a promise ptxas capped the n64
// variant at 168 registers on sm_90 and spilled 84 bytes; 2 CTAs (<= 255 registers) lets it
// keep 64 accumulators + two chunks of weights in registers. The narrower variants need
// <= 128 registers and get room for 3 CTAs.
constexpr int small_min_blocks(int ntile) { return ntile == 64 ? 2 : 3; }

// Shared X stage: [NTILE rows = batch columns][128 k] of 16-bit, 256 bytes per row. The 16-byte
// piece p of row r is stored at p ^ (r & 7): ldmatrix reads the same piece of 8 consecutive
// rows, which the XOR spreads over 8 different bank groups (no conflicts).
__device__ __forceinline__ uint32_t small_x_offset(int row, int piece) {
  return row * 256 + ((piece ^ (row & 7)) << 4);
}

template <typename In, int NTILE>
__device__ __forceinline__ void small_load_x(uint32_t stage_base, const In* __restrict__ x,
                                             int ldx, int N, int kx, int chunk) {
  // NTILE rows x 16 pieces of 16 bytes; 128 threads.
#pragma unroll
  for (int i = threadIdx.x; i < NTILE * 16; i += kSmallThreads) {
    int row = i >> 4, piece = i & 15;
    int k = chunk * kChunkK + piece * 8;
    bool valid = row < N && k < kx;
    const In* src = valid ? x + (size_t)row * ldx + k : x;
    cp_async_16(stage_base + small_x_offset(row, piece), src, valid);
  }
  cp_async_commit();
}

struct ChunkRegs {
  uint4 a[8];  // [step * 2 + tile]: this lane's 4 A registers (8 x 16-bit)
  uint4 e;     // E registers for steps 0..3
};

__device__ __forceinline__ void small_load_w(ChunkRegs& r, const uint4* __restrict__ wv,
                                             const uint4* __restrict__ wm, size_t block, int lane) {
  const uint4* p = wv + block * 256 + lane;
#pragma unroll
  for (int j = 0; j < 8; ++j) r.a[j] = ld_stream_16(p + j * 32);
  r.e = ld_stream_16(wm + block * 32 + lane);
}

template <typename In, int NTILE>
__device__ __forceinline__ void sparse_gemm_small_batch(
    const uint4* __restrict__ wv, const uint4* __restrict__ wm, const In* __restrict__ x, int ldx,
    const float* __restrict__ bias, void* __restrict__ y, int ldy, int out_type, int M, int N, int kx,
    int kChunks, int chunksPerSplit, int act, float* __restrict__ ws,
    unsigned* __restrict__ counters) {
  constexpr int NT = NTILE / 8;          // n8 tiles
  constexpr int kStageBytes = NTILE * 256;
  S24_DYNAMIC_SMEM(smem);
  const uint32_t smem_base = smem_u32(smem);

  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
  const int rowBlocks = (M + 31) >> 5;
  const int rb = blockIdx.x * 4 + warp;
  const bool rows_valid = rb < rowBlocks;  // warps past the end still join every barrier
  const int split = blockIdx.y, splits = gridDim.y;
  const int c0 = split * chunksPerSplit;
  const int nchunks = min(chunksPerSplit, kChunks - c0);

  float acc[2][NT][4];
#pragma unroll
  for (int t = 0; t < 2; ++t)
#pragma unroll
    for (int n = 0; n < NT; ++n)
#pragma unroll
      for (int r = 0; r < 4; ++r) acc[t][n][r] = 0.f;

  ChunkRegs cur, nxt;
  small_load_x<In, NTILE>(smem_base, x, ldx, N, kx, c0);
  if (rows_valid) small_load_w(cur, wv, wm, (size_t)rb * kChunks + c0, lane);

  for (int i = 0; i < nchunks; ++i) {
    const int stage = i & 1;
    if (i + 1 < nchunks) {
      small_load_x<In, NTILE>(smem_base + (stage ^ 1) * kStageBytes, x, ldx, N, kx, c0 + i + 1);
      if (rows_valid) small_load_w(nxt, wv, wm, (size_t)rb * kChunks + c0 + i + 1, lane);
    } else {
      cp_async_commit();  // an empty group keeps wait_group<1> meaning "chunk i has landed"
    }
    cp_async_wait<1>();
    __syncthreads();
    if (rows_valid) {
      const uint32_t xs = smem_base + stage * kStageBytes;
#pragma unroll
      for (int step = 0; step < 4; ++step) {
        const uint32_t e = step == 0 ? cur.e.x : step == 1 ? cur.e.y : step == 2 ? cur.e.z : cur.e.w;
#pragma unroll
        for (int n = 0; n < NT; ++n) {
          uint32_t b[4];
          const int row = n * 8 + (lane & 7);
          ldmatrix_x4(b, xs + small_x_offset(row, step * 4 + (lane >> 3)));
          mma_sp<In, 0>(acc[0][n], cur.a[step * 2 + 0], b, e);
          mma_sp<In, 1>(acc[1][n], cur.a[step * 2 + 1], b, e);
        }
      }
    }
    __syncthreads();  // stage is refilled by the next iteration's loads
    cur = nxt;
  }
  cp_async_wait<0>();

  // Fragment element (tile, n, r) of lane (g, t): row m = 32 rb + 16 tile + g + 8 (r >> 1),
  // batch column = 8 n + 2 t + (r & 1).
  const int g = lane >> 2, t4 = lane & 3;
  if (splits == 1) {
    if (!rows_valid) return;
#pragma unroll
    for (int tile = 0; tile < 2; ++tile)
#pragma unroll
      for (int n = 0; n < NT; ++n)
#pragma unroll
        for (int r = 0; r < 4; ++r) {
          int m = rb * 32 + tile * 16 + g + 8 * (r >> 1), col = n * 8 + 2 * t4 + (r & 1);
          if (m < M && col < N) epilogue(y, ldy, out_type, bias, act, m, col, acc[tile][n][r]);
        }
    return;
  }
  const size_t wsRows = (size_t)gridDim.x * 128, stride = (size_t)N * wsRows;
#pragma unroll
  for (int tile = 0; tile < 2; ++tile)
#pragma unroll
    for (int n = 0; n < NT; ++n)
#pragma unroll
      for (int r = 0; r < 4; ++r) {
        int m = rb * 32 + tile * 16 + g + 8 * (r >> 1), col = n * 8 + 2 * t4 + (r & 1);
        if (m < M && col < N) ws[split * stride + (size_t)col * wsRows + m] = acc[tile][n][r];
      }
  if (!split_k_arrive(counters, blockIdx.x, splits)) return;
#pragma unroll
  for (int tile = 0; tile < 2; ++tile)
#pragma unroll
    for (int n = 0; n < NT; ++n)
#pragma unroll
      for (int r = 0; r < 4; ++r) {
        int m = rb * 32 + tile * 16 + g + 8 * (r >> 1), col = n * 8 + 2 * t4 + (r & 1);
        if (m < M && col < N)
          epilogue(y, ldy, out_type, bias, act, m, col, split_k_sum(ws, stride, (size_t)col * wsRows + m, splits));
      }
}

}  // namespace s24

#define S24_SMALL(NTILE, IN, INNAME)                                                            \
  extern "C" __global__ void __launch_bounds__(s24::kSmallThreads, s24::small_min_blocks(NTILE)) \
      s24_sparse_gemm_small_n##NTILE##_##INNAME(                                                       \
          const uint4* __restrict__ wv, const uint4* __restrict__ wm, const IN* __restrict__ x, \
          int ldx, const float* __restrict__ bias, void* __restrict__ y, int ldy, int out_type, \
          int M, int N, int kx, int kChunks, int chunksPerSplit, int act,                       \
          float* __restrict__ ws, unsigned* __restrict__ counters) {                            \
    s24::sparse_gemm_small_batch<IN, NTILE>(wv, wm, x, ldx, bias, y, ldy, out_type, M, N, kx,         \
                                     kChunks, chunksPerSplit, act, ws, counters);               \
  }

#define S24_SMALL_BOTH(NTILE)         \
  S24_SMALL(NTILE, __half, f16)       \
  S24_SMALL(NTILE, __nv_bfloat16, bf16)

S24_SMALL_BOTH(8)
S24_SMALL_BOTH(16)
S24_SMALL_BOTH(32)
S24_SMALL_BOTH(64)
