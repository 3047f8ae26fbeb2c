package dev.sparse24.runtime.batching;

import java.nio.Buffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;

/**
 * One submitted request while it waits and runs: its inputs (not copied until its batch is
 * gathered), its batch and the future its caller holds.
 */
final class PendingRequest {
    final Buffer[] inputs;   // one per model input: FloatBuffer (FLOAT32) or ByteBuffer (UINT8/INT8)
    final int batch;
    final long submittedNanos;
    final CompletableFuture<float[][]> future = new CompletableFuture<>();
    volatile ScheduledFuture<?> timeout;

    PendingRequest(Buffer[] inputs, int batch, long submittedNanos) {
        this.inputs = inputs;
        this.batch = batch;
        this.submittedNanos = submittedNanos;
    }
}
