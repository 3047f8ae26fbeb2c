package dev.sparse24.runtime.cpu;

import dev.sparse24.graph.Graph;
import dev.sparse24.testing.Outputs;
import dev.sparse24.testing.TutorialFixture;
import org.junit.jupiter.api.Test;

import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** close() against runs in flight, held at a known point by the executor's step hook; profiling. */
class CpuExecutorLifecycleTest {
    @Test
    void closeWaitsForRunsInFlightIncludingTheirPoolWorkers() throws Exception {
        Graph g = TutorialFixture.graph(8);
        float[] x = Outputs.gaussian(new Random(8), 32 * 784);
        CpuExecutor e = new CpuExecutor(g, 4, 8);
        float[] want = CpuExecutorTest.run(e, x, 32, 10);
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean first = new AtomicBoolean(true);
        // Hold the first pool worker (not the caller) that reaches step 2: close must wait for it.
        e.beforeStep(step -> {
            if (step == 2 && Thread.currentThread().getName().startsWith("sparse24-cpu-")
                    && first.compareAndSet(true, false)) {
                held.countDown();
                try {
                    release.await();
                } catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        ExecutorService callers = Executors.newFixedThreadPool(2);
        try {
            Future<float[]> inFlight = callers.submit(() -> CpuExecutorTest.run(e, x, 32, 10));
            assertTrue(held.await(30, TimeUnit.SECONDS), "a worker reached step 2");
            Future<?> closing = callers.submit(e::close);
            assertThrows(TimeoutException.class, () -> closing.get(300, TimeUnit.MILLISECONDS),
                    "close returned while a worker of a run was still in it");
            release.countDown();
            assertArrayEquals(want, inFlight.get(30, TimeUnit.SECONDS), "the run in flight completes correctly");
            closing.get(30, TimeUnit.SECONDS);
            assertThrows(IllegalStateException.class, () -> CpuExecutorTest.run(e, x, 32, 10));
        } finally {
            release.countDown();
            callers.shutdownNow();
            e.close();
        }
    }

    @Test
    void profilingIsASessionSetting() {
        Graph g = TutorialFixture.graph(8);
        float[] x = Outputs.gaussian(new Random(9), 4 * 784);
        try (CpuExecutor on = new CpuExecutor(g, 1, 8, 0, true, Isa.best());
             CpuExecutor off = new CpuExecutor(g, 1, 8)) {
            CpuExecutorTest.run(on, x, 4, 10);
            CpuExecutorTest.run(off, x, 4, 10);
            assertTrue(on.profiledMillis(0) > 0, "step 0 timed");
            assertEquals(-1, off.profiledMillis(0), "not profiled");
        }
    }
}
