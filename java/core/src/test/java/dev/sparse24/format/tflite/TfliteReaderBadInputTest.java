package dev.sparse24.format.tflite;

import dev.sparse24.format.ModelFormatException;
import dev.sparse24.graph.Graph;
import dev.sparse24.ops.ReferenceEvaluator;
import dev.sparse24.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.util.Arrays;
import java.util.Random;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Bad .tflite files must give a ModelFormatException saying what and where, nothing else. */
class TfliteReaderBadInputTest {

    static String rejected(Consumer<TinyTflite> corrupt) {
        TinyTflite t = new TinyTflite();
        corrupt.accept(t);
        return rejected(t.build());
    }

    static String rejected(byte[] bytes) {
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> TfliteReader.read(bytes));
        return e.getMessage();
    }

    static void assertMentions(String message, String... parts) {
        for (String p : parts) {
            assertTrue(message.contains(p), "message \"" + message + "\" lacks \"" + p + "\"");
        }
    }

    @Test
    void tinyModelComputesItsAffineMap() throws Exception {
        Graph g = TfliteReader.read(new TinyTflite().build());
        float[] x = {1, -2, 0.5f, 3};
        float[] y = new ReferenceEvaluator(g).run(Tensor.of(x, 1, 4)).toArray();
        // y = W x + b, worked by hand: W rows (1,2,3,4), (-1,0.5,0,2); b (0.25,-3)
        assertArrayEquals(new float[]{1 - 4 + 1.5f + 12 + 0.25f, -1 - 1 + 0 + 6 - 3}, y, 1e-6f);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ReferenceEvaluator(g).run(Tensor.of(new float[5], 1, 5)));
        assertMentions(e.getMessage(), "expected shape [-1, 4]", "given [1, 5]");
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 3, 7, 8, 12, 40, 100, 200})
    void truncatedTinyFile(int length) {
        byte[] full = new TinyTflite().build();
        rejected(Arrays.copyOf(full, Math.min(length, full.length - 1)));
    }

    @Test
    void truncatedRealFile() throws Exception {
        byte[] full = Files.readAllBytes(TfliteReaderTest.model("jspkay__mnist.tflite"));
        for (int length : new int[]{full.length / 2, full.length - 1, 1000}) {
            String m = rejected(Arrays.copyOf(full, length));
            // The verifier names the path of the damaged field and a byte position.
            assertTrue(m.matches("Model[.\\w\\[\\]]*: .*\\d+.*"), m);
        }
    }

    @Test
    void wrongIdentifier() {
        assertMentions(rejected(t -> t.identifier = "TFL2"), "identifier", "TFL2", "TFL3");
    }

    @Test
    void absurdDimension() {
        assertMentions(rejected(t -> t.shapes[1] = new int[]{1 << 20, 1 << 20}), "weights", "elements");
        assertMentions(rejected(t -> t.shapes[0] = new int[]{1, -7}), "input", "absurd dimension -7");
        assertMentions(rejected(t -> t.shapes[1] = new int[]{2, 5}), "weights", "needs 40 bytes", "holds 32");
    }

    @Test
    void outOfRangeIndices() {
        assertMentions(rejected(t -> t.opInputs[0] = new int[]{0, 99, 2}), "operator 0", "tensor index 99");
        assertMentions(rejected(t -> t.buffers[1] = 50), "weights", "buffer index 50");
        assertMentions(rejected(t -> t.opcodeIndex[0] = 5), "operator 0", "opcode index 5");
        assertMentions(rejected(t -> t.graphOutputs = new int[]{17}), "subgraph outputs", "17");
    }

    @Test
    void cyclicOperatorOrder() {
        // op 0 reads t4, which only op 1 (RELU of op 0's output) writes: a cycle in file order.
        String m = rejected(t -> {
            t.opcodeIndex = new int[]{0, 1};
            t.opInputs = new int[][]{{4, 1, 2}, {3}};
            t.opOutputs = new int[][]{{3}, {4}};
            t.shapes[4] = new int[]{1, 2};
        });
        assertMentions(m, "operator 0", "t4", "before");
    }

    @Test
    void unsupportedOpNamesOpIndexAndTensor() {
        String m = rejected(t -> t.opcodes = new int[]{39, 19});
        assertMentions(m, "TRANSPOSE", "operator 0", "output");
    }

    @Test
    void quantizedTensor() {
        assertMentions(rejected(t -> t.quantizedWeights = true), "weights", "quantized");
    }

    @Test
    void severalSubgraphs() {
        assertMentions(rejected(t -> t.subgraphs = 2), "2 subgraphs");
    }

    /** Random byte edits of small valid files: a model or a ModelFormatException, never anything else. */
    @Test
    void mutatedFilesNeverEscapeAsOtherExceptions() throws Exception {
        byte[][] seeds = {new TinyTflite().build(),
                Files.readAllBytes(TfliteReaderTest.model("tflite-micro__hello_world_float.tflite"))};
        Random rnd = new Random(2024);
        for (int n = 0; n < 3000; n++) {
            byte[] seed = seeds[n % 2];
            byte[] b = seed.clone();
            int edits = 1 + rnd.nextInt(4);
            for (int e = 0; e < edits; e++) {
                int pos = 8 + rnd.nextInt(b.length - 8);
                b[pos] = rnd.nextBoolean() ? (byte) rnd.nextInt(256) : (byte) (b[pos] ^ (1 << rnd.nextInt(8)));
            }
            try {
                TfliteReader.read(b);
            } catch (ModelFormatException expected) {
                // the one acceptable failure
            } catch (RuntimeException | Error e) {
                fail("mutation " + n + " escaped as " + e, e);
            }
        }
    }
}
