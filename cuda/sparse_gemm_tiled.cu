// sparse_gemm_tiled.cu - 2:4 sparse GEMM for large batches (N > 64; conv as implicit GEMM later):
// CTA tiles through a multi-stage cp.async pipeline, B fragments by ldmatrix, the metadata
// staged in shared memory with its weight tile.
//
//   Y[n, m] = act( sum_k X[n, k] * W[m, k] + bias[m] )     W: [M, K] 2:4, lane-packed
//
// CTA tile: 128 rows of W (4 row blocks) x 128 batch columns x 64 dense k per stage, 4 stages.
// 8 warps as 2 (rows) x 4 (batch): each warp computes 64 rows (2 row blocks = 4 m16 tiles) x
// 32 batch columns (4 n8 tiles): 16 mma.sp per 32-wide k step, 64 fp32 accumulators per lane.
// __launch_bounds__(256, 2): at most 128 registers, so two CTAs (16 warps) share an SM.
// Per stage (25 KB):
//   A  [4 row blocks][2 steps][2 tiles][32 lanes] x 16 B = 8 KB  (copied as packed: each lane
//      later reads its own 16 B, conflict-free)
//   E  [4 row blocks][32 lanes] x 8 B (2 steps)            = 1 KB
//   X  [128 batch rows][64 k] x 2 B, 16-B piece p of row r at p ^ (r & 7) = 16 KB
//
// Launch contract (SparseGemmPlan.choose, bench/gpu/sparse24_gpu.py plan()):
//   symbol   s24_sparse_gemm_tiled_{in}, in in {f16,bf16}
//   grid     (ceil(M / 128), ceil(N / 128), splits)
//   block    256 threads
//   smem     dynamic 4 * 25600 = 102400 bytes: set cudaFuncAttributeMaxDynamicSharedMemorySize
//            (sm_80: <= 163 KB, sm_90: <= 227 KB)
//   params   wv, wm, x, ldx, bias, y, ldy, out_type, M, N, kx, kChunks   as sparse_gemm_small_batch.cu
//            halvesPerSplit int   64-wide k halves per split (kHalves = 2 * kChunks)
//            act, ws, counters    as sparse_gemm_small_batch.cu, with ws [splits][N][gridDim.x * 128]
//                                 and counters [gridDim.x * gridDim.y] (tile = y * gridDim.x + x)
//   padding  as sparse_gemm_small_batch.cu: X rows >= N and columns >= kx are zero-filled, row blocks
//            >= ceil(M / 32) are zero-filled (never read from global memory).
#include "sparse24_common.cuh"

namespace s24 {

constexpr int kTiledThreads = 256;
constexpr int kTiledStages = 4;
constexpr int kTiledA = 8192, kTiledE = 1024, kTiledX = 16384;
constexpr int kTiledStageBytes = kTiledA + kTiledE + kTiledX;

__device__ __forceinline__ uint32_t tiled_x_offset(int row, int piece) {
  return kTiledA + kTiledE + row * 128 + ((piece ^ (row & 7)) << 4);
}

template <typename In>
__device__ __forceinline__ void tiled_load_stage(uint32_t stage, const uint4* __restrict__ wv,
                                                 const uint4* __restrict__ wm,
                                                 const In* __restrict__ x, int ldx, int N, int kx,
                                                 int kChunks, int rowBlocks, int half) {
  const int tid = threadIdx.x;
  const int chunk = half >> 1, sub = half & 1;
  // A: 512 pieces of 16 B; piece i = row block (i >> 7), then (step, tile, lane) in order.
#pragma unroll
  for (int j = 0; j < 2; ++j) {
    int i = tid + j * kTiledThreads;
    int rb = blockIdx.x * 4 + (i >> 7);
    bool valid = rb < rowBlocks;
    const uint4* src = valid ? wv + ((size_t)rb * kChunks + chunk) * 256 + sub * 128 + (i & 127) : wv;
    cp_async_16(stage + i * 16, src, valid);
  }
  // E: 128 pieces of 8 B: (row block, lane) -> words 2 sub, 2 sub + 1 of that lane's chunk.
  if (tid < 128) {
    int rb = blockIdx.x * 4 + (tid >> 5);
    bool valid = rb < rowBlocks;
    const uint32_t* words = reinterpret_cast<const uint32_t*>(wm);
    const uint32_t* src = valid ? words + (((size_t)rb * kChunks + chunk) * 32 + (tid & 31)) * 4 + 2 * sub
                                : words;
    cp_async_8(stage + kTiledA + tid * 8, src, valid);
  }
  // X: 128 rows x 8 pieces.
#pragma unroll
  for (int j = 0; j < 4; ++j) {
    int i = tid + j * kTiledThreads;
    int row = i >> 3, piece = i & 7;
    int n = blockIdx.y * 128 + row;
    int k = half * 64 + piece * 8;
    bool valid = n < N && k < kx;
    const In* src = valid ? x + (size_t)n * ldx + k : x;
    cp_async_16(stage + tiled_x_offset(row, piece), src, valid);
  }
}

template <typename In>
__device__ __forceinline__ void sparse_gemm_tiled(const uint4* __restrict__ wv,
                                           const uint4* __restrict__ wm, const In* __restrict__ x,
                                           int ldx, const float* __restrict__ bias,
                                           void* __restrict__ y, int ldy, int out_type, int M, int N, int kx,
                                           int kChunks, int halvesPerSplit, int act,
                                           float* __restrict__ ws, unsigned* __restrict__ counters) {
  S24_DYNAMIC_SMEM(smem);
  const uint32_t base = smem_u32(smem);
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
  const int wm_ = warp >> 2;  // rows: row blocks 2 wm_, 2 wm_ + 1 of the CTA
  const int wn = warp & 3;    // batch: columns 32 wn .. 32 wn + 31 of the CTA
  const int rowBlocks = (M + 31) >> 5;
  const int kHalves = 2 * kChunks;
  // Row blocks past the end of W are zero-filled in shared memory, metadata included; the
  // warp skips their MMAs (warp-uniform) rather than issue mma.sp with code 0x0.
  const bool rb_valid[2] = {(int)blockIdx.x * 4 + 2 * wm_ < rowBlocks,
                            (int)blockIdx.x * 4 + 2 * wm_ + 1 < rowBlocks};
  const int h0 = blockIdx.z * halvesPerSplit;
  const int nh = min(halvesPerSplit, kHalves - h0);

  float acc[2][2][4][4];  // [row block][tile][n8][reg]
#pragma unroll
  for (int a = 0; a < 2; ++a)
#pragma unroll
    for (int b = 0; b < 2; ++b)
#pragma unroll
      for (int c = 0; c < 4; ++c)
#pragma unroll
        for (int d = 0; d < 4; ++d) acc[a][b][c][d] = 0.f;

#pragma unroll
  for (int s = 0; s < kTiledStages - 1; ++s) {
    if (s < nh)
      tiled_load_stage<In>(base + s * kTiledStageBytes, wv, wm, x, ldx, N, kx, kChunks, rowBlocks, h0 + s);
    cp_async_commit();
  }

  for (int i = 0; i < nh; ++i) {
    cp_async_wait<kTiledStages - 2>();  // stage i has landed (for this thread)
    __syncthreads();                    // ... for all threads; stage i-1 is free again
    const int next = i + kTiledStages - 1;
    if (next < nh)
      tiled_load_stage<In>(base + (next % kTiledStages) * kTiledStageBytes, wv, wm, x, ldx, N, kx,
                           kChunks, rowBlocks, h0 + next);
    cp_async_commit();

    const int stage_index = i % kTiledStages;
    const uint8_t* st = smem + stage_index * kTiledStageBytes;
    const uint32_t st_addr = base + stage_index * kTiledStageBytes;
#pragma unroll
    for (int step = 0; step < 2; ++step) {
      uint4 a[2][2];
      uint32_t e[2];
#pragma unroll
      for (int r = 0; r < 2; ++r) {
        const int rbl = 2 * wm_ + r;
        const uint4* as = reinterpret_cast<const uint4*>(st) + (rbl * 2 + step) * 64 + lane;
        a[r][0] = as[0];
        a[r][1] = as[32];
        e[r] = reinterpret_cast<const uint32_t*>(st + kTiledA)[(rbl * 32 + lane) * 2 + step];
      }
#pragma unroll
      for (int n = 0; n < 4; ++n) {
        uint32_t b[4];
        const int row = wn * 32 + n * 8 + (lane & 7);
        ldmatrix_x4(b, st_addr + tiled_x_offset(row, step * 4 + (lane >> 3)));
#pragma unroll
        for (int r = 0; r < 2; ++r) {
          if (!rb_valid[r]) continue;  // zero-filled E (code 0x0) would be undefined behaviour
          mma_sp<In, 0>(acc[r][0][n], a[r][0], b, e[r]);
          mma_sp<In, 1>(acc[r][1][n], a[r][1], b, e[r]);
        }
      }
    }
  }
  cp_async_wait<0>();

  // Element (r, tile, n, q) of lane (g, t): row m = 32 (4 bx + 2 wm_ + r) + 16 tile + g + 8 (q >> 1),
  // batch column = 128 by + 32 wn + 8 n + 2 t + (q & 1).
  const int g = lane >> 2, t4 = lane & 3;
  const int splits = gridDim.z;
  const int m0 = (blockIdx.x * 4 + 2 * wm_) * 32 + g;
  const int n0 = blockIdx.y * 128 + wn * 32 + 2 * t4;
  if (splits == 1) {
#pragma unroll
    for (int r = 0; r < 2; ++r)
#pragma unroll
      for (int tile = 0; tile < 2; ++tile)
#pragma unroll
        for (int n = 0; n < 4; ++n)
#pragma unroll
          for (int q = 0; q < 4; ++q) {
            int m = m0 + r * 32 + tile * 16 + 8 * (q >> 1), col = n0 + n * 8 + (q & 1);
            if (m < M && col < N) epilogue(y, ldy, out_type, bias, act, m, col, acc[r][tile][n][q]);
          }
    return;
  }
  const size_t wsRows = (size_t)gridDim.x * 128, stride = (size_t)N * wsRows;
#pragma unroll
  for (int r = 0; r < 2; ++r)
#pragma unroll
    for (int tile = 0; tile < 2; ++tile)
#pragma unroll
      for (int n = 0; n < 4; ++n)
#pragma unroll
        for (int q = 0; q < 4; ++q) {
          int m = m0 + r * 32 + tile * 16 + 8 * (q >> 1), col = n0 + n * 8 + (q & 1);
          if (m < M && col < N) ws[blockIdx.z * stride + (size_t)col * wsRows + m] = acc[r][tile][n][q];
        }
  if (!split_k_arrive(counters, blockIdx.y * gridDim.x + blockIdx.x, splits)) return;
#pragma unroll
  for (int r = 0; r < 2; ++r)
#pragma unroll
    for (int tile = 0; tile < 2; ++tile)
#pragma unroll
      for (int n = 0; n < 4; ++n)
#pragma unroll
        for (int q = 0; q < 4; ++q) {
          int m = m0 + r * 32 + tile * 16 + 8 * (q >> 1), col = n0 + n * 8 + (q & 1);
          if (m < M && col < N)
            epilogue(y, ldy, out_type, bias, act, m, col, split_k_sum(ws, stride, (size_t)col * wsRows + m, splits));
        }
}

}  // namespace s24

#define S24_TILED(IN, INNAME)                                                                    \
  extern "C" __global__ void __launch_bounds__(s24::kTiledThreads, 2)                            \
      s24_sparse_gemm_tiled_##INNAME(                                                                   \
          const uint4* __restrict__ wv, const uint4* __restrict__ wm, const IN* __restrict__ x,  \
          int ldx, const float* __restrict__ bias, void* __restrict__ y, int ldy, int out_type,  \
          int M, int N, int kx, int kChunks, int halvesPerSplit, int act,                        \
          float* __restrict__ ws, unsigned* __restrict__ counters) {                             \
    s24::sparse_gemm_tiled<IN>(wv, wm, x, ldx, bias, y, ldy, out_type, M, N, kx, kChunks,              \
                        halvesPerSplit, act, ws, counters);                                      \
  }

S24_TILED(__half, f16)
S24_TILED(__nv_bfloat16, bf16)
