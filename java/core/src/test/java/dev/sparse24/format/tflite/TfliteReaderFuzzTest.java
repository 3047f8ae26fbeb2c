package dev.sparse24.format.tflite;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.sparse24.format.ModelFormatException;
import dev.sparse24.graph.Graph;
import dev.sparse24.ops.ReferenceEvaluator;
import dev.sparse24.tensor.Tensor;

/**
 * Jazzer fuzzing of {@link TfliteReader}: any input gives a graph or a ModelFormatException.
 *
 * <p>In a normal test run only the seed corpus ({@code TfliteReaderFuzzTestInputs/readAnything}
 * in the test resources: the 3 KB tflite-micro sine model, Apache-2.0, from the shared data, and
 * a 4 KB conv/pool/reshape/dense model written by TfliteWriter, so options tables are reached)
 * is replayed.
 * {@code JAZZER_FUZZ=1 mvn -pl java test -Dtest=TfliteReaderFuzzTest} fuzzes for maxDuration.
 */
class TfliteReaderFuzzTest {
    @FuzzTest(maxDuration = "15s")
    void readAnything(byte[] data) {
        try {
            TfliteReader.read(data);
        } catch (ModelFormatException expected) {
            // the only acceptable failure; Jazzer reports any other exception, an OOM or a hang
        }
    }

    /**
     * Whatever the reader accepts, the reference evaluator runs on a zero input or refuses with
     * IllegalArgumentException (its contract for shapes that do not fit) - no other exception,
     * no OOM, no hang on a hostile but well-formed graph.
     */
    @FuzzTest(maxDuration = "5s")
    void readAndEvaluate(byte[] data) {
        Graph g;
        try {
            g = TfliteReader.read(data);
        } catch (ModelFormatException expected) {
            return;
        }
        if (g.inputs().length != 1 || g.outputs().length != 1) {
            return;
        }
        int[] shape = g.tensor(g.inputs()[0]).shape();
        long n = 1;
        for (int d = 0; d < shape.length; d++) {
            shape[d] = Math.max(shape[d], 1);
            n *= shape[d];
        }
        if (shape.length == 0 || n > 1 << 16) {
            return;
        }
        try {
            new ReferenceEvaluator(g).run(Tensor.zeros(shape));
        } catch (IllegalArgumentException refused) {
            // a graph whose shapes do not fit together
        }
    }
}
