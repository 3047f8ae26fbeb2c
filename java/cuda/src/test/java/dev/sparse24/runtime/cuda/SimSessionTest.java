package dev.sparse24.runtime.cuda;

import dev.sparse24.graph.Graph;
import dev.sparse24.runtime.Device;
import dev.sparse24.runtime.InferenceSession;
import dev.sparse24.runtime.SessionOptions;
import dev.sparse24.runtime.SparseModel;
import dev.sparse24.runtime.TutorialGraph;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The tutorial model on Device.CUDA through the host simulation against the CPU runtime. */
class SimSessionTest {
    @BeforeAll
    static void simulate() {
        System.setProperty("sparse24.cuda.sim", "true");
    }

    @AfterAll
    static void restore() {
        System.clearProperty("sparse24.cuda.sim");
    }

    @Test
    void tutorialModelMatchesTheCpu() throws Exception {
        Graph g = TutorialGraph.build(7);
        SparseModel model = SparseModel.fromGraph(g);
        int batch = 16;
        float[] x = new float[batch * 784];
        Random r = new Random(3);
        for (int i = 0; i < x.length; i++) {
            x[i] = r.nextFloat();
        }
        float[] cpu;
        try (InferenceSession s = model.newSession(SessionOptions.defaults().withDevice(Device.CPU))) {
            cpu = s.run(x, batch);
        }
        float[] gpu;
        try (InferenceSession s = model.newSession(SessionOptions.defaults().withDevice(Device.CUDA))) {
            assertEquals(Device.CUDA, s.device());
            assertTrue(s.description().contains("simulation"), s.description());
            gpu = s.run(x, batch);
        }
        double scale = 0;
        for (float v : cpu) {
            scale = Math.max(scale, Math.abs(v));
        }
        for (int i = 0; i < cpu.length; i++) {
            assertEquals(cpu[i], gpu[i], 2e-2 * scale, "logit " + i);
        }
    }
}
