package dev.sparse24.runtime.cpu;

import dev.sparse24.graph.FusedActivation;
import dev.sparse24.sparse.CompressedWeights;
import dev.sparse24.tensor.Tensor;
import org.bytedeco.javacpp.FloatPointer;

import java.nio.FloatBuffer;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A 2:4 sparse fully-connected layer on the CPU: {@code Y = act(X W^T + bias)}.
 *
 * <ul>
 *   <li>W [rows, cols] ({@link CompressedWeights}, TFLite orientation: rows = output features,
 *       cols = input features); X [batch, cols] and Y [batch, rows], row-major, so NHWC
 *       activations (and im2col patches with the channel fastest) feed it directly.</li>
 *   <li>The weights are re-packed once, here, into the kernels' off-heap layout
 *       ({@link SparseGemmPacking}: kept values plus 2-bit indices, native/sparse_gemm_common.h); the
 *       portable format is not changed. This class picks the kernel and checks every call; the
 *       plain-Java fallback is {@link SparseGemmReference}.</li>
 *   <li>One call picks the kernel by batch size ({@link Strategy#AUTO}): up to 8 items, the
 *       gather kernel (activations picked by the indices, vpermt2ps on AVX-512); beyond, the
 *       broadcast kernel (each kept weight FMA'd against packed activation panels). The ISA
 *       is the widest this CPU runs ({@link Isa#best()}) unless forced.</li>
 *   <li>NaN/Inf follow IEEE through kept slots (see {@link SparseGemmReference}); fused
 *       ReLU/ReLU6 keep NaN as NaN.</li>
 *   <li>Threading: {@link #runRows} computes an output-row range so that one pool can split a
 *       call; no native threads are started here.</li>
 * </ul>
 *
 * <p>Every size is checked in Java before native code runs: a wrong size throws
 * {@link IllegalArgumentException} with expected and given. Instances are thread-safe;
 * {@link #close()} frees the packed weights (idempotent, waits for runs in flight); use after
 * close throws {@link IllegalStateException}.
 */
public final class SparseGemm implements AutoCloseable {
    /** Batches up to this size run on the gather kernel under {@link Strategy#AUTO} (sparse24_gemm.h). */
    public static final int GATHER_MAX_BATCH = 8;

    /** How the kernel is chosen. */
    public enum Strategy {
        /** By batch size: GATHER up to {@link #GATHER_MAX_BATCH} items, BROADCAST beyond. */
        AUTO(0),
        /** Always the small-batch gather kernel. */
        GATHER(1),
        /** Always the larger-batch broadcast kernel. */
        BROADCAST(2);

        private final int code;

        Strategy(int code) {
            this.code = code;
        }

        /** The code sparse24_gemm.h gives this strategy (S24_STRATEGY_*). */
        int code() {
            return code;
        }
    }

    private final CompressedWeights weights;
    private final float[] bias;          // [rows] or null
    private final FusedActivation activation;
    private final Isa isa;
    private final Strategy strategy;
    private final int kp;                // cols rounded up to 32
    private final SparseGemmPacking packed;  // the kernels' layout, null for Isa.JAVA
    private final FloatPointer nativeBias;   // [rows] or null
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private boolean closed;

    private SparseGemm(Builder b) {
        this.weights = b.weights;
        this.bias = b.bias;
        this.activation = b.activation;
        this.isa = b.isa;
        this.strategy = b.strategy;
        this.kp = (weights.cols() + 31) & ~31;
        if (isa == Isa.JAVA) {
            packed = null;
            nativeBias = null;
        } else {
            boolean broadcastRuns = strategy == Strategy.BROADCAST
                    || (strategy == Strategy.AUTO && b.maxBatch > GATHER_MAX_BATCH);
            packed = new SparseGemmPacking(weights, kp, (isa == Isa.AVX512 || isa == Isa.AVX2) && broadcastRuns);
            nativeBias = bias == null ? null : new FloatPointer(bias);
        }
    }

    /** Starts configuring a layer over {@code weights} (no bias, no activation, best ISA, AUTO). */
    public static Builder builder(CompressedWeights weights) {
        return new Builder(weights);
    }

    /** Output features (rows of W). */
    public int rows() {
        return weights.rows();
    }

    /** Input features (columns of W). */
    public int cols() {
        return weights.cols();
    }

    /** The ISA level this layer runs. */
    public Isa isa() {
        return isa;
    }

    /** How the kernel is chosen. */
    public Strategy strategy() {
        return strategy;
    }

    /** The fused activation. */
    public FusedActivation activation() {
        return activation;
    }

    /**
     * Y = act(X W^T + bias) for the whole batch.
     *
     * @param x [batch, cols] (at least batch*cols elements)
     * @param y [batch, rows] (at least batch*rows elements); modified
     */
    public void run(Tensor x, int batch, Tensor y) {
        runRows(x, batch, y, 0, rows());
    }

    /**
     * Output rows [r0, r1) of Y = act(X W^T + bias): one share of a call split across threads
     * (disjoint row ranges may run concurrently on the same x and y).
     */
    public void runRows(Tensor x, int batch, Tensor y, int r0, int r1) {
        checkCall(x.size(), batch, y.size(), r0, r1);
        lock.readLock().lock();
        try {
            ensureOpen();
            if (batch == 0 || r0 == r1) {
                return;
            }
            if (isa == Isa.JAVA) {
                // Only rows [r0, r1) are written back: other threads may own the rest of y.
                float[] ya = new float[batch * rows()];
                SparseGemmReference.gemm(weights, bias, activation, x.toArray(), 0, batch, ya, 0, r0, r1);
                for (int b = 0; b < batch; b++) {
                    for (int r = r0; r < r1; r++) {
                        y.set(b * rows() + r, ya[b * rows() + r]);
                    }
                }
            } else {
                callNative(x.pointer(), batch, y.pointer(), r0, r1);
            }
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * Y = act(X W^T + bias) on direct buffers, used without copies from their positions
     * (positions are not changed).
     *
     * @param x direct, at least batch*cols remaining
     * @param y direct, at least batch*rows remaining; modified
     */
    public void run(FloatBuffer x, int batch, FloatBuffer y) {
        if (!x.isDirect() || !y.isDirect()) {
            throw new IllegalArgumentException("x and y must be direct buffers (given direct: x "
                    + x.isDirect() + ", y " + y.isDirect() + "); use run(float[], int, float[]) for heap data");
        }
        if (y.isReadOnly()) {
            throw new IllegalArgumentException("y must be writable, given a read-only buffer");
        }
        checkCall(x.remaining(), batch, y.remaining(), 0, rows());
        lock.readLock().lock();
        try {
            ensureOpen();
            if (batch == 0) {
                return;
            }
            if (isa == Isa.JAVA) {
                float[] xa = new float[batch * cols()];
                float[] ya = new float[batch * rows()];
                x.duplicate().get(xa);
                SparseGemmReference.gemm(weights, bias, activation, xa, 0, batch, ya, 0, 0, rows());
                y.duplicate().put(ya);
            } else {
                callNative(new FloatPointer(x), batch, new FloatPointer(y), 0, rows());
            }
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Y = act(X W^T + bias) on heap arrays (copied to and from native memory). */
    public void run(float[] x, int batch, float[] y) {
        checkCall(x.length, batch, y.length, 0, rows());
        lock.readLock().lock();
        try {
            ensureOpen();
            if (batch == 0) {
                return;
            }
            if (isa == Isa.JAVA) {
                SparseGemmReference.gemm(weights, bias, activation, x, 0, batch, y, 0, 0, rows());
                return;
            }
            try (FloatPointer xp = new FloatPointer(x);
                 FloatPointer yp = new FloatPointer((long) batch * rows())) {
                callNative(xp, batch, yp, 0, rows());
                yp.get(y, 0, batch * rows());
            }
        } finally {
            lock.readLock().unlock();
        }
    }

    private void callNative(FloatPointer x, int batch, FloatPointer y, int r0, int r1) {
        int rc = NativeSparseGemm.s24_gemm(isa.nativeLevel(), strategy.code, packed.values, packed.indices,
                packed.blockedValues, packed.blockedIndices, rows(), cols(), kp, x, batch, cols(), nativeBias, activation.tfliteCode(), y, rows(), r0, r1);
        if (rc == -2) {
            throw new OutOfMemoryError("native scratch for the sparse GEMM (batch " + batch + ")");
        }
        if (rc != 0) {
            throw new IllegalStateException("native sparse GEMM returned " + rc);
        }
    }

    private void checkCall(long xSize, int batch, long ySize, int r0, int r1) {
        if (batch < 0) {
            throw new IllegalArgumentException("batch must be >= 0, given " + batch);
        }
        long needX = (long) batch * cols();
        long needY = (long) batch * rows();
        if (xSize < needX) {
            throw new IllegalArgumentException("x must hold [" + batch + ", " + cols() + "] = " + needX
                    + " floats, given " + xSize);
        }
        if (ySize < needY) {
            throw new IllegalArgumentException("y must hold [" + batch + ", " + rows() + "] = " + needY
                    + " floats, given " + ySize);
        }
        if (needX > Integer.MAX_VALUE || needY > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("batch " + batch + " too large: x or y over 2^31 floats");
        }
        if (r0 < 0 || r1 > rows() || r0 > r1) {
            throw new IllegalArgumentException("row range [" + r0 + ", " + r1 + ") must lie in [0, "
                    + rows() + ")");
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("SparseGemm is closed");
        }
    }

    /** Frees the packed weights; waits for runs in flight; idempotent. */
    @Override
    public void close() {
        lock.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            if (packed != null) {
                packed.close();
            }
            if (nativeBias != null) {
                nativeBias.close();
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    @Override
    public String toString() {
        return "SparseGemm[" + rows() + " x " + cols() + ", " + activation + ", " + isa + ", " + strategy + "]";
    }

    /** Whether the K-blocked copy of the weights for the broadcast kernels was built. */
    boolean hasBlockedCopy() {
        return packed != null && packed.blockedValues != null;
    }

    /** Configuration of a {@link SparseGemm}; {@link #build()} packs the weights. */
    public static final class Builder {
        private final CompressedWeights weights;
        private float[] bias;
        private FusedActivation activation = FusedActivation.NONE;
        private Isa isa;
        private Strategy strategy = Strategy.AUTO;
        private int maxBatch = Integer.MAX_VALUE;

        private Builder(CompressedWeights weights) {
            if (weights == null) {
                throw new IllegalArgumentException("weights must not be null");
            }
            this.weights = weights;
        }

        /** Bias [rows] added before the activation (copied), or null for none. */
        public Builder bias(float[] bias) {
            if (bias != null && bias.length != weights.rows()) {
                throw new IllegalArgumentException("bias must have " + weights.rows() + " values (rows), given "
                        + bias.length);
            }
            this.bias = bias == null ? null : bias.clone();
            return this;
        }

        /** Fused activation: NONE, RELU, RELU6 or RELU_N1_TO_1. */
        public Builder activation(FusedActivation activation) {
            if (activation == null || activation == FusedActivation.TANH) {
                throw new IllegalArgumentException("fused activation must be NONE, RELU, RELU6 or "
                        + "RELU_N1_TO_1, given " + activation);
            }
            this.activation = activation;
            return this;
        }

        /** Forces an ISA level (tests, benchmarks); it must be supported here. */
        public Builder isa(Isa isa) {
            if (isa == null || !isa.isSupported()) {
                throw new IllegalArgumentException("ISA " + isa + " is not available here (best: "
                        + Isa.best() + ")");
            }
            this.isa = isa;
            return this;
        }

        /**
         * The largest batch {@code run} will be given (default: unbounded). Up to
         * {@link #GATHER_MAX_BATCH}, AUTO never picks the broadcast kernel, so its K-blocked copy
         * of the weights is not built (half the packed memory, for latency-bound services); a
         * larger batch still runs, on the row-major weights, only slower.
         */
        public Builder maxBatch(int maxBatch) {
            if (maxBatch < 1) {
                throw new IllegalArgumentException("maxBatch must be >= 1, given " + maxBatch);
            }
            this.maxBatch = maxBatch;
            return this;
        }

        /** Forces the kernel choice (tests, benchmarks). */
        public Builder strategy(Strategy strategy) {
            if (strategy == null) {
                throw new IllegalArgumentException("strategy must not be null");
            }
            this.strategy = strategy;
            return this;
        }

        /** Packs the weights and returns the layer (close it to free native memory). */
        public SparseGemm build() {
            if (isa == null) {
                isa = Isa.best();
            }
            return new SparseGemm(this);
        }
    }
}
