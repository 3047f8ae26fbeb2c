package dev.sparse24.runtime;

import dev.sparse24.testing.TutorialFixture;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Interrupts and close() racing runs that use the worker pool (threads=4, batches split into
 * chunks, and small batches whose GEMM steps split their rows): every run either returns the
 * result of the same session run alone bit for bit, throws {@link CancellationException} with the interrupt
 * status still set, or (after a close) {@link IllegalStateException}. A run that returned while
 * its workers still wrote into its workspace shows as a wrong result in a later run; a close
 * that freed memory under a worker shows as a JVM crash (the fork dies, the build fails).
 *
 * <p>Bounded to about {@value #SECONDS} s ({@code -Dsparse24.stress.seconds}); the long version
 * is bench/run-interrupt-stress.sh.
 */
class InferenceSessionInterruptTest {
    static final int SECONDS = 25;
    static final int CALLERS = 3;
    static final int[] BATCHES = {1, 2, 5, 8, 16, 33, 40};

    @Test
    void interruptsAndCloseNeverCorruptOrCrash() throws Exception {
        SparseModel model = SparseModel.fromGraph(TutorialFixture.graph(3));
        SessionOptions options = SessionOptions.defaults().withDevice(Device.CPU).withThreads(4).withMaxBatch(8);
        Random r = new Random(11);
        float[][] inputs = new float[BATCHES.length][];
        float[][] expected = new float[BATCHES.length][];
        AtomicReference<InferenceSession> current = new AtomicReference<>(model.newSession(options));
        try (InferenceSession single = model.newSession(options.withThreads(1))) {
            for (int i = 0; i < BATCHES.length; i++) {
                inputs[i] = InferenceSessionTest.uniform(r, BATCHES[i] * 784);
                // The reference: the same options, one run at a time on one calling thread. (How
                // a small batch's GEMM rows are split over workers moves tile boundaries, so
                // threads=1 agrees only to rounding; that is checked too.)
                expected[i] = current.get().run(inputs[i], BATCHES[i]);
                float[] alone = single.run(inputs[i], BATCHES[i]);
                assertTrue(InferenceSessionTest.relativeError(expected[i], alone) < 1e-5, "batch " + BATCHES[i]);
            }
        }
        AtomicLong ok = new AtomicLong();
        AtomicLong cancelled = new AtomicLong();
        AtomicLong refused = new AtomicLong();
        AtomicLong mismatches = new AtomicLong();
        AtomicLong interrupts = new AtomicLong();
        AtomicLong closes = new AtomicLong();
        List<Throwable> unexpected = java.util.Collections.synchronizedList(new ArrayList<>());
        long end = System.nanoTime() + Long.getLong("sparse24.stress.seconds", SECONDS) * 1_000_000_000L;
        List<Thread> callers = new ArrayList<>();
        for (int c = 0; c < CALLERS; c++) {
            int seed = c;
            Thread t = new Thread(() -> {
                Random rc = new Random(seed);
                while (System.nanoTime() < end) {
                    int i = rc.nextInt(BATCHES.length);
                    try {
                        float[] got = current.get().run(inputs[i], BATCHES[i]);
                        if (java.util.Arrays.equals(expected[i], got)) {
                            ok.incrementAndGet();
                        } else {
                            mismatches.incrementAndGet();
                        }
                    } catch (CancellationException e) {
                        cancelled.incrementAndGet();
                        if (!Thread.currentThread().isInterrupted()
                                || !(e.getCause() instanceof InterruptedException)) {
                            unexpected.add(new AssertionError("interrupt status lost or no cause", e));
                        }
                    } catch (IllegalStateException e) {
                        if (e.getMessage() != null && e.getMessage().contains("closed")) {
                            refused.incrementAndGet();
                        } else {
                            unexpected.add(e);
                        }
                    } catch (RuntimeException | Error e) {
                        unexpected.add(e);
                    }
                    Thread.interrupted(); // an interrupt that landed outside run() is spent here
                }
            }, "stress-caller-" + c);
            callers.add(t);
            t.start();
        }
        Random chaos = new Random(99);
        while (System.nanoTime() < end) {
            Thread.sleep(0, chaos.nextInt(1_000_000));
            callers.get(chaos.nextInt(CALLERS)).interrupt();
            interrupts.incrementAndGet();
            if (chaos.nextInt(40) == 0) {
                // A close racing runs in flight (some of them just interrupted).
                InferenceSession old = current.getAndSet(model.newSession(options));
                old.close();
                closes.incrementAndGet();
            }
        }
        for (Thread t : callers) {
            t.join(60_000);
            assertTrue(!t.isAlive(), t.getName() + " is stuck");
        }
        current.get().close();
        String figures = ok + " ok, " + cancelled + " cancelled, " + refused + " refused after close, "
                + mismatches + " mismatches, " + interrupts + " interrupts, " + closes + " closes";
        System.out.println("interrupt stress: " + figures);
        if (!unexpected.isEmpty()) {
            AssertionError e = new AssertionError(unexpected.size() + " unexpected failures (" + figures + ")",
                    unexpected.get(0));
            throw e;
        }
        assertEquals(0, mismatches.get(), figures);
        assertTrue(ok.get() > 100 && cancelled.get() > 10, "the stress did too little: " + figures);
    }

    @Test
    void aRunOnAnInterruptedThreadThrowsAndKeepsTheStatus() throws Exception {
        SparseModel model = SparseModel.fromGraph(TutorialFixture.graph(3));
        try (InferenceSession s = model.newSession(SessionOptions.defaults().withThreads(4).withMaxBatch(8))) {
            float[] x = InferenceSessionTest.uniform(new Random(1), 32 * 784);
            float[] want = s.run(x, 32);
            Thread.currentThread().interrupt();
            try {
                CancellationException e = assertThrows(CancellationException.class, () -> s.run(x, 32));
                assertInstanceOf(InterruptedException.class, e.getCause());
                assertTrue(Thread.currentThread().isInterrupted(), "interrupt status kept");
            } finally {
                Thread.interrupted();
            }
            assertArrayEquals(want, s.run(x, 32), "the session still works after an interrupted run");
        }
    }
}
