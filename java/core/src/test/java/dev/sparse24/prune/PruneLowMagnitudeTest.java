package dev.sparse24.prune;

import dev.sparse24.nn.Parameter;
import dev.sparse24.nn.Sequential;
import dev.sparse24.sparse.SparsityReport;
import dev.sparse24.tensor.Shape;
import dev.sparse24.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PruneLowMagnitudeTest {
    // A Dense kernel [in=8, out=2] by hand. TFLite rows (out-major) are its columns:
    // out 0: [0.1 -0.9 0.5 0.3 | 0.0 0.2 -0.2 0.8] -> keeps i=1,2 | i=7 and i=5 (tie with i=6, lower index)
    // out 1: [1 2 3 4 | 4 3 2 1]                   -> keeps i=2,3 | i=4,5
    static final float[] HAND_KERNEL = {
        0.1f, 1, -0.9f, 2, 0.5f, 3, 0.3f, 4, 0.0f, 4, 0.2f, 3, -0.2f, 2, 0.8f, 1};
    static final float[] HAND_MASK = {
        0, 0, 1, 0, 1, 1, 0, 1, 0, 1, 1, 1, 0, 0, 1, 0};

    private static PruneLowMagnitude wrappedDense(int units, PruningParams params) {
        return Pruning.pruneLowMagnitude(new LinearKernelFake(units), params);
    }

    static Tensor batch(int n, int features, long seed) {
        java.util.Random r = new java.util.Random(seed);
        Tensor x = Tensor.zeros(n, features);
        for (int i = 0; i < x.size(); i++) {
            x.set(i, (float) (r.nextDouble() * 2 - 1));
        }
        return x;
    }

    /** y = x . K + b in double, K as [in, out]. */
    static double[] linear(Tensor x, float[] kernel, float[] bias, int in, int out) {
        int n = x.shape().dim(0);
        double[] y = new double[n * out];
        for (int b = 0; b < n; b++) {
            for (int o = 0; o < out; o++) {
                double s = bias[o];
                for (int i = 0; i < in; i++) {
                    s += (double) x.get(b * in + i) * kernel[i * out + o];
                }
                y[b * out + o] = s;
            }
        }
        return y;
    }

    static float[] times(float[] a, float[] b) {
        float[] c = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            c[i] = a[i] * b[i];
        }
        return c;
    }

    @Test
    void wrappersAreNamedAfterTheirInnerLayersInSequence() {
        PruneLowMagnitude first = wrappedDense(8, PruningParams.twoByFour());
        PruneLowMagnitude last = wrappedDense(4, PruningParams.twoByFour());
        LinearKernelFake middle = new LinearKernelFake(8);
        Sequential model = new Sequential(first, new IdentityFake(), middle, last).build(Shape.of(6), 1);
        assertEquals("prune_low_magnitude_dense", first.name());
        assertEquals("dense", first.inner().name());
        assertEquals("re_lu", model.layers().get(1).name());
        assertEquals("dense_1", middle.name());
        assertEquals("prune_low_magnitude_dense_2", last.name());

        LinearKernelFake named = new LinearKernelFake(3);
        named.setName("classifier");
        assertEquals("prune_low_magnitude_classifier", Pruning.pruneLowMagnitude(named, PruningParams.twoByFour()).name());
        assertNull(wrappedDense(3, PruningParams.twoByFour()).name(), "unnamed until its inner layer is named");
    }

    @Test
    void summaryCountsKernelBiasMaskThresholdAndStep() {
        PruneLowMagnitude w = wrappedDense(8, PruningParams.twoByFour());
        Sequential model = new Sequential(w, new LinearKernelFake(4)).build(Shape.of(6), 1);
        List<Parameter> p = w.parameters();
        assertEquals(List.of("kernel", "bias", "mask", "threshold", "pruning_step"),
                p.stream().map(Parameter::name).toList());
        assertEquals(List.of(true, true, false, false, false), p.stream().map(Parameter::trainable).toList());
        assertEquals(Shape.of(6, 8), w.mask().shape());
        // 48 + 8 + 48 + 1 + 1 = 106 for the wrapper, 8*4 + 4 = 36 for the plain dense.
        assertEquals(106 + 36, model.countParams());
        assertEquals(48 + 8 + 36, model.countTrainableParams());
        String summary = model.summary();
        assertTrue(summary.contains("prune_low_magnitude_dense (PruneLowMagnitude)"), summary);
        assertTrue(summary.contains("106"), summary);
        assertTrue(summary.contains("Non-trainable params: 50"), summary);
    }

    @Test
    void wrappingKeepsTheInitialWeightsOfTheSameSeed() {
        LinearKernelFake plain = new LinearKernelFake(5);
        new Sequential(plain).build(Shape.of(7), 99);
        PruneLowMagnitude w = wrappedDense(5, PruningParams.twoByFour());
        new Sequential(w).build(Shape.of(7), 99);
        assertArrayEquals(plain.kernel().value().toArray(), w.kernelLayer().kernel().value().toArray());
    }

    @Test
    void mByNMaskIsComputedAtStepOneFromInitialWeightsAndNeverAgain() {
        PruneLowMagnitude w = wrappedDense(2, PruningParams.twoByFour());
        Sequential model = new Sequential(w).build(Shape.of(8), 3);
        Tensor kernel = w.kernelLayer().kernel().value();
        kernel.copyFrom(HAND_KERNEL);
        float[] bias = w.kernelLayer().bias().value().toArray();
        UpdatePruningStep callback = new UpdatePruningStep();
        callback.onTrainBegin(model);

        callback.onTrainBatchBegin(0);
        Tensor x = batch(3, 8, 11);
        Tensor y = model.forward(x, true);
        assertEquals(1, w.pruningStep());
        assertArrayEquals(HAND_MASK, w.mask().value().toArray());
        assertArrayEquals(times(HAND_KERNEL, HAND_MASK), kernel.toArray());
        double[] expected = linear(x, times(HAND_KERNEL, HAND_MASK), bias, 8, 2);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], y.get(i), 1e-5, "forward must use the masked kernel, output " + i);
        }

        // An "optimizer step" that makes the pruned weights the largest ones.
        float[] updated = new float[16];
        for (int i = 0; i < 16; i++) {
            updated[i] = HAND_MASK[i] == 0 ? 10 + i : 0.01f * (i + 1);
        }
        kernel.copyFrom(updated);
        callback.onTrainBatchBegin(1);
        model.forward(x, true);
        assertEquals(2, w.pruningStep());
        assertArrayEquals(HAND_MASK, w.mask().value().toArray(), "the m-by-n mask must stay fixed");
        assertArrayEquals(times(updated, HAND_MASK), kernel.toArray());
    }

    @Test
    void scheduleRecomputesTheMagnitudeMaskWhenDue() {
        PruneLowMagnitude w = wrappedDense(2, PruningParams.unstructured(new ConstantSparsity(0.5, 0, -1, 2)));
        Sequential model = new Sequential(w).build(Shape.of(8), 4);
        Tensor kernel = w.kernelLayer().kernel().value();
        float[] initial = kernel.toArray();
        UpdatePruningStep callback = new UpdatePruningStep();
        callback.onTrainBegin(model);
        Tensor x = batch(2, 8, 12);

        callback.onTrainBatchBegin(0);
        model.forward(x, true); // step 1: (1 - 0) % 2 != 0, no update
        assertArrayEquals(initial, kernel.toArray());
        assertEquals(16f, sum(w.mask().value().toArray()));

        callback.onTrainBatchBegin(1);
        model.forward(x, true); // step 2: prune to 50%
        double[] mags = new double[16];
        for (int i = 0; i < 16; i++) {
            mags[i] = Math.abs(initial[i]);
        }
        double[] sorted = mags.clone();
        Arrays.sort(sorted);
        double eighthLargest = sorted[8];
        float[] mask = w.mask().value().toArray();
        for (int i = 0; i < 16; i++) {
            assertEquals(mags[i] >= eighthLargest ? 1f : 0f, mask[i], "index " + i);
        }
        assertEquals(8f, sum(mask));
        assertEquals(eighthLargest, w.threshold().value().get(0), 0.0);
        assertArrayEquals(times(initial, mask), kernel.toArray());
    }

    @Test
    void trainingWithoutTheCallbackFails() {
        PruneLowMagnitude w = wrappedDense(4, PruningParams.twoByFour());
        Sequential model = new Sequential(w).build(Shape.of(8), 5);
        Tensor x = batch(2, 8, 13);
        for (int attempt = 0; attempt < 2; attempt++) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> model.forward(x, true));
            assertTrue(e.getMessage().contains("UpdatePruningStep") && e.getMessage().contains(w.name()),
                    e.getMessage());
            assertEquals(-1, w.pruningStep());
        }
        model.forward(x, false); // inference needs no callback
        assertEquals(-1, w.pruningStep());
    }

    @Test
    void inferenceDoesNotAdvanceTheStep() {
        PruneLowMagnitude w = wrappedDense(4, PruningParams.twoByFour());
        Sequential model = new Sequential(w).build(Shape.of(8), 5);
        UpdatePruningStep callback = new UpdatePruningStep();
        callback.onTrainBegin(model);
        callback.onTrainBatchBegin(0);
        model.forward(batch(2, 8, 1), true);
        model.forward(batch(2, 8, 2), false);
        model.forward(batch(2, 8, 3), false);
        assertEquals(1, w.pruningStep());
    }

    @Test
    void backwardIsTheInnerLayersOnTheMaskedKernel() {
        PruneLowMagnitude w = wrappedDense(2, PruningParams.twoByFour());
        Sequential model = new Sequential(new IdentityFake(), w).build(Shape.of(8), 6);
        w.kernelLayer().kernel().value().copyFrom(HAND_KERNEL);
        UpdatePruningStep callback = new UpdatePruningStep();
        callback.onTrainBegin(model);
        callback.onTrainBatchBegin(0);
        Tensor x = batch(3, 8, 14);
        model.forward(x, true);
        Tensor g = batch(3, 2, 15);
        Tensor gx = w.backward(g);
        float[] masked = times(HAND_KERNEL, HAND_MASK);
        for (int b = 0; b < 3; b++) {
            for (int i = 0; i < 8; i++) {
                double expected = 0;
                for (int o = 0; o < 2; o++) {
                    expected += (double) g.get(b * 2 + o) * masked[i * 2 + o];
                }
                assertEquals(expected, gx.get(b * 8 + i), 1e-5);
            }
        }
        // Pruned weights still get their gradient x^T g (TFMOT does not mask gradients).
        Tensor kg = w.kernelLayer().kernel().grad();
        for (int i = 0; i < 8; i++) {
            for (int o = 0; o < 2; o++) {
                double expected = 0;
                for (int b = 0; b < 3; b++) {
                    expected += (double) x.get(b * 8 + i) * g.get(b * 2 + o);
                }
                assertEquals(expected, kg.get(i * 2 + o), 1e-5);
            }
        }
    }

    @Test
    void convMaskGroupsRunAlongInputChannelsOfEachTap() {
        // kh=kw=2, in=4, out=3: each (h, w, o) must keep exactly its 2 largest of 4 input channels.
        PruneLowMagnitude w = Pruning.pruneLowMagnitude(new LinearKernelFake(3, 2, 2, "Conv2D"),
                PruningParams.twoByFour());
        Sequential model = new Sequential(w).build(Shape.of(2, 2, 4), 8);
        float[] k = w.kernelLayer().kernel().value().toArray();
        UpdatePruningStep callback = new UpdatePruningStep();
        callback.onTrainBegin(model);
        callback.onTrainBatchBegin(0);
        model.forward(Tensor.zeros(1, 2, 2, 4), true);
        float[] mask = w.mask().value().toArray();
        for (int tap = 0; tap < 4; tap++) {
            for (int o = 0; o < 3; o++) {
                double[] group = new double[4];
                for (int i = 0; i < 4; i++) {
                    group[i] = Math.abs(k[(tap * 4 + i) * 3 + o]);
                }
                double[] sorted = group.clone();
                Arrays.sort(sorted);
                for (int i = 0; i < 4; i++) {
                    assertEquals(group[i] >= sorted[2] ? 1f : 0f, mask[(tap * 4 + i) * 3 + o],
                            "tap " + tap + " out " + o + " in " + i);
                }
            }
        }
    }

    @Test
    void sevenInputChannelsGiveThreeSeventhsThroughTheWrapper() {
        PruneLowMagnitude w = Pruning.pruneLowMagnitude(new LinearKernelFake(5, 3, 3, "Conv2D"),
                PruningParams.twoByFour());
        Sequential model = new Sequential(w).build(Shape.of(3, 3, 7), 9);
        UpdatePruningStep callback = new UpdatePruningStep();
        callback.onTrainBegin(model);
        callback.onTrainBatchBegin(0);
        model.forward(Tensor.zeros(1, 3, 3, 7), true);
        assertEquals(3.0 / 7.0, SparsityReport.sparsity(w.kernelLayer().kernel().value()), 1e-12);
        assertTrue(Pruning.sparsityReport(model).allPatternsHold());
    }

    @Test
    void tooFewInputChannelsWarnByNameOrFailWhenStrict() {
        List<LogRecord> records = new ArrayList<>();
        Logger logger = Logger.getLogger(PruneLowMagnitude.class.getName());
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord r) {
                records.add(r);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        logger.addHandler(capture);
        boolean toParents = logger.getUseParentHandlers();
        logger.setUseParentHandlers(false); // keep the expected warning out of the build log
        try {
            PruneLowMagnitude w = Pruning.pruneLowMagnitude(new LinearKernelFake(4, 2, 2, "Conv2D"),
                    PruningParams.twoByFour());
            Sequential model = new Sequential(w).build(Shape.of(2, 2, 2), 10);
            assertEquals(1, records.size());
            assertEquals(Level.WARNING, records.get(0).getLevel());
            assertTrue(records.get(0).getMessage().contains("prune_low_magnitude_conv2d")
                    && records.get(0).getMessage().contains("2 input channel"), records.get(0).getMessage());
            // And indeed nothing is pruned.
            UpdatePruningStep callback = new UpdatePruningStep();
            callback.onTrainBegin(model);
            callback.onTrainBatchBegin(0);
            model.forward(Tensor.zeros(1, 2, 2, 2), true);
            assertEquals(32f, sum(w.mask().value().toArray()));

            records.clear();
            new Sequential(Pruning.pruneLowMagnitude(new LinearKernelFake(4, 2, 2, "Conv2D"),
                    PruningParams.twoByFour())).build(Shape.of(2, 2, 3), 10);
            assertTrue(records.isEmpty(), "3 input channels can be pruned");
        } finally {
            logger.removeHandler(capture);
            logger.setUseParentHandlers(toParents);
        }

        PruneLowMagnitude strict = Pruning.pruneLowMagnitude(new LinearKernelFake(4, 5, 5, "Conv2D"),
                PruningParams.twoByFour().strict());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Sequential(strict).build(Shape.of(5, 5, 1), 10));
        assertTrue(e.getMessage().contains("prune_low_magnitude_conv2d") && e.getMessage().contains("1 input channel"),
                e.getMessage());
        // An unstructured schedule is fine on one input channel, strict or not.
        new Sequential(Pruning.pruneLowMagnitude(new LinearKernelFake(4, 5, 5, "Conv2D"),
                PruningParams.unstructured(new ConstantSparsity(0.5, 0)).strict())).build(Shape.of(5, 5, 1), 10);
    }

    @Test
    void stepStaysWithinWhatFloatHoldsExactly() {
        PruneLowMagnitude w = wrappedDense(2, PruningParams.twoByFour());
        new Sequential(w).build(Shape.of(4), 1);
        w.setPruningStep(1 << 24);
        assertEquals(1 << 24, w.pruningStep());
        assertThrows(IllegalArgumentException.class, () -> w.setPruningStep((1 << 24) + 1));
        assertThrows(IllegalArgumentException.class, () -> w.setPruningStep(-2));
    }

    private static float sum(float[] a) {
        float s = 0;
        for (float v : a) {
            s += v;
        }
        return s;
    }
}
