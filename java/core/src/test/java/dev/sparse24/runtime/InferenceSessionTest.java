package dev.sparse24.runtime;

import dev.sparse24.format.ModelFiles;
import dev.sparse24.format.ModelFormatException;
import dev.sparse24.format.s24.S24Writer;
import dev.sparse24.graph.DType;
import dev.sparse24.graph.Graph;
import dev.sparse24.ops.ReferenceEvaluator;
import dev.sparse24.tensor.Tensor;
import dev.sparse24.testing.Outputs;
import dev.sparse24.testing.TestData;
import dev.sparse24.testing.TutorialFixture;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The session API on real converter-made TFLite models (shared/data/tflite) and on the exported
 * tutorial model with 2:4 layers, against {@link ReferenceEvaluator}; plus its contract: close,
 * bad inputs, direct buffers, devices, NaN.
 */
class InferenceSessionTest {
    static final double TOLERANCE = 1e-5;
    static Graph tutorial;

    @BeforeAll
    static void setUp() {
        tutorial = TutorialFixture.graph(7);
    }

    static float[] uniform(Random r, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = r.nextFloat();
        }
        return x;
    }

    static float[] reference(Graph g, TensorInfo in, float[] x, int batch) {
        int[] s = in.shape();
        s[0] = batch;
        return new ReferenceEvaluator(g).run(Tensor.of(x, s)).toArray();
    }

    static void assertSessionMatchesReference(SparseModel model, SessionOptions options, long seed) {
        Random r = new Random(seed);
        TensorInfo in = model.inputs().get(0);
        try (InferenceSession session = model.newSession(options)) {
            for (int batch : new int[]{1, 2, 7}) {
                float[] x = uniform(r, batch * in.sampleSize());
                float[] got = session.run(x, batch);
                float[] want = reference(model.graph(), in, x, batch);
                double err = Outputs.relativeError(got, want);
                assertTrue(err < TOLERANCE, model + " batch " + batch + ": relative error " + err);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"jspkay__mnist.tflite", "kateLint__mnist.tflite", "pandcu__mnist.tflite",
            "mattn__mnist_model.tflite", "users-9706__mnist.tflite", "tflite-micro__hello_world_float.tflite"})
    void realTfliteModelsMatchReference(String file) throws Exception {
        SparseModel model = SparseModel.load(TestData.tfliteModel(file));
        assertSessionMatchesReference(model, SessionOptions.defaults(), file.hashCode());
        assertSessionMatchesReference(model, SessionOptions.defaults().withThreads(2).withMaxBatch(3), 5);
    }

    @Test
    void exportedTutorialModelRunsItsTwoFourLayersSparse() throws Exception {
        SparseModel model = SparseModel.fromGraph(tutorial);
        assertEquals(2, tutorial.compressedTensors().size(), "conv2 and dense1 are stored 2:4");
        assertEquals("[-1, 28, 28, 1]", Arrays.toString(model.inputs().get(0).shape()));
        assertEquals("[-1, 10]", Arrays.toString(model.outputs().get(0).shape()));
        try (InferenceSession s = model.newSession(SessionOptions.defaults().withDevice(Device.CPU))) {
            assertTrue(s.description().contains("2 of 4 GEMM layers 2:4"), s.description());
        }
        assertSessionMatchesReference(model, SessionOptions.defaults(), 1);
        assertSessionMatchesReference(model, SessionOptions.defaults().withThreads(2).withMaxBatch(4), 2);
    }

    @Test
    void loadsS24FromPathBufferAndBytes(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path file = dir.resolve("tutorial.s24");
        S24Writer.write(tutorial, file);
        byte[] bytes = Files.readAllBytes(file);
        SparseModel fromPath = SparseModel.load(file);
        ByteBuffer direct = ByteBuffer.allocateDirect(bytes.length + 3);
        direct.position(3);
        direct.put(bytes).position(3);
        SparseModel fromBuffer = SparseModel.load(direct);
        assertEquals(3, direct.position(), "position unchanged");
        SparseModel fromBytes = SparseModel.fromBytes(bytes);
        float[] x = uniform(new Random(3), 2 * 784);
        float[] want;
        try (InferenceSession s = fromPath.newSession()) {
            want = s.run(x, 2);
        }
        for (SparseModel m : new SparseModel[]{fromBuffer, fromBytes}) {
            assertEquals(fromPath.inputs(), m.inputs());
            assertEquals(fromPath.outputs(), m.outputs());
            assertEquals(fromPath.metadata(), m.metadata());
            try (InferenceSession s = m.newSession()) {
                assertArrayEquals(want, s.run(x, 2));
            }
        }
        assertEquals("Sparse24", fromPath.metadata().get("producer"));
        assertEquals(DType.FLOAT32, fromPath.inputs().get(0).dtype());
    }

    @Test
    void badFilesThrowModelFormatException(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        assertThrows(ModelFormatException.class, () -> SparseModel.fromBytes(new byte[]{1, 2, 3}));
        Path junk = dir.resolve("junk.s24");
        Files.write(junk, new byte[64]);
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> SparseModel.load(junk));
        assertTrue(e.getMessage().contains(junk.toString()), e.getMessage());
        Path own = dir.resolve("tutorial.tflite");
        ModelFiles.writeTflite(tutorial, own);
        byte[] good = Files.readAllBytes(own);
        assertThrows(ModelFormatException.class, () -> SparseModel.fromBytes(Arrays.copyOf(good, good.length / 2)));
    }

    @Test
    void directBuffersAreUsedInPlaceFromTheirPositions() throws Exception {
        SparseModel model = SparseModel.fromGraph(tutorial);
        float[] x = uniform(new Random(4), 3 * 784);
        try (InferenceSession s = model.newSession()) {
            float[] want = s.run(x, 3);
            FloatBuffer in = ByteBuffer.allocateDirect(4 * (5 + x.length)).order(ByteOrder.nativeOrder()).asFloatBuffer();
            in.position(5);
            in.put(x).position(5);
            FloatBuffer out = ByteBuffer.allocateDirect(4 * 40).order(ByteOrder.nativeOrder()).asFloatBuffer();
            out.position(2);
            s.run(in, 3, out);
            assertEquals(5, in.position());
            assertEquals(2, out.position());
            float[] got = new float[30];
            out.get(got);
            assertArrayEquals(want, got);
            // A big-endian view cannot be handed to native code as it is: copied, same result.
            FloatBuffer be = ByteBuffer.allocateDirect(4 * x.length).order(ByteOrder.BIG_ENDIAN).asFloatBuffer();
            be.put(x).flip();
            FloatBuffer out2 = FloatBuffer.allocate(30);
            s.run(be, 3, out2);
            assertArrayEquals(want, out2.array());
        }
    }

    @Test
    void wrongInputsThrowWithExpectedAndGiven() throws Exception {
        SparseModel model = SparseModel.fromGraph(tutorial);
        try (InferenceSession s = model.newSession()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.run(new float[783], 1));
            assertTrue(e.getMessage().contains("784") && e.getMessage().contains("783"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> s.run(new float[784], 2));
            assertTrue(e.getMessage().contains("1568") && e.getMessage().contains("784"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> s.run(new float[784], -1));
            assertThrows(IllegalArgumentException.class, () -> s.run((float[]) null, 1));
            e = assertThrows(IllegalArgumentException.class,
                    () -> s.run(FloatBuffer.allocate(784), 1, FloatBuffer.allocate(9)));
            assertTrue(e.getMessage().contains("10") && e.getMessage().contains("9"), e.getMessage());
            assertThrows(IllegalArgumentException.class,
                    () -> s.run(FloatBuffer.allocate(784), 1, FloatBuffer.allocate(10).asReadOnlyBuffer()));
            assertThrows(IllegalArgumentException.class,
                    () -> s.run(new FloatBuffer[0], 1, new FloatBuffer[]{FloatBuffer.allocate(10)}));
            assertEquals(0, s.run(new float[0], 0).length, "an empty batch is allowed");
            // The session still works after rejected calls.
            assertEquals(10, s.run(new float[784], 1).length);
        }
    }

    @Test
    void nanAndInfinityPropagate() throws Exception {
        // Through a real model: the same NaN pattern as the reference (fused activations keep NaN).
        SparseModel model = SparseModel.load(TestData.tfliteModel("mattn__mnist_model.tflite"));
        try (InferenceSession s = model.newSession()) {
            float[] x = new float[784];
            x[300] = Float.NaN;
            x[301] = Float.POSITIVE_INFINITY;
            float[] y = s.run(x, 1);
            float[] want = reference(model.graph(), model.inputs().get(0), x, 1);
            for (int i = 0; i < y.length; i++) {
                assertEquals(Float.isNaN(want[i]), Float.isNaN(y[i]), "output " + i + ": " + Arrays.toString(y));
            }
        }
        // Through linear 2:4 and dense layers: NaN reaches every output, +Inf gives +-Inf or NaN.
        java.util.Random r = new java.util.Random(1);
        java.util.List<dev.sparse24.graph.GraphTensor> t = java.util.List.of(
                dev.sparse24.graph.GraphTensor.activation("x", new int[]{-1, 8}, DType.FLOAT32),
                dev.sparse24.graph.GraphTensor.compressed("w", new int[]{4, 8}, dev.sparse24.sparse.CompressedWeights
                        .compress(new float[]{1, 1, 0, 0, 0, 0, 1, 1, 1, 0, 1, 0, 0, 1, 0, 1,
                                1, 0, 0, 1, 0, 1, 1, 0, 1, 1, 0, 0, 1, 1, 0, 0}, 4, 8)),
                dev.sparse24.graph.GraphTensor.activation("y", new int[]{-1, 4}, DType.FLOAT32));
        Graph linear = new Graph(t, java.util.List.of(new dev.sparse24.graph.Operator(dev.sparse24.graph.OpType.FULLY_CONNECTED,
                new int[]{0, 1, -1}, new int[]{2}, dev.sparse24.graph.OpOptions.NONE)), new int[]{0}, new int[]{2},
                java.util.Map.of());
        try (InferenceSession s = SparseModel.fromGraph(linear).newSession()) {
            float[] x = new float[16];
            x[0] = Float.NaN;                  // item 0, column 0: read by rows 0, 1, 2, 3
            x[8 + 1] = Float.POSITIVE_INFINITY; // item 1, column 1: read by rows 0, 3
            float[] y = s.run(x, 2);
            for (int row = 0; row < 4; row++) {
                assertTrue(Float.isNaN(y[row]), "item 0 row " + row + ": " + Arrays.toString(y));
            }
            assertEquals(Float.POSITIVE_INFINITY, y[4]);
            assertEquals(0f, y[5]);
            assertEquals(0f, y[6]);
            assertEquals(Float.POSITIVE_INFINITY, y[7]);
        }
    }

    @Test
    void cudaThrowsAndAutoRunsOnTheCpu() throws Exception {
        SparseModel model = SparseModel.fromGraph(tutorial);
        BackendUnavailableException e = assertThrows(BackendUnavailableException.class,
                () -> model.newSession(SessionOptions.defaults().withDevice(Device.CUDA)));
        assertEquals(Device.CUDA, e.device());
        // The core alone has no CUDA backend (sparse24-cuda brings it, through ServiceLoader).
        assertTrue(e.reason().contains("no CUDA backend on the class path"), e.getMessage());
        try (InferenceSession s = model.newSession(SessionOptions.defaults().withDevice(Device.AUTO))) {
            assertEquals(Device.CPU, s.device());
            assertTrue(s.description().startsWith("CPU"), s.description());
            assertTrue(s.description().contains("CUDA not used: no CUDA backend"), s.description());
        }
        assertThrows(IllegalArgumentException.class, () -> SessionOptions.defaults().withDeviceIndex(-1));
        assertThrows(IllegalArgumentException.class, () -> SessionOptions.defaults().withPrecision(null));
        assertThrows(IllegalArgumentException.class, () -> SessionOptions.defaults().withThreads(-1));
        assertThrows(IllegalArgumentException.class, () -> SessionOptions.defaults().withMaxBatch(0));
    }

    @Test
    void closeIsIdempotentAndLaterUseThrows() throws Exception {
        SparseModel model = SparseModel.fromGraph(tutorial);
        InferenceSession s = model.newSession();
        s.run(new float[784], 1);
        s.close();
        s.close();
        assertThrows(IllegalStateException.class, () -> s.run(new float[784], 1));
        assertThrows(IllegalStateException.class, () -> s.run(new float[5], 1), "closed is reported before shape");
        // The model outlives its sessions.
        try (InferenceSession again = model.newSession()) {
            assertEquals(10, again.run(new float[784], 1).length);
        }
    }

    @Test
    void modelDescribesItsInputsAndOutputs() throws Exception {
        SparseModel model = SparseModel.load(TestData.tfliteModel("pandcu__mnist.tflite"));
        assertEquals(1, model.inputs().size());
        assertEquals("[-1, 28, 28]", Arrays.toString(model.inputs().get(0).shape()));
        assertEquals(784, model.inputs().get(0).sampleSize());
        assertEquals(10, model.outputs().get(0).sampleSize());
        assertNotNull(model.metadata());
        assertFalse(model.toString().isEmpty());
        Graph g = ModelFiles.read(TestData.tfliteModel("pandcu__mnist.tflite"));
        assertEquals(g.operators().size(), model.graph().operators().size());
    }
}
