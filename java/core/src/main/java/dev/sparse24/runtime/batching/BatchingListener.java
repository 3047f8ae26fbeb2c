package dev.sparse24.runtime.batching;

/**
 * Hooks for metrics (batch sizes formed, run times, rejections), so the core needs no metrics
 * library: a server implements it over Prometheus or Micrometer. Called on the batcher's own
 * threads, synchronously: implementations must be quick and thread-safe. An exception thrown here
 * is logged and ignored (it never fails a request).
 */
public interface BatchingListener {
    /** A listener that records nothing. */
    BatchingListener NONE = new BatchingListener() {
    };

    /**
     * A batch ran (successfully or not).
     *
     * @param requests  requests gathered into it
     * @param samples   batch items (the sum of the requests' batches)
     * @param waitNanos how long its oldest request waited in the queue before the run began
     * @param runNanos  how long the session's run took
     * @param failure   the exception of the run, or null when it succeeded
     */
    default void batchCompleted(int requests, int samples, long waitNanos, long runNanos, Throwable failure) {
    }

    /** A submit was refused because the queue was full ({@link QueueFullException}). */
    default void rejected() {
    }

    /** A request's timeout passed before it completed ({@link RequestTimeoutException}). */
    default void timedOut() {
    }
}
