package dev.sparse24.models;

import dev.sparse24.nn.Layer;
import dev.sparse24.nn.Parameter;
import dev.sparse24.nn.Sequential;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TutorialModelTest {
    @Test
    void prunedSummaryCountsEqualTheTutorials() {
        Sequential m = TutorialModel.build(true, 1);
        // The tutorial's model.summary(): 1,634 / 0 / 102,466 / 256 / 0 / 0 / 0 / 6,423,554 / 0 / 10,250.
        long[] expected = {1_634, 0, 102_466, 256, 0, 0, 0, 6_423_554, 0, 10_250};
        List<Layer> layers = m.layers();
        long[] actual = new long[layers.size()];
        for (int i = 0; i < actual.length; i++) {
            actual[i] = layers.get(i).parameters().stream().mapToLong(Parameter::size).sum();
        }
        assertArrayEquals(expected, actual);
        assertEquals(6_538_160, m.countParams());
        assertEquals(3_274_762, m.countTrainableParams());
        String summary = m.summary();
        assertTrue(summary.contains("Total params: 6,538,160"), summary);
        assertTrue(summary.contains("Trainable params: 3,274,762"), summary);
        assertTrue(summary.contains("Non-trainable params: 3,263,398"), summary);
        assertTrue(summary.contains("(None, 7, 7, 64)"), summary);
        assertTrue(summary.contains("(None, 3136) "), summary);
        assertTrue(summary.contains("(PruneLowMagnitude) "), summary);
        assertTrue(summary.contains("prune_low_magnitude_structural_pruning_dense (PruneLowMagnitude)"), summary);
    }

    @Test
    void denseBaselineHasOnlyTheKerasWeights() {
        Sequential m = TutorialModel.build(false, 1);
        // kernels + biases + BN gamma/beta (trainable) and BN moving statistics (non-trainable).
        assertEquals(3_274_762 + 128, m.countParams());
        assertEquals(3_274_762, m.countTrainableParams());
    }

    @Test
    void sameSeedSameWeightsOtherSeedOtherWeights() {
        float[] a = TutorialModel.build(true, 5).parameters().get(0).value().toArray();
        float[] b = TutorialModel.build(true, 5).parameters().get(0).value().toArray();
        float[] c = TutorialModel.build(true, 6).parameters().get(0).value().toArray();
        assertArrayEquals(a, b);
        assertTrue(!java.util.Arrays.equals(a, c));
    }
}
