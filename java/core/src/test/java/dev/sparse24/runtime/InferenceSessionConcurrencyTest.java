package dev.sparse24.runtime;

import dev.sparse24.testing.TutorialFixture;
import dev.sparse24.graph.Graph;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Eight threads share one session of the 2:4 tutorial model (threads=4, maxBatch 8, so batches
 * are split into chunks over the worker pool, and small batches split their GEMM steps) for
 * hundreds of runs of mixed batch sizes; every result must equal, bit for bit, the same
 * session's result for that input computed alone (each run computes the same kernels on its own
 * workspace, so any sharing of scratch between runs would show as a mismatch).
 */
class InferenceSessionConcurrencyTest {
    static final int THREADS = 8;
    static final int RUNS_PER_THREAD = 60;
    static final int[] BATCHES = {1, 2, 5, 16, 33};
    static final int INPUTS = 16;

    @Test
    void eightThreadsShareOneSession() throws Exception {
        Graph g = TutorialFixture.graph(3);
        SparseModel model = SparseModel.fromGraph(g);
        Random r = new Random(5);
        float[][] inputs = new float[INPUTS][];
        int[] batches = new int[INPUTS];
        float[][] expected = new float[INPUTS][];
        try (InferenceSession session = model.newSession(SessionOptions.defaults().withThreads(4).withMaxBatch(8))) {
            for (int i = 0; i < INPUTS; i++) {
                batches[i] = BATCHES[i % BATCHES.length];
                inputs[i] = InferenceSessionTest.uniform(r, batches[i] * 784);
                expected[i] = session.run(inputs[i], batches[i]);
            }
            AtomicInteger runs = new AtomicInteger();
            ExecutorService pool = Executors.newFixedThreadPool(THREADS);
            try {
                List<Future<?>> futures = new ArrayList<>();
                for (int t = 0; t < THREADS; t++) {
                    int seed = t;
                    futures.add(pool.submit(() -> {
                        Random rt = new Random(seed);
                        for (int k = 0; k < RUNS_PER_THREAD; k++) {
                            int i = rt.nextInt(INPUTS);
                            float[] got = session.run(inputs[i], batches[i]);
                            assertArrayEquals(expected[i], got, "input " + i + " on thread " + seed + ", run " + k);
                            runs.incrementAndGet();
                        }
                        return null;
                    }));
                }
                for (Future<?> f : futures) {
                    f.get();
                }
            } finally {
                pool.shutdownNow();
            }
            assertTrue(runs.get() == THREADS * RUNS_PER_THREAD, runs + " runs");
        }
    }
}
