package dev.sparse24.runtime;

import dev.sparse24.testing.InterruptStorm;
import dev.sparse24.testing.Outputs;
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
        try (InferenceSession pooled = model.newSession(options);
             InferenceSession single = model.newSession(options.withThreads(1))) {
            for (int i = 0; i < BATCHES.length; i++) {
                inputs[i] = InferenceSessionTest.uniform(r, BATCHES[i] * 784);
                // The storm's reference is the same options, one run at a time on one calling
                // thread. (How a small batch's GEMM rows are split over workers moves tile
                // boundaries, so threads=1 agrees only to rounding; that is checked here.)
                float[] alone = single.run(inputs[i], BATCHES[i]);
                assertTrue(Outputs.relativeError(pooled.run(inputs[i], BATCHES[i]), alone) < 1e-5, "batch " + BATCHES[i]);
            }
        }
        InterruptStorm.Figures f = InterruptStorm.run(model, options, inputs, BATCHES, CALLERS,
                Long.getLong("sparse24.stress.seconds", SECONDS) * 1_000_000_000L, null);
        System.out.println("interrupt stress: " + f.line());
        if (!f.unexpected().isEmpty()) {
            throw new AssertionError(f.unexpectedCount() + " unexpected failures (" + f.line() + ")", f.unexpected().get(0));
        }
        assertEquals(0, f.mismatches(), f.line());
        assertTrue(f.ok() > 100 && f.cancelled() > 10, "the stress did too little: " + f.line());
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
