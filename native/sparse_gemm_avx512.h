// sparse_gemm_avx512.h - AVX-512F versions of the 2:4 sparse GEMM (layout: sparse_gemm_common.h):
//   gather24_avx512     small batch: per 32-column window, vpermt2ps picks the 16 activations
//                       named by the 2-bit indices out of two zmm registers, one FMA per window.
//   broadcast24_avx512  larger batch: X packed into panels [kp, 16*V]; each kept weight is
//                       broadcast and FMA'd against V vectors of its panel row; R rows x V
//                       vectors of accumulators; K-blocked so the panel block stays in L2.
// Compiled for AVX-512 by the target pragma below, whatever the baseline flags; only called
// after __builtin_cpu_supports("avx512f") said yes (sparse24_gemm.h).
#pragma once
#include "sparse_gemm_common.h"
#include <immintrin.h>

#pragma GCC push_options
#pragma GCC target("avx512f,avx2,fma")
// GCC 12's own _mm512_max_ps/_mm512_min_ps trip -Wmaybe-uninitialized (_mm512_undefined_ps).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

namespace s24 {

// Index vector for window word `word`: lane l -> 4*(l/2) + ((word >> 2l) & 3), in 0..31.
static inline __m512i idx512(uint32_t word) {
    const __m512i shifts = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    const __m512i base = _mm512_setr_epi32(0, 0, 4, 4, 8, 8, 12, 12, 16, 16, 20, 20, 24, 24, 28, 28);
    const __m512i three = _mm512_set1_epi32(3);
    __m512i s = _mm512_srlv_epi32(_mm512_set1_epi32((int)word), shifts);
    return _mm512_ternarylogic_epi32(s, three, base, 0xEA);  // (s & 3) | base
}

// Vector activation; zero/six as FIRST operand so a NaN in v is what max/min return.
static inline __m512 act512(__m512 v, int act) {
    switch (act) {
        case ACT_RELU: return _mm512_max_ps(_mm512_setzero_ps(), v);
        case ACT_RELU6: return _mm512_min_ps(_mm512_set1_ps(6.f), _mm512_max_ps(_mm512_setzero_ps(), v));
        case ACT_RELU_N1_TO_1: return _mm512_min_ps(_mm512_set1_ps(1.f), _mm512_max_ps(_mm512_set1_ps(-1.f), v));
        default: return v;
    }
}

// Rows [r, r+R) x batch items [b0, b0+NB). tail[nb] = the last, partial window of item b0+nb
// zero-padded to 32 floats (used for windows >= full).
template <int R, int NB>
static inline void gather_block512(const GemmArgs& a, int r, int b0, int full, const float (*tail)[32]) {
    const int wins = a.kp / 32;
    __m512 acc[R][NB];
    for (int i = 0; i < R; i++)
        for (int n = 0; n < NB; n++) acc[i][n] = _mm512_setzero_ps();
    const float* xb[NB];
    for (int n = 0; n < NB; n++) xb[n] = a.x + (int64_t)(b0 + n) * a.ldx;
    const float* v0 = a.pv + (int64_t)r * (a.kp / 2);
    const uint32_t* ix0 = a.pix + (int64_t)r * wins;
    for (int w = 0; w < wins; w++) {
        // Software prefetch of every row's values gather_prefetch_windows windows ahead (and its
        // index words once per 16 windows): R concurrent streams of one row each (8 KB at 4096
        // columns), which the hardware prefetchers pick up late. Measured (in-process A/B,
        // native/README.md): 11-22% faster with 1 or 2 batch items per pass, about even with 3,
        // 11-16% slower with 4 (then the pass is not bandwidth-bound), hence NB <= 2 only.
        if (NB <= 2 && w + gather_prefetch_windows < wins)
            for (int i = 0; i < R; i++)
                _mm_prefetch((const char*)(v0 + (int64_t)i * (a.kp / 2) + 16 * (w + gather_prefetch_windows)), _MM_HINT_T0);
        if (NB <= 2 && (w & 15) == 0 && w + 16 < wins)
            for (int i = 0; i < R; i++) _mm_prefetch((const char*)(ix0 + (int64_t)i * wins + w + 16), _MM_HINT_T0);
        __m512 lo[NB], hi[NB];
        for (int n = 0; n < NB; n++) {
            const float* xs = w < full ? xb[n] + 32 * w : tail[n];
            lo[n] = _mm512_loadu_ps(xs);
            hi[n] = _mm512_loadu_ps(xs + 16);
        }
        for (int i = 0; i < R; i++) {
            __m512i idx = idx512(ix0[(int64_t)i * wins + w]);
            __m512 vals = _mm512_loadu_ps(v0 + (int64_t)i * (a.kp / 2) + 16 * w);
            for (int n = 0; n < NB; n++)
                acc[i][n] = _mm512_fmadd_ps(vals, _mm512_permutex2var_ps(lo[n], idx, hi[n]), acc[i][n]);
        }
    }
    for (int i = 0; i < R; i++) {
        float bias = a.bias ? a.bias[r + i] : 0.f;
        for (int n = 0; n < NB; n++)
            a.y[(int64_t)(b0 + n) * a.ldy + r + i] = act_scalar(_mm512_reduce_add_ps(acc[i][n]) + bias, a.act);
    }
}

template <int NB>
static void gather_rows512(const GemmArgs& a, int b0, int full, const float (*tail)[32]) {
    int r = a.r0;
    for (; r + 4 <= a.r1; r += 4) gather_block512<4, NB>(a, r, b0, full, tail);
    for (; r < a.r1; r++) gather_block512<1, NB>(a, r, b0, full, tail);
}

// Small-batch kernel: batch items in blocks of up to 4 (each block re-reads the weights).
static void gather24_avx512(const GemmArgs& a) {
    const int full = a.cols / 32;  // windows lying wholly inside cols
    alignas(64) float tail[4][32];
    for (int b0 = 0; b0 < a.batch; b0 += 4) {
        int nb = a.batch - b0 < 4 ? a.batch - b0 : 4;
        for (int n = 0; n < nb; n++) {
            const float* xr = a.x + (int64_t)(b0 + n) * a.ldx;
            for (int k = 0; k < 32; k++) tail[n][k] = 32 * full + k < a.cols ? xr[32 * full + k] : 0.f;
        }
        switch (nb) {
            case 1: gather_rows512<1>(a, b0, full, tail); break;
            case 2: gather_rows512<2>(a, b0, full, tail); break;
            case 3: gather_rows512<3>(a, b0, full, tail); break;
            default: gather_rows512<4>(a, b0, full, tail); break;
        }
    }
}

// r[i] lane j -> r[j] lane i: a 16x16 float transpose in registers.
static inline void transpose16x16(__m512 r[16]) {
    __m512 t[16], u[16], v[16];
    for (int i = 0; i < 16; i += 2) {
        t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
        t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
    }
    for (int i = 0; i < 16; i += 4) {
        u[i] = _mm512_shuffle_ps(t[i], t[i + 2], _MM_SHUFFLE(1, 0, 1, 0));
        u[i + 1] = _mm512_shuffle_ps(t[i], t[i + 2], _MM_SHUFFLE(3, 2, 3, 2));
        u[i + 2] = _mm512_shuffle_ps(t[i + 1], t[i + 3], _MM_SHUFFLE(1, 0, 1, 0));
        u[i + 3] = _mm512_shuffle_ps(t[i + 1], t[i + 3], _MM_SHUFFLE(3, 2, 3, 2));
    }
    for (int h = 0; h < 16; h += 8)
        for (int i = 0; i < 4; i++) {
            v[h + i] = _mm512_shuffle_f32x4(u[h + i], u[h + 4 + i], 0x88);
            v[h + 4 + i] = _mm512_shuffle_f32x4(u[h + i], u[h + 4 + i], 0xDD);
        }
    for (int i = 0; i < 8; i++) {
        r[i] = _mm512_shuffle_f32x4(v[i], v[8 + i], 0x88);
        r[8 + i] = _mm512_shuffle_f32x4(v[i], v[8 + i], 0xDD);
    }
}

// X[b0 .. b0+nb) [*, ldx] -> panel [kp, width] like pack_panel (sparse_gemm_common.h), by 16x16
// in-register transposes: for few output rows (convolutions: 64 filters, thousands of patch
// rows) the scalar transpose would cost more than the FMAs it feeds. Every panel element is
// written: masked loads zero columns >= cols, missing batch rows are zero vectors.
static inline void pack_panel512(const float* x, int ldx, int cols, int kp, int b0, int nb,
                                 int width, float* panel) {
    for (int j0 = 0; j0 < width; j0 += 16) {
        for (int k0 = 0; k0 < kp; k0 += 16) {
            int left = cols - k0;
            __mmask16 m = left >= 16 ? (__mmask16)0xFFFF : left <= 0 ? (__mmask16)0 : (__mmask16)((1u << left) - 1);
            __m512 r[16];
            for (int i = 0; i < 16; i++)
                r[i] = j0 + i < nb ? _mm512_maskz_loadu_ps(m, x + (int64_t)(b0 + j0 + i) * ldx + k0) : _mm512_setzero_ps();
            transpose16x16(r);
            for (int i = 0; i < 16; i++) _mm512_store_ps(panel + (size_t)(k0 + i) * width + j0, r[i]);
        }
    }
}

// Finished outputs of n rows, tile [n, width] (lane j = batch item b0+j), to Y rows b0 .. b0+nb,
// columns r .. r+n, by 16x16 in-register transposes: each masked store writes up to 16
// consecutive outputs of one batch item (nothing outside the n columns), where a scalar store
// per (output row, lane) touched a different Y row for every lane, and Y rows a power of two
// apart share cache sets (batch 256: 4-5% faster, native/README.md).
static inline void store_tile512(const float* tile, int width, int n, int nb, float* y, int ldy, int b0, int r) {
    for (int i0 = 0; i0 < n; i0 += 16) {
        const int left = n - i0;
        const __mmask16 m = left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1);
        for (int j0 = 0; j0 < nb; j0 += 16) {
            __m512 v[16];
            for (int i = 0; i < 16; i++)
                v[i] = i < left ? _mm512_load_ps(tile + (size_t)(i0 + i) * width + j0) : _mm512_setzero_ps();
            transpose16x16(v);
            for (int j = 0; j < 16 && j0 + j < nb; j++)
                _mm512_mask_storeu_ps(y + (int64_t)(b0 + j0 + j) * ldy + r + i0, m, v[j]);
        }
    }
}

// Rows [r, r+R) over windows [w0, w1) against panel [kp, 16V]; t (R rows of W floats) holds the
// partial sums between K-blocks. last: apply bias + activation and leave the outputs in t, which
// bcast_chunk512 writes to Y (store_tile512).
// BLOCKED: weights from the K-blocked copy (a.bv/a.bix, sparse_gemm_common.h), which the
// hardware prefetchers stream; else from pv/pix rows, kp/2 floats apart, prefetched in software
// (pf: prefetch_ahead, sparse_gemm_common.h).
template <int R, int V, bool BLOCKED>
static inline void bcast_block512(const GemmArgs& a, int r, int w0, int w1, const float* panel,
                                  float* t, bool first, bool last, Prefetch pf) {
    constexpr int W = 16 * V;
    __m512 acc[R][V];
    for (int i = 0; i < R; i++)
        for (int v = 0; v < V; v++)
            acc[i][v] = first ? _mm512_setzero_ps() : _mm512_load_ps(t + i * W + 16 * v);
    if (!BLOCKED) prefetch_weights(a, pf, R);
    for (int w = w0; w < w1; w++) {
        const float* pw = panel + (size_t)32 * w * W;
        const char* pwc = (const char*)pw;
        __asm__("" : "+r"(pwc));  // the window's panel base in one register (kept_panel_row)
        const float* val[R];
        uint32_t word[R];
        for (int i = 0; i < R; i++) val[i] = window_weights<BLOCKED>(a, r + i, w, &word[i]);
#pragma GCC unroll 16
        for (int l = 0; l < 16; l++) {
            for (int i = 0; i < R; i++) {
                const float* p = kept_panel_row<W>(pw, pwc, word[i], l);
                __m512 bw = _mm512_set1_ps(val[i][l]);
                for (int v = 0; v < V; v++) acc[i][v] = _mm512_fmadd_ps(bw, _mm512_load_ps(p + 16 * v), acc[i][v]);
            }
        }
    }
    if (last) {  // finished: bias + activation, left in the tile for store_tile512
        for (int i = 0; i < R; i++) {
            __m512 bias = _mm512_set1_ps(a.bias ? a.bias[r + i] : 0.f);
            for (int v = 0; v < V; v++) acc[i][v] = act512(_mm512_add_ps(acc[i][v], bias), a.act);
        }
    }
    for (int i = 0; i < R; i++)
        for (int v = 0; v < V; v++) _mm512_store_ps(t + i * W + 16 * v, acc[i][v]);
}

// One chunk of 16V batch items. Blocking (why): every FMA reads its own panel vector (the kept
// weights of different rows name different panel rows, so nothing is shared across a register
// block), which only keeps the FMA ports busy when the panel block is in L1. So the K-block is
// sized to kblock_bytes of panel (L1), and the rows are walked in superblocks whose partial-sum
// tile (tile_bytes) stays in L2 across the K-blocks; the weights stream through once per chunk.
template <int R, int V, bool BLOCKED>
static void bcast_chunk512(const GemmArgs& a, int b0, int nb) {
    constexpr int W = 16 * V;
    const int wins = a.kp / 32;
    const int sb = superblock_rows(W, R, a.r1 - a.r0);
    float* panel = scratch(0, (size_t)a.kp * W);
    float* tile = scratch(1, (size_t)sb * W);
    if (!panel || !tile) return;  // unreachable: the dispatcher reserved both
    pack_panel512(a.x, a.ldx, a.cols, a.kp, b0, nb, W, panel);
    // (K-blocks may start mid weight block: the blocked addressing works per window.)
    int kw = (BLOCKED ? blocked_kblock_bytes : kblock_bytes) / (32 * W * 4);
    if (kw < 1) kw = 1;
    for (int rs = a.r0; rs < a.r1; rs += sb) {
        const int re = rs + sb < a.r1 ? rs + sb : a.r1;
        for (int w0 = 0; w0 < wins; w0 += kw) {
            const int w1 = w0 + kw < wins ? w0 + kw : wins;
            const bool first = w0 == 0, last = w1 == wins;
            int r = rs, flushed = rs;
            for (; r + R <= re; r += R) {
                bcast_block512<R, V, BLOCKED>(a, r, w0, w1, panel, tile + (size_t)(r - rs) * W, first, last,
                        BLOCKED ? Prefetch{-1, 0, 0} : prefetch_ahead(r, R, rs, re, a.r1, w0, w1, kw, wins));
                // Outputs leave in groups of 16R rows, while the tile rows are still in L1.
                if (last && r + R - flushed >= 16 * R) {
                    store_tile512(tile + (size_t)(flushed - rs) * W, W, r + R - flushed, nb, a.y, a.ldy, b0, flushed);
                    flushed = r + R;
                }
            }
            for (; r < re; r++)
                bcast_block512<1, V, BLOCKED>(a, r, w0, w1, panel, tile + (size_t)(r - rs) * W, first, last, Prefetch{-1, 0, 0});
            if (last && re > flushed) store_tile512(tile + (size_t)(flushed - rs) * W, W, re - flushed, nb, a.y, a.ldy, b0, flushed);
        }
    }
}

// Larger-batch kernel: batch in chunks of 128 (V = 8, 3 rows), then one of 64 (V = 4, 4 rows)
// when 64..127 remain, then the rest (< 64) in one chunk of 16*ceil(rest/16) lanes, so that at
// most 15 lanes are padding.
template <bool BLOCKED>
static void broadcast24_avx512_(const GemmArgs& a) {
    int b0 = 0;
    for (; a.batch - b0 >= 128; b0 += 128) bcast_chunk512<3, 8, BLOCKED>(a, b0, 128);
    if (a.batch - b0 >= 64) {
        bcast_chunk512<4, 4, BLOCKED>(a, b0, 64);
        b0 += 64;
    }
    int rest = a.batch - b0;
    switch ((rest + 15) / 16) {
        case 0: break;
        case 1: bcast_chunk512<4, 1, BLOCKED>(a, b0, rest); break;
        case 2: bcast_chunk512<4, 2, BLOCKED>(a, b0, rest); break;
        case 3: bcast_chunk512<4, 3, BLOCKED>(a, b0, rest); break;
        default: bcast_chunk512<4, 4, BLOCKED>(a, b0, rest); break;
    }
}

// The K-blocked weights when the caller supplied them (the kernel is 1.3-1.6x faster with them
// at batch 128: see native/README.md), else the row-major ones.
static void broadcast24_avx512(const GemmArgs& a) {
    if (a.bv && a.bix) broadcast24_avx512_<true>(a); else broadcast24_avx512_<false>(a);
}

}  // namespace s24

#pragma GCC diagnostic pop
#pragma GCC pop_options
