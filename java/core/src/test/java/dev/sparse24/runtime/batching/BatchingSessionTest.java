package dev.sparse24.runtime.batching;

import dev.sparse24.runtime.Device;
import dev.sparse24.runtime.InferenceSession;
import dev.sparse24.runtime.SessionOptions;
import dev.sparse24.runtime.SparseModel;
import dev.sparse24.testing.TutorialFixture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import dev.sparse24.testing.StallingListener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The batcher against the session it wraps: results equal the session's own runs bit for bit,
 * and the queue, timeouts, close, cancellation and failures behave as documented. Runs are
 * stalled deterministically by a dependent action of a future (futures complete on the batcher's
 * thread), never by sleeping.
 */
@Timeout(120)
class BatchingSessionTest {
    static final int IN = 784;
    static final int OUT = 10;
    static SparseModel model;
    static InferenceSession session;

    @BeforeAll
    static void open() throws Exception {
        model = SparseModel.fromGraph(TutorialFixture.graph(5));
        // One thread: then a sample's result does not depend on which batch it ran in (tile
        // boundaries of split GEMM rows move with the batch) and can be compared bit for bit.
        session = model.newSession(SessionOptions.defaults().withDevice(Device.CPU).withThreads(1).withMaxBatch(16));
    }

    @AfterAll
    static void close() {
        session.close();
    }

    static float[] image(long seed) {
        Random r = new Random(seed);
        float[] x = new float[IN];
        for (int i = 0; i < IN; i++) {
            x[i] = r.nextFloat();
        }
        return x;
    }

    static float[] images(long seed, int n) {
        float[] x = new float[n * IN];
        for (int i = 0; i < n; i++) {
            System.arraycopy(image(seed * 1000 + i), 0, x, i * IN, IN);
        }
        return x;
    }

    static double relativeError(float[] got, float[] want) {
        double num = 0;
        double den = 0;
        for (int i = 0; i < want.length; i++) {
            num += (got[i] - want[i]) * (double) (got[i] - want[i]);
            den += want[i] * (double) want[i];
        }
        return Math.sqrt(num / Math.max(den, 1e-30));
    }

    static Throwable failure(CompletableFuture<?> f) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(30, TimeUnit.SECONDS));
        return e.getCause();
    }

    /** Holds the runner in its next batch (StallingListener) with a helper to get it there. */
    static final class Stall extends StallingListener {
        /** Submits one request and returns once the runner is held in its batch. */
        CompletableFuture<float[]> hold(BatchingSession b) throws InterruptedException {
            CompletableFuture<float[]> f = b.submit(image(1), 1);
            assertTrue(entered.await(30, TimeUnit.SECONDS), "the runner never ran the stalling request");
            return f;
        }
    }

    @Test
    void concurrentSubmittersGetTheirOwnRows() throws Exception {
        int threads = 8;
        int perThread = 60;
        AtomicInteger multiRequestBatches = new AtomicInteger();
        BatchingListener listener = new BatchingListener() {
            @Override
            public void batchCompleted(int requests, int samples, long waitNanos, long runNanos, Throwable failure) {
                if (requests > 1) {
                    multiRequestBatches.incrementAndGet();
                }
            }
        };
        List<Throwable> errors = Collections.synchronizedList(new ArrayList<>());
        try (BatchingSession b = new BatchingSession(session, BatchingOptions.defaults(16)
                .withMaxDelay(Duration.ofMillis(5)).withListener(listener))) {
            List<Thread> submitters = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int id = t;
                submitters.add(new Thread(() -> {
                    Random r = new Random(id);
                    try {
                        for (int i = 0; i < perThread; i++) {
                            int n = 1 + r.nextInt(3);
                            float[] x = images(id * 10_000L + i, n);
                            float[] got = b.submit(x, n).get(60, TimeUnit.SECONDS);
                            // The reference is the session run alone, one sample at a time: equal
                            // to rounding (kernels differ by batch size; bitwise equality to the
                            // gathered batch's own run is the next test). A row of another request
                            // or sample would differ by far more than 1e-5.
                            for (int s = 0; s < n; s++) {
                                float[] want = session.run(java.util.Arrays.copyOfRange(x, s * IN, (s + 1) * IN), 1);
                                float[] row = java.util.Arrays.copyOfRange(got, s * OUT, (s + 1) * OUT);
                                assertTrue(relativeError(row, want) < 1e-5, "thread " + id + " request " + i
                                        + " sample " + s + ": " + java.util.Arrays.toString(row) + " vs "
                                        + java.util.Arrays.toString(want));
                            }
                        }
                    } catch (Throwable e) {
                        errors.add(e);
                    }
                }));
            }
            submitters.forEach(Thread::start);
            for (Thread t : submitters) {
                t.join();
            }
            assertEquals(List.of(), errors);
            BatchingStats stats = b.stats();
            assertEquals(threads * perThread, stats.submitted());
            assertTrue(stats.batches() < stats.submitted(), "no requests were gathered: " + stats);
            assertTrue(multiRequestBatches.get() > 0);
        }
    }

    @Test
    void gatheredBatchEqualsOneSessionRunOfTheSameSamples() throws Exception {
        Stall stall = new Stall();
        // Threads=2 session: bitwise equal to the session's run of the concatenated batch.
        try (InferenceSession two = model.newSession(SessionOptions.defaults().withDevice(Device.CPU)
                .withThreads(2).withMaxBatch(8));
             BatchingSession b = new BatchingSession(two, BatchingOptions.defaults(8).withConcurrency(1)
                     .withMaxDelay(Duration.ofSeconds(10)).withListener(stall))) {
            stall.hold(b);
            List<CompletableFuture<float[]>> fs = new ArrayList<>();
            int[] sizes = {1, 3, 2, 2};               // 8 items: one full batch once released
            for (int i = 0; i < sizes.length; i++) {
                fs.add(b.submit(images(i, sizes[i]), sizes[i]));
            }
            stall.release.countDown();
            float[] all = new float[8 * IN];
            int at = 0;
            for (int i = 0; i < sizes.length; i++) {
                System.arraycopy(images(i, sizes[i]), 0, all, at, sizes[i] * IN);
                at += sizes[i] * IN;
            }
            float[] want = two.run(all, 8);
            at = 0;
            for (int i = 0; i < sizes.length; i++) {
                float[] got = fs.get(i).get(30, TimeUnit.SECONDS);
                assertArrayEquals(java.util.Arrays.copyOfRange(want, at, at + sizes[i] * OUT), got, "request " + i);
                at += sizes[i] * OUT;
            }
            assertEquals(2, b.stats().batches(), "the stalling request, then the four gathered: " + b.stats());
        }
    }

    @Test
    void requestLargerThanMaxBatchRunsAlone() throws Exception {
        try (BatchingSession b = new BatchingSession(session, BatchingOptions.defaults(4))) {
            float[] x = images(9, 11);
            assertArrayEquals(session.run(x, 11), b.submit(x, 11).get(30, TimeUnit.SECONDS));
        }
    }

    @Test
    void fullQueueRefusesAtOnce() throws Exception {
        Stall stall = new Stall();
        try (BatchingSession b = new BatchingSession(session, BatchingOptions.defaults(4).withConcurrency(1)
                .withQueueCapacity(3).withListener(stall))) {
            stall.hold(b);
            List<CompletableFuture<float[]>> queued = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                queued.add(b.submit(image(i), 1));
            }
            assertEquals(3, b.queueDepth());
            QueueFullException e = assertThrows(QueueFullException.class, () -> b.submit(image(9), 1));
            assertTrue(e.getMessage().contains("3 requests"), e.getMessage());
            assertEquals(1, stall.rejected.get());
            stall.release.countDown();
            for (int i = 0; i < 3; i++) {
                assertArrayEquals(session.run(image(i), 1), queued.get(i).get(30, TimeUnit.SECONDS));
            }
            // Room again after the queue drained.
            assertArrayEquals(session.run(image(5), 1), b.submit(image(5), 1).get(30, TimeUnit.SECONDS));
            assertEquals(1, b.stats().rejected());
        }
    }

    @Test
    void waitingRequestTimesOutAndIsNeverRun() throws Exception {
        Stall stall = new Stall();
        try (BatchingSession b = new BatchingSession(session, BatchingOptions.defaults(4).withConcurrency(1)
                .withTimeout(Duration.ofMillis(100)).withListener(stall))) {
            stall.hold(b);
            CompletableFuture<float[]> late = b.submit(image(2), 1);
            assertInstanceOf(RequestTimeoutException.class, failure(late));   // waits for the timer, not a sleep
            long batchesBefore = b.stats().batches();
            stall.release.countDown();
            // A request after it still runs, and the expired one was dropped, not run.
            assertArrayEquals(session.run(image(3), 1), b.submit(image(3), 1).get(30, TimeUnit.SECONDS));
            assertEquals(batchesBefore + 1, b.stats().batches());
            // The held request timed out too: it was submitted before the late one, and its
            // future completes only after the listener lets go.
            assertEquals(2, b.stats().timedOut());
        }
    }

    @Test
    void cancelledRequestLeavesTheQueue() throws Exception {
        Stall stall = new Stall();
        try (BatchingSession b = new BatchingSession(session, BatchingOptions.defaults(4).withConcurrency(1)
                .withListener(stall))) {
            stall.hold(b);
            CompletableFuture<float[]> cancelled = b.submit(image(2), 1);
            CompletableFuture<float[]> kept = b.submit(image(3), 1);
            assertTrue(cancelled.cancel(true));
            stall.release.countDown();
            assertArrayEquals(session.run(image(3), 1), kept.get(30, TimeUnit.SECONDS));
            assertEquals(2, b.stats().batches(), b.stats().toString());
            assertEquals(2, b.stats().samples(), "the cancelled request was run: " + b.stats());
        }
    }

    @Test
    void closeDrainsRequestsInFlightThenRefuses() throws Exception {
        Stall stall = new Stall();
        BatchingSession b = new BatchingSession(session, BatchingOptions.defaults(2).withConcurrency(1)
                .withListener(stall));
        CompletableFuture<float[]> first = stall.hold(b);
        List<CompletableFuture<float[]>> queued = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            queued.add(b.submit(image(10 + i), 1));
        }
        Thread closer = new Thread(b::close);
        closer.start();
        // close() marks the batcher closed at once and then waits for the drain.
        while (!b.isClosed()) {
            Thread.onSpinWait();
        }
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> b.submit(image(1), 1));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        assertTrue(closer.isAlive(), "close returned with requests still queued");
        stall.release.countDown();
        closer.join(30_000);
        assertTrue(!closer.isAlive());
        for (int i = 0; i < 5; i++) {
            assertTrue(queued.get(i).isDone(), "close returned before request " + i + " ran");
            assertArrayEquals(session.run(image(10 + i), 1), queued.get(i).get());
        }
        assertArrayEquals(session.run(image(1), 1), first.get());
        b.close();                                  // idempotent
    }

    @Test
    void failingRunFailsOnlyItsBatch() throws Exception {
        Stall stall = new Stall();
        stall.interruptAfter = true;
        try (BatchingSession b = new BatchingSession(session, BatchingOptions.defaults(4).withConcurrency(1)
                .withMaxDelay(Duration.ofSeconds(10)).withListener(stall))) {
            // The stalling listener interrupts its (batcher) thread: the session cancels the next
            // run - a real failure of the runtime - and only that batch's requests fail.
            CompletableFuture<float[]> a = stall.hold(b);
            List<CompletableFuture<float[]>> doomed = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                doomed.add(b.submit(image(20 + i), 1));
            }
            stall.release.countDown();
            for (CompletableFuture<float[]> f : doomed) {
                assertInstanceOf(CancellationException.class, failure(f));
            }
            assertArrayEquals(session.run(image(1), 1), a.get());
            assertArrayEquals(session.run(image(30), 1), b.submit(image(30), 1).get(30, TimeUnit.SECONDS));
            assertEquals(4, b.stats().failed());
        }
    }

    @Test
    void closedSessionFailsBatchesNotTheBatcher() throws Exception {
        InferenceSession own = model.newSession(SessionOptions.defaults().withDevice(Device.CPU).withThreads(1));
        try (BatchingSession b = new BatchingSession(own, BatchingOptions.defaults(4))) {
            assertArrayEquals(session.run(image(1), 1), b.submit(image(1), 1).get(30, TimeUnit.SECONDS));
            own.close();
            assertInstanceOf(IllegalStateException.class, failure(b.submit(image(2), 1)));
            assertInstanceOf(IllegalStateException.class, failure(b.submit(image(3), 1)));
        }
    }

    @Test
    void badRequestsAreRefusedAtSubmit() {
        try (BatchingSession b = new BatchingSession(session, BatchingOptions.defaults(4))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.submit(new float[783], 1));
            assertTrue(e.getMessage().contains("1 x 784 = 784 values, given 783"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> b.submit(new float[0], 0));
            e = assertThrows(IllegalArgumentException.class, () -> b.submit(new byte[784], 1));
            assertTrue(e.getMessage().contains("FLOAT32: expected a FloatBuffer, given"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> b.submit(new Buffer[0], 1));
            assertThrows(IllegalArgumentException.class, () -> b.submit((float[]) null, 1));
            // Buffers are read from their position, which stays where it was.
            FloatBuffer x = FloatBuffer.allocate(IN + 5).position(5);
            assertEquals(784, x.remaining());
            assertThrows(IllegalArgumentException.class, () -> b.submit(new Buffer[]{ByteBuffer.allocate(IN)}, 1));
        }
    }

    @Test
    void buffersAreReadFromTheirPosition() throws Exception {
        try (BatchingSession b = new BatchingSession(session, BatchingOptions.defaults(4))) {
            FloatBuffer x = FloatBuffer.allocate(IN + 7);
            x.position(7);
            x.put(image(4));
            x.position(7);
            float[][] got = b.submit(new Buffer[]{x}, 1).get(30, TimeUnit.SECONDS);
            assertArrayEquals(session.run(image(4), 1), got[0]);
            assertEquals(7, x.position());
        }
    }

    @Test
    void uint8InputsAreBatchedAsBytes() throws Exception {
        SparseModel u8;
        try (java.io.InputStream in = BatchingSessionTest.class.getResourceAsStream(
                "/dev/sparse24/format/tflite/uint8_input.tflite")) {
            u8 = SparseModel.fromBytes(in.readAllBytes());
        }
        assertEquals(dev.sparse24.graph.DType.UINT8, u8.inputs().get(0).dtype());
        Stall stall = new Stall();
        try (InferenceSession s = u8.newSession(SessionOptions.defaults().withDevice(Device.CPU).withThreads(1)
                .withMaxBatch(8));
             BatchingSession b = new BatchingSession(s, BatchingOptions.defaults(8).withConcurrency(1)
                     .withMaxDelay(Duration.ofSeconds(10)).withListener(stall))) {
            Random r = new Random(3);
            byte[][] px = new byte[9][784];
            for (byte[] p : px) {
                r.nextBytes(p);                 // every byte value, 128..255 included
            }
            CompletableFuture<float[]> first = b.submit(px[0], 1);     // held in its batch; the next eight gather
            assertTrue(stall.entered.await(30, TimeUnit.SECONDS));
            List<CompletableFuture<float[]>> fs = new ArrayList<>();
            byte[] all = new byte[8 * 784];
            for (int i = 0; i < 8; i++) {
                fs.add(b.submit(px[i + 1], 1));
                System.arraycopy(px[i + 1], 0, all, i * 784, 784);
            }
            stall.release.countDown();
            float[] want = s.run(all, 8);
            assertArrayEquals(s.run(px[0], 1), first.get(30, TimeUnit.SECONDS));
            for (int i = 0; i < 8; i++) {
                assertArrayEquals(java.util.Arrays.copyOfRange(want, i * 10, i * 10 + 10), fs.get(i).get(30, TimeUnit.SECONDS));
            }
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.submit(new float[784], 1));
            assertTrue(e.getMessage().contains("UINT8: expected a ByteBuffer"), e.getMessage());
        }
    }

    @Test
    void optionsAreChecked() {
        assertThrows(IllegalArgumentException.class, () -> BatchingOptions.defaults(0));
        assertThrows(IllegalArgumentException.class, () -> BatchingOptions.defaults(4).withQueueCapacity(0));
        assertThrows(IllegalArgumentException.class, () -> BatchingOptions.defaults(4).withMaxDelay(Duration.ofMillis(-1)));
        assertThrows(IllegalArgumentException.class, () -> BatchingOptions.defaults(4).withConcurrency(0));
        assertThrows(IllegalArgumentException.class, () -> BatchingOptions.defaults(4).withListener(null));
    }
}
