package dev.sparse24.tools.bench;

import java.util.List;

/**
 * What a bench run covers and how long it measures each case.
 *
 * @param name        as written in results.json and the report
 * @param layers      layer shapes
 * @param layerBatches batches of the layer cases
 * @param modelBatches batches of the model cases (batch 1 is the latency case)
 * @param allThreads  whether cases also run on all cores (besides one thread, or --threads)
 * @param budget      the timing of a layer or throughput case
 * @param latency     the timing of the batch-1 model case (more runs: its p99 is reported)
 * @param ceilingSize the square sgemm size of the compute ceiling
 */
public record BenchProfile(String name, List<LayerShape> layers, int[] layerBatches, int[] modelBatches,
                           boolean allThreads, Interleaved.Budget budget, Interleaved.Budget latency, int ceilingSize) {
    private static final int[] ALL_BATCHES = {1, 2, 4, 8, 16, 32, 64, 128, 256};

    /**
     * One layer: a fully-connected GEMM Y[m, rows] = X[m, cols] W^T, or the tutorial's conv2
     * (64 filters of 5x5x32 on 14x14 images) either as that GEMM over im2col patches or run as a
     * convolution by the runtime.
     *
     * @param name  e.g. "4096x4096", "dense1 1024x3136", "conv2 gemm", "conv2 conv"
     * @param rows  output features (rows of W)
     * @param cols  input features
     * @param kind  GEMM or CONV
     * @param rowsPerItem GEMM rows per batch item (196 output pixels per image for conv2, else 1)
     */
    public record LayerShape(String name, int rows, int cols, Kind kind, int rowsPerItem) {
        /** How the layer is run. */
        public enum Kind { GEMM, CONV }

        static LayerShape gemm(String name, int rows, int cols) {
            return new LayerShape(name, rows, cols, Kind.GEMM, 1);
        }
    }

    static final LayerShape DENSE1 = LayerShape.gemm("dense1 1024x3136", 1024, 3136);
    static final LayerShape CONV2_GEMM = new LayerShape("conv2 gemm 64x800", 64, 800, LayerShape.Kind.GEMM, 196);
    static final LayerShape CONV2_CONV = new LayerShape("conv2 conv 5x5x32->64", 64, 800, LayerShape.Kind.CONV, 196);

    /**
     * About 1.5 minutes on the 2-core build machine (under 3 even when it is shared): 4096x4096
     * and the tutorial's dense1 and conv2 at batch 1, 64, 256 on one thread, and the tutorial
     * model at batch 1 (latency), 16, 64 and 256 on the three runtimes.
     */
    public static BenchProfile quick() {
        return new BenchProfile("quick", List.of(LayerShape.gemm("4096x4096", 4096, 4096), DENSE1, CONV2_CONV),
                new int[]{1, 64, 256}, new int[]{1, 16, 64, 256}, false,
                new Interleaved.Budget(300, 3, 2000, 7, 1000), new Interleaved.Budget(500, 20, 5000, 100, 5000), 1024);
    }

    /** The whole grid: every shape, batches 1..256, one thread and all. */
    public static BenchProfile full() {
        return new BenchProfile("full", List.of(DENSE1, CONV2_GEMM, CONV2_CONV,
                LayerShape.gemm("1024x1024", 1024, 1024), LayerShape.gemm("4096x4096", 4096, 4096),
                LayerShape.gemm("8192x8192", 8192, 8192), LayerShape.gemm("4096x11008", 4096, 11008),
                LayerShape.gemm("11008x4096", 11008, 4096)),
                ALL_BATCHES, ALL_BATCHES, true,
                new Interleaved.Budget(500, 3, 2500, 10, 1000), new Interleaved.Budget(1000, 20, 6000, 100, 5000), 2048);
    }

    /** Seconds-long, for tests: small shapes, two batches, few runs (hidden option {@code --size tiny}). */
    public static BenchProfile tiny() {
        return new BenchProfile("tiny", List.of(LayerShape.gemm("64x128", 64, 128),
                new LayerShape("conv2 conv 5x5x32->64", 64, 800, LayerShape.Kind.CONV, 196)),
                new int[]{1, 4}, new int[]{1, 2}, false,
                new Interleaved.Budget(5, 1, 20, 3, 10), new Interleaved.Budget(5, 2, 30, 5, 20), 128);
    }
}
