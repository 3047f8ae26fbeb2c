// fma_probe.cpp - what bounds the broadcast (large-batch) 2:4 kernel on this CPU: 512-bit FMA
// throughput with register operands vs with one 64-byte L1 load per FMA (the broadcast kernel's
// shape: each kept weight multiplies its own activation panel row), measured with fixed
// addresses so that nothing but the load itself differs. Minimum time over reps.
//   g++ -O2 -mavx512f native/dev/fma_probe.cpp -o /tmp/fma_probe && /tmp/fma_probe
// Reading: dense sgemm reuses each loaded vector for many FMAs; the 2:4 broadcast kernel cannot
// (rows name different panel rows), so its FMA rate is the "L1 operand" line, and its speed-up
// over dense is at most 2 x that rate / dense sgemm's FMA rate.
#include <chrono>
#include <stdio.h>

static float buf[1 << 14] __attribute__((aligned(64)));
typedef std::chrono::steady_clock Clock;

#define FM(off, r) "vfmadd231ps " #off "(%[b]), %%zmm0, %%zmm" #r "\n\t"
#define FR(r) "vfmadd231ps %%zmm13, %%zmm0, %%zmm" #r "\n\t"
#define CLOBBERS "memory", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", \
                 "xmm9", "xmm10", "xmm11", "xmm12", "xmm13"

// 12 independent accumulators (3x the FMA latency x 2 ports would need 8), register operands.
__attribute__((noinline)) static void fma_registers(long n) {
    __asm__ volatile("vxorps %%zmm13,%%zmm13,%%zmm13\n\tvxorps %%zmm0,%%zmm0,%%zmm0\n\t"
                     "1:\n\t" FR(1) FR(2) FR(3) FR(4) FR(5) FR(6) FR(7) FR(8) FR(9) FR(10) FR(11) FR(12)
                     "dec %[n]\n\tjnz 1b\n\t"
                     : [n] "+r"(n) : : CLOBBERS);
}

// The same, each FMA reading its own 64-byte line (12 lines, always in L1).
__attribute__((noinline)) static void fma_l1_operands(long n, const float* b) {
    __asm__ volatile("vxorps %%zmm0,%%zmm0,%%zmm0\n\t"
                     "1:\n\t" FM(0, 1) FM(64, 2) FM(128, 3) FM(192, 4) FM(256, 5) FM(320, 6) FM(384, 7)
                     FM(448, 8) FM(512, 9) FM(576, 10) FM(640, 11) FM(704, 12)
                     "dec %[n]\n\tjnz 1b\n\t"
                     : [n] "+r"(n) : [b] "r"(b) : CLOBBERS);
}

int main() {
    const long n = 20000000;
    double best_reg = 1e30, best_mem = 1e30;
    for (int rep = 0; rep < 15; rep++) {
        auto t0 = Clock::now();
        fma_registers(n);
        auto t1 = Clock::now();
        fma_l1_operands(n, buf);
        auto t2 = Clock::now();
        double a = std::chrono::duration<double, std::nano>(t1 - t0).count();
        double b = std::chrono::duration<double, std::nano>(t2 - t1).count();
        if (a < best_reg) best_reg = a;
        if (b < best_mem) best_mem = b;
    }
    printf("512-bit FMAs, register operands: %.2f per ns\n", 12.0 * n / best_reg);
    printf("512-bit FMAs, one L1 load each:   %.2f per ns\n", 12.0 * n / best_mem);
    return 0;
}
