package dev.sparse24.prune;

import dev.sparse24.nn.Sequential;
import dev.sparse24.sparse.SparsityReport;
import dev.sparse24.tensor.Shape;
import dev.sparse24.tensor.Tensor;
import dev.sparse24.train.Adam;
import dev.sparse24.train.FitOptions;
import dev.sparse24.train.SparseCategoricalCrossentropy;
import dev.sparse24.train.Trainer;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The m-by-n options beyond TFMOT (mask schedule, straight-through training, SR-STE) against
 * hand-computed cases: a Dense-like layer [in=8, out=2] whose outputs and gradients are
 * recomputed here in plain loops.
 */
class StraightThroughPruningTest {
    // The hand kernel of PruneLowMagnitudeTest (its comment works the mask out by hand).
    private static final float[] HAND_KERNEL = PruneLowMagnitudeTest.HAND_KERNEL;
    private static final float[] HAND_MASK = PruneLowMagnitudeTest.HAND_MASK;

    private static Tensor batch(int n, int features, long seed) {
        return PruneLowMagnitudeTest.batch(n, features, seed);
    }

    private static float[] times(float[] a, float[] b) {
        return PruneLowMagnitudeTest.times(a, b);
    }

    private static double[] linear(Tensor x, float[] kernel, float[] bias, int in, int out) {
        return PruneLowMagnitudeTest.linear(x, kernel, bias, in, out);
    }

    private record Setup(PruneLowMagnitude wrapper, Sequential model, UpdatePruningStep callback, Tensor kernel) {
    }

    private static Setup setup(PruningParams params) {
        PruneLowMagnitude w = Pruning.pruneLowMagnitude(new LinearKernelFake(2), params);
        Sequential model = new Sequential(w).build(Shape.of(8), 3);
        Tensor kernel = w.kernelLayer().kernel().value();
        kernel.copyFrom(HAND_KERNEL);
        UpdatePruningStep callback = new UpdatePruningStep();
        callback.onTrainBegin(model);
        return new Setup(w, model, callback, kernel);
    }

    @Test
    void denseWarmUpKeepsEveryWeightUntilTheFirstSelection() {
        Setup s = setup(PruningParams.twoByFour().withMaskSchedule(new MaskSchedule(3, 1, 3)));
        Tensor x = batch(3, 8, 1);
        for (int b = 0; b < 2; b++) {
            s.callback.onTrainBatchBegin(b);
            Tensor y = s.model.forward(x, true);
            double[] expected = linear(x, HAND_KERNEL, s.wrapper.kernelLayer().bias().value().toArray(), 8, 2);
            for (int i = 0; i < expected.length; i++) {
                assertEquals(expected[i], y.get(i), 1e-5, "warm-up step " + (b + 1) + " computes dense, output " + i);
            }
            s.model.backward(Tensor.zeros(3, 2));
            assertArrayEquals(HAND_KERNEL, s.kernel.toArray(), "warm-up keeps the dense weights");
        }
        s.callback.onTrainBatchBegin(2);
        s.model.forward(x, true); // step 3: the one selection, then hard masking as TFMOT
        assertArrayEquals(HAND_MASK, s.wrapper.mask().value().toArray());
        assertArrayEquals(times(HAND_KERNEL, HAND_MASK), s.kernel.toArray());
        assertFalse(s.wrapper.isStraightThrough());
    }

    @Test
    void straightThroughForwardUsesTheMaskedKernelAndBackwardGivesTheDenseOneBack() {
        double lambda = 0.5;
        Setup s = setup(PruningParams.twoByFour().withMaskSchedule(new MaskSchedule(1, 2, 5)).withSrSte(lambda));
        Tensor x = batch(3, 8, 2);
        Tensor dy = batch(3, 2, 3);
        float[] bias = s.wrapper.kernelLayer().bias().value().toArray();
        s.callback.onTrainBatchBegin(0);
        Tensor y = s.model.forward(x, true);
        assertTrue(s.wrapper.isStraightThrough(), "a selection is still due at step 3");
        assertArrayEquals(HAND_MASK, s.wrapper.mask().value().toArray());
        double[] expected = linear(x, times(HAND_KERNEL, HAND_MASK), bias, 8, 2);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], y.get(i), 1e-5, "forward with dense * mask, output " + i);
        }
        s.model.backward(dy);
        assertArrayEquals(HAND_KERNEL, s.kernel.toArray(), "backward puts the dense kernel back");
        // dK = x^T dy for every weight (the masked network's gradient), plus lambda * w where pruned.
        float[] grad = s.wrapper.kernelLayer().kernel().grad().toArray();
        for (int f = 0; f < 8; f++) {
            for (int o = 0; o < 2; o++) {
                double g = 0;
                for (int b = 0; b < 3; b++) {
                    g += (double) x.get(b * 8 + f) * dy.get(b * 2 + o);
                }
                int k = f * 2 + o;
                if (HAND_MASK[k] == 0) {
                    g += lambda * HAND_KERNEL[k];
                }
                assertEquals(g, grad[k], 1e-5, "kernel gradient " + k);
            }
        }
    }

    @Test
    void inferenceBetweenStraightThroughStepsSeesTheSparseNetworkAndKeepsTheDenseWeights() {
        Setup s = setup(PruningParams.twoByFour().withMaskSchedule(new MaskSchedule(1, 2, 5)));
        Tensor x = batch(4, 8, 4);
        float[] bias = s.wrapper.kernelLayer().bias().value().toArray();
        s.callback.onTrainBatchBegin(0);
        s.model.forward(x, true);
        s.model.backward(Tensor.zeros(4, 2));
        s.callback.onEpochEnd(0, java.util.Map.of());
        assertArrayEquals(HAND_KERNEL, s.kernel.toArray(), "epoch end must not zero weights trained straight through");
        Tensor y = s.model.forward(x, false);
        double[] expected = linear(x, times(HAND_KERNEL, HAND_MASK), bias, 8, 2);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], y.get(i), 1e-5, "inference with dense * mask, output " + i);
        }
        assertArrayEquals(HAND_KERNEL, s.kernel.toArray(), "inference gives the dense weights back");
    }

    @Test
    void aForwardWithoutBackwardDoesNotLoseTheDenseWeights() {
        Setup s = setup(PruningParams.twoByFour().withMaskSchedule(new MaskSchedule(1, 1, 4)));
        Tensor x = batch(2, 8, 5);
        s.callback.onTrainBatchBegin(0);
        s.model.forward(x, true);
        s.callback.onTrainBatchBegin(1);
        s.model.forward(x, true); // step 2 re-selects: it must see the dense weights, not the masked ones
        s.model.backward(Tensor.zeros(2, 2));
        assertArrayEquals(HAND_KERNEL, s.kernel.toArray());
        assertArrayEquals(HAND_MASK, s.wrapper.mask().value().toArray());
    }

    @Test
    void masksAreReselectedFromTheDenseWeightsOnScheduleThenFixed() {
        Setup s = setup(PruningParams.twoByFour().withMaskSchedule(new MaskSchedule(1, 2, 3)));
        Tensor x = batch(2, 8, 6);
        s.callback.onTrainBatchBegin(0);
        s.model.forward(x, true); // step 1: selection
        s.model.backward(Tensor.zeros(2, 2));
        // An "optimizer step" that makes the pruned weights the largest: the next selection flips.
        float[] updated = new float[16];
        for (int i = 0; i < 16; i++) {
            updated[i] = HAND_MASK[i] == 0 ? 10 + i : 0.01f * (i + 1);
        }
        s.kernel.copyFrom(updated);
        s.callback.onTrainBatchBegin(1);
        s.model.forward(x, true); // step 2: no selection
        s.model.backward(Tensor.zeros(2, 2));
        assertArrayEquals(HAND_MASK, s.wrapper.mask().value().toArray(), "no selection at step 2");
        assertArrayEquals(updated, s.kernel.toArray(), "pruned weights keep their dense values");
        s.callback.onTrainBatchBegin(2);
        s.model.forward(x, true); // step 3: the last selection, then hard masking
        float[] flipped = new float[16];
        for (int i = 0; i < 16; i++) {
            flipped[i] = 1 - HAND_MASK[i];
        }
        assertArrayEquals(flipped, s.wrapper.mask().value().toArray(), "the mask follows the trained weights");
        assertFalse(s.wrapper.isStraightThrough(), "no selection is due after step 3");
        assertArrayEquals(times(updated, flipped), s.kernel.toArray(), "after the last selection: TFMOT's hard mask");
    }

    @Test
    void finishZeroesThePrunedWeightsForGood() {
        Setup s = setup(PruningParams.twoByFour().withMaskSchedule(new MaskSchedule(1, 10, 100)));
        Tensor x = batch(2, 8, 7);
        s.callback.onTrainBatchBegin(0);
        s.model.forward(x, true);
        s.callback.onTrainEnd(); // training stopped between forward and backward
        assertArrayEquals(times(HAND_KERNEL, HAND_MASK), s.kernel.toArray());
        assertFalse(s.wrapper.isStraightThrough());
        s.wrapper.finish();
        assertArrayEquals(times(HAND_KERNEL, HAND_MASK), s.kernel.toArray(), "finish is idempotent");
    }

    @Test
    void theBestRecipeTrainsAModelWhoseTwoByFourGroupsAllHoldAfterStrip() {
        // A small classifier trained end to end with the Trainer: whatever the recipe did in
        // between, the stripped kernels must be exactly 2:4.
        int n = 64;
        Tensor images = batch(n, 12, 8);
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = images.get(i * 12) + images.get(i * 12 + 5) > 0 ? 1 : 0;
        }
        Recipe recipe = Recipe.parse("best,refresh=2,until=0.8");
        long steps = 4L * (n / 16);
        PruneLowMagnitude hidden = Pruning.pruneLowMagnitude(new LinearKernelFake(8), recipe.twoByFour(steps));
        PruneLowMagnitude out = Pruning.pruneLowMagnitude(new LinearKernelFake(2), recipe.twoByFour(steps));
        Sequential model = new Sequential(hidden, new IdentityFake(), out).build(Shape.of(12), 9);
        Adam adam = recipe.optimizer(steps);
        new Trainer(model, adam, new SparseCategoricalCrossentropy(true)).fit(images, labels,
                FitOptions.defaults().withBatchSize(16).withEpochs(4).withVerbose(0).withSeed(1),
                new UpdatePruningStep());
        assertEquals(steps, adam.iterations());
        var plan = Pruning.plan(model);
        SparsityReport report = Pruning.sparsityReport(Pruning.strip(model), plan);
        for (SparsityReport.Entry e : report.entries()) {
            assertTrue(e.patternOk(), e.name() + " must hold 2:4 after training: " + report.toTable());
        }
    }
}
