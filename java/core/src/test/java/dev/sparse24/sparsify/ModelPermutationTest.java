package dev.sparse24.sparsify;

import dev.sparse24.graph.Padding;
import dev.sparse24.nn.Activation;
import dev.sparse24.nn.Conv2D;
import dev.sparse24.nn.Dense;
import dev.sparse24.nn.Sequential;
import dev.sparse24.tensor.Shape;
import dev.sparse24.tensor.Tensor;
import dev.sparse24.train.Trainer;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A permuted model computes what the original did, and keeps more magnitude under 2:4. */
class ModelPermutationTest {
    @Test
    void permutedConvBatchNormFlattenDenseModelGivesTheSameOutputs() {
        for (long seed = 1; seed <= 4; seed++) {
            Sequential original = TinyModels.convNet(seed);
            Sequential permuted = TinyModels.convNet(seed);
            Tensor x = TinyModels.input(new Random(seed), 9, Shape.of(6, 6, 1));
            Tensor before = Trainer.predict(original, x, 9);
            // conv2d_1 (after conv2d), dense (after Flatten of conv2d_1's output) and dense_1 (after dense).
            List<ModelPermutation.Applied> applied = ModelPermutation.apply(permuted,
                    Set.of("conv2d_1", "dense", "dense_1"), 2, seed, true);
            assertEquals(3, applied.size());
            for (ModelPermutation.Applied a : applied) {
                assertTrue(a.permuted(), a.toString());
                assertTrue(a.keptPermuted() >= a.keptIdentity() - 1e-6, a.toString());
                assertTrue(a.keptPermuted() <= a.totalMagnitude() + 1e-6);
            }
            assertEquals("conv2d", applied.get(0).producer());
            assertEquals("conv2d_1", applied.get(1).producer());
            assertEquals(8, applied.get(1).channels());
            assertEquals("dense", applied.get(2).producer());
            boolean anyMoved = applied.stream()
                    .anyMatch(a -> !Arrays.equals(a.permutation(), ChannelPermutation.identity(a.channels())));
            assertTrue(anyMoved, "random weights: some permutation differs from the identity");
            Tensor after = Trainer.predict(permuted, x, 9);
            float diff = TinyModels.maxAbsDifference(before, after);
            assertTrue(diff < 1e-4, "seed " + seed + ": outputs differ by " + diff);
            // What the search promised is what 2:4 keeps in the permuted weights.
            Conv2D c = (Conv2D) permuted.layers().get(2);
            float[] w = ModelPermutation.tflite(c).toArray();
            assertEquals(applied.get(0).keptPermuted(), ChannelPermutation.keptMagnitude(w, w.length / 8, 8), 1e-3);
        }
    }

    @Test
    void theFirstLayerAndAnOddProducerAreLeftInOrder() {
        Sequential m = new Sequential("odd", new Dense(6, Activation.RELU), new Dense(4)).build(Shape.of(8), 1);
        List<ModelPermutation.Applied> applied = ModelPermutation.apply(m, Set.of("dense", "dense_1"), 0, 1, true);
        assertFalse(applied.get(0).permuted());
        assertTrue(applied.get(0).note().contains("data"), applied.get(0).note());
        assertFalse(applied.get(1).permuted());
        assertTrue(applied.get(1).note().contains("6 output channels"), applied.get(1).note());
    }

    @Test
    void searchOffMeasuresOnly() {
        Sequential m = TinyModels.convNet(9);
        float[] before = m.layers().get(2).parameters().get(0).value().toArray();
        List<ModelPermutation.Applied> applied = ModelPermutation.apply(m, Set.of("conv2d_1"), 0, 1, false);
        assertEquals(applied.get(0).keptIdentity(), applied.get(0).keptPermuted());
        assertTrue(Arrays.equals(before, m.layers().get(2).parameters().get(0).value().toArray()));
        assertEquals(Padding.SAME, ((Conv2D) m.layers().get(0)).padding());
    }
}
