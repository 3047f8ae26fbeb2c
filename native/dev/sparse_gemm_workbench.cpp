// sparse_gemm_workbench.cpp - kernel workbench: times the 2:4 kernels (every ISA and strategy) against
// OpenBLAS on one shape, reporting the MINIMUM over many runs (robust on a shared machine).
// Build and run (OpenBLAS from the JavaCPP cache; dense with its AVX-512 kernels):
//   g++ -O3 -I.. sparse_gemm_workbench.cpp -o /tmp/sparse_gemm_wb -L$OB -lopenblas -Wl,-rpath,$OB
//   OPENBLAS_CORETYPE=SKYLAKEX OPENBLAS_NUM_THREADS=1 /tmp/sparse_gemm_wb ROWS COLS BATCH [REPS]
#include "sparse24_gemm.h"
#include "dev/dev_weights.h"
#include <chrono>
#include <random>
#include <stdio.h>
#include <vector>
#include <algorithm>
#include <math.h>
#include <stdlib.h>

extern "C" void cblas_sgemm(int, int, int, int, int, int, float, const float*, int, const float*, int, float, float*, int);
extern "C" void cblas_sgemv(int, int, int, int, float, const float*, int, const float*, int, float, float*, int);

template <class F> static double min_ms(F f, int reps) {
    double best = 1e30;
    for (int i = 0; i < reps; i++) {
        auto t0 = std::chrono::steady_clock::now();
        f();
        double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
        best = std::min(best, ms);
    }
    return best;
}

int main(int argc, char** argv) {
    int rows = argc > 1 ? atoi(argv[1]) : 4096, cols = argc > 2 ? atoi(argv[2]) : 4096;
    int batch = argc > 3 ? atoi(argv[3]) : 1, reps = argc > 4 ? atoi(argv[4]) : 30;
    DevProblem pr(rows, cols, batch);
    const int kp = pr.kp;
    std::vector<float>&pv = pr.pv, &dense = pr.dense, &bv = pr.bv, &x = pr.x, &y = pr.y;
    std::vector<int>&pix = pr.pix, &bix = pr.bix;
    // Interleaved: every rep times dense and each variant once, so a change in machine load hits
    // all of them alike; the minimum per variant is reported.
    auto dense_call = [&] {
        if (batch == 1) cblas_sgemv(101, 111, rows, cols, 1.f, dense.data(), cols, x.data(), 1, 0.f, y.data(), 1);
        else cblas_sgemm(101, 111, 112, batch, rows, cols, 1.f, x.data(), cols, dense.data(), cols, 0.f, y.data(), rows);
    };
    const char* isas[] = {"scalar", "avx2", "avx512"};
    const char* sts[] = {"auto", "gather", "broadcast"};
    // K-block sizes to compare (bytes of panel; env S24_KBS="8192,16384"), tile via S24_TILE.
    std::vector<int> kbs;
    for (const char* e = getenv("S24_KBS") ? getenv("S24_KBS") : "16384"; *e; ) {
        kbs.push_back(atoi(e));
        while (*e && *e != ',') e++;
        if (*e == ',') e++;
    }
    if (getenv("S24_TILE")) s24_set_tile_bytes(atoi(getenv("S24_TILE")));
    struct Variant { int isa, st, kb; bool blocked; double best; };
    std::vector<Variant> vs;
    for (int isa = 1; isa <= s24_cpu_isa(); isa++) {
        vs.push_back({isa, 1, 0, false, 1e30});
        for (int kb : kbs) {
            vs.push_back({isa, 2, kb, false, 1e30});
            if (isa == 2) vs.push_back({isa, 2, kb, true, 1e30});
        }
    }
    double dn = 1e30;
    for (int rep = 0; rep < reps; rep++) {
        dn = std::min(dn, min_ms(dense_call, 1));
        for (auto& v : vs) {
            if (v.kb) { s24_set_kblock_bytes(v.kb); s24_set_blocked_kblock_bytes(v.kb); }
            v.best = std::min(v.best, min_ms([&] {
                s24_gemm(v.isa, v.st, pv.data(), pix.data(), v.blocked ? bv.data() : nullptr, v.blocked ? bix.data() : nullptr,
                         rows, cols, kp, x.data(), batch, cols, nullptr, 0, y.data(), rows, 0, rows);
            }, 1));
        }
    }
    printf("%d x %d batch %d  dense %.3f ms (%.1f GFLOP/s)\n", rows, cols, batch, dn, 2.0 * rows * cols * batch / dn / 1e6);
    // Correctness of every variant against OpenBLAS on the same (decompressed) weights.
    dense_call();
    std::vector<float> ref = y;
    for (auto& v : vs) {
        if (v.kb) { s24_set_kblock_bytes(v.kb); s24_set_blocked_kblock_bytes(v.kb); }
        std::fill(y.begin(), y.end(), -1e30f);
        s24_gemm(v.isa, v.st, pv.data(), pix.data(), v.blocked ? bv.data() : nullptr, v.blocked ? bix.data() : nullptr,
                 rows, cols, kp, x.data(), batch, cols, nullptr, 0, y.data(), rows, 0, rows);
        double err = 0;
        for (size_t i = 0; i < y.size(); i++) err = std::max(err, (double)fabsf(y[i] - ref[i]) / (1.0 + fabsf(ref[i])));
        printf("  %-6s %-9s%s kblock %7d  %.3f ms  speedup %.2f  max rel err %.2g\n", isas[v.isa], sts[v.st],
               v.blocked ? "+blk" : "    ", v.kb, v.best, dn / v.best, err);
    }
}
