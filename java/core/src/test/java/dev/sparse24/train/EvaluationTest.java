package dev.sparse24.train;

import dev.sparse24.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Evaluation.argmax and accuracyOf against hand-worked rows and the loss's own arg-max count. */
class EvaluationTest {
    @Test
    void argmaxTakesTheFirstMaximumOfTheRow() {
        float[] v = {9f, 1f, 3f, 3f, -1f, 7f};
        assertEquals(1, Evaluation.argmax(v, 1, 3), "row [1, 3, 3]: first 3 wins");
        assertEquals(2, Evaluation.argmax(v, 3, 3), "row [3, -1, 7]");
        assertEquals(0, Evaluation.argmax(v, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> Evaluation.argmax(v, 4, 3));
        assertThrows(IllegalArgumentException.class, () -> Evaluation.argmax(v, 0, 0));
    }

    @Test
    void accuracyOfHandWorkedRows() {
        // Rows: arg-max 2, 0, 1; labels 2, 1, 1: two of three right.
        float[] logits = {0f, 1f, 5f, 4f, 2f, 2f, -3f, -1f, -2f};
        assertEquals(2.0 / 3, Evaluation.accuracyOf(logits, new int[] {2, 1, 1}, 3), 0);
        assertThrows(IllegalArgumentException.class, () -> Evaluation.accuracyOf(logits, new int[] {2, 1}, 3));
        assertThrows(IllegalArgumentException.class, () -> Evaluation.accuracyOf(new float[0], new int[0], 3));
    }

    @Test
    void accuracyOfAgreesWithTheLossesCount() {
        Random r = new Random(4);
        int rows = 257;
        int classes = 10;
        float[] logits = new float[rows * classes];
        int[] labels = new int[rows];
        for (int i = 0; i < logits.length; i++) {
            logits[i] = r.nextInt(5); // few distinct values: many ties
        }
        for (int i = 0; i < rows; i++) {
            labels[i] = r.nextInt(classes);
        }
        int count = SparseCategoricalCrossentropy.countCorrect(Tensor.of(logits, rows, classes), labels, 0);
        assertEquals((double) count / rows, Evaluation.accuracyOf(logits, labels, classes), 0);
    }
}
