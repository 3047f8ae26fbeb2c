package dev.sparse24.runtime.cuda;

import dev.sparse24.data.MnistDataset;
import dev.sparse24.graph.Graph;
import dev.sparse24.runtime.BackendUnavailableException;
import dev.sparse24.runtime.Device;
import dev.sparse24.runtime.InferenceSession;
import dev.sparse24.runtime.SessionOptions;
import dev.sparse24.runtime.SparseModel;
import dev.sparse24.testing.Outputs;
import dev.sparse24.testing.TutorialFixture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Sessions on Device.CUDA through the host simulation: the tutorial model, threads, errors. */
class SimSessionTest {
    @BeforeAll
    static void simulate() {
        SimFixtures.requireSimulation();
        System.setProperty("sparse24.cuda.sim", "true");
    }

    @AfterAll
    static void restore() {
        System.clearProperty("sparse24.cuda.sim");
    }

    static int[] argmax(float[] logits, int classes) {
        int[] p = new int[logits.length / classes];
        for (int i = 0; i < p.length; i++) {
            for (int c = 1; c < classes; c++) {
                if (logits[i * classes + c] > logits[i * classes + p[i]]) {
                    p[i] = c;
                }
            }
        }
        return p;
    }

    /** The tutorial model (2:4 conv2 and dense1, random weights) on 16 MNIST test images. */
    @Test
    void tutorialModelGivesTheCpuPredictionsOnMnist() throws Exception {
        // MNIST as users get it (../shared when present, else fetched and checked): any clone.
        MnistDataset data = dev.sparse24.testing.TestData.mnist(16);
        float[] x = Arrays.copyOf(data.testImages().toArray(), 16 * 784);
        SparseModel model = SparseModel.fromGraph(TutorialFixture.graph(7));
        float[] cpu;
        try (InferenceSession s = model.newSession(SessionOptions.defaults().withDevice(Device.CPU))) {
            cpu = s.run(x, 16);
        }
        float[] gpu;
        try (InferenceSession s = model.newSession(SessionOptions.defaults().withDevice(Device.CUDA))) {
            assertEquals(Device.CUDA, s.device());
            assertTrue(s.description().contains("simulation") && s.description().contains("2 of 4 GEMM layers 2:4"),
                    s.description());
            gpu = s.run(x, 16);
        }
        // fp16 weights and activations against fp32: a few parts in a thousand of the logits' scale.
        double err = Outputs.relativeError(gpu, cpu);
        assertTrue(err < 1e-2, "relative error " + err);
        assertArrayEquals(argmax(cpu, 10), argmax(gpu, 10));
    }

    /** 4 threads share one session; each result equals the single-threaded one bit for bit. */
    @Test
    void fourThreadsShareASession() throws Exception {
        Graph g = SimOpsTest.convolutions(21);
        SparseModel model = SparseModel.fromGraph(g);
        int sample = model.inputs().get(0).sampleSize();
        Random r = new Random(9);
        List<float[]> inputs = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            inputs.add(Outputs.gaussian(r, (1 + i % 3) * sample));
        }
        try (InferenceSession s = model.newSession(SessionOptions.defaults().withDevice(Device.CUDA))) {
            List<float[]> want = new ArrayList<>();
            for (float[] in : inputs) {
                want.add(s.run(in, in.length / sample));
            }
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<float[]>> got = new ArrayList<>();
                for (int rep = 0; rep < 3; rep++) {
                    for (float[] in : inputs) {
                        got.add(pool.submit(() -> s.run(in, in.length / sample)));
                    }
                }
                for (int i = 0; i < got.size(); i++) {
                    assertArrayEquals(want.get(i % inputs.size()), got.get(i).get(), "run " + i);
                }
            } finally {
                pool.shutdown();
            }
        }
    }

    /**
     * Runs reuse the session's workspace: no device memory and no host staging buffer per run
     * (they come from DeviceApi.allocateHost: page-locked on a GPU); close frees everything.
     */
    @Test
    void runsAllocateNothingAndCloseFreesAll() {
        dev.sparse24.runtime.cuda.sim.SimDevice device = new dev.sparse24.runtime.cuda.sim.SimDevice();
        CudaExecutor ex = new CudaExecutor(SimOpsTest.convolutions(5), device, "sim", dev.sparse24.runtime.HalfPrecision.FP16, 4);
        int afterCompile = device.liveAllocations();
        assertTrue(afterCompile > 0);
        int staging = device.liveHostBuffers();
        assertEquals(2, staging, "the first workspace's input and output staging buffers");
        java.nio.FloatBuffer in = java.nio.FloatBuffer.allocate(6 * 143);
        java.nio.FloatBuffer out = java.nio.FloatBuffer.allocate(6 * 17);
        for (int i = 0; i < 5; i++) {
            ex.run(new java.nio.FloatBuffer[]{in}, 6, new java.nio.FloatBuffer[]{out});
        }
        assertEquals(afterCompile, device.liveAllocations());
        assertEquals(1, ex.workspaceCount());
        ex.run(new java.nio.FloatBuffer[]{in}, 6, new java.nio.FloatBuffer[]{out});
        assertEquals(staging, device.liveHostBuffers());
        ex.close();
        assertEquals(0, device.liveAllocations());
        assertEquals(0, device.liveHostBuffers());
    }

    @Test
    void unsupportedOpsRefuseCudaAndAutoFallsBack() throws Exception {
        Graph fc = SimOpsTest.fc(10, 16, true, dev.sparse24.graph.FusedActivation.NONE, 2);
        List<dev.sparse24.graph.GraphTensor> t = new ArrayList<>(fc.tensors());
        t.add(dev.sparse24.graph.GraphTensor.activation("p", new int[]{-1, 10}, dev.sparse24.graph.DType.FLOAT32));
        List<dev.sparse24.graph.Operator> ops = new ArrayList<>(fc.operators());
        ops.add(new dev.sparse24.graph.Operator(dev.sparse24.graph.OpType.SOFTMAX, new int[]{3}, new int[]{4},
                dev.sparse24.graph.OpOptions.softmax(1f)));
        SparseModel model = SparseModel.fromGraph(new Graph(t, ops, new int[]{0}, new int[]{4}, java.util.Map.of()));
        BackendUnavailableException e = assertThrows(BackendUnavailableException.class,
                () -> model.newSession(SessionOptions.defaults().withDevice(Device.CUDA)));
        assertTrue(e.reason().contains("SOFTMAX"), e.getMessage());
        try (InferenceSession s = model.newSession(SessionOptions.defaults().withDevice(Device.AUTO))) {
            assertEquals(Device.CPU, s.device());
            assertTrue(s.description().contains("CUDA not used: the CUDA backend does not run SOFTMAX"),
                    s.description());
        }
    }

    @Test
    void autoPicksTheSimulationWhenItIsThere() throws Exception {
        SparseModel model = SparseModel.fromGraph(SimOpsTest.fc(3, 8, true, dev.sparse24.graph.FusedActivation.NONE, 1));
        try (InferenceSession s = model.newSession(SessionOptions.defaults().withDevice(Device.AUTO))) {
            assertEquals(Device.CUDA, s.device());
        }
    }

    @Test
    void badSizesAndClosedSessionsAreReported() throws Exception {
        SparseModel model = SparseModel.fromGraph(SimOpsTest.fc(3, 8, true, dev.sparse24.graph.FusedActivation.NONE, 1));
        InferenceSession s = model.newSession(SessionOptions.defaults().withDevice(Device.CUDA).withMaxBatch(2));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.run(new float[7], 1));
        assertTrue(e.getMessage().contains("expected 1 x 8 = 8 floats, given 7"), e.getMessage());
        assertEquals(0, s.run(new float[0], 0).length);
        float[] x = new float[5 * 8];
        Arrays.fill(x, 1f);
        float[] y = s.run(x, 5);                // 5 items in passes of 2, 2, 1
        for (int i = 1; i < 5; i++) {
            assertArrayEquals(Arrays.copyOfRange(y, 0, 3), Arrays.copyOfRange(y, 3 * i, 3 * i + 3));
        }
        s.close();
        s.close();
        assertThrows(IllegalStateException.class, () -> s.run(x, 5));
    }
}
