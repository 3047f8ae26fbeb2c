package dev.sparse24.format.s24;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.sparse24.format.ModelFormatException;
import dev.sparse24.graph.Graph;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Coverage-guided fuzzing of {@link S24Reader}: any input either reads or fails with
 * {@link ModelFormatException}; never another exception, an OOM or a hang. What reads must
 * write and read back to the same graph.
 *
 * <p>In a normal test run Jazzer replays the seed corpus (real .s24 files in
 * {@code src/test/resources/.../S24ReaderFuzzTestInputs/fuzzRead}) and any crash files there.
 * Fuzz for real with {@code JAZZER_FUZZ=1 mvn -o -pl java test -Dtest=S24ReaderFuzzTest};
 * the run is bounded by {@code maxDuration}.
 */
class S24ReaderFuzzTest {
    @FuzzTest(maxDuration = "15s")
    void fuzzRead(byte[] data) {
        Graph g;
        try {
            g = S24Reader.read(data);
        } catch (ModelFormatException expected) {
            return;
        }
        byte[] again = S24Writer.toBytes(g);
        try {
            Graph h = S24Reader.read(again);
            assertEquals(g.tensors().size(), h.tensors().size());
            assertEquals(g.operators().size(), h.operators().size());
            assertEquals(g.metadata(), h.metadata());
        } catch (ModelFormatException e) {
            throw new AssertionError("a graph read from a file could not be read back after writing: " + e, e);
        }
    }
}
