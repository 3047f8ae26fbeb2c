package dev.sparse24.runtime;

/**
 * Options of an {@link InferenceSession}, immutable; start from {@link #defaults()} and change
 * what matters with the {@code with...} methods.
 *
 * @param device        where to run ({@link Device#AUTO} by default)
 * @param threads       worker threads of the session's one pool (batch items are split over
 *                      them); 0 means all available processors
 * @param maxBatch      the most batch items one pass computes at once; larger batches are run in
 *                      chunks of this size. Bounds the per-pass scratch memory (64 by default);
 *                      {@link SparseModel#newSession} refuses a value whose largest activation
 *                      buffer would exceed 2^31-1 floats.
 * @param maxWorkspaces the most workspaces (one pass's scratch memory, for {@code maxBatch}
 *                      items) the session keeps; concurrent runs beyond wait for a free one.
 *                      0 (the default) means {@code max(threads, available processors)}: as
 *                      many passes as can compute at once
 * @param profiling     time every step of every run and log the totals (System.Logger, INFO)
 *                      when the session closes; off by default (costs a clock read per step)
 * @param precision     16-bit type of weights and activations on a GPU (fp32 accumulation);
 *                      {@link HalfPrecision#FP16} by default; the CPU ignores it (fp32 throughout)
 * @param deviceIndex   which GPU (CUDA device ordinal, 0 by default); the CPU ignores it
 *
 * <p>Process-wide effect: a CPU session of a model with dense GEMM layers sets OpenBLAS to one
 * thread for the whole process (OpenBLAS has a single, global thread count; the session's own
 * pool already uses the cores, and mixing both pools stalled). Code that also calls OpenBLAS
 * elsewhere in the process and wants more threads must set them again after creating sessions.
 */
public record SessionOptions(Device device, int threads, int maxBatch, int maxWorkspaces, boolean profiling,
                             HalfPrecision precision, int deviceIndex) {
    /** Checks the values. */
    public SessionOptions {
        if (device == null) {
            throw new IllegalArgumentException("device must not be null");
        }
        if (threads < 0) {
            throw new IllegalArgumentException("threads must be >= 0 (0: all processors), given " + threads);
        }
        if (maxBatch < 1) {
            throw new IllegalArgumentException("maxBatch must be >= 1, given " + maxBatch);
        }
        if (maxWorkspaces < 0) {
            throw new IllegalArgumentException("maxWorkspaces must be >= 0 (0: the default cap), given "
                    + maxWorkspaces);
        }
        if (precision == null) {
            throw new IllegalArgumentException("precision must not be null");
        }
        if (deviceIndex < 0) {
            throw new IllegalArgumentException("deviceIndex must be >= 0, given " + deviceIndex);
        }
    }

    /** Options with the default workspace cap, no profiling, fp16 on GPU 0. */
    public SessionOptions(Device device, int threads, int maxBatch) {
        this(device, threads, maxBatch, 0, false, HalfPrecision.FP16, 0);
    }

    /** AUTO device, one thread, batches of up to 64 per pass, the default workspace cap, no profiling, fp16. */
    public static SessionOptions defaults() {
        return new SessionOptions(Device.AUTO, 1, 64);
    }

    /** The same options on another device. */
    public SessionOptions withDevice(Device device) {
        return new SessionOptions(device, threads, maxBatch, maxWorkspaces, profiling, precision, deviceIndex);
    }

    /** The same options with another thread count (0: all processors). */
    public SessionOptions withThreads(int threads) {
        return new SessionOptions(device, threads, maxBatch, maxWorkspaces, profiling, precision, deviceIndex);
    }

    /** The same options with another largest batch per pass. */
    public SessionOptions withMaxBatch(int maxBatch) {
        return new SessionOptions(device, threads, maxBatch, maxWorkspaces, profiling, precision, deviceIndex);
    }

    /** The same options with another workspace cap (0: {@code max(threads, available processors)}). */
    public SessionOptions withMaxWorkspaces(int maxWorkspaces) {
        return new SessionOptions(device, threads, maxBatch, maxWorkspaces, profiling, precision, deviceIndex);
    }

    /** The same options with step profiling on or off. */
    public SessionOptions withProfiling(boolean profiling) {
        return new SessionOptions(device, threads, maxBatch, maxWorkspaces, profiling, precision, deviceIndex);
    }

    /** The same options with another GPU precision. */
    public SessionOptions withPrecision(HalfPrecision precision) {
        return new SessionOptions(device, threads, maxBatch, maxWorkspaces, profiling, precision, deviceIndex);
    }

    /** The same options on another GPU (CUDA device ordinal). */
    public SessionOptions withDeviceIndex(int deviceIndex) {
        return new SessionOptions(device, threads, maxBatch, maxWorkspaces, profiling, precision, deviceIndex);
    }

    /** The thread count to use: {@link #threads()}, or the processor count when it is 0. */
    public int effectiveThreads() {
        return threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
    }
}
