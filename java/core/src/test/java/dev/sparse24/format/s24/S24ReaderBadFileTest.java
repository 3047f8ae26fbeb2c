package dev.sparse24.format.s24;

import com.google.flatbuffers.FlatBufferBuilder;
import dev.sparse24.format.ModelFormatException;
import dev.sparse24.format.s24.fb.Model;
import dev.sparse24.format.s24.fb.OpCode;
import dev.sparse24.format.s24.fb.Operator;
import dev.sparse24.format.s24.fb.Tensor;
import dev.sparse24.format.s24.fb.TwoFourWeights;
import dev.sparse24.graph.Graph;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Every kind of bad .s24 input ends in ModelFormatException with what and where. */
class S24ReaderBadFileTest {
    private static String message(byte[] file) {
        return assertThrows(ModelFormatException.class, () -> S24Reader.read(file)).getMessage();
    }

    private static void assertMentions(String message, String... parts) {
        for (String p : parts) {
            assertTrue(message.contains(p), "\"" + message + "\" should mention " + p);
        }
    }

    @Test
    void truncatedFiles() {
        byte[] full = S24Writer.toBytes(SampleGraphs.sample(1));
        for (int n = 0; n < full.length - 3; n += 7) {
            byte[] cut = Arrays.copyOf(full, n);
            assertThrows(ModelFormatException.class, () -> S24Reader.read(cut), "length " + n);
        }
        assertMentions(message(new byte[0]), "too short");
    }

    @Test
    void wrongIdentifier() {
        byte[] file = S24Writer.toBytes(SampleGraphs.sample(1));
        System.arraycopy("TFL3".getBytes(), 0, file, 4, 4);
        assertMentions(message(file), "TFL3", "S24M", "byte 4");
    }

    @Test
    void unknownFormatVersion() {
        FlatBufferBuilder b = new FlatBufferBuilder();
        Model.startModel(b);
        Model.addFormatVersion(b, 99);
        Model.finishModelBuffer(b, Model.endModel(b));
        assertMentions(message(b.sizedByteArray()), "Model.format_version", "99");
    }

    /** A model with one constant tensor built by hand, so fields can hold absurd values. */
    private static byte[] oneTensor(int[] shape, int dataBytes, boolean twoFour, long rows, long cols, int metaWords) {
        FlatBufferBuilder b = new FlatBufferBuilder();
        int data = Tensor.createDataVector(b, new byte[dataBytes]);
        int w = 0;
        if (twoFour) {
            int values = TwoFourWeights.createValuesVector(b, new byte[dataBytes]);
            long[] m = new long[metaWords];
            Arrays.fill(m, 0x44444444L);
            int meta = TwoFourWeights.createMetadataVector(b, m);
            w = TwoFourWeights.createTwoFourWeights(b, rows, cols, (cols + 3) & ~3L, (byte) 0, values, meta);
        }
        int name = b.createString("w");
        int s = Tensor.createShapeVector(b, shape);
        int t = Tensor.createTensor(b, name, s, (byte) 0, twoFour ? 0 : data, w);
        int ts = Model.createTensorsVector(b, new int[] {t});
        Model.startModel(b);
        Model.addFormatVersion(b, 1);
        Model.addTensors(b, ts);
        Model.finishModelBuffer(b, Model.endModel(b));
        return b.sizedByteArray();
    }

    @Test
    void absurdDimensionsNeverAllocate() throws Exception {
        S24Reader.read(oneTensor(new int[] {2, 3}, 24, false, 0, 0, 0));
        assertMentions(message(oneTensor(new int[] {100000, 100000}, 24, false, 0, 0, 0)),
                "Model.tensors[0] (w)", "2^31");
        assertMentions(message(oneTensor(new int[] {1000, 1000}, 24, false, 0, 0, 0)),
                "Model.tensors[0] (w).data", "24 bytes", "4000000");
        assertMentions(message(oneTensor(new int[] {2, -3}, 24, false, 0, 0, 0)), "dimension -3");
        // A 2:4 weight claiming a huge matrix with few bytes.
        assertMentions(message(oneTensor(new int[] {16384, 16384}, 16, true, 16384, 16384, 1)),
                "Model.tensors[0] (w).two_four.values");
        // Rows/cols disagreeing with the shape.
        assertMentions(message(oneTensor(new int[] {2, 4}, 16, true, 4, 2, 1)), "does not match shape");
        // Valid: [2, 4] -> 4 values (16 bytes), 1 metadata word.
        S24Reader.read(oneTensor(new int[] {2, 4}, 16, true, 2, 4, 1));
        assertMentions(message(oneTensor(new int[] {2, 4}, 16, true, 2, 4, 3)), "metadata", "3 words");
    }

    @Test
    void invalidMetadataCodeNamesTensorRowAndGroup() {
        byte[] file = oneTensor(new int[] {2, 4}, 16, true, 2, 4, 1);
        // Find the 0x44444444 word and break group 1 (row 1) into code 0x3 (lo == hi order broken).
        int at = indexOfInt(file, 0x44444444);
        ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).putInt(at, 0x44444434);
        assertMentions(message(file), "Model.tensors[0] (w).two_four", "row 1", "group 0", "0x3");
    }

    private static byte[] twoOps(int[] in0, int[] out0, int[] in1, int[] out1, int opcode) {
        FlatBufferBuilder b = new FlatBufferBuilder();
        int[] ts = new int[3];
        for (int i = 0; i < 3; i++) {
            int name = b.createString("t" + i);
            int s = Tensor.createShapeVector(b, new int[] {1, 4});
            ts[i] = Tensor.createTensor(b, name, s, (byte) 0, 0, 0);
        }
        int tv = Model.createTensorsVector(b, ts);
        int[] ops = new int[2];
        int[][] io = {in0, out0, in1, out1};
        for (int k = 0; k < 2; k++) {
            int i = Operator.createInputsVector(b, io[2 * k]);
            int o = Operator.createOutputsVector(b, io[2 * k + 1]);
            Operator.startOperator(b);
            Operator.addOpcode(b, k == 0 ? opcode : OpCode.RELU);
            Operator.addInputs(b, i);
            Operator.addOutputs(b, o);
            ops[k] = Operator.endOperator(b);
        }
        int ov = Model.createOperatorsVector(b, ops);
        int gi = Model.createInputsVector(b, new int[] {0});
        int go = Model.createOutputsVector(b, new int[] {2});
        Model.startModel(b);
        Model.addFormatVersion(b, 1);
        Model.addTensors(b, tv);
        Model.addOperators(b, ov);
        Model.addInputs(b, gi);
        Model.addOutputs(b, go);
        Model.finishModelBuffer(b, Model.endModel(b));
        return b.sizedByteArray();
    }

    @Test
    void operatorIndicesAndOrder() throws Exception {
        Graph ok = S24Reader.read(twoOps(new int[] {0}, new int[] {1}, new int[] {1}, new int[] {2}, OpCode.RELU));
        assertTrue(ok.operators().size() == 2);
        assertMentions(message(twoOps(new int[] {7}, new int[] {1}, new int[] {1}, new int[] {2}, OpCode.RELU)),
                "Model.operators[0] (RELU).inputs[0]", "7");
        assertMentions(message(twoOps(new int[] {0}, new int[] {-1}, new int[] {1}, new int[] {2}, OpCode.RELU)),
                "Model.operators[0] (RELU).outputs[0]", "-1");
        // Cyclic / out of order: op 0 reads what op 1 writes and op 1 reads what op 0 writes.
        assertMentions(message(twoOps(new int[] {2}, new int[] {1}, new int[] {1}, new int[] {2}, OpCode.RELU)),
                "operator 0", "before any operator produces it");
        assertMentions(message(twoOps(new int[] {0}, new int[] {1}, new int[] {1}, new int[] {2}, 200)),
                "Model.operators[0].opcode", "200");
    }

    @Test
    void randomCorruptionOnlyEverGivesModelFormatException() {
        byte[] clean = S24Writer.toBytes(SampleGraphs.sample(5));
        Random r = new Random(42);
        int rejected = 0;
        for (int trial = 0; trial < 800; trial++) {
            byte[] f = clean.clone();
            int flips = 1 + r.nextInt(4);
            for (int k = 0; k < flips; k++) {
                // Bias towards the header and tables (the first and last few hundred bytes).
                int at = r.nextBoolean() ? r.nextInt(Math.min(256, f.length)) : r.nextInt(f.length);
                f[at] = (byte) r.nextInt(256);
            }
            try {
                S24Reader.read(f);
            } catch (ModelFormatException e) {
                rejected++;
                assertTrue(e.getMessage() != null && !e.getMessage().isEmpty());
            } catch (RuntimeException | Error e) {
                fail("trial " + trial + ": " + e, e);
            }
        }
        assertTrue(rejected > 30, "only " + rejected + " of 800 corruptions rejected");
    }

    private static int indexOfInt(byte[] a, int value) {
        ByteBuffer bb = ByteBuffer.wrap(a).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i + 4 <= a.length; i += 4) {
            if (bb.getInt(i) == value) {
                return i;
            }
        }
        throw new AssertionError("value not found");
    }
}
