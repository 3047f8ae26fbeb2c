// dev_weights.h - the random problem of the dev tools (sparse_gemm_workbench.cpp, sparse_gemm_ab.cpp):
// 2:4 weights in the packed layout pv/pix, the same weights dense (for OpenBLAS), the K-blocked
// copy bv/bix (sparse_gemm_common.h, built the way SparseGemm builds it), activations x [batch, cols]
// and an output y [batch, rows]; seed 1, so every tool sees the same numbers.
#pragma once
#include <algorithm>
#include <random>
#include <vector>

struct DevProblem {
    int rows, cols, kp;
    std::vector<float> pv, dense, bv, x, y;
    std::vector<int> pix, bix;

    // Normal values at random 2-of-4 positions; groups past cols keep indices 0 and 1 and 0.0.
    DevProblem(int rows_, int cols_, int batch) : rows(rows_), cols(cols_), kp((cols_ + 31) / 32 * 32) {
        std::mt19937 g(1);
        std::normal_distribution<float> u;
        const int wins = kp / 32, blocks = (wins + 1) / 2;
        pv.assign((size_t)rows * kp / 2, 0.f);
        dense.assign((size_t)rows * cols, 0.f);
        pix.assign((size_t)rows * wins, 0);
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < kp / 4; j++) {
                int i0 = g() % 3, i1 = i0 + 1 + g() % (3 - i0);
                if (4 * j + 3 >= cols) { i0 = 0; i1 = 1; }
                pix[(size_t)r * wins + j / 8] |= (i0 << (4 * (j % 8))) | (i1 << (4 * (j % 8) + 2));
                if (4 * j + 3 < cols) {
                    pv[(size_t)r * kp / 2 + 2 * j] = dense[(size_t)r * cols + 4 * j + i0] = u(g);
                    pv[(size_t)r * kp / 2 + 2 * j + 1] = dense[(size_t)r * cols + 4 * j + i1] = u(g);
                }
            }
        bv.assign((size_t)blocks * rows * 32, 0.f);
        bix.assign((size_t)blocks * rows * 2, 0);
        for (int b = 0; b < blocks; b++)
            for (int r = 0; r < rows; r++)
                for (int t = 0; t < 2 && 2 * b + t < wins; t++) {
                    size_t slot = ((size_t)b * rows + r) * 2 + t;
                    std::copy_n(pv.begin() + (size_t)r * kp / 2 + 16 * (2 * b + t), 16, bv.begin() + 16 * slot);
                    bix[slot] = pix[(size_t)r * wins + 2 * b + t];
                }
        x.resize((size_t)batch * cols);
        for (auto& v : x) v = u(g);
        y.assign((size_t)batch * rows, 0.f);
    }
};
