package dev.sparse24.tools.bench;

import dev.sparse24.tensor.Blas;
import dev.sparse24.tensor.Tensor;
import org.bytedeco.openblas.global.openblas;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;

/**
 * The machine's measured limits, from which each layer's floor is computed: read bandwidth
 * (OpenBLAS sdot, best of several runs) and fp32 compute peak (OpenBLAS sgemm on a square
 * compute-bound size), at a thread count.
 *
 * <p>Bandwidth depends on where the data lives, so it is measured at each layer's own footprint
 * (the bytes one call reads and writes), hot, as a layer called in a loop has it: a 64x128
 * layer is held to L1/L2 speed, a 8192x8192 one to DRAM's. A layer's floor is the larger of its
 * bytes over that bandwidth and its flops over the peak: no kernel beats it on this machine, and
 * floor / measured says how close a kernel gets. The sparse floor counts the compressed weights
 * (2 of 4 values plus a 4-bit code per group: 2.125 bytes per weight) and half the dense flops,
 * at the dense peak.
 */
public final class Ceilings {
    private static final long DRAM_BYTES = 256L << 20;

    private final int threads;
    private final double peakGflops;
    private final Map<Long, Double> bandwidth = new HashMap<>();

    private Ceilings(int threads, double peakGflops) {
        this.threads = threads;
        this.peakGflops = peakGflops;
    }

    /** Measures the compute peak (sgemm {@code n}^3) and the DRAM read bandwidth on {@code threads} threads. */
    static Ceilings measure(int threads, int n) {
        Blas.init(threads);
        Random rnd = new Random(1);
        float[] v = new float[n * n];
        for (int i = 0; i < v.length; i++) {
            v[i] = rnd.nextFloat();
        }
        Tensor a = Tensor.of(v, n, n);
        Tensor c = Tensor.zeros(n, n);
        double best = Double.POSITIVE_INFINITY;
        for (int i = 0; i < 6; i++) {
            long t0 = System.nanoTime();
            Blas.sgemm(false, true, n, n, n, a, a, 0f, c);
            if (i > 0) {   // the first call pays OpenBLAS's thread start and page faults
                best = Math.min(best, (System.nanoTime() - t0) / 1e9);
            }
        }
        a.pointer().close();
        c.pointer().close();
        Ceilings ceilings = new Ceilings(threads, 2.0 * n * n * n / best / 1e9);
        ceilings.bandwidthAt(DRAM_BYTES);
        return ceilings;
    }

    /** Threads measured with. */
    int threads() {
        return threads;
    }

    /** sgemm fp32, GFLOP/s. */
    double peakGflops() {
        return peakGflops;
    }

    /** Read bandwidth from DRAM (256 MiB, far past the caches), GB/s (10^9 bytes). */
    double dramGBs() {
        return bandwidthAt(DRAM_BYTES);
    }

    /**
     * Read bandwidth, GB/s, over a hot buffer of {@code bytes} (rounded up to a power of two
     * between 16 KiB and 256 MiB, measured once per size).
     */
    double bandwidthAt(long bytes) {
        long size = Math.max(16 << 10, Long.highestOneBit(Math.max(1, bytes - 1)) << 1);
        long key = Math.min(size, DRAM_BYTES);
        return bandwidth.computeIfAbsent(key, this::measureBandwidth);
    }

    private double measureBandwidth(long bytes) {
        Blas.init(threads);
        int n = (int) (bytes / 4);
        Tensor t = Tensor.zeros(n);
        t.fill(1f);
        // Repeat small buffers so that one timing reads 256 MiB in all (milliseconds even from L1).
        int reps = (int) Math.max(1, DRAM_BYTES / bytes);
        double best = Double.POSITIVE_INFINITY;
        for (int i = 0; i < 6; i++) {
            long t0 = System.nanoTime();
            for (int r = 0; r < reps; r++) {
                openblas.cblas_sdot(n, t.pointer(), 1, t.pointer(), 1);
            }
            if (i > 0) {
                best = Math.min(best, (System.nanoTime() - t0) / 1e9 / reps);
            }
        }
        t.pointer().close();
        return bytes / best / 1e9;
    }

    /** Bytes one dense GEMM call [m, cols] x [rows, cols]^T touches. */
    static double denseBytes(long m, long rows, long cols) {
        return 4.0 * (rows * cols + m * cols + m * rows);
    }

    /** Bytes the same call touches with W 2:4-compressed. */
    static double sparseBytes(long m, long rows, long cols) {
        return 2.125 * rows * cols + 4.0 * (m * cols + m * rows);
    }

    /** The floor, ms, of a dense GEMM [m, cols] x [rows, cols]^T. */
    double denseFloorMs(long m, long rows, long cols) {
        double bytes = denseBytes(m, rows, cols);
        return 1e3 * Math.max(bytes / (bandwidthAt((long) bytes) * 1e9), 2.0 * m * rows * cols / (peakGflops * 1e9));
    }

    /** The floor, ms, of the same GEMM with W 2:4-compressed. */
    double sparseFloorMs(long m, long rows, long cols) {
        double bytes = sparseBytes(m, rows, cols);
        return 1e3 * Math.max(bytes / (bandwidthAt((long) bytes) * 1e9), 1.0 * m * rows * cols / (peakGflops * 1e9));
    }
}
