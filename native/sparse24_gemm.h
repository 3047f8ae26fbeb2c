// sparse24_gemm.h - the entry points Java binds (dev.sparse24.runtime.cpu.NativeSparseGemm):
//   s24_cpu_isa()   widest ISA level this CPU runs (0 scalar, 1 AVX2+FMA, 2 AVX-512F)
//   s24_gemm(...)   2:4 sparse GEMM for an output row range, ISA and strategy picked here
//   s24_set_kblock_bytes(n), s24_set_blocked_kblock_bytes(n), s24_set_tile_bytes(n)
//                   blocking of the broadcast kernels (tuning)
// Kernel families, one header each: sparse_gemm_scalar.h, sparse_gemm_avx2.h, sparse_gemm_avx512.h; layout
// and orientation in sparse_gemm_common.h. No OpenMP: callers split rows across one Java-side pool.
// Every argument is validated in Java before these are called; the checks here only turn an
// impossible ISA/strategy into an error code instead of an illegal instruction.
#pragma once
#include "sparse_gemm_common.h"
#include "sparse_gemm_scalar.h"
#include "sparse_gemm_avx2.h"
#include "sparse_gemm_avx512.h"
#include "conv_helpers.h"
#include "conv_direct.h"
#include "sparse_conv_direct.h"

// ISA levels and strategies, mirrored by the Java enums Isa and SparseGemm.Strategy.
#define S24_ISA_SCALAR 0
#define S24_ISA_AVX2 1
#define S24_ISA_AVX512 2
#define S24_STRATEGY_AUTO 0
#define S24_STRATEGY_GATHER 1
#define S24_STRATEGY_BROADCAST 2
// Batches up to this size use the gather kernel under STRATEGY_AUTO.
#define S24_GATHER_MAX_BATCH 8

// The constants Java mirrors (SparseGemm.GATHER_MAX_BATCH, SparseGemm.Strategy codes, Isa
// levels), read back by a Java test that they agree: which = 0 gather max batch, 1-3 strategy
// AUTO/GATHER/BROADCAST, 4-6 ISA scalar/AVX2/AVX-512; -1 for anything else.
static inline int s24_constant(int which) {
    static const int values[] = {S24_GATHER_MAX_BATCH, S24_STRATEGY_AUTO, S24_STRATEGY_GATHER,
                                 S24_STRATEGY_BROADCAST, S24_ISA_SCALAR, S24_ISA_AVX2, S24_ISA_AVX512};
    return which >= 0 && which < (int)(sizeof(values) / sizeof(values[0])) ? values[which] : -1;
}

static inline int s24_cpu_isa() {
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        return S24_ISA_AVX512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return S24_ISA_AVX2;
    return S24_ISA_SCALAR;
}

static inline void s24_set_kblock_bytes(int bytes) {
    if (bytes >= 4096) s24::kblock_bytes = bytes;
}

// K-block of the broadcast kernels on K-blocked weights (benchmark tuning).
static inline void s24_set_blocked_kblock_bytes(int bytes) {
    if (bytes >= 4096) s24::blocked_kblock_bytes = bytes;
}

// Partial-sum tile per row superblock of the broadcast kernels (benchmark tuning).
static inline void s24_set_tile_bytes(int bytes) {
    if (bytes >= 4096) s24::tile_bytes = bytes;
}

// Y[batch, ldy] rows [r0, r1) = act(X[batch, ldx] * W^T + bias) with W [rows, cols] packed as in
// sparse_gemm_common.h (pv [rows, kp/2], pix [rows, kp/32]); bias [rows] or null; bv/bix the
// optional K-blocked copy for the broadcast kernels (both null: not used).
// Returns 0, or -1 (ISA not supported here), -2 (no memory for scratch), -3 (bad strategy).
static inline int s24_gemm(int isa, int strategy, const float* pv, const int* pix, const float* bv,
                           const int* bix, int rows, int cols, int kp, const float* x, int batch, int ldx,
                           const float* bias, int act, float* y, int ldy, int r0, int r1) {
    if (isa > s24_cpu_isa() || isa < 0) return -1;
    if (strategy < S24_STRATEGY_AUTO || strategy > S24_STRATEGY_BROADCAST) return -3;
    s24::GemmArgs a = {pv, (const uint32_t*)pix, rows, cols, kp, x, batch, ldx, bias, act, y, ldy, r0, r1,
                       bv, (const uint32_t*)bix};
    if (r0 >= r1 || batch == 0) return 0;
    if (isa == S24_ISA_SCALAR) {
        s24::sparse_gemm_scalar(a);
        return 0;
    }
    bool gather = strategy == S24_STRATEGY_GATHER ||
                  (strategy == S24_STRATEGY_AUTO && batch <= S24_GATHER_MAX_BATCH);
    if (!gather) {
        // Reserve the widest panel and tile this call can ask for, so the kernels never fail.
        size_t w = isa == S24_ISA_AVX512 ? (batch > 64 ? 128 : 16 * (size_t)((batch + 15) / 16))
                                         : (batch >= 32 ? 32 : 8 * (size_t)((batch + 7) / 8));
        if (!s24::scratch(0, (size_t)kp * w) || !s24::scratch(1, (size_t)(r1 - r0) * w)) return -2;
    }
    if (isa == S24_ISA_AVX512) {
        if (gather) s24::gather24_avx512(a); else s24::broadcast24_avx512(a);
    } else {
        if (gather) s24::gather24_avx2(a); else s24::broadcast24_avx2(a);
    }
    return 0;
}
