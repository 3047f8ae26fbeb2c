package dev.sparse24.runtime.batching;

import java.time.Duration;

/**
 * How a {@link BatchingSession} gathers requests; immutable, start from
 * {@link #defaults(int)} and change what matters with the {@code with...} methods.
 *
 * @param maxBatch      the most batch items gathered into one run. A single request larger than
 *                      this runs alone (the session splits it into its own passes)
 * @param maxDelay      how long a batch may wait for more requests, counted from its oldest
 *                      request's arrival; zero runs whatever is queued at once. A batch goes as
 *                      soon as it is full or this has passed, whichever comes first
 * @param queueCapacity the most requests waiting (not yet in a run); a submit beyond throws
 *                      {@link QueueFullException}
 * @param timeout       per-request limit from submit to result ({@link RequestTimeoutException});
 *                      zero means none
 * @param concurrency   batches run at the same time: while one runs, the next one gathers. One
 *                      batch already uses every thread of the session; 2 (the default) keeps
 *                      the session busy between batches
 * @param listener      metrics hooks ({@link BatchingListener#NONE} by default)
 */
public record BatchingOptions(int maxBatch, Duration maxDelay, int queueCapacity, Duration timeout,
                              int concurrency, BatchingListener listener) {
    /** Checks the values. */
    public BatchingOptions {
        if (maxBatch < 1) {
            throw new IllegalArgumentException("maxBatch must be >= 1, given " + maxBatch);
        }
        if (maxDelay == null || maxDelay.isNegative()) {
            throw new IllegalArgumentException("maxDelay must be >= 0, given " + maxDelay);
        }
        if (queueCapacity < 1) {
            throw new IllegalArgumentException("queueCapacity must be >= 1, given " + queueCapacity);
        }
        if (timeout == null || timeout.isNegative()) {
            throw new IllegalArgumentException("timeout must be >= 0 (0: none), given " + timeout);
        }
        if (concurrency < 1) {
            throw new IllegalArgumentException("concurrency must be >= 1, given " + concurrency);
        }
        if (listener == null) {
            throw new IllegalArgumentException("listener must not be null (BatchingListener.NONE for none)");
        }
    }

    /**
     * Batches of up to {@code maxBatch} items, 2 ms delay, 1024 waiting requests, no timeout,
     * two batches in flight, no listener.
     */
    public static BatchingOptions defaults(int maxBatch) {
        return new BatchingOptions(maxBatch, Duration.ofMillis(2), 1024, Duration.ZERO, 2, BatchingListener.NONE);
    }

    /** The same options with another largest batch. */
    public BatchingOptions withMaxBatch(int maxBatch) {
        return new BatchingOptions(maxBatch, maxDelay, queueCapacity, timeout, concurrency, listener);
    }

    /** The same options with another gathering delay. */
    public BatchingOptions withMaxDelay(Duration maxDelay) {
        return new BatchingOptions(maxBatch, maxDelay, queueCapacity, timeout, concurrency, listener);
    }

    /** The same options with another queue capacity. */
    public BatchingOptions withQueueCapacity(int queueCapacity) {
        return new BatchingOptions(maxBatch, maxDelay, queueCapacity, timeout, concurrency, listener);
    }

    /** The same options with another per-request timeout (zero: none). */
    public BatchingOptions withTimeout(Duration timeout) {
        return new BatchingOptions(maxBatch, maxDelay, queueCapacity, timeout, concurrency, listener);
    }

    /** The same options with another number of batches in flight. */
    public BatchingOptions withConcurrency(int concurrency) {
        return new BatchingOptions(maxBatch, maxDelay, queueCapacity, timeout, concurrency, listener);
    }

    /** The same options with another listener. */
    public BatchingOptions withListener(BatchingListener listener) {
        return new BatchingOptions(maxBatch, maxDelay, queueCapacity, timeout, concurrency, listener);
    }
}
