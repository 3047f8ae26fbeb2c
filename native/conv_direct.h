// conv_direct.h - dense CONV_2D computed in place over NHWC input, for layers with few input
// channels (a first layer: one grey channel, K = kh*kw*c = 25), where im2col + GEMM spends its
// time moving 5-float tap rows and a K = 25 GEMM runs far below the FMA rate. Each output pixel
// keeps its output channels in vector accumulators (P pixels at a time share every weight
// load); taps are summed in (i, j, ch) order onto the bias (a padded conv runs on a zero-bordered
// copy of each image, so padding taps add 0 * w as im2col + GEMM does; the scalar version skips
// them: the same sums for finite weights),
// then the activation (act_scalar: NaN stays NaN). Output rows [r0, r1) of the batch (row =
// image * oh + oy) so Java can split them over its workers.
// Weights are transposed once by Java to wt[(i*kw + j)*c + ch][opad] (opad = o rounded up to
// 16, zero beyond o), bias padded to opad. Scalar version beside it: the reference the vector
// ones are tested against (NativeConvDirectTest), and what runs without AVX2.
#pragma once
#include "sparse_gemm_common.h"
#include <string.h>

// Most taps (kh * kw * c) a layer may have here (DirectConvStep checks it in Java).
#define S24_CONV_DIRECT_MAX_TAPS 256

namespace s24 {

struct ConvDirectArgs {
    const float* x;     // image 0 of the batch, [images][h][w][c]
    int h, w, c, kh, kw, oh, ow, sh, sw, dh, dw, pad_top, pad_left;
    const float* wt;    // [kh*kw*c][opad]
    const float* bias;  // [opad]
    int o, opad, act;
    float* y;           // [images][oh][ow][o]
    int r0, r1;
};

static inline void conv_direct_scalar(const ConvDirectArgs& a) {
    for (int r = a.r0; r < a.r1; r++) {
        const int b = r / a.oh, oy = r % a.oh;
        const float* img = a.x + (int64_t)b * a.h * a.w * a.c;
        for (int ox = 0; ox < a.ow; ox++) {
            float* out = a.y + ((int64_t)r * a.ow + ox) * a.o;
            for (int f = 0; f < a.o; f++) {
                float acc = a.bias[f];
                for (int i = 0; i < a.kh; i++) {
                    const int iy = oy * a.sh + i * a.dh - a.pad_top;
                    if (iy < 0 || iy >= a.h) continue;
                    for (int j = 0; j < a.kw; j++) {
                        const int ix = ox * a.sw + j * a.dw - a.pad_left;
                        if (ix < 0 || ix >= a.w) continue;
                        const float* px = img + ((int64_t)iy * a.w + ix) * a.c;
                        const float* wt = a.wt + (int64_t)((i * a.kw + j) * a.c) * a.opad + f;
                        for (int ch = 0; ch < a.c; ch++) acc += px[ch] * wt[(int64_t)ch * a.opad];
                    }
                }
                out[f] = act_scalar(acc, a.act);
            }
        }
    }
}

}  // namespace s24

// The vector kernel, written once with GCC vector types and compiled per ISA below: V holds VL
// floats (16 = one zmm under AVX-512, 8 = one ymm under AVX2). NV vectors of output channels,
// P pixels; CHECK: some tap of some pixel may fall outside the image.
#define S24_CONV_DIRECT_KERNEL(SUFFIX, VL)                                                          \
namespace s24 {                                                                                     \
typedef float v##SUFFIX __attribute__((vector_size(4 * VL)));                                       \
/* The taps of output row oy as one flat list (input offset relative to pixel ox = 0, weight   */ \
/* row), so that a block's accumulators stay in registers over a single loop; with CHECK only */ \
/* the taps inside the image for pixel ox. Returns the count.                                 */ \
template <bool CHECK>                                                                               \
static inline int conv_direct_taps_##SUFFIX(const ConvDirectArgs& a, int oy, int ox, int o0,       \
                                            int* xoff, int* woff) {                                 \
    int n = 0;                                                                                      \
    for (int i = 0; i < a.kh; i++) {                                                                \
        const int iy = oy * a.sh + i * a.dh - a.pad_top;                                            \
        if (iy < 0 || iy >= a.h) continue;                                                          \
        for (int j = 0; j < a.kw; j++) {                                                            \
            const int ix = ox * a.sw + j * a.dw - a.pad_left;                                       \
            if (CHECK && (ix < 0 || ix >= a.w)) continue;                                           \
            for (int ch = 0; ch < a.c; ch++, n++) {                                                 \
                xoff[n] = (iy * a.w + (ix - ox * a.sw)) * a.c + ch;                                 \
                woff[n] = ((i * a.kw + j) * a.c + ch) * a.opad + o0;                                \
            }                                                                                       \
        }                                                                                           \
    }                                                                                               \
    return n;                                                                                       \
}                                                                                                   \
template <int NV, int P>                                                                            \
static inline void conv_direct_block_##SUFFIX(const ConvDirectArgs& a, const float* img, int r,    \
                                              int ox0, int o0, const int* xoff, const int* woff,    \
                                              int n) {                                              \
    typedef v##SUFFIX V;                                                                            \
    V acc[P][NV];                                                                                   \
    for (int v = 0; v < NV; v++) {                                                                  \
        V bv;                                                                                       \
        memcpy(&bv, a.bias + o0 + v * VL, sizeof(V));                                               \
        for (int p = 0; p < P; p++) acc[p][v] = bv;                                                 \
    }                                                                                               \
    const int step = a.sw * a.c; /* from one pixel of the block to the next */                      \
    const float* base = img + (int64_t)ox0 * step;                                                  \
    for (int t = 0; t < n; t++) {                                                                   \
        const float* wp = a.wt + woff[t];                                                           \
        const float* xp = base + xoff[t];                                                           \
        V wv[NV];                                                                                   \
        for (int v = 0; v < NV; v++) memcpy(&wv[v], wp + v * VL, sizeof(V));                        \
        for (int p = 0; p < P; p++) {                                                               \
            const float xv = xp[p * step];                                                          \
            for (int v = 0; v < NV; v++) acc[p][v] += wv[v] * xv;                                   \
        }                                                                                           \
    }                                                                                               \
    const V zero = {}, six = zero + 6.f, one = zero + 1.f, minus1 = zero - 1.f;                     \
    for (int p = 0; p < P; p++) {                                                                   \
        float* out = a.y + ((int64_t)r * a.ow + ox0 + p) * a.o + o0;                                \
        for (int v = 0; v < NV; v++) {                                                              \
            V u = acc[p][v];                                                                        \
            /* act_scalar's rules: a comparison with NaN is false, so NaN passes through. */       \
            if (a.act == ACT_RELU) u = u <= zero ? zero : u;                                        \
            else if (a.act == ACT_RELU6) u = u <= zero ? zero : (u >= six ? six : u);               \
            else if (a.act == ACT_RELU_N1_TO_1) u = u <= minus1 ? minus1 : (u >= one ? one : u);    \
            const int lanes = a.o - o0 - v * VL < VL ? a.o - o0 - v * VL : VL;                      \
            if (lanes >= VL) memcpy(out + v * VL, &u, sizeof(V));                                   \
            else if (lanes > 0) memcpy(out + v * VL, &u, sizeof(float) * lanes); /* past o: none */ \
        }                                                                                           \
    }                                                                                               \
}                                                                                                   \
template <int NV>                                                                                   \
static inline void conv_direct_chunk_##SUFFIX(const ConvDirectArgs& a, int o0) {                   \
    /* Pixels whose every tap column lies inside the image: ox in [lo, hi). */                      \
    int lo = 0;                                                                                     \
    while (lo < a.ow && lo * a.sw - a.pad_left < 0) lo++;                                           \
    int hi = a.ow;                                                                                  \
    while (hi > lo && (hi - 1) * a.sw + (a.kw - 1) * a.dw - a.pad_left >= a.w) hi--;                \
    int xoff[S24_CONV_DIRECT_MAX_TAPS], woff[S24_CONV_DIRECT_MAX_TAPS];                             \
    int bx[S24_CONV_DIRECT_MAX_TAPS], bw[S24_CONV_DIRECT_MAX_TAPS];                                 \
    for (int r = a.r0; r < a.r1; r++) {                                                             \
        const int b = r / a.oh, oy = r % a.oh;                                                      \
        const float* img = a.x + (int64_t)b * a.h * a.w * a.c;                                      \
        const int n = conv_direct_taps_##SUFFIX<false>(a, oy, 0, o0, xoff, woff);                   \
        int ox = 0;                                                                                 \
        for (; ox < a.ow; ox++) {                                                                   \
            if (ox == lo) {                                                                         \
                /* Pixels per block: as many as the accumulator budget allows (16 zmm, 8 ymm).  */   \
                constexpr int PB = (VL == 16 ? 16 : 8) / NV >= 8 ? 8 : 4;                           \
                for (; ox + PB <= hi; ox += PB) conv_direct_block_##SUFFIX<NV, PB>(a, img, r, ox, o0, xoff, woff, n); \
                for (; ox + 4 <= hi; ox += 4) conv_direct_block_##SUFFIX<NV, 4>(a, img, r, ox, o0, xoff, woff, n); \
                for (; ox < hi; ox++) conv_direct_block_##SUFFIX<NV, 1>(a, img, r, ox, o0, xoff, woff, n); \
                if (ox >= a.ow) break;                                                              \
            }                                                                                       \
            const int m = conv_direct_taps_##SUFFIX<true>(a, oy, ox, o0, bx, bw);                   \
            conv_direct_block_##SUFFIX<NV, 1>(a, img, r, ox, o0, bx, bw, m);                        \
        }                                                                                           \
    }                                                                                               \
}                                                                                                   \
static inline void conv_direct_##SUFFIX(const ConvDirectArgs& a) {                                 \
    /* Output channels in chunks of up to 4 zmm (AVX-512: 32 registers) or 2 ymm (AVX2: 16). */   \
    constexpr int MAXNV = VL == 16 ? 4 : 2;                                                         \
    for (int o0 = 0; o0 < a.opad; o0 += MAXNV * VL) {                                               \
        const int nv = (a.opad - o0) / VL < MAXNV ? (a.opad - o0) / VL : MAXNV;                     \
        switch (nv) {                                                                               \
            case 1: conv_direct_chunk_##SUFFIX<1>(a, o0); break;                                    \
            case 2: conv_direct_chunk_##SUFFIX<2>(a, o0); break;                                    \
            case 3: conv_direct_chunk_##SUFFIX<(MAXNV >= 3 ? 3 : 1)>(a, o0); break;                 \
            default: conv_direct_chunk_##SUFFIX<MAXNV>(a, o0); break;                               \
        }                                                                                           \
    }                                                                                               \
}                                                                                                   \
}

#pragma GCC push_options
#pragma GCC target("avx512f,avx2,fma")
S24_CONV_DIRECT_KERNEL(avx512, 16)
#pragma GCC pop_options

#pragma GCC push_options
#pragma GCC target("avx2,fma")
S24_CONV_DIRECT_KERNEL(avx2, 8)
#pragma GCC pop_options

// isa: 0 scalar, 1 AVX2, 2 AVX-512 (the caller passes one this CPU runs: Isa in Java). opad must
// be a multiple of 16. Returns 0, or -1 for an unknown ISA.
static inline int s24_conv_direct(int isa, const float* x, int h, int w, int c, int kh, int kw, int oh, int ow,
                                  int sh, int sw, int dh, int dw, int pad_top, int pad_left,
                                  const float* wt, const float* bias, int o, int opad, int act,
                                  float* y, int r0, int r1) {
    if (isa < 0 || isa > 2) return -1;
    s24::ConvDirectArgs a{x, h, w, c, kh, kw, oh, ow, sh, sw, dh, dw, pad_top, pad_left, wt, bias, o, opad, act,
                          y, r0, r1};
    // Padded convs: each image copied once into a zero border (thread scratch) so that every
    // pixel takes the blocked interior path; the border pixels' one-at-a-time path with its
    // per-pixel tap lists was ~40% of the tutorial's conv1 (28 pixels a row, 4 on the border).
    const int ph = (oh - 1) * sh + (kh - 1) * dh + 1, pw = (ow - 1) * sw + (kw - 1) * dw + 1;
    const bool pad = isa != 0 && (pad_top > 0 || pad_left > 0 || ph > h || pw > w);
    float* padded = pad ? s24::scratch(2, (size_t)ph * pw * c) : nullptr;
    if (pad && !padded) return -2;
    // Zeroed once: every image writes the same interior positions, so the border stays zero.
    if (pad) memset(padded, 0, sizeof(float) * (size_t)ph * pw * c);
    for (int r = r0; r < r1;) {
        const int b = r / oh, end = (b + 1) * oh < r1 ? (b + 1) * oh : r1;
        s24::ConvDirectArgs one = a;
        if (pad) {
            const float* img = x + (int64_t)b * h * w * c;
            for (int iy = 0; iy < h; iy++) {
                const int py = iy + pad_top;
                if (py < 0 || py >= ph) continue;
                int x0 = pad_left < 0 ? -pad_left : 0, x1 = w < pw - pad_left ? w : pw - pad_left;
                if (x1 > x0)
                    memcpy(padded + ((size_t)py * pw + x0 + pad_left) * c, img + ((int64_t)iy * w + x0) * c,
                           sizeof(float) * (size_t)(x1 - x0) * c);
            }
            one.x = padded;
            one.h = ph;
            one.w = pw;
            one.pad_top = one.pad_left = 0;
            one.y = y + (int64_t)b * oh * ow * o;
            one.r0 = r - b * oh;
            one.r1 = end - b * oh;
        } else {
            one.r0 = r;
            one.r1 = end;
        }
        switch (isa) {
            case 0: s24::conv_direct_scalar(one); break;
            case 1: s24::conv_direct_avx2(one); break;
            default: s24::conv_direct_avx512(one); break;
        }
        r = end;
    }
    return 0;
}
