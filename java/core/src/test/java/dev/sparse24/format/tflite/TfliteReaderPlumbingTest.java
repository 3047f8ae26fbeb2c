package dev.sparse24.format.tflite;

import com.google.flatbuffers.FlatBufferBuilder;
import dev.sparse24.format.ModelFormatException;
import dev.sparse24.format.tflite.fb.Buffer;
import dev.sparse24.format.tflite.fb.BuiltinOptions;
import dev.sparse24.format.tflite.fb.CastOptions;
import dev.sparse24.format.tflite.fb.FullyConnectedOptions;
import dev.sparse24.format.tflite.fb.Model;
import dev.sparse24.format.tflite.fb.Operator;
import dev.sparse24.format.tflite.fb.OperatorCode;
import dev.sparse24.format.tflite.fb.SubGraph;
import dev.sparse24.format.tflite.fb.Tensor;
import dev.sparse24.format.ModelFiles;
import dev.sparse24.graph.DType;
import dev.sparse24.graph.Graph;
import dev.sparse24.graph.OpType;
import dev.sparse24.ops.ReferenceEvaluator;
import dev.sparse24.runtime.InferenceSession;
import dev.sparse24.runtime.SessionOptions;
import dev.sparse24.runtime.SparseModel;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The converter plumbing the real test models do not contain: a uint8 input CAST to float32,
 * EXPAND_DIMS, and float16 weights behind DEQUANTIZE. The file is built field by field:
 * <pre>
 *   x uint8 [1,4] -CAST-> [1,4] -EXPAND_DIMS(axis 2)-> [1,4,1] -RESHAPE([1,4])-> [1,4]
 *   w16 float16 [2,4] -DEQUANTIZE-> w [2,4];  FULLY_CONNECTED(x, w, b) -> y [1,2]
 * </pre>
 */
class TfliteReaderPlumbingTest {
    // Values exactly representable in float16, so the expected result is exact.
    static final float[] W = {0.5f, -1, 2, 0.25f, 1, 1, -0.5f, 0};
    static final float[] B = {1, -2};

    static short toHalf(float f) {
        // Enough for the values above: normal numbers and zero, no rounding needed.
        if (f == 0) {
            return 0;
        }
        int bits = Float.floatToIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        int exp = ((bits >>> 23) & 0xff) - 127 + 15;
        int mant = (bits >>> 13) & 0x3ff;
        return (short) (sign | exp << 10 | mant);
    }

    static byte[] build(int castOutType) {
        return build(3, castOutType);
    }

    /** The model with input type {@code inType} (TFLite codes: 3 uint8, 9 int8, 2 int32). */
    static byte[] build(int inType, int castOutType) {
        FlatBufferBuilder b = new FlatBufferBuilder(1024);
        List<Integer> buffers = new ArrayList<>();
        Buffer.startBuffer(b);
        buffers.add(Buffer.endBuffer(b));
        ByteBuffer w16 = ByteBuffer.allocate(2 * W.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : W) {
            w16.putShort(toHalf(v));
        }
        buffers.add(buffer(b, w16.array()));                                   // 1: float16 weights
        ByteBuffer bias = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        bias.asFloatBuffer().put(B);
        buffers.add(buffer(b, bias.array()));                                  // 2: bias
        buffers.add(buffer(b, ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(2).array())); // 3: axis
        ByteBuffer shape = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        shape.asIntBuffer().put(new int[]{1, 4});
        buffers.add(buffer(b, shape.array()));                                 // 4: reshape target

        // name, shape, type, buffer
        Object[][] tensors = {
                {"x_u8", new int[]{1, 4}, inType, 0}, {"x", new int[]{1, 4}, castOutType, 0},
                {"axis", new int[]{}, 2, 3}, {"x3", new int[]{1, 4, 1}, 0, 0},
                {"target", new int[]{2}, 2, 4}, {"x2", new int[]{1, 4}, 0, 0},
                {"w16", new int[]{2, 4}, 1, 1}, {"w", new int[]{2, 4}, 0, 0},
                {"b", new int[]{2}, 0, 2}, {"y", new int[]{1, 2}, 0, 0}};
        int[] t = new int[tensors.length];
        for (int i = 0; i < t.length; i++) {
            int shapeVec = Tensor.createShapeVector(b, (int[]) tensors[i][1]);
            int name = b.createString((String) tensors[i][0]);
            Tensor.startTensor(b);
            Tensor.addShape(b, shapeVec);
            Tensor.addType(b, (byte) (int) (Integer) tensors[i][2]);
            Tensor.addBuffer(b, (Integer) tensors[i][3]);
            Tensor.addName(b, name);
            t[i] = Tensor.endTensor(b);
        }
        int[] codes = {53, 70, 22, 6, 9}; // CAST, EXPAND_DIMS, RESHAPE, DEQUANTIZE, FULLY_CONNECTED
        int[][] ins = {{0}, {1, 2}, {3, 4}, {6}, {5, 7, 8}};
        int[][] outs = {{1}, {3}, {5}, {7}, {9}};
        int[] ops = new int[codes.length];
        for (int k = 0; k < ops.length; k++) {
            int options = 0;
            byte optionsType = 0;
            if (codes[k] == 53) {
                options = CastOptions.createCastOptions(b, (byte) inType, (byte) castOutType);
                optionsType = BuiltinOptions.CastOptions;
            } else if (codes[k] == 9) {
                options = FullyConnectedOptions.createFullyConnectedOptions(b, (byte) 0, (byte) 0, false, false);
                optionsType = BuiltinOptions.FullyConnectedOptions;
            }
            int in = Operator.createInputsVector(b, ins[k]);
            int out = Operator.createOutputsVector(b, outs[k]);
            Operator.startOperator(b);
            Operator.addOpcodeIndex(b, k);
            Operator.addInputs(b, in);
            Operator.addOutputs(b, out);
            if (optionsType != 0) {
                Operator.addBuiltinOptionsType(b, optionsType);
                Operator.addBuiltinOptions(b, options);
            }
            ops[k] = Operator.endOperator(b);
        }
        int sg = SubGraph.createSubGraph(b, SubGraph.createTensorsVector(b, t), SubGraph.createInputsVector(b, new int[]{0}),
                SubGraph.createOutputsVector(b, new int[]{9}), SubGraph.createOperatorsVector(b, ops), b.createString("main"));
        int[] codeOffsets = new int[codes.length];
        for (int i = 0; i < codes.length; i++) {
            codeOffsets[i] = OperatorCode.createOperatorCode(b, (byte) codes[i], 0, 1, codes[i]);
        }
        int codesVec = Model.createOperatorCodesVector(b, codeOffsets);
        int sgs = Model.createSubgraphsVector(b, new int[]{sg});
        int bufs = Model.createBuffersVector(b, buffers.stream().mapToInt(Integer::intValue).toArray());
        Model.startModel(b);
        Model.addVersion(b, 3);
        Model.addOperatorCodes(b, codesVec);
        Model.addSubgraphs(b, sgs);
        Model.addBuffers(b, bufs);
        Model.finishModelBuffer(b, Model.endModel(b));
        return b.sizedByteArray();
    }

    static int buffer(FlatBufferBuilder b, byte[] data) {
        int vec = Buffer.createDataVector(b, data);
        Buffer.startBuffer(b);
        Buffer.addData(b, vec);
        return Buffer.endBuffer(b);
    }

    @Test
    void castExpandDimsAndFloat16WeightsAreFolded() throws Exception {
        Graph g = TfliteReader.read(build(0));
        assertEquals(List.of(OpType.RESHAPE, OpType.RESHAPE, OpType.FULLY_CONNECTED),
                g.operators().stream().map(o -> o.type()).toList());
        assertEquals("x_u8", g.tensor(g.inputs()[0]).name(), "the input keeps its declared name");
        assertEquals(DType.UINT8, g.tensor(g.inputs()[0]).dtype(), "and its declared type");
        assertArrayEquals(new int[]{1, 4, 1}, g.operators().get(0).options().newShape());
        float[] x = {10, 0, 3, 255};
        float[] y = new ReferenceEvaluator(g).run(dev.sparse24.tensor.Tensor.of(x, 1, 4)).toArray();
        float[] expected = new float[2];
        for (int o = 0; o < 2; o++) {
            expected[o] = B[o];
            for (int i = 0; i < 4; i++) {
                expected[o] += W[o * 4 + i] * x[i];
            }
        }
        assertArrayEquals(expected, y, 1e-5f);
    }

    /** y = W x + B for the raw input values. */
    static float[] expected(float[] x) {
        float[] y = new float[2];
        for (int o = 0; o < 2; o++) {
            y[o] = B[o];
            for (int i = 0; i < 4; i++) {
                y[o] += W[o * 4 + i] * x[i];
            }
        }
        return y;
    }

    @Test
    void aUint8InputTakesBytesAndRefusesFloats() throws Exception {
        SparseModel model = SparseModel.fromGraph(TfliteReader.read(build(0)));
        assertEquals(DType.UINT8, model.inputs().get(0).dtype());
        try (InferenceSession s = model.newSession(SessionOptions.defaults().withThreads(1))) {
            // Two samples; 200 and 255 are negative as Java bytes: they must read as 200 and 255.
            byte[] x = {10, 0, 3, (byte) 255, (byte) 200, 1, 127, (byte) 128};
            float[] y = s.run(x, 2);
            assertArrayEquals(expected(new float[]{10, 0, 3, 255}), Arrays.copyOfRange(y, 0, 2), 1e-4f);
            assertArrayEquals(expected(new float[]{200, 1, 127, 128}), Arrays.copyOfRange(y, 2, 4), 1e-4f);
            // The same through the typed buffer call, from a position past 0.
            ByteBuffer buf = ByteBuffer.allocate(9).put((byte) 99).put(x, 0, 4);
            buf.flip().position(1); // limit 5: the four bytes after the 99
            FloatBuffer out = FloatBuffer.allocate(2);
            s.run(new java.nio.Buffer[]{buf}, 1, new FloatBuffer[]{out});
            assertArrayEquals(expected(new float[]{10, 0, 3, 255}), out.array(), 1e-4f);
            assertEquals(1, buf.position(), "the input's position is not changed");

            IllegalArgumentException floats = assertThrows(IllegalArgumentException.class,
                    () -> s.run(new float[]{10, 0, 3, 255}, 1));
            assertTrue(floats.getMessage().contains("x_u8") && floats.getMessage().contains("UINT8"), floats.getMessage());
            IllegalArgumentException floatBuffer = assertThrows(IllegalArgumentException.class,
                    () -> s.run(new java.nio.Buffer[]{FloatBuffer.allocate(4)}, 1, new FloatBuffer[]{FloatBuffer.allocate(2)}));
            assertTrue(floatBuffer.getMessage().contains("ByteBuffer"), floatBuffer.getMessage());
            IllegalArgumentException shortInput = assertThrows(IllegalArgumentException.class, () -> s.run(new byte[7], 2));
            assertTrue(shortInput.getMessage().contains("8 bytes, given 7"), shortInput.getMessage());
        }
    }

    @Test
    void anInt8InputIsSigned() throws Exception {
        SparseModel model = SparseModel.fromGraph(TfliteReader.read(build(9, 0)));
        assertEquals(DType.INT8, model.inputs().get(0).dtype());
        try (InferenceSession s = model.newSession(SessionOptions.defaults().withThreads(1))) {
            float[] y = s.run(new byte[]{-128, 127, -1, 0}, 1);
            assertArrayEquals(expected(new float[]{-128, 127, -1, 0}), y, 1e-4f);
        }
    }

    @Test
    void aByteInputSurvivesOurWritersAsTheConverterWritesIt() throws Exception {
        Graph g = TfliteReader.read(build(0));
        // TFLite: the input tensor of its type and a CAST, which the reader folds back.
        Graph viaTflite = TfliteReader.read(TfliteWriter.toBytes(g));
        assertEquals("x_u8", viaTflite.tensor(viaTflite.inputs()[0]).name());
        assertEquals(DType.UINT8, viaTflite.tensor(viaTflite.inputs()[0]).dtype());
        Path dir = Files.createTempDirectory("typed");
        Path s24 = dir.resolve("m.s24");
        ModelFiles.writeS24(g, s24);
        Graph viaS24 = ModelFiles.read(s24);
        assertEquals(DType.UINT8, viaS24.tensor(viaS24.inputs()[0]).dtype());
        byte[] x = {7, (byte) 250, 0, 33};
        for (Graph each : List.of(viaTflite, viaS24)) {
            try (InferenceSession s = SparseModel.fromGraph(each).newSession(SessionOptions.defaults().withThreads(1))) {
                assertArrayEquals(expected(new float[]{7, 250, 0, 33}), s.run(x, 1), 1e-4f);
            }
        }
    }

    @Test
    void aCastFromAnUnsupportedInputTypeIsRefused() {
        // int32 -> float32: not a pixel input; refused naming the type.
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> TfliteReader.read(build(2, 0)));
        assertTrue(e.getMessage().contains("int32") || e.getMessage().contains("INT32"), e.getMessage());
    }

    @Test
    void castToAnotherTypeIsRefused() {
        // uint8 -> int32 leaves the model without a float input.
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> TfliteReader.read(build(2)));
        assertTrue(e.getMessage().contains("CAST") && e.getMessage().contains("operator 0"), e.getMessage());
    }
}
