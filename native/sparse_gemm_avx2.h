// sparse_gemm_avx2.h - AVX2+FMA versions of the 2:4 sparse GEMM (layout: sparse_gemm_common.h), the same
// two strategies as sparse_gemm_avx512.h on 8-float vectors:
//   gather24_avx2     small batch: per 16 columns, two vpermps (one per 8-float half) + blend
//                     pick the 8 activations named by the 2-bit indices, one FMA.
//   broadcast24_avx2  larger batch: panels [kp, 8*V], 3 rows x V <= 4 vectors, K-blocked.
// Compiled for AVX2 by the target pragma below; only called after __builtin_cpu_supports
// said avx2 and fma (sparse24_gemm.h).
#pragma once
#include "sparse_gemm_common.h"
#include <immintrin.h>

#pragma GCC push_options
#pragma GCC target("avx2,fma")

namespace s24 {

// Index vector for half h (values 8h..8h+7) of window word `word`: lane j -> index into the
// 8-float half-register its group lives in (groups 0,1 -> x_a; groups 2,3 -> x_b).
static inline __m256i idx256(uint32_t word, int h) {
    const __m256i base = _mm256_setr_epi32(0, 0, 4, 4, 0, 0, 4, 4);
    const __m256i shifts = _mm256_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14);
    __m256i s = _mm256_srlv_epi32(_mm256_set1_epi32((int)(word >> (16 * h))), shifts);
    return _mm256_or_si256(_mm256_and_si256(s, _mm256_set1_epi32(3)), base);
}

static inline float hsum256(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

// Zero/six/-1/1 as FIRST operand so that a NaN in v is what max/min return.
static inline __m256 act256(__m256 v, int act) {
    switch (act) {
        case ACT_RELU: return _mm256_max_ps(_mm256_setzero_ps(), v);
        case ACT_RELU6: return _mm256_min_ps(_mm256_set1_ps(6.f), _mm256_max_ps(_mm256_setzero_ps(), v));
        case ACT_RELU_N1_TO_1: return _mm256_min_ps(_mm256_set1_ps(1.f), _mm256_max_ps(_mm256_set1_ps(-1.f), v));
        default: return v;
    }
}

template <int R, int NB>
static inline void gather_block256(const GemmArgs& a, int r, int b0, int full, const float (*tail)[32]) {
    const int wins = a.kp / 32;
    __m256 acc[R][NB];
    for (int i = 0; i < R; i++)
        for (int n = 0; n < NB; n++) acc[i][n] = _mm256_setzero_ps();
    const float* v0 = a.pv + (int64_t)r * (a.kp / 2);
    const uint32_t* ix0 = a.pix + (int64_t)r * wins;
    for (int w = 0; w < wins; w++) {
        for (int h = 0; h < 2; h++) {
            __m256 xa[NB], xb[NB];
            for (int n = 0; n < NB; n++) {
                const float* xs = (w < full ? a.x + (int64_t)(b0 + n) * a.ldx + 32 * w : tail[n]) + 16 * h;
                xa[n] = _mm256_loadu_ps(xs);
                xb[n] = _mm256_loadu_ps(xs + 8);
            }
            for (int i = 0; i < R; i++) {
                __m256i idx = idx256(ix0[(int64_t)i * wins + w], h);
                __m256 vals = _mm256_loadu_ps(v0 + (int64_t)i * (a.kp / 2) + 16 * w + 8 * h);
                for (int n = 0; n < NB; n++) {
                    __m256 g = _mm256_blend_ps(_mm256_permutevar8x32_ps(xa[n], idx),
                                               _mm256_permutevar8x32_ps(xb[n], idx), 0xF0);
                    acc[i][n] = _mm256_fmadd_ps(vals, g, acc[i][n]);
                }
            }
        }
    }
    for (int i = 0; i < R; i++) {
        float bias = a.bias ? a.bias[r + i] : 0.f;
        for (int n = 0; n < NB; n++)
            a.y[(int64_t)(b0 + n) * a.ldy + r + i] = act_scalar(hsum256(acc[i][n]) + bias, a.act);
    }
}

template <int NB>
static void gather_rows256(const GemmArgs& a, int b0, int full, const float (*tail)[32]) {
    int r = a.r0;
    for (; r + 4 <= a.r1; r += 4) gather_block256<4, NB>(a, r, b0, full, tail);
    for (; r < a.r1; r++) gather_block256<1, NB>(a, r, b0, full, tail);
}

// Small-batch kernel: batch items in blocks of up to 2 (16 registers).
static void gather24_avx2(const GemmArgs& a) {
    const int full = a.cols / 32;
    alignas(32) float tail[2][32];
    for (int b0 = 0; b0 < a.batch; b0 += 2) {
        int nb = a.batch - b0 < 2 ? a.batch - b0 : 2;
        for (int n = 0; n < nb; n++) {
            const float* xr = a.x + (int64_t)(b0 + n) * a.ldx;
            for (int k = 0; k < 32; k++) tail[n][k] = 32 * full + k < a.cols ? xr[32 * full + k] : 0.f;
        }
        if (nb == 1) gather_rows256<1>(a, b0, full, tail);
        else gather_rows256<2>(a, b0, full, tail);
    }
}

// Rows [r, r+R) over windows [w0, w1) against panel [kp, 8V]; t (R rows of W floats) holds the
// partial sums between K-blocks. BLOCKED: weights from the K-blocked copy (a.bv/a.bix,
// sparse_gemm_common.h), streamed in order; else from pv/pix rows with pf, the weights to prefetch
// meanwhile (sparse_gemm_common.h).
template <int R, int V, bool BLOCKED>
static inline void bcast_block256(const GemmArgs& a, int r, int w0, int w1, const float* panel,
                                  float* t, bool first, bool last, int b0, int nb, Prefetch pf) {
    constexpr int W = 8 * V;
    __m256 acc[R][V];
    for (int i = 0; i < R; i++)
        for (int v = 0; v < V; v++)
            acc[i][v] = first ? _mm256_setzero_ps() : _mm256_load_ps(t + i * W + 8 * v);
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
                __m256 bw = _mm256_set1_ps(val[i][l]);
                for (int v = 0; v < V; v++) acc[i][v] = _mm256_fmadd_ps(bw, _mm256_load_ps(p + 8 * v), acc[i][v]);
            }
        }
    }
    if (!last) {
        for (int i = 0; i < R; i++)
            for (int v = 0; v < V; v++) _mm256_store_ps(t + i * W + 8 * v, acc[i][v]);
        return;
    }
    alignas(32) float out[W];
    for (int i = 0; i < R; i++) {
        __m256 bias = _mm256_set1_ps(a.bias ? a.bias[r + i] : 0.f);
        for (int v = 0; v < V; v++) _mm256_store_ps(out + 8 * v, act256(_mm256_add_ps(acc[i][v], bias), a.act));
        for (int j = 0; j < nb; j++) a.y[(int64_t)(b0 + j) * a.ldy + r + i] = out[j];
    }
}

// One chunk of 8V batch items, blocked like bcast_chunk512 (sparse_gemm_avx512.h says why).
template <int R, int V, bool BLOCKED>
static void bcast_chunk256(const GemmArgs& a, int b0, int nb) {
    constexpr int W = 8 * V;
    const int wins = a.kp / 32;
    const int sb = superblock_rows(W, R, a.r1 - a.r0);
    float* panel = scratch(0, (size_t)a.kp * W);
    float* tile = scratch(1, (size_t)sb * W);
    if (!panel || !tile) return;  // unreachable: the dispatcher reserved both
    pack_panel(a.x, a.ldx, a.cols, a.kp, b0, nb, W, panel);
    int kw = (BLOCKED ? blocked_kblock_bytes : kblock_bytes) / (32 * W * 4);
    if (kw < 1) kw = 1;
    for (int rs = a.r0; rs < a.r1; rs += sb) {
        const int re = rs + sb < a.r1 ? rs + sb : a.r1;
        for (int w0 = 0; w0 < wins; w0 += kw) {
            const int w1 = w0 + kw < wins ? w0 + kw : wins;
            const bool first = w0 == 0, last = w1 == wins;
            int r = rs;
            for (; r + R <= re; r += R) {
                bcast_block256<R, V, BLOCKED>(a, r, w0, w1, panel, tile + (size_t)(r - rs) * W, first, last, b0, nb,
                        BLOCKED ? Prefetch{-1, 0, 0} : prefetch_ahead(r, R, rs, re, a.r1, w0, w1, kw, wins));
            }
            for (; r < re; r++) bcast_block256<1, V, BLOCKED>(a, r, w0, w1, panel, tile + (size_t)(r - rs) * W, first, last, b0, nb, Prefetch{-1, 0, 0});
        }
    }
}

// Larger-batch kernel: batch in chunks of 32 (V = 4, 3 rows), the rest with V = ceil(rest/8).
template <bool BLOCKED>
static void broadcast24_avx2_(const GemmArgs& a) {
    int b0 = 0;
    for (; a.batch - b0 >= 32; b0 += 32) bcast_chunk256<3, 4, BLOCKED>(a, b0, 32);
    int rest = a.batch - b0;
    switch ((rest + 7) / 8) {
        case 0: break;
        case 1: bcast_chunk256<3, 1, BLOCKED>(a, b0, rest); break;
        case 2: bcast_chunk256<3, 2, BLOCKED>(a, b0, rest); break;
        case 3: bcast_chunk256<3, 3, BLOCKED>(a, b0, rest); break;
        default: bcast_chunk256<3, 4, BLOCKED>(a, b0, rest); break;
    }
}

// The K-blocked weights when the caller supplied them (1.7-2.2x faster at batch 64-256 on large
// layers: a 32-item chunk re-reads all weights, and row-major rows are 8 KB apart; native/README.md),
// else the row-major ones.
static void broadcast24_avx2(const GemmArgs& a) {
    if (a.bv && a.bix) broadcast24_avx2_<true>(a); else broadcast24_avx2_<false>(a);
}

}  // namespace s24

#pragma GCC pop_options
