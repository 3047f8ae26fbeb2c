// conv_helpers.h - the data movement around a convolution's GEMM, in C because the JVM's loops
// over direct buffers cost more than the GEMM itself for a first layer (one input channel: a
// tap row is 5 floats). Java twins (the reference and the fallback): GemmStep.im2colJava and
// GemmStep.finishJava. Every argument is validated in Java (GemmStep) before these are called.
#pragma once
#include "sparse_gemm_common.h"
#include <immintrin.h>
#include <string.h>

// Patch rows [r0, r0 + n) of the NHWC im2col matrix of x (images of h x w x c; patch row
// b*oh*ow + oy*ow + ox holds taps (i, j, ch) in that order, zero where a tap falls in the
// padding) into dst [n, kh*kw*c]. x points at image 0 of the rows' batch.
static inline void s24_im2col(const float* x, int h, int w, int c, int kh, int kw, int oh, int ow,
                              int sh, int sw, int dh, int dw, int pad_top, int pad_left,
                              int r0, int n, float* dst) {
    const int per_image = oh * ow;
    const int64_t k = (int64_t)kh * kw * c;
    for (int r = 0; r < n; r++) {
        const int row = r0 + r;
        const int b = row / per_image, yx = row % per_image, oy = yx / ow, ox = yx % ow;
        const float* img = x + (int64_t)b * h * w * c;
        float* d = dst + (int64_t)r * k;
        const int x0 = ox * sw - pad_left;
        for (int i = 0; i < kh; i++, d += (int64_t)kw * c) {
            const int iy = oy * sh + i * dh - pad_top;
            if (iy < 0 || iy >= h) {
                memset(d, 0, sizeof(float) * kw * c);
            } else if (dw == 1) {
                // The taps of one filter row are adjacent in the input: one copy for those inside.
                int lo = x0 < 0 ? -x0 : 0;
                int hi = w - x0 < kw ? w - x0 : kw;
                if (hi < lo) hi = lo;
                memset(d, 0, sizeof(float) * lo * c);
                memcpy(d + lo * c, img + ((int64_t)iy * w + x0 + lo) * c, sizeof(float) * (hi - lo) * c);
                memset(d + hi * c, 0, sizeof(float) * (kw - hi) * c);
            } else {
                for (int j = 0; j < kw; j++) {
                    const int ix = x0 + j * dw;
                    if (ix < 0 || ix >= w) memset(d + j * c, 0, sizeof(float) * c);
                    else memcpy(d + j * c, img + ((int64_t)iy * w + ix) * c, sizeof(float) * c);
                }
            }
        }
    }
}

// y[r, j] = act(y[r, j] + bias[j]) for r < rows, j < cols (row stride ldy); bias may be null.
// NaN-propagating like the GEMM kernels' epilogue (act_scalar).
static inline void s24_bias_act(float* y, int rows, int cols, int ldy, const float* bias, int act) {
    for (int r = 0; r < rows; r++) {
        float* yr = y + (int64_t)r * ldy;
        if (act == s24::ACT_RELU) {
            for (int j = 0; j < cols; j++) {
                float v = yr[j] + (bias ? bias[j] : 0.f);
                yr[j] = v <= 0.f ? 0.f : v;  // NaN stays NaN (the comparison is false)
            }
        } else {
            for (int j = 0; j < cols; j++) yr[j] = s24::act_scalar(yr[j] + (bias ? bias[j] : 0.f), act);
        }
    }
}

// Max of window rows [y0, y1) x columns [x0, x1) (non-empty) of an NHWC image, c a multiple of
// 16, into o, then act; NaN in any cell gives NaN (Math.max), and act keeps NaN and turns -0 into
// +0 under ReLU (act_scalar's rules). AVX-512 intrinsics: GCC's vector-extension selects
// compiled to scalar code here. Only called when the CPU has AVX-512F (s24_pool checks).
__attribute__((target("avx512f")))
static void pool_max16_avx512(const float* img, int w, int c, int y0, int y1, int x0, int x1, int act, float* o) {
    const __m512 zero = _mm512_setzero_ps(), six = _mm512_set1_ps(6.f), one = _mm512_set1_ps(1.f),
                 minus1 = _mm512_set1_ps(-1.f);
    for (int c0 = 0; c0 < c; c0 += 16) {
        __m512 acc = _mm512_loadu_ps(img + ((int64_t)y0 * w + x0) * c + c0);
        for (int iy = y0; iy < y1; iy++) {
            for (int ix = x0; ix < x1; ix++) {
                const __m512 u = _mm512_loadu_ps(img + ((int64_t)iy * w + ix) * c + c0);
                // acc stays when it is NaN; else u when larger or NaN.
                __mmask16 take = _mm512_cmp_ps_mask(u, acc, _CMP_GT_OQ) | _mm512_cmp_ps_mask(u, u, _CMP_UNORD_Q);
                take &= _mm512_cmp_ps_mask(acc, acc, _CMP_ORD_Q);
                acc = _mm512_mask_mov_ps(acc, take, u);
            }
        }
        __m512 r = acc;
        if (act == s24::ACT_RELU) {
            r = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(acc, zero, _CMP_GT_OQ), acc);
        } else if (act == s24::ACT_RELU6) {
            r = _mm512_mask_mov_ps(six, _mm512_cmp_ps_mask(acc, six, _CMP_LT_OQ), acc);
            r = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(acc, zero, _CMP_GT_OQ), r);
        } else if (act == s24::ACT_RELU_N1_TO_1) {
            r = _mm512_mask_mov_ps(one, _mm512_cmp_ps_mask(acc, one, _CMP_LT_OQ), acc);
            r = _mm512_mask_mov_ps(minus1, _mm512_cmp_ps_mask(acc, minus1, _CMP_GT_OQ), r);
        }
        r = _mm512_mask_mov_ps(r, _mm512_cmp_ps_mask(acc, acc, _CMP_UNORD_Q), acc);
        _mm512_storeu_ps(o + c0, r);
    }
}

// MAX_POOL_2D (is_max) / AVERAGE_POOL_2D over `images` NHWC images of h x w x c into y (oh x ow
// x c each), then act (TFLite codes 0-3; TANH is applied in Java). Padded cells are ignored (the
// average divides by the cells inside); max propagates NaN as Java's Math.max does. Channels are
// the inner loop, in blocks of 64 accumulators, so the compiler vectorises it. Java twin and
// reference: dev.sparse24.ops.Pooling. Cloned per ISA (picked by the loader on this CPU): the
// baseline x86-64 build would vectorise it 4 floats wide only.
__attribute__((target_clones("avx512f", "avx2", "default")))
static void s24_pool(const float* x, int images, int h, int w, int c, int oh, int ow,
                            int fh, int fw, int sh, int sw, int pad_top, int pad_left, int is_max,
                            int act, float* y) {
    float acc[64];
    const bool vector16 = is_max && c % 16 == 0 && __builtin_cpu_supports("avx512f");
    for (int b = 0; b < images; b++) {
        const float* img = x + (int64_t)b * h * w * c;
        float* out = y + (int64_t)b * oh * ow * c;
        for (int oy = 0; oy < oh; oy++) {
            int y0 = oy * sh - pad_top, y1 = y0 + fh;
            if (y0 < 0) y0 = 0;
            if (y1 > h) y1 = h;
            for (int ox = 0; ox < ow; ox++) {
                int x0 = ox * sw - pad_left, x1 = x0 + fw;
                if (x0 < 0) x0 = 0;
                if (x1 > w) x1 = w;
                const int count = (y1 > y0 ? y1 - y0 : 0) * (x1 > x0 ? x1 - x0 : 0);
                float* o = out + ((int64_t)oy * ow + ox) * c;
                if (vector16 && count > 0) {
                    // Max pooling over channels in whole 16-float vectors: the scalar-shaped loop
                    // below (variable block, NaN-aware select) ran at ~2.6 cycles per input
                    // float (the tutorial's pool1: 15 us per image of a 165 us pass).
                    pool_max16_avx512(img, w, c, y0, y1, x0, x1, act, o);
                    continue;
                }
                for (int c0 = 0; c0 < c; c0 += 64) {
                    const int nc = c - c0 < 64 ? c - c0 : 64;
                    for (int k = 0; k < nc; k++) acc[k] = is_max ? -__builtin_inff() : 0.f;
                    for (int iy = y0; iy < y1; iy++) {
                        for (int ix = x0; ix < x1; ix++) {
                            const float* v = img + ((int64_t)iy * w + ix) * c + c0;
                            if (is_max) {
                                for (int k = 0; k < nc; k++) {
                                    // NaN in either stays NaN; else the larger (Math.max).
                                    const float a = acc[k], u = v[k];
                                    acc[k] = (a != a || u > a) ? (a != a ? a : u) : (u != u ? u : a);
                                }
                            } else {
                                for (int k = 0; k < nc; k++) acc[k] += v[k];
                            }
                        }
                    }
                    for (int k = 0; k < nc; k++) {
                        const float r = is_max ? acc[k] : (count == 0 ? 0.f : acc[k] / count);
                        o[c0 + k] = s24::act_scalar(r, act);
                    }
                }
            }
        }
    }
}
