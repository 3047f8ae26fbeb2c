package dev.sparse24.runtime.cpu;

import dev.sparse24.tensor.Tensor;

import java.nio.FloatBuffer;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
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
    /** The stop signal of the run this frame serves (set per pass). */
    RunControl control;

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
        forkJoin(pool, parts, part, control);
    }

    /**
     * Runs {@code part.accept(p)} for p in [0, parts) on the calling thread and up to parts - 1
     * pool workers, each part exactly once: every participant claims the next unclaimed part until
     * none is left, so a worker that is slow to start (parked, or its core taken by another
     * process) costs nothing - the caller runs its parts instead of waiting for it (with two
     * session threads on a busy 2-core machine, batch-1 latency went from 0.2 to 1.5 ms waiting).
     * Returns only when every part has finished or was skipped - also when the caller is
     * interrupted meanwhile (it then stops {@code control}, so parts not yet started skip, keeps
     * waiting, and sets its interrupt status again) - then rethrows the first failure. Never
     * returning early is what keeps a worker from writing into a workspace that went back to the
     * pool, or into memory close() freed; a task that starts after every part was claimed does
     * nothing.
     */
    static void forkJoin(ExecutorService pool, int parts, IntConsumer part, RunControl control) {
        CountDownLatch done = new CountDownLatch(parts);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicInteger next = new AtomicInteger();
        Runnable claim = () -> {
            for (int p = next.getAndIncrement(); p < parts; p = next.getAndIncrement()) {
                try {
                    if (!control.stopped()) {
                        part.accept(p);
                    }
                } catch (Throwable t) {
                    fail(failure, t, control);
                } finally {
                    done.countDown();
                }
            }
        };
        try {
            for (int p = 1; p < parts; p++) {
                pool.execute(claim);
            }
        } catch (RejectedExecutionException e) {
            // The caller claims what no worker takes.
        }
        try {
            control.checkpoint();
        } catch (Throwable t) {
            fail(failure, t, control);
        }
        claim.run();
        boolean interrupted = false;
        // The other parts usually end within microseconds of part 0: poll before parking.
        long spinEnd = System.nanoTime() + SpinningQueue.SPIN_NANOS;
        while (done.getCount() > 0 && System.nanoTime() < spinEnd && !Thread.currentThread().isInterrupted()) {
            Thread.onSpinWait();
        }
        while (true) {
            try {
                done.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
                control.interrupt();
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        Throwable t = failure.get();
        if (t == null && control.stopped()) {
            // Parts skipped without a failure of their own: the work is incomplete.
            throw new RunControl.Stopped();
        }
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        if (t != null) {
            throw new IllegalStateException(t);
        }
    }

    /** Records the first real failure (a {@link RunControl.Stopped} only when there is none) and stops the run. */
    private static void fail(AtomicReference<Throwable> failure, Throwable t, RunControl control) {
        if (!(t instanceof RunControl.Stopped)) {
            control.stop();
            failure.getAndUpdate(f -> f == null || f instanceof RunControl.Stopped ? t : f);
        } else {
            failure.compareAndSet(null, t);
        }
    }

    /** A view of {@code count} floats of {@code b} from {@code offset}, position 0. */
    static FloatBuffer slice(FloatBuffer b, int offset, int count) {
        return b.duplicate().position(offset).limit(offset + count).slice();
    }
}
