package dev.sparse24.testing;

import dev.sparse24.runtime.batching.BatchingListener;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Holds a batcher's runner in the first batch it completes until {@link #release} counts down
 * (at most 90 s, so a failed test cannot hang close()); optionally interrupts the runner after.
 * Lets batching and server tests build a full queue or a stuck batch as a state, not a timing.
 */
public class StallingListener implements BatchingListener {
    /** Counts down when the runner is held. */
    public final CountDownLatch entered = new CountDownLatch(1);
    /** Count down to let the runner go. */
    public final CountDownLatch release = new CountDownLatch(1);
    /** Submits refused because the queue was full. */
    public final AtomicInteger rejected = new AtomicInteger();
    /** Whether the runner interrupts itself once released. */
    public volatile boolean interruptAfter;

    @Override
    public void batchCompleted(int requests, int samples, long waitNanos, long runNanos, Throwable failure) {
        if (entered.getCount() == 0) {
            return;
        }
        entered.countDown();
        try {
            release.await(90, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
        if (interruptAfter) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void rejected() {
        rejected.incrementAndGet();
    }
}
