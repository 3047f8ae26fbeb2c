package dev.sparse24.runtime.cpu;

import dev.sparse24.tensor.Tensor;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.function.IntConsumer;

/**
 * The buffers one pass of a plan reads and writes: a view per graph tensor (activations only,
 * each starting at batch item 0), the workspace tensor behind it where there is one (null for
 * caller buffers), and one im2col scratch per worker. A frame belongs to one pass at a time,
 * which is what makes concurrent runs safe.
 *
 * <p>{@link #pool} is set only when the pass runs alone on the calling thread (a batch too
 * small to split): steps may then split their own work over the pool. Chunks that already run
 * on pool threads never get it, so no pool thread ever waits for another task.
 */
final class Frame {
    final FloatBuffer[] values;
    final Tensor[] tensors;
    final FloatBuffer[] scratch;
    ExecutorService pool;

    Frame(int tensors, FloatBuffer[] scratch) {
        this.values = new FloatBuffer[tensors];
        this.tensors = new Tensor[tensors];
        this.scratch = scratch;
    }

    /** Workers a step may use: the scratch count with a pool, else 1. */
    int workers() {
        return pool == null ? 1 : scratch.length;
    }

    /**
     * Runs {@code part.accept(p)} for p in [0, parts): p = 0 on the calling thread, the others on
     * the pool; returns when all are done, rethrowing the first failure.
     */
    void parallel(int parts, IntConsumer part) {
        if (parts <= 1 || pool == null) {
            for (int p = 0; p < parts; p++) {
                part.accept(p);
            }
            return;
        }
        forkJoin(pool, parts, part, "a step's workers");
    }

    /**
     * Runs {@code part.accept(p)} for p in [0, parts): p = 0 on the calling thread, the others on
     * {@code pool}; waits for all, then rethrows the first failure ({@code what} names the work in
     * the message of an interruption).
     */
    static void forkJoin(ExecutorService pool, int parts, IntConsumer part, String what) {
        List<Future<?>> pending = new ArrayList<>();
        for (int p = 1; p < parts; p++) {
            int q = p;
            pending.add(pool.submit(() -> part.accept(q)));
        }
        RuntimeException failure = null;
        try {
            part.accept(0);
        } catch (RuntimeException e) {
            failure = e;
        }
        for (Future<?> f : pending) {
            try {
                f.get();
            } catch (ExecutionException e) {
                if (failure == null) {
                    failure = e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                if (failure == null) {
                    failure = new IllegalStateException("interrupted while waiting for " + what, e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** A view of {@code count} floats of {@code b} from {@code offset}, position 0. */
    static FloatBuffer slice(FloatBuffer b, int offset, int count) {
        return b.duplicate().position(offset).limit(offset + count).slice();
    }
}
