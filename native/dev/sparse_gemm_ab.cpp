// sparse_gemm_ab.cpp - A/B of two versions of the 2:4 kernels in ONE process: dense OpenBLAS, version A
// and version B are timed in turn every rep, and the median of the per-rep ratios is printed.
// On a shared VM whose speed moves by 10-40% between minutes, this resolves 3-5% changes that
// separate runs cannot. A and B are two copies of native/*.h (say, git show HEAD:native/... into
// /tmp/a, the working tree into /tmp/b). GCC's #pragma once also matches identical files by
// content, so B's copies must differ (append a comment line):
//   OB=~/.javacpp/cache/openblas-0.3.31-1.5.13-linux-x86_64.jar/org/bytedeco/openblas/linux-x86_64
//   mkdir -p /tmp/a /tmp/b && for f in native/*.h; do git show HEAD:$f > /tmp/a/${f#native/};
//     (cat $f; echo "// B") > /tmp/b/${f#native/}; done
//   g++ -std=c++17 -O3 -DVA='"/tmp/a/sparse24_gemm.h"' -DVB='"/tmp/b/sparse24_gemm.h"'
//       native/dev/sparse_gemm_ab.cpp -o /tmp/sparse_gemm_ab -L$OB -l:libopenblas.so.0 -Wl,-rpath,$OB
//   OPENBLAS_CORETYPE=SKYLAKEX OPENBLAS_NUM_THREADS=1 /tmp/sparse_gemm_ab ROWS COLS BATCH REPS
// Both versions run the kernel the runtime picks for BATCH (gather up to 8, else broadcast; the
// AVX-512 one on the K-blocked weights), AVX-512 unless S24_ISA=1 (AVX2).
#include <immintrin.h>
#include <xmmintrin.h>
#include <stdint.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <chrono>
#include <random>
#include <vector>
#include <algorithm>
#include "dev_weights.h"
namespace A {
#include VA
}
namespace B {
#include VB
}
extern "C" void cblas_sgemm(int, int, int, int, int, int, float, const float*, int, const float*, int, float, float*, int);
extern "C" void cblas_sgemv(int, int, int, int, float, const float*, int, const float*, int, float, float*, int);
int main(int argc, char** argv) {
    if (argc < 5) {
        fprintf(stderr, "usage: sparse_gemm_ab ROWS COLS BATCH REPS\n");
        return 2;
    }
    int rows = atoi(argv[1]), cols = atoi(argv[2]), batch = atoi(argv[3]), reps = atoi(argv[4]);
    const int strategy = 0;  // AUTO: the kernel the runtime picks for this batch
    const int isa = getenv("S24_ISA") ? atoi(getenv("S24_ISA")) : 2;  // 1: AVX2, 2: AVX-512
    DevProblem pr(rows, cols, batch);
    const int kp = pr.kp;
    std::vector<float>&pv = pr.pv, &dense = pr.dense, &bv = pr.bv, &x = pr.x, &y = pr.y;
    std::vector<int>&pix = pr.pix, &bix = pr.bix;
    std::vector<float> y2(y);
    // Dense as the runtime runs it: sgemv at batch 1, sgemm above.
    auto dense_call = [&] {
        if (batch == 1) cblas_sgemv(101, 111, rows, cols, 1.f, dense.data(), cols, x.data(), 1, 0.f, y.data(), 1);
        else cblas_sgemm(101, 111, 112, batch, rows, cols, 1.f, x.data(), cols, dense.data(), cols, 0.f, y.data(), rows);
    };
    std::vector<double> td, ta, tb;
    auto now = [] { return std::chrono::steady_clock::now(); };
    auto ms = [](auto a, auto b) { return std::chrono::duration<double, std::milli>(b - a).count(); };
    for (int rep = 0; rep < reps; rep++) {
        auto t0 = now();
        dense_call();
        auto t1 = now();
        A::s24_gemm(isa, strategy, pv.data(), pix.data(), bv.data(), bix.data(), rows, cols, kp, x.data(), batch, cols, nullptr, 0, y2.data(), rows, 0, rows);
        auto t2 = now();
        B::s24_gemm(isa, strategy, pv.data(), pix.data(), bv.data(), bix.data(), rows, cols, kp, x.data(), batch, cols, nullptr, 0, y2.data(), rows, 0, rows);
        auto t3 = now();
        td.push_back(ms(t0, t1)); ta.push_back(ms(t1, t2)); tb.push_back(ms(t2, t3));
    }
    // Both versions against OpenBLAS on the same (decompressed) weights, after the timing.
    dense_call();
    double errA = 0, errB = 0;
    A::s24_gemm(isa, strategy, pv.data(), pix.data(), bv.data(), bix.data(), rows, cols, kp, x.data(), batch, cols, nullptr, 0, y2.data(), rows, 0, rows);
    for (size_t i = 0; i < y.size(); i++) errA = std::max(errA, (double)fabsf(y2[i] - y[i]) / (1.0 + fabsf(y[i])));
    B::s24_gemm(isa, strategy, pv.data(), pix.data(), bv.data(), bix.data(), rows, cols, kp, x.data(), batch, cols, nullptr, 0, y2.data(), rows, 0, rows);
    for (size_t i = 0; i < y.size(); i++) errB = std::max(errB, (double)fabsf(y2[i] - y[i]) / (1.0 + fabsf(y[i])));
    printf("max rel err vs dense: A %.2g, B %.2g\n", errA, errB);
    auto med = [](std::vector<double> v) { std::sort(v.begin(), v.end()); return v[v.size() / 2]; };
    auto mn = [](std::vector<double> v) { return *std::min_element(v.begin(), v.end()); };
    // per-rep ratio B/A, median: robust to load changes between reps
    std::vector<double> rab, rda, rdb;
    for (int i = 0; i < reps; i++) { rab.push_back(ta[i] / tb[i]); rda.push_back(td[i] / ta[i]); rdb.push_back(td[i] / tb[i]); }
    printf("dense min %.2f med %.2f | A min %.2f med %.2f | B min %.2f med %.2f | dense/A med %.3f dense/B med %.3f A/B med %.3f\n",
           mn(td), med(td), mn(ta), med(ta), mn(tb), med(tb), med(rda), med(rdb), med(rab));
}
