// sparse_gemm_scalar.h - portable scalar 2:4 sparse GEMM over the packed layout (sparse_gemm_common.h):
// the fallback on CPUs without AVX2, and the straightforward statement of what the vector
// kernels compute.
#pragma once
#include "sparse_gemm_common.h"

namespace s24 {

// Y[b, r] = act(sum over kept (c, v) of row r: v * X[b, c] + bias[r]), r in [r0, r1).
static void sparse_gemm_scalar(const GemmArgs& a) {
    const int wins = a.kp / 32;
    for (int b = 0; b < a.batch; b++) {
        const float* xb = a.x + (int64_t)b * a.ldx;
        for (int r = a.r0; r < a.r1; r++) {
            const float* v = a.pv + (int64_t)r * (a.kp / 2);
            const uint32_t* ix = a.pix + (int64_t)r * wins;
            float acc = 0.f;
            for (int w = 0; w < wins; w++) {
                uint32_t word = ix[w];
                for (int l = 0; l < 16; l++) {
                    int c = 32 * w + 4 * (l >> 1) + ((word >> (2 * l)) & 3);
                    if (c < a.cols) acc += v[16 * w + l] * xb[c];
                }
            }
            if (a.bias) acc += a.bias[r];
            a.y[(int64_t)b * a.ldy + r] = act_scalar(acc, a.act);
        }
    }
}

}  // namespace s24
