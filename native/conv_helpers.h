// conv_helpers.h - the data movement around a convolution's GEMM, in C because the JVM's loops
// over direct buffers cost more than the GEMM itself for a first layer (one input channel: a
// tap row is 5 floats). Java twins (the reference and the fallback): GemmStep.im2colJava and
// GemmStep.finishJava. Every argument is validated in Java (GemmStep) before these are called.
#pragma once
#include "sparse_gemm_common.h"
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
