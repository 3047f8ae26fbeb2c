package dev.sparse24.runtime.cuda;

import dev.sparse24.runtime.HalfPrecision;

import dev.sparse24.sparse.CompressedWeights;

/**
 * Which of our sparse GEMM kernels runs Y = act(X W^T + bias) for W [m, k] (2:4, lane-packed),
 * X [n, k], Y [n, m], and with what launch shape. The numbers here are the launch contracts
 * written beside the kernels in {@code cuda/sparse_gemm_small_batch.cu} and {@code cuda/sparse_gemm_tiled.cu};
 * {@code bench/gpu/sparse24_gpu.py} re-implements this choice and is checked against it.
 *
 * <ul>
 *   <li>n &lt;= {@value #SMALL_BATCH_MAX_N}: the small-batch kernel. 128 threads = 4 warps, one
 *       32-row block each; grid (ceil(rowBlocks / 4), splits). N is covered by nTile = 8, 16,
 *       32 or 64 columns. The k chunks are split so that about two CTAs per SM stream weights,
 *       but not so finely that the fp32 partial sums (splits x n x m) outweigh the weights.</li>
 *   <li>n &gt; 64: the tiled kernel. 256 threads = 8 warps, CTA tile 128 rows x 128 columns x 64
 *       k, {@value #TILED_STAGES}-stage cp.async pipeline; grid (ceil(m / 128), ceil(n / 128),
 *       splits), split only when the tiles alone cannot fill the SMs.</li>
 * </ul>
 * With splits &gt; 1 the CTAs write fp32 partials to a workspace and the last CTA of each output
 * tile (an atomic counter per tile, zeroed once, reset by the kernel) sums them in split order
 * (deterministic) and applies the epilogue.
 *
 * @param kernel         which kernel family
 * @param nTile          batch columns one CTA covers (8/16/32/64 small-batch, 128 tiled)
 * @param gridX          CTAs along rows
 * @param gridY          small-batch: splits; tiled: CTAs along n
 * @param gridZ          small-batch: 1; tiled: splits
 * @param threads        threads per CTA
 * @param sharedBytes    dynamic shared memory per CTA
 * @param splits         k splits
 * @param unitsPerSplit  k units per split (small-batch: 128-wide chunks; tiled: 64-wide halves)
 * @param workspaceBytes fp32 partial-sum workspace needed (0 when splits == 1)
 * @param counters       uint32 tile counters needed, zero-initialised (0 when splits == 1)
 */
public record SparseGemmPlan(Kernel kernel, int nTile, int gridX, int gridY, int gridZ, int threads,
                             int sharedBytes, int splits, int unitsPerSplit, long workspaceBytes,
                             int counters) {

    /** Largest batch the small-batch kernel takes. */
    public static final int SMALL_BATCH_MAX_N = 64;
    /** Pipeline stages of the tiled kernel. */
    public static final int TILED_STAGES = 4;
    /** Rows of W per CTA of either kernel. */
    public static final int CTA_ROWS = 128;
    /** Batch columns per CTA of the tiled kernel. */
    public static final int TILED_N = 128;
    /** Dense k per pipeline stage of the tiled kernel. */
    public static final int TILED_K = 64;

    /** Kernel families. */
    public enum Kernel {
        /** Streams weights for n &lt;= 64. */
        SMALL_BATCH,
        /** cp.async/ldmatrix tiles for large n. */
        TILED
    }

    /** Element type the kernels write Y in: the kernels' {@code out_type} parameter. */
    public enum Output {
        /** fp32 ({@code out_type} 0). */
        F32(4),
        /** IEEE fp16 ({@code out_type} 1). */
        F16(2),
        /** bfloat16 ({@code out_type} 2). */
        BF16(2);

        private final int bytes;

        Output(int bytes) {
            this.bytes = bytes;
        }

        /** Bytes per element. */
        public int bytes() {
            return bytes;
        }

        /** The value of the kernels' {@code out_type} parameter. */
        public int code() {
            return ordinal();
        }
    }

    /**
     * Chooses the kernel and launch shape.
     *
     * @param m       rows of W (output features), &gt;= 1
     * @param k       columns of W (input features), &gt;= 1
     * @param n       batch (rows of X and Y), &gt;= 1
     * @param smCount streaming multiprocessors of the device, &gt;= 1
     * @throws IllegalArgumentException on a non-positive argument
     */
    public static SparseGemmPlan choose(int m, int k, int n, int smCount) {
        if (m < 1 || k < 1 || n < 1 || smCount < 1) {
            throw new IllegalArgumentException("need m, k, n, smCount >= 1, given m=" + m + ", k=" + k
                    + ", n=" + n + ", smCount=" + smCount);
        }
        int rowBlocks = ceilDiv(m, LanePackedWeights.ROW_BLOCK);
        int kChunks = ceilDiv(CompressedWeights.paddedColumns(k), LanePackedWeights.K_CHUNK);
        int gridX = ceilDiv(rowBlocks, CTA_ROWS / LanePackedWeights.ROW_BLOCK);
        long wsRows = (long) gridX * CTA_ROWS;
        if (n <= SMALL_BATCH_MAX_N) {
            int nTile = n <= 8 ? 8 : n <= 16 ? 16 : n <= 32 ? 32 : 64;
            int wanted = ceilDiv(2 * smCount, gridX);
            // Partials cost splits*n*m*8 bytes (write + read); weights cost about m*k*1.125.
            // Keep partials under about a quarter of that: splits <= 16*kChunks/n.
            int cap = Math.max(1, 16 * kChunks / n);
            int splits = clamp(Math.min(wanted, cap), 1, kChunks);
            int perSplit = ceilDiv(kChunks, splits);
            splits = ceilDiv(kChunks, perSplit);
            int shared = 2 * nTile * LanePackedWeights.K_CHUNK * 2;
            return new SparseGemmPlan(Kernel.SMALL_BATCH, nTile, gridX, splits, 1, 128, shared, splits,
                    perSplit, splits > 1 ? splits * n * wsRows * 4 : 0, splits > 1 ? gridX : 0);
        }
        int gridY = ceilDiv(n, TILED_N);
        int halves = kChunks * (LanePackedWeights.K_CHUNK / TILED_K);
        long tiles = (long) gridX * gridY;
        int splits = 1;
        if (tiles < smCount) {
            // Fewer tiles than SMs: split k, keeping at least 8 stages of work per split.
            splits = clamp(ceilDiv(smCount, (int) tiles), 1, Math.max(1, halves / 8));
        }
        int perSplit = ceilDiv(halves, splits);
        splits = ceilDiv(halves, perSplit);
        int shared = TILED_STAGES * tiledStageBytes();
        return new SparseGemmPlan(Kernel.TILED, TILED_N, gridX, gridY, splits, 256, shared, splits,
                perSplit, splits > 1 ? splits * n * wsRows * 4 : 0, splits > 1 ? (int) tiles : 0);
    }

    /**
     * Shared memory of one tiled stage: A values (4 row blocks x 2 steps x 2 tiles x 512 B),
     * metadata (4 row blocks x 32 lanes x 8 B) and X (128 columns x 64 k x 2 B).
     */
    public static int tiledStageBytes() {
        return 4 * 2 * 2 * 512 + 4 * 32 * 8 + TILED_N * TILED_K * 2;
    }

    /** The kernel's symbol in the fatbin, e.g. {@code s24_sparse_gemm_small_n8_f16}. */
    public String symbol(HalfPrecision input) {
        return kernel == Kernel.SMALL_BATCH
                ? "s24_sparse_gemm_small_n" + nTile + "_" + input.kernelName()
                : "s24_sparse_gemm_tiled_" + input.kernelName();
    }

    private static int clamp(int v, int lo, int hi) {
        return Math.max(lo, Math.min(hi, v));
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }
}
