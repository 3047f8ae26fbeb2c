package dev.sparse24.runtime.cpu;

import dev.sparse24.graph.Graph;
import dev.sparse24.testing.Outputs;
import dev.sparse24.testing.TutorialFixture;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The workspace pool is bounded: many callers of one executor share at most its cap of
 * workspaces (waiting for a free one) instead of each keeping its own for the executor's life.
 */
class WorkspacePoolTest {
    static final int CALLERS = 16;

    @Test
    void manyCallersShareABoundedNumberOfWorkspaces() throws Exception {
        Graph g = TutorialFixture.graph(3);
        float[] x = Outputs.gaussian(new Random(4), 16 * 784);
        try (CpuExecutor e = new CpuExecutor(g, 1, 16)) {
            int cap = WorkspacePool.defaultCapacity(1);
            assertTrue(cap < CALLERS, "the test needs more callers than the cap " + cap);
            float[] want = CpuExecutorTest.run(e, x, 16, 10);
            ExecutorService callers = Executors.newFixedThreadPool(CALLERS);
            try {
                CountDownLatch go = new CountDownLatch(1);
                List<Future<float[]>> results = new ArrayList<>();
                for (int c = 0; c < CALLERS; c++) {
                    results.add(callers.submit(() -> {
                        go.await();
                        float[] last = null;
                        for (int k = 0; k < 5; k++) {
                            last = CpuExecutorTest.run(e, x, 16, 10);
                        }
                        return last;
                    }));
                }
                go.countDown();
                for (Future<float[]> f : results) {
                    assertArrayEquals(want, f.get());
                }
            } finally {
                callers.shutdownNow();
            }
            assertTrue(e.workspaceCount() <= cap, e.workspaceCount() + " workspaces, cap " + cap);
        }
    }

    @Test
    void anExplicitCapOfOneStillRunsSplitBatchesFromManyCallers() throws Exception {
        Graph g = TutorialFixture.graph(3);
        float[] x = Outputs.gaussian(new Random(5), 32 * 784);
        float[] want;
        try (CpuExecutor alone = new CpuExecutor(g, 4, 8)) {
            want = CpuExecutorTest.run(alone, x, 32, 10);
        }
        // Cap 1: a split batch gets one workspace, so its chunks run one after another on one worker.
        try (CpuExecutor e = new CpuExecutor(g, 4, 8, 1, false, Isa.best())) {
            ExecutorService callers = Executors.newFixedThreadPool(4);
            try {
                List<Future<float[]>> results = new ArrayList<>();
                for (int c = 0; c < 4; c++) {
                    results.add(callers.submit(() -> CpuExecutorTest.run(e, x, 32, 10)));
                }
                for (Future<float[]> f : results) {
                    assertArrayEquals(want, f.get());
                }
            } finally {
                callers.shutdownNow();
            }
            assertTrue(e.workspaceCount() == 1, e.workspaceCount() + " workspaces");
        }
    }
}
