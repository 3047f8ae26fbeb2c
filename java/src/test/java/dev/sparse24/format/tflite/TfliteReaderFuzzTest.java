package dev.sparse24.format.tflite;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.sparse24.format.ModelFormatException;

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
}
