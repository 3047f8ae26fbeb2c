// operand_probe.cpp - what bounds a 2:4 kernel on this CPU once its data is in L1: 512-bit FMAs
// each reading its own 64-byte vector (as the broadcast GEMM and the direct sparse conv do) from
// a fixed set of lines vs lines spread over 1-160 KB, and FMAs fed by a vpermps each (the
// output-channel-vectorised alternative). Minimum over 5 runs.
//   g++ -O3 -mavx512f -std=c++17 native/dev/operand_probe.cpp -o /tmp/operand_probe && /tmp/operand_probe
// Reading (native/README.md, "What limits 2:4 here"): a dense GEMM reuses each loaded vector for
// many FMAs; a 2:4 kernel either loads one vector per FMA or permutes one per FMA.
#include <immintrin.h>
#include <chrono>
#include <stdio.h>
#include <algorithm>

namespace spread {
alignas(64) static float buf[1 << 16];
alignas(64) static float w[1 << 12];
static int offs[1 << 12];
static int g_spread = 16;
// Two rows of V accumulators; each kept value is broadcast and FMA'd against V vectors at its
// own offset (OFF: from a table, as the kernels; ARITH: computed, no load in the address).
template <int V, bool OFF, bool ARITH = false>
__attribute__((noinline)) static void run(long n, int kept) {
    const int msk = g_spread - 1;
    __m512 acc[2][V];
    for (int i = 0; i < 2; i++) for (int v = 0; v < V; v++) acc[i][v] = _mm512_setzero_ps();
    for (long r = 0; r < n; r++)
        for (int k = 0; k < kept; k++)
            for (int i = 0; i < 2; i++) {
                const float* p = buf + (ARITH ? (((2 * k + i) * 272) & msk & ~15) : OFF ? offs[2 * k + i] : 0);
                __m512 wv = _mm512_set1_ps(w[2 * k + i]);
                for (int v = 0; v < V; v++) acc[i][v] = _mm512_fmadd_ps(wv, _mm512_load_ps(p + v * 16), acc[i][v]);
            }
    float s = 0;
    for (int i = 0; i < 2; i++) for (int v = 0; v < V; v++) s += _mm512_reduce_add_ps(acc[i][v]);
    if (s == 12345) printf("x");
}
template <int V, bool OFF, bool ARITH = false> static void t(const char* name, int spread) {
    g_spread = spread;
    for (int k = 0; k < 4096; k++) offs[k] = (k * 16 * 17) % spread;
    long n = 2000; int kept = 400;
    double best = 1e30;
    for (int rep = 0; rep < 5; rep++) {
        auto t0 = std::chrono::steady_clock::now();
        run<V, OFF, ARITH>(n, kept);
        best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    printf("one load per FMA, %-5s V=%2d, lines over %6d floats: %.2f FMA/ns\n", name, V, spread, 2.0 * V * kept * n / best / 1e9);
}
}  // namespace spread

namespace permute {
// NF vectors of 16 output channels x P pixels: per group of 4 inputs, one 128-bit broadcast per
// pixel and, per channel vector, two vpermps (the kept lanes) and two FMAs.
template <int NF, int P>
__attribute__((noinline)) static float run(long n, const float* x, const float* w, const int* ix) {
    __m512 acc[P][NF];
    for (int p = 0; p < P; p++) for (int f = 0; f < NF; f++) acc[p][f] = _mm512_setzero_ps();
    for (long r = 0; r < n; r++) {
        const int g = r & 63;
        __m512 w0[NF], w1[NF];
        __m512i i0[NF], i1[NF];
        for (int f = 0; f < NF; f++) {
            w0[f] = _mm512_load_ps(w + (g * NF + f) * 32);
            w1[f] = _mm512_load_ps(w + (g * NF + f) * 32 + 16);
            i0[f] = _mm512_load_si512(ix + (g * NF + f) * 32);
            i1[f] = _mm512_load_si512(ix + (g * NF + f) * 32 + 16);
        }
        for (int p = 0; p < P; p++) {
            __m512 xb = _mm512_broadcast_f32x4(_mm_load_ps(x + (g * P + p) * 4));
            for (int f = 0; f < NF; f++) {
                acc[p][f] = _mm512_fmadd_ps(w0[f], _mm512_permutexvar_ps(i0[f], xb), acc[p][f]);
                acc[p][f] = _mm512_fmadd_ps(w1[f], _mm512_permutexvar_ps(i1[f], xb), acc[p][f]);
            }
        }
    }
    float s = 0;
    for (int p = 0; p < P; p++) for (int f = 0; f < NF; f++) s += _mm512_reduce_add_ps(acc[p][f]);
    return s;
}
alignas(64) static float W[64 * 8 * 32];
alignas(64) static int IX[64 * 8 * 32];
alignas(64) static float X[64 * 16 * 4];
template <int NF, int P> static void t() {
    for (int i = 0; i < 64 * 8 * 32; i++) { W[i] = 0.001f; IX[i] = i & 3; }
    long n = 2000000; double best = 1e30; float s = 0;
    for (int rep = 0; rep < 5; rep++) {
        auto t0 = std::chrono::steady_clock::now();
        s += run<NF, P>(n, X, W, IX);
        best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    printf("one vpermps per FMA, NF=%d P=%d: %.2f FMA/ns%s\n", NF, P, 2.0 * NF * P * n / best / 1e9, s == 1 ? " " : "");
}
}  // namespace permute

int main() {
    spread::t<14, false>("fixed", 16);
    spread::t<14, true>("table", 256);
    spread::t<14, true>("table", 4096);
    spread::t<14, true>("table", 16384);
    spread::t<14, true>("table", 40000);
    spread::t<14, false, true>("arith", 4096);
    spread::t<8, true>("table", 4096);
    permute::t<2, 6>();
    permute::t<3, 4>();
}
