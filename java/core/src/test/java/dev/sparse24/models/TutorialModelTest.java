package dev.sparse24.models;

import dev.sparse24.nn.Layer;
import dev.sparse24.nn.Parameter;
import dev.sparse24.nn.Sequential;
import dev.sparse24.tensor.Shape;
import dev.sparse24.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

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

    @Test
    void denseShapesAndParameterCountsMatchKeras() {
        List<Layer> layers = TutorialModel.build(false, 1).layers();
        assertEquals(List.of(Shape.of(28, 28, 32), Shape.of(14, 14, 32), Shape.of(14, 14, 64), Shape.of(14, 14, 64),
                Shape.of(14, 14, 64), Shape.of(7, 7, 64), Shape.of(3136), Shape.of(1024), Shape.of(1024), Shape.of(10)),
                layers.stream().map(Layer::outputShape).toList());
        // Keras: 5*5*1*32+32, 0, 5*5*32*64+64, 4*64, 0, 0, 0, 3136*1024+1024, 0, 1024*10+10.
        assertEquals(List.of(832L, 0L, 51_264L, 256L, 0L, 0L, 0L, 3_212_288L, 0L, 10_250L),
                layers.stream().map(l -> l.parameters().stream().mapToLong(Parameter::size).sum()).toList());
    }

    @Test
    void forwardAndBackwardRunThroughTheWholeStack() {
        Sequential model = TutorialModel.build(false, 2);
        Random rng = new Random(3);
        Tensor x = Tensor.of(uniform(rng, 2 * 784, 0, 1), 2, 28, 28, 1);
        Tensor y = model.forward(x, true);
        assertEquals(Shape.of(2, 10), y.shape());
        model.backward(Tensor.of(uniform(rng, 20, -1, 1), 2, 10));
        for (Parameter p : model.trainableParameters()) {
            double norm = 0;
            for (float v : p.grad().toArray()) {
                assertTrue(Float.isFinite(v), p.name());
                norm += v * v;
            }
            assertTrue(norm > 0, "every trainable parameter gets a gradient: " + p);
        }
    }

    private static float[] uniform(Random rng, int n, float lo, float hi) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = lo + (hi - lo) * rng.nextFloat();
        }
        return a;
    }
}
