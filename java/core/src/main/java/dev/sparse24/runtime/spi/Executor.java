package dev.sparse24.runtime.spi;

import java.nio.FloatBuffer;

/**
 * A model compiled for one device: what an {@link dev.sparse24.runtime.InferenceSession}
 * delegates to. Implementations are thread-safe ({@link #run} may be called concurrently) and
 * validate every size before touching native memory or a device.
 */
public interface Executor extends AutoCloseable {
    /**
     * Runs the graph for {@code batch} items; buffers are read/written from their positions,
     * which are not changed.
     *
     * @throws IllegalArgumentException on a wrong buffer count or size (expected and given)
     * @throws IllegalStateException    after {@link #close()}
     */
    void run(FloatBuffer[] in, int batch, FloatBuffer[] out);

    /** Whether {@link #close()} has been called (a run then throws IllegalStateException). */
    boolean isClosed();

    /** What runs, in words: device, kernels, threads. */
    String description();

    /** Waits for runs in flight, then frees the executor's memory; idempotent. */
    @Override
    void close();
}
