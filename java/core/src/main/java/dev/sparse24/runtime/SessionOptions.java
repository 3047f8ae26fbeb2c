package dev.sparse24.runtime;

/**
 * Options of an {@link InferenceSession}, immutable; start from {@link #defaults()} and change
 * what matters with the {@code with...} methods.
 *
 * @param device   where to run ({@link Device#AUTO} by default)
 * @param threads  worker threads of the session's one pool (batch items are split over them);
 *                 0 means all available processors
 * @param maxBatch the most batch items one pass computes at once; larger batches are run in
 *                 chunks of this size. Bounds the per-run scratch memory (64 by default).
 * @param precision   16-bit type of weights and activations on a GPU (fp32 accumulation);
 *                    {@link HalfPrecision#FP16} by default; the CPU ignores it (fp32 throughout)
 * @param deviceIndex which GPU (CUDA device ordinal, 0 by default); the CPU ignores it
 */
public record SessionOptions(Device device, int threads, int maxBatch, HalfPrecision precision, int deviceIndex) {
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
        if (precision == null) {
            throw new IllegalArgumentException("precision must not be null");
        }
        if (deviceIndex < 0) {
            throw new IllegalArgumentException("deviceIndex must be >= 0, given " + deviceIndex);
        }
    }

    /** Options with the default precision (fp16) on device 0. */
    public SessionOptions(Device device, int threads, int maxBatch) {
        this(device, threads, maxBatch, HalfPrecision.FP16, 0);
    }

    /** AUTO device, one thread, batches of up to 64 per pass. */
    public static SessionOptions defaults() {
        return new SessionOptions(Device.AUTO, 1, 64);
    }

    /** The same options on another device. */
    public SessionOptions withDevice(Device device) {
        return new SessionOptions(device, threads, maxBatch, precision, deviceIndex);
    }

    /** The same options with another thread count (0: all processors). */
    public SessionOptions withThreads(int threads) {
        return new SessionOptions(device, threads, maxBatch, precision, deviceIndex);
    }

    /** The same options with another largest batch per pass. */
    public SessionOptions withMaxBatch(int maxBatch) {
        return new SessionOptions(device, threads, maxBatch, precision, deviceIndex);
    }

    /** The same options with another GPU precision. */
    public SessionOptions withPrecision(HalfPrecision precision) {
        return new SessionOptions(device, threads, maxBatch, precision, deviceIndex);
    }

    /** The same options on another GPU (CUDA device ordinal). */
    public SessionOptions withDeviceIndex(int deviceIndex) {
        return new SessionOptions(device, threads, maxBatch, precision, deviceIndex);
    }

    /** The thread count to use: {@link #threads()}, or the processor count when it is 0. */
    public int effectiveThreads() {
        return threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
    }
}
