package dev.sparse24.runtime.cpu;

import java.util.concurrent.LinkedBlockingQueue;

/**
 * The work queue of a session's worker pool: {@link #take()} polls for a short while before it
 * parks. One run hands its workers a part per layer, a few tens of microseconds apart; a parked
 * worker takes about as long again to wake, which made batch-1 runs slower on two threads than
 * on one. Spinning costs a core only for {@link #SPIN_NANOS} after each part, and a session's
 * workers own their cores anyway (OpenBLAS runs single-threaded beside them).
 */
final class SpinningQueue extends LinkedBlockingQueue<Runnable> {
    /** How long a worker (or the caller waiting for its parts, {@link Frame}) polls before parking. */
    static final long SPIN_NANOS = 200_000;

    @Override
    public Runnable take() throws InterruptedException {
        long end = System.nanoTime() + SPIN_NANOS;
        while (System.nanoTime() < end) {
            Runnable r = poll();
            if (r != null) {
                return r;
            }
            if (Thread.interrupted()) {
                throw new InterruptedException();  // shutdownNow() must still stop an idle worker
            }
            Thread.onSpinWait();
        }
        return super.take();
    }
}
