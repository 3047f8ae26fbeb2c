package dev.sparse24.runtime;

import dev.sparse24.testing.TutorialFixture;
import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Memory bounds: options and calls that cannot fit are refused with
 * {@link IllegalArgumentException} before anything is allocated (JavaCPP's count of native bytes
 * does not move), never with OutOfMemoryError or ArithmeticException.
 */
class InferenceSessionLimitsTest {
    static SparseModel model;

    @BeforeAll
    static void setUp() throws Exception {
        model = SparseModel.fromGraph(TutorialFixture.graph(7));
    }

    @Test
    void aMaxBatchWhoseWorkspaceCannotExistIsRefusedAtNewSession() {
        long before = Pointer.totalBytes();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> model.newSession(SessionOptions.defaults().withMaxBatch(90_000)));
        assertTrue(e.getMessage().contains("maxBatch 90000") && e.getMessage().contains("at most"), e.getMessage());
        // conv1's output, 28 x 28 x 32 floats per item, is the largest buffer: 2^31-1 floats hold 85598 items.
        assertTrue(e.getMessage().contains("85598"), e.getMessage());
        assertTrue(Pointer.totalBytes() - before < 1 << 20, "allocated " + (Pointer.totalBytes() - before) + " bytes");
        try (InferenceSession s = model.newSession(SessionOptions.defaults().withMaxBatch(64))) {
            assertTrue(s.description().contains("max batch 64"));
        }
    }

    @Test
    void aHugeBatchWithASmallInputIsRefusedBeforeTheOutputIsAllocated() {
        try (InferenceSession s = model.newSession()) {
            long before = Pointer.totalBytes();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> s.run(new float[784], 200_000_000));
            assertTrue(e.getMessage().contains("784") && e.getMessage().contains("200000000"), e.getMessage());
            IllegalArgumentException max = assertThrows(IllegalArgumentException.class,
                    () -> s.run(new float[784], Integer.MAX_VALUE));
            assertTrue(max.getMessage().contains(Integer.toString(Integer.MAX_VALUE)), max.getMessage());
            assertThrows(IllegalArgumentException.class, () -> s.run(new float[784], -1));
            assertTrue(Pointer.totalBytes() - before < 1 << 20);
            float[] x = InferenceSessionTest.uniform(new Random(2), 784);
            assertArrayEquals(s.run(x, 1), s.run(x, 1), "the session still runs");
        }
    }
}
