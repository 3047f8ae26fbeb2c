// sparse_gemm_common.h - the kernel layout of 2:4 weights and the shared epilogue, used by every
// ISA version of the 2:4 sparse GEMM (sparse_gemm_scalar.h, sparse_gemm_avx2.h, sparse_gemm_avx512.h).
//
// Orientation (inference from NHWC activations, TFLite weight orientation):
//   Y[batch, rows] = act(X[batch, cols] * W^T + bias[rows]),  W [rows, cols] 2:4 sparse.
//   X row b starts at x + b*ldx, Y row b at y + b*ldy (ldx >= cols, ldy >= rows).
//
// Kernel layout ("packed"), re-packed once at load from the portable format (docs/format.md):
//   kp = cols rounded up to a multiple of 32 (one "window" = 32 columns = 8 groups of 4).
//   pv  [rows, kp/2] float : the two kept values of each group in ascending column order;
//                            groups past cols hold 0.0 (kept indices 0 and 1).
//   pix [rows, kp/32] u32  : one word per window: bits 2l..2l+1 = column of kept value l
//                            (l = 0..15) inside its group of 4; the value's column is
//                            32*window + 4*(l/2) + that index.
//   Kept slots that point past cols hold 0.0 and read X as 0 (never past the row's end).
#pragma once
#include <stdint.h>
#include <math.h>

namespace s24 {

// Fused activation codes (= TFLite ActivationFunctionType where one exists).
enum Act { ACT_NONE = 0, ACT_RELU = 1, ACT_RELU_N1_TO_1 = 2, ACT_RELU6 = 3 };

// Scalar activation, NaN-propagating: a NaN input stays NaN (IEEE max/min with a NaN operand
// would silently drop it in some formulations; the vector kernels order operands to match).
static inline float act_scalar(float v, int act) {
    if (v != v) return v;
    switch (act) {
        case ACT_RELU: return v > 0.f ? v : 0.f;
        case ACT_RELU6: return v > 0.f ? (v < 6.f ? v : 6.f) : 0.f;
        case ACT_RELU_N1_TO_1: return v > -1.f ? (v < 1.f ? v : 1.f) : -1.f;
        default: return v;
    }
}

// Arguments of one call: the weights, the activations and the output row range [r0, r1).
struct GemmArgs {
    const float* pv;      // [rows, kp/2]
    const uint32_t* pix;  // [rows, kp/32]
    int rows, cols, kp;
    const float* x;       // [batch, ldx]
    int batch, ldx;
    const float* bias;    // [rows] or null
    int act;
    float* y;             // [batch, ldy]
    int ldy;
    int r0, r1;           // output rows this call computes
    // Optional K-blocked copy of pv/pix for the broadcast kernels (null: not used):
    // blocks of two windows (64 columns), all rows of a block stored together, so that a
    // K-block's pass over a row superblock streams its weights sequentially.
    //   bv  [ceil(wins/2), rows, 32] float : windows 2b and 2b+1 of row r, 16 values each
    //   bix [ceil(wins/2), rows, 2]  u32   : their index words
    // (a last block of odd wins holds one window; the second half is never read).
    const float* bv;
    const uint32_t* bix;
};

// Index of window w of row `row` in the K-blocked copy: its 16 values at bv + 16*slot, its index
// word at bix[slot].
static inline int64_t blocked_slot(const GemmArgs& a, int w, int row) {
    return ((int64_t)(w >> 1) * a.rows + row) * 2 + (w & 1);
}

// The panel row of kept value l (0..15) of a window in the broadcast kernels: row 4*(l/2) + its
// 2-bit index in `word`, rows of W floats from pw (pwc: pw held in one register by the caller).
// When a row is 2^S bytes the index becomes a byte offset by one shift and one mask, and the
// group's part is a constant in the loads' displacement: 3 integer ops per kept value instead of
// 6-7, which took issue slots and ports from the FMAs (AVX-512 batch 256: 3% faster,
// native/README.md). The result is pinned in one register: the FMAs then address [p + disp],
// which stays one fused uop; GCC's [base + index] form is un-laminated into two on Intel cores
// and the front end, not the FMA ports, becomes the limit. Called from fully unrolled loops, so
// l is a constant and one branch of each test remains.
template <int W>
static inline __attribute__((always_inline)) const float* kept_panel_row(const float* pw, const char* pwc,
                                                                         uint32_t word, int l) {
    constexpr int S = W == 128 ? 9 : W == 64 ? 8 : W == 32 ? 7 : W == 16 ? 6 : W == 8 ? 5 : 0;  // 0: not 2^S
    if (S > 0) {
        constexpr uint64_t mask = (uint64_t)3 << S;
        uint64_t off = 2 * l <= S ? ((uint64_t)word << (S - 2 * l)) & mask : ((uint64_t)word >> (2 * l - S)) & mask;
        const char* pc = pwc + off;
        __asm__("" : "+r"(pc));
        return (const float*)pc + (size_t)(4 * (l >> 1)) * W;
    }
    const float* p = pw + (size_t)(4 * (l >> 1) + ((word >> (2 * l)) & 3)) * W;
    __asm__("" : "+r"(p));
    return p;
}

// The 16 kept values of window w of row `row` (returned) and its index word (*word), from the
// K-blocked copy when BLOCKED, else from the row-major pv/pix.
template <bool BLOCKED>
static inline const float* window_weights(const GemmArgs& a, int row, int w, uint32_t* word) {
    if (BLOCKED) {
        int64_t slot = blocked_slot(a, w, row);
        *word = a.bix[slot];
        return a.bv + 16 * slot;
    }
    *word = a.pix[(int64_t)row * (a.kp / 32) + w];
    return a.pv + (int64_t)row * (a.kp / 2) + 16 * w;
}

}  // namespace s24

#include <stdlib.h>
#include <string.h>
#include <xmmintrin.h>

namespace s24 {

// Per-thread scratch (activation panels, partial tiles), 64-byte aligned and kept between
// calls so that steady-state inference allocates nothing. slot 0: panel, slot 1: tile,
// slot 2: the padded image of sparse_conv_direct.h.
// Lives for the thread's lifetime (a pool thread keeps its few MB).
struct Scratch {
    // broadcast GEMM: panel, partial-sum tile; sparse direct conv: padded image
    float* p[3] = {nullptr, nullptr, nullptr};
    size_t n[3] = {0, 0, 0};
    ~Scratch() { for (float* q : p) free(q); }
};

static inline float* scratch(int slot, size_t floats) {
    static thread_local Scratch s;
    if (s.n[slot] < floats) {
        free(s.p[slot]);
        size_t bytes = ((floats * sizeof(float)) + 63) & ~(size_t)63;
        s.p[slot] = (float*)aligned_alloc(64, bytes);
        s.n[slot] = s.p[slot] ? floats : 0;
    }
    return s.p[slot];
}

// Bytes of activation panel per K-block in the broadcast kernels: the panel block is reused by
// every row of a superblock, and each FMA reads its own panel vector, so the block must sit in
// L1 (32-48 KiB on the CPUs we target). Tuned with native/dev/sparse_gemm_workbench.cpp.
static int kblock_bytes = 32 * 1024;

// The same for the broadcast kernels when they read the K-blocked weights: with the weight
// stream out of the way the panel block wants to stay in L1 with room to spare, and 16 KiB beat
// 32 KiB - AVX-512 (one window at 128 lanes) in the workbench, 4096x4096 batch 256: 85 ms vs
// 100-105 ms, batch 64: 2.14x vs 1.97x; AVX2 (four windows at 32 lanes) in the A/B, 1.05-1.1x.
static int blocked_kblock_bytes = 16 * 1024;

// How many 32-column windows ahead the AVX-512 gather kernel (passes of 1-2 batch items)
// prefetches each row's kept values: 4-8 (256-512 bytes) gave 11-13% at 4096x4096 batch 1,
// 12-32 less.
static const int gather_prefetch_windows = 8;

// Bytes of partial-sum tile per row superblock in the broadcast kernels: the tile is re-read
// and re-written once per K-block, so it must stay in L2 (1-2 MiB per core).
static int tile_bytes = 256 * 1024;

// Rows per superblock for a panel W floats wide and register blocks of R rows: a multiple of R
// whose tile fits tile_bytes, at least R, at most `rows`.
static inline int superblock_rows(int W, int R, int rows) {
    int sb = tile_bytes / (W * 4) / R * R;
    if (sb < R) sb = R;
    return sb < rows ? sb : rows;
}

// How many row blocks ahead the broadcast kernels prefetch their weights.
#ifndef PREFETCH_BLOCKS
#define PREFETCH_BLOCKS 4
#endif

// The weights a broadcast kernel's row block prefetches while it computes: R rows from `row`,
// windows [w0, w1); row < 0 for none.
struct Prefetch {
    int row, w0, w1;
};

// For the row block at r in superblock [rs, re) and K-block [w0, w1) (kw windows per K-block,
// wins in all): PREFETCH_BLOCKS blocks ahead; past the superblock's end, the first rows of the
// next K-block, or after the last K-block those of the next superblock (none past r1).
static inline Prefetch prefetch_ahead(int r, int R, int rs, int re, int r1, int w0, int w1, int kw, int wins) {
    int ahead = r + PREFETCH_BLOCKS * R;
    if (ahead + R <= re) return {ahead, w0, w1};
    if (w1 < wins) return {rs + (ahead - re), w1, w1 + kw < wins ? w1 + kw : wins};
    return {ahead < r1 ? ahead : -1, 0, kw < wins ? kw : wins};
}

// Software prefetch of p's weights: rows are kp/2 floats apart, a stride the hardware
// prefetchers do not follow once K-blocks are short, and one block of work is shorter than a
// DRAM round trip.
static inline void prefetch_weights(const GemmArgs& a, Prefetch p, int R) {
    if (p.row < 0) return;
    const int wins = a.kp / 32;
    for (int i = 0; i < R && p.row + i < a.r1; i++) {
        const char* nv = (const char*)(a.pv + (int64_t)(p.row + i) * (a.kp / 2) + 16 * p.w0);
        for (int off = 0; off < (p.w1 - p.w0) * 64; off += 64) _mm_prefetch(nv + off, _MM_HINT_T0);
        _mm_prefetch((const char*)(a.pix + (int64_t)(p.row + i) * wins + p.w0), _MM_HINT_T0);
    }
}

// X[b0 .. b0+nb) [*, ldx] -> panel [kp, width] (panel[k*width + j] = X[b0+j, k]), zero where
// k >= cols or j >= nb, so padded lanes and padded columns contribute exactly 0.
static inline void pack_panel(const float* x, int ldx, int cols, int kp, int b0, int nb,
                              int width, float* panel) {
    memset(panel, 0, sizeof(float) * (size_t)kp * width);
    // 16-column tiles: the 16 panel rows being written stay in L1 while j sweeps the batch.
    for (int k0 = 0; k0 < cols; k0 += 16) {
        int k1 = k0 + 16 < cols ? k0 + 16 : cols;
        for (int j = 0; j < nb; j++) {
            const float* xr = x + (int64_t)(b0 + j) * ldx;
            for (int k = k0; k < k1; k++) panel[(size_t)k * width + j] = xr[k];
        }
    }
}

}  // namespace s24
