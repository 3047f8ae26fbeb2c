// sparse_conv_direct.h - 2:4 sparse CONV_2D (stride 1, no dilation) computed over a zero-padded
// channel-major copy of each image instead of im2col + the broadcast GEMM. Why: for a conv with
// few output channels (the tutorial's conv2: 64 filters, K = 5*5*32 = 800) the GEMM path writes
// a 3 KB patch row per output pixel and then transposes it into the kernel's panel, and both
// passes cost as much as a third of the FMAs they feed (perf: pack_panel512 18% of the kernel
// alone). Here the "panel" is the padded image itself: output row oy, pixels ox..ox+15 of input
// channel ch under tap (i, j) are the 16 consecutive floats at
//     pad[ch*cs + (oy + i)*RS + ox + j]
// so every kept weight is broadcast and FMA'd against V consecutive output rows (RS floats
// apart, a constant displacement) with no copy at all. Each kept weight carries its offset
// (ch*cs + i*RS + j, built once by Java) instead of a 2-bit index: no decode in the loop.
//
// Layout: x and y NHWC ([images][h][w][c], [images][oh][ow][o]); vals/offs [o][kept], kept =
// kh*kw*c/2 (c a multiple of 4, so every group of 4 is 4 channels of one tap), in the order
// Java chose (by 4-channel block, then tap: one block's slice of the padded image stays in
// cache while a channel's sums run over it; tap-major order was 1.7x slower); the padded image
// is kw column-shifted copies [kw][c][ph][rs], ph = oh + kh - 1 rows, rs = ow rounded up to 16,
// zero outside the input (sparse_conv_pad). Sums start at 0, run over the kept weights in that
// order, then bias and the activation (act_scalar's NaN rules); padding taps multiply 0 by the
// weight, as im2col + GEMM does. Images [b0, b1), output channels [o0, o1), so Java can split
// either over its workers.
// Scalar version beside it (the reference NativeSparseConvTest compares the AVX-512 one with,
// and what ISA level 0 runs); Java only picks this path when the CPU has AVX-512.
#pragma once
#include "sparse_gemm_common.h"
#include <immintrin.h>
#include <string.h>

namespace s24 {

struct SparseConvArgs {
    const float* x;     // [images][h][w][c]
    int h, w, c, kh, kw, oh, ow, pad_top, pad_left;
    const float* vals;  // [o][kept]
    const int* offs;    // [o][kept], offsets into the padded image
    const float* bias;  // [o] or null
    int o, kept, act;
    float* y;           // [images][oh][ow][o]
    int b0, b1, o0, o1;
    int rs, ph;         // padded row stride (floats) and rows; channel stride cs = ph * rs
};

// The padded image as kw column-shifted copies: pad[j][ch][py][x] = x[b][py - pad_top][x + j - pad_left][ch]
// (zero outside the input), x in [0, rs), rs = ow rounded up to 16. Why copies: tap column j
// then starts every 16-pixel vector on a 64-byte boundary; over one unshifted copy 4 of 5 loads
// of a 5-wide filter straddle two cache lines, and the split loads halved the FMA rate.
// Only the interior is written: the caller zeroed the buffer once per call, and every image
// writes the same positions, so the border stays zero.
static inline void sparse_conv_pad(const SparseConvArgs& a, int b, float* pad) {
    const size_t cs = (size_t)a.ph * a.rs, js = cs * a.c;
    const float* img = a.x + (int64_t)b * a.h * a.w * a.c;
    for (int iy = 0; iy < a.h; iy++) {
        const int py = iy + a.pad_top;
        if (py < 0 || py >= a.ph) continue;  // input rows no output reaches
        for (int j = 0; j < a.kw; j++) {
            // x + j - pad_left = ix for x in [0, rs)
            int x0 = a.pad_left - j, x1 = a.pad_left - j + a.w;
            if (x0 < 0) x0 = 0;
            if (x1 > a.rs) x1 = a.rs;
            float* dst = pad + j * js + (size_t)py * a.rs;
            for (int x = x0; x < x1; x++) {
                const float* src = img + ((int64_t)iy * a.w + x + j - a.pad_left) * a.c;
                for (int ch = 0; ch < a.c; ch++) dst[ch * cs + x] = src[ch];
            }
        }
    }
}

static inline size_t sparse_conv_pad_floats(const SparseConvArgs& a) {
    return (size_t)a.kw * a.c * a.ph * a.rs;
}

// The scalar version: same loops, one output at a time.
static inline void sparse_conv_scalar(const SparseConvArgs& a, float* pad) {
    for (int b = a.b0; b < a.b1; b++) {
        sparse_conv_pad(a, b, pad);
        for (int f = a.o0; f < a.o1; f++) {
            const float* v = a.vals + (int64_t)f * a.kept;
            const int* off = a.offs + (int64_t)f * a.kept;
            for (int oy = 0; oy < a.oh; oy++)
                for (int ox = 0; ox < a.ow; ox++) {
                    const float* p = pad + (size_t)oy * a.rs + ox;
                    float acc = 0.f;
                    for (int t = 0; t < a.kept; t++) acc += v[t] * p[off[t]];
                    float bias = a.bias ? a.bias[f] : 0.f;
                    a.y[(((int64_t)b * a.oh + oy) * a.ow + ox) * a.o + f] = act_scalar(acc + bias, a.act);
                }
        }
    }
}

}  // namespace s24

#pragma GCC push_options
#pragma GCC target("avx512f,avx2,fma")
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
namespace s24 {

// Output channels [f, f+R) x output rows [oy, oy+V) x pixels [ox, ox+16) (lanes past ow are
// computed from padding and dropped): R*V accumulators stay in registers over all kept
// weights (R = 2, V = 14: 28 of the 32 zmm, two more for the broadcast weights), then bias,
// activation and the NHWC store.
template <int R, int V, int RS>
static inline void sparse_conv_block512(const SparseConvArgs& a, const float* pad, int b, int f, int oy, int ox) {
    __m512 acc[R][V];
    for (int i = 0; i < R; i++)
        for (int v = 0; v < V; v++) acc[i][v] = _mm512_setzero_ps();
    const float* base = pad + (size_t)oy * RS + ox;
    const float* vp[R];
    const int* op[R];
    for (int i = 0; i < R; i++) {
        vp[i] = a.vals + (int64_t)(f + i) * a.kept;
        op[i] = a.offs + (int64_t)(f + i) * a.kept;
    }
    for (int k = 0; k < a.kept; k++) {
        for (int i = 0; i < R; i++) {
            const float* p = base + op[i][k];
            const __m512 wv = _mm512_set1_ps(vp[i][k]);
            for (int v = 0; v < V; v++) acc[i][v] = _mm512_fmadd_ps(wv, _mm512_load_ps(p + v * RS), acc[i][v]);
        }
    }
    const int lanes = a.ow - ox < 16 ? a.ow - ox : 16;
    const __mmask16 m = (__mmask16)((1u << lanes) - 1);
    // NHWC: lane l of a row vector goes to pixel ox + l, o floats apart.
    const __m512i scatter = _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                                               _mm512_set1_epi32(a.o));
    for (int i = 0; i < R; i++) {
        const __m512 bias = _mm512_set1_ps(a.bias ? a.bias[f + i] : 0.f);
        for (int v = 0; v < V; v++) {
            __m512 u = _mm512_add_ps(acc[i][v], bias);
            switch (a.act) {  // zero/six first: a NaN in u is what max/min return (act_scalar)
                case ACT_RELU: u = _mm512_max_ps(_mm512_setzero_ps(), u); break;
                case ACT_RELU6: u = _mm512_min_ps(_mm512_set1_ps(6.f), _mm512_max_ps(_mm512_setzero_ps(), u)); break;
                case ACT_RELU_N1_TO_1: u = _mm512_min_ps(_mm512_set1_ps(1.f), _mm512_max_ps(_mm512_set1_ps(-1.f), u)); break;
                default: break;
            }
            float* out = a.y + (((int64_t)b * a.oh + oy + v) * a.ow + ox) * a.o + f + i;
            _mm512_mask_i32scatter_ps(out, m, scatter, u, 4);
        }
    }
}

template <int V, int RS>
static inline void sparse_conv_pass512(const SparseConvArgs& a, const float* pad, int b, int oy, int ox) {
    int f = a.o0;
    for (; f + 2 <= a.o1; f += 2) sparse_conv_block512<2, V, RS>(a, pad, b, f, oy, ox);
    if (f < a.o1) sparse_conv_block512<1, V, RS>(a, pad, b, f, oy, ox);
}

template <int RS>
static inline void sparse_conv_rows512(const SparseConvArgs& a, const float* pad, int b, int oy, int rows, int ox) {
    switch (rows) {
        case 1: sparse_conv_pass512<1, RS>(a, pad, b, oy, ox); break;
        case 2: sparse_conv_pass512<2, RS>(a, pad, b, oy, ox); break;
        case 3: sparse_conv_pass512<3, RS>(a, pad, b, oy, ox); break;
        case 4: sparse_conv_pass512<4, RS>(a, pad, b, oy, ox); break;
        case 5: sparse_conv_pass512<5, RS>(a, pad, b, oy, ox); break;
        case 6: sparse_conv_pass512<6, RS>(a, pad, b, oy, ox); break;
        case 7: sparse_conv_pass512<7, RS>(a, pad, b, oy, ox); break;
        case 8: sparse_conv_pass512<8, RS>(a, pad, b, oy, ox); break;
        case 9: sparse_conv_pass512<9, RS>(a, pad, b, oy, ox); break;
        case 10: sparse_conv_pass512<10, RS>(a, pad, b, oy, ox); break;
        case 11: sparse_conv_pass512<11, RS>(a, pad, b, oy, ox); break;
        case 12: sparse_conv_pass512<12, RS>(a, pad, b, oy, ox); break;
        case 13: sparse_conv_pass512<13, RS>(a, pad, b, oy, ox); break;
        default: sparse_conv_pass512<14, RS>(a, pad, b, oy, ox); break;
    }
}

// Output rows in blocks of up to 14, split evenly (oh = 28: 14 + 14, oh = 20: 10 + 10), so no
// block is left with a couple of rows and most of its FMA slots idle.
template <int RS>
static void sparse_conv512_(const SparseConvArgs& a, float* pad) {
    const int blocks = (a.oh + 13) / 14;
    for (int b = a.b0; b < a.b1; b++) {
        sparse_conv_pad(a, b, pad);
        for (int k = 0; k < blocks; k++) {
            const int y0 = a.oh * k / blocks, y1 = a.oh * (k + 1) / blocks;
            for (int ox = 0; ox < a.ow; ox += 16) sparse_conv_rows512<RS>(a, pad, b, y0, y1 - y0, ox);
        }
    }
}

static inline int sparse_conv_avx512(const SparseConvArgs& a, float* pad) {
    switch (a.rs) {
        case 16: sparse_conv512_<16>(a, pad); return 0;
        case 32: sparse_conv512_<32>(a, pad); return 0;
        case 48: sparse_conv512_<48>(a, pad); return 0;
        case 64: sparse_conv512_<64>(a, pad); return 0;
        default: return -4;
    }
}

}  // namespace s24
#pragma GCC diagnostic pop
#pragma GCC pop_options

// The row strides the vector kernel is compiled for: rs = ow rounded up to 16, at most 64
// (S24_SPARSE_CONV_MAX_RS; wider convs keep the GEMM path, SparseConvStep checks it in Java).
#define S24_SPARSE_CONV_MAX_RS 64

// isa: 0 scalar, 2 AVX-512 (no AVX2 version: Java keeps the GEMM path there). Returns 0, -1 for
// an ISA this CPU or this kernel does not run, -2 when the padded-image scratch cannot be
// allocated, -4 for a row stride the vector kernel is not compiled for.
static inline int s24_sparse_conv(int isa, const float* x, int h, int w, int c, int kh, int kw, int oh, int ow,
                                  int pad_top, int pad_left, const float* vals, const int* offs, const float* bias,
                                  int o, int kept, int act, float* y, int b0, int b1, int o0, int o1, int rs, int ph) {
    if (isa != 0 && (isa != 2 || !__builtin_cpu_supports("avx512f"))) return -1;
    if (b0 >= b1 || o0 >= o1) return 0;
    s24::SparseConvArgs a{x, h, w, c, kh, kw, oh, ow, pad_top, pad_left, vals, offs, bias, o, kept, act,
                          y, b0, b1, o0, o1, rs, ph};
    const size_t n = s24::sparse_conv_pad_floats(a);
    float* pad = s24::scratch(2, n);
    if (!pad) return -2;
    memset(pad, 0, n * sizeof(float));
    if (isa == 0) {
        s24::sparse_conv_scalar(a, pad);
        return 0;
    }
    return s24::sparse_conv_avx512(a, pad);
}
