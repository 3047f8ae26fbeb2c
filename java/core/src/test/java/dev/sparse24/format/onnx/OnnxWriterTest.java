package dev.sparse24.format.onnx;

import dev.sparse24.format.onnx.OnnxProto.ModelProto;
import dev.sparse24.format.onnx.OnnxProto.NodeProto;
import dev.sparse24.format.onnx.OnnxProto.TensorProto;
import dev.sparse24.format.onnx.OnnxProto.ValueInfoProto;
import dev.sparse24.graph.DType;
import dev.sparse24.graph.FusedActivation;
import dev.sparse24.graph.Graph;
import dev.sparse24.graph.GraphTensor;
import dev.sparse24.graph.OpOptions;
import dev.sparse24.graph.OpType;
import dev.sparse24.graph.Padding;
import dev.sparse24.ops.ReferenceEvaluator;
import dev.sparse24.runtime.InferenceSession;
import dev.sparse24.runtime.SessionOptions;
import dev.sparse24.runtime.SparseModel;
import dev.sparse24.tensor.Tensor;
import dev.sparse24.testing.TutorialFixture;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The tutorial graph (2:4 conv2 and dense1, compressed) exported to ONNX: ONNX Runtime gives the
 * logits of the reference evaluator and of our {@link InferenceSession} (< 1e-4); the written
 * file parses back with the generated classes into the ONNX structure we meant (opset, IR,
 * NHWC interface, weights with their 2:4 zeros); graphs that cannot be exported are refused
 * with the operator named.
 */
class OnnxWriterTest {
    static Graph tutorial;

    @BeforeAll
    static void build() {
        tutorial = TutorialFixture.graph(3);
    }

    @Test
    void tutorialLogitsMatchReferenceAndInferenceSession() throws Exception {
        // The tutorial's ReLU and BatchNorm were folded by the exporter; 2:4 tensors are compressed.
        assertEquals(2, tutorial.compressedTensors().size());
        OnnxWriterOpsTest.assertSameAsReference(tutorial);
        byte[] model = OnnxWriter.toBytes(tutorial);
        Random rnd = new Random(11);
        try (OrtRunner ort = new OrtRunner(model);
             InferenceSession session = SparseModel.fromGraph(tutorial)
                     .newSession(SessionOptions.defaults().withThreads(1).withMaxBatch(17))) {
            for (int batch : OnnxWriterOpsTest.BATCHES) {
                float[] x = new float[batch * 784];
                for (int i = 0; i < x.length; i++) {
                    x[i] = rnd.nextFloat();   // pixels in [0, 1), as MNIST after scaling
                }
                float[] ours = session.run(x, batch);
                OrtRunner.Output theirs = ort.run(x, batch, 28, 28, 1);
                assertArrayEquals(new long[]{batch, 10}, theirs.shape());
                double d = OnnxWriterOpsTest.maxAbsDiff(ours, theirs.values());
                assertTrue(d < OnnxWriterOpsTest.TOLERANCE, "batch " + batch + ": max |onnxruntime - session| = " + d);
            }
        }
    }

    /**
     * A converter-made model with a uint8 input (raw pixels, CAST inside): the export keeps the
     * uint8 input and casts it, and ONNX Runtime fed the raw bytes gives TensorFlow Lite's logits.
     */
    @Test
    void aUint8InputStaysUint8AndGivesTheInterpretersLogits() throws Exception {
        byte[] tflite;
        String logits;
        try (var in = OnnxWriterTest.class.getResourceAsStream("/dev/sparse24/format/tflite/uint8_input.tflite");
             var text = OnnxWriterTest.class.getResourceAsStream("/dev/sparse24/format/tflite/uint8_input.logits.txt")) {
            tflite = in.readAllBytes();
            logits = new String(text.readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII);
        }
        Graph g = dev.sparse24.format.tflite.TfliteReader.read(tflite);
        ModelProto m = OnnxWriter.toModel(g);
        assertEquals(TensorProto.DataType.UINT8_VALUE, m.getGraph().getInput(0).getType().getTensorType().getElemType());
        assertEquals("Cast", m.getGraph().getNode(0).getOpType());
        byte[] pixels = java.util.Arrays.copyOf(dev.sparse24.data.Mnist.readVerified(
                dev.sparse24.testing.TestData.mnistDir(), dev.sparse24.data.MnistFile.TEST_IMAGES).data(), 8 * 784);
        String[] tokens = logits.trim().split("\\s+");
        try (OrtRunner ort = new OrtRunner(m.toByteArray());
             ai.onnxruntime.OnnxTensor t = ai.onnxruntime.OnnxTensor.createTensor(ai.onnxruntime.OrtEnvironment.getEnvironment(),
                     ByteBuffer.wrap(pixels), new long[]{8, 28, 28, 1}, ai.onnxruntime.OnnxJavaType.UINT8);
             ai.onnxruntime.OrtSession.Result r = ort.session().run(java.util.Map.of(
                     ort.session().getInputNames().iterator().next(), t))) {
            java.nio.FloatBuffer y = ((ai.onnxruntime.OnnxTensor) r.get(0)).getFloatBuffer();
            assertEquals(80, y.remaining());
            for (int i = 0; i < 80; i++) {
                assertEquals(Float.parseFloat(tokens[i]), y.get(i), 1e-4f, "logit " + i);
            }
        }
    }

    @Test
    void writtenFileParsesBackAsTheModelWeMeant(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("model.onnx");
        OnnxWriter.write(tutorial, file);
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(file), files.collect(Collectors.toList()), "no temporary file left");
        }
        ModelProto m = ModelProto.parseFrom(Files.readAllBytes(file));
        assertEquals(OnnxWriter.IR_VERSION, m.getIrVersion());
        assertEquals(1, m.getOpsetImportCount());
        assertEquals("", m.getOpsetImport(0).getDomain());
        assertEquals(OnnxWriter.OPSET_VERSION, m.getOpsetImport(0).getVersion());
        assertEquals("Sparse24", m.getProducerName());
        assertTrue(m.getUnknownFields().asMap().isEmpty(), "every field written is one our schema names");

        // The interface is the graph's: NHWC [N, 28, 28, 1] in, [N, 10] out, batch symbolic.
        GraphTensor in = tutorial.tensor(tutorial.inputs()[0]);
        ValueInfoProto input = m.getGraph().getInput(0);
        assertEquals(in.name(), input.getName());
        assertEquals(OnnxTensors.BATCH, input.getType().getTensorType().getShape().getDim(0).getDimParam());
        assertEquals(List.of(28L, 28L, 1L), input.getType().getTensorType().getShape().getDimList().stream().skip(1)
                .map(OnnxProto.TensorShapeProto.Dimension::getDimValue).collect(Collectors.toList()));
        assertEquals(tutorial.tensor(tutorial.outputs()[0]).name(), m.getGraph().getOutput(0).getName());
        assertEquals(10, m.getGraph().getOutput(0).getType().getTensorType().getShape().getDim(1).getDimValue());

        // conv, pool, conv, pool in NCHW with one transpose in and one before the flatten.
        List<String> ops = m.getGraph().getNodeList().stream().map(NodeProto::getOpType).collect(Collectors.toList());
        assertEquals(List.of("Transpose", "Conv", "Relu", "MaxPool", "Conv", "Relu", "MaxPool", "Transpose", "Reshape",
                "Gemm", "Relu", "Gemm"), ops);

        // Both 2:4 weights are stored dense with their zeros and still hold 2:4 along the input.
        for (GraphTensor t : tutorial.compressedTensors()) {
            int[] s = t.shape();
            float[] expected = s.length == 4 ? OnnxTensors.filterToOihw(t.floatValues(), s[0], s[1], s[2], s[3])
                    : t.floatValues();
            TensorProto w = m.getGraph().getInitializerList().stream()
                    .filter(i -> i.getName().startsWith(t.name())).findFirst().orElseThrow();
            assertEquals(TensorProto.DataType.FLOAT_VALUE, w.getDataType());
            float[] stored = new float[expected.length];
            ByteBuffer.wrap(w.getRawData().toByteArray()).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(stored);
            assertArrayEquals(expected, stored, t.name());
            int inputDim = s.length == 4 ? s[3] : s[1];
            int inner = s.length == 4 ? s[1] * s[2] : 1;   // OIHW: C is strided by KH*KW
            for (int row = 0; row < s[0]; row++) {
                for (int tap = 0; tap < inner; tap++) {
                    for (int g = 0; g < inputDim; g += 4) {
                        int zeros = 0;
                        for (int k = g; k < g + 4; k++) {
                            zeros += stored[(row * inputDim + k) * inner + tap] == 0f ? 1 : 0;
                        }
                        assertTrue(zeros >= 2, t.name() + ": group at row " + row + " tap " + tap + " channel " + g);
                    }
                }
            }
        }
    }

    @Test
    void filterWeightsComputedAtRunTimeAreRefusedNamingTheOp() {
        // CONV_2D whose filter is an activation: ONNX could take it, but not re-laid-out at export.
        GraphChain ch = new GraphChain(1, -1, 4, 4, 1);
        int filter = ch.constant(1, 1, 1, 1);
        ch.op(OpType.RELU, OpOptions.NONE);
        int relu = ch.current;
        ch.opOn(OpType.CONV_2D, OpOptions.conv(Padding.VALID, 1, 1, 1, 1, FusedActivation.NONE), 0, relu, -1);
        assertTrue(filter >= 0);
        OnnxExportException e = assertThrows(OnnxExportException.class, () -> OnnxWriter.toModel(ch.graph()));
        assertTrue(e.getMessage().contains("CONV_2D") && e.getMessage().contains("filter"), e.getMessage());
    }

    @Test
    void zeroSizedOutputIsRefusedNamingTheOp(@TempDir Path dir) {
        // A VALID 5x5 pool on a 4x4 input: TFLite gives an empty tensor, ONNX has no such output.
        GraphChain ch = new GraphChain(1, -1, 4, 4, 2);
        ch.op(OpType.RELU, OpOptions.NONE).op(OpType.MAX_POOL_2D, OpOptions.pool(Padding.VALID, 1, 1, 5, 5,
                FusedActivation.NONE));
        Path file = dir.resolve("bad.onnx");
        OnnxExportException e = assertThrows(OnnxExportException.class, () -> OnnxWriter.write(ch.graph(), file));
        assertTrue(e.getMessage().contains("operator 1 (MAX_POOL_2D)"), e.getMessage());
        assertFalse(Files.exists(file), "nothing written for a refused graph");
    }

    @Test
    void nonFloatInputIsRefused() {
        List<GraphTensor> tensors = List.of(GraphTensor.activation("ids", new int[]{-1, 4}, DType.INT32),
                GraphTensor.activation("y", new int[]{-1, 4}, DType.FLOAT32));
        Graph g = new Graph(tensors, List.of(new dev.sparse24.graph.Operator(OpType.RELU, new int[]{0}, new int[]{1},
                OpOptions.NONE)), new int[]{0}, new int[]{1}, java.util.Map.of());
        OnnxExportException e = assertThrows(OnnxExportException.class, () -> OnnxWriter.toModel(g));
        assertTrue(e.getMessage().contains("FLOAT32"), e.getMessage());
    }

    @Test
    void graphOutputThatIsItsInputGetsAnIdentity() throws Exception {
        GraphChain ch = new GraphChain(2, -1, 3);
        Graph g = new Graph(ch.tensors, List.of(), new int[]{0}, new int[]{0}, java.util.Map.of());
        ModelProto m = OnnxWriter.toModel(g);
        assertEquals("Identity", m.getGraph().getNode(0).getOpType());
        try (OrtRunner ort = new OrtRunner(m.toByteArray())) {
            float[] x = {1f, -2f, 3f, 4f, 5f, 6f};
            assertArrayEquals(x, ort.run(x, 2, 3).values());
            assertArrayEquals(x, new ReferenceEvaluator(g).run(Tensor.of(x, 2, 3)).toArray());
        }
    }
}
