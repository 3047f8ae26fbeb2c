package dev.sparse24.prune;

import dev.sparse24.nn.Layer;
import dev.sparse24.nn.Sequential;
import dev.sparse24.sparse.NmPattern;
import dev.sparse24.sparse.SparsityReport;
import dev.sparse24.tensor.Shape;
import dev.sparse24.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PruningTest {
    /** dense (8 -> 8), re_lu, dense_1 (8 -> 4): built, unpruned. */
    private static Sequential denseModel() {
        return new Sequential(new LinearKernelFake(8), new IdentityFake(), new LinearKernelFake(4))
                .build(Shape.of(8), 3);
    }

    private static void trainSteps(Sequential model, UpdatePruningStep callback, int steps) {
        callback.onTrainBegin(model);
        Tensor x = Tensor.zeros(2, 8);
        for (int b = 0; b < steps; b++) {
            callback.onTrainBatchBegin(b);
            model.forward(x, true);
        }
    }

    @Test
    void onlyKernelLayersCanBeWrapped() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Pruning.pruneLowMagnitude(new IdentityFake(), PruningParams.twoByFour()));
        assertTrue(e.getMessage().contains("ReLU"), e.getMessage());
        PruneLowMagnitude w = Pruning.pruneLowMagnitude(new LinearKernelFake(2), PruningParams.twoByFour());
        assertThrows(IllegalArgumentException.class, () -> Pruning.pruneLowMagnitude(w, PruningParams.twoByFour()));
    }

    @Test
    void wrappingABuiltModelKeepsItsWeights() {
        Sequential model = denseModel();
        Layer dense = model.layers().get(0);
        LinearKernelFake dense1 = (LinearKernelFake) model.layers().get(2);
        float[] before = ((LinearKernelFake) dense).kernel().value().toArray();
        long paramsBefore = model.countParams();

        Pruning.pruneLowMagnitude(model, l -> l.name().equals("dense") ? PruningParams.twoByFour() : null);

        PruneLowMagnitude w = assertInstanceOf(PruneLowMagnitude.class, model.layers().get(0));
        assertSame(dense, w.inner());
        assertEquals("prune_low_magnitude_dense", w.name());
        assertArrayEquals(before, w.kernelLayer().kernel().value().toArray());
        assertSame(dense1, model.layers().get(2), "layers the function declines stay as they are");
        assertEquals(paramsBefore + 64 + 2, model.countParams());
        assertEquals(-1, w.pruningStep());
    }

    @Test
    void wrappingNeedsABuiltModel() {
        Sequential unbuilt = new Sequential(new LinearKernelFake(2));
        assertThrows(IllegalArgumentException.class, () -> Pruning.pruneLowMagnitude(unbuilt, PruningParams.twoByFour()));
    }

    @Test
    void stripRestoresThePlainLayersWithTheirZeros() {
        Sequential model = denseModel();
        long paramsBefore = model.countParams();
        Layer dense = model.layers().get(0);
        Pruning.pruneLowMagnitude(model, PruningParams.twoByFour());
        PruneLowMagnitude w = (PruneLowMagnitude) model.layers().get(0);
        UpdatePruningStep callback = new UpdatePruningStep();
        trainSteps(model, callback, 3);

        // The last optimizer step of the epoch revives pruned weights; epoch end zeroes them again.
        Tensor kernel = w.kernelLayer().kernel().value();
        float[] mask = w.mask().value().toArray();
        for (int i = 0; i < kernel.size(); i++) {
            kernel.set(i, kernel.get(i) + 0.5f);
        }
        callback.onEpochEnd(0, Map.of());
        float[] sparse = kernel.toArray();
        for (int i = 0; i < sparse.length; i++) {
            assertEquals(mask[i] == 0, sparse[i] == 0f, "index " + i);
        }
        Tensor x = Tensor.of(new float[] {1, -2, 3, -4, 5, -6, 7, -8}, 1, 8);
        float[] prunedOutput = model.forward(x, false).toArray();

        Pruning.strip(model);
        assertSame(dense, model.layers().get(0));
        assertTrue(model.layers().stream().noneMatch(l -> l instanceof PruneLowMagnitude));
        assertEquals(paramsBefore, model.countParams());
        assertArrayEquals(sparse, ((LinearKernelFake) dense).kernel().value().toArray());
        assertEquals(0.5, SparsityReport.sparsity(((LinearKernelFake) dense).kernel().value()), 1e-12);
        assertArrayEquals(prunedOutput, model.forward(x, false).toArray());
    }

    @Test
    void reportDescribesEachKernelLayer() {
        Sequential model = new Sequential(
                Pruning.pruneLowMagnitude(new LinearKernelFake(8),
                        PruningParams.unstructured(new ConstantSparsity(0.5, 0, -1, 1))),
                new IdentityFake(),
                Pruning.pruneLowMagnitude(new LinearKernelFake(8), PruningParams.twoByFour()),
                new LinearKernelFake(4)).build(Shape.of(8), 4);
        trainSteps(model, new UpdatePruningStep(), 1);

        SparsityReport report = Pruning.sparsityReport(model);
        List<SparsityReport.Entry> e = report.entries();
        assertEquals(3, e.size(), report.toTable());

        assertEquals("prune_low_magnitude_dense", e.get(0).name());
        assertEquals("unstructured 0.50", e.get(0).pattern());
        assertEquals(Shape.of(8, 8), e.get(0).shape());
        assertEquals(0.5, e.get(0).sparsity(), 1e-12);
        assertNull(e.get(0).patternOk());

        assertEquals("prune_low_magnitude_dense_1", e.get(1).name());
        assertEquals("2:4", e.get(1).pattern());
        assertEquals(Boolean.TRUE, e.get(1).patternOk());
        assertEquals(0.5, e.get(1).sparsity(), 1e-12);

        assertEquals("dense_2", e.get(2).name());
        assertEquals("none", e.get(2).pattern());
        assertEquals(Shape.of(4, 8), e.get(2).shape(), "TFLite orientation [out, in]");
        assertTrue(report.allPatternsHold());
    }

    @Test
    void reportFlagsAKernelThatBreaksItsPattern() {
        Sequential model = new Sequential(Pruning.pruneLowMagnitude(new LinearKernelFake(2),
                PruningParams.mByN(NmPattern.TWO_FOUR))).build(Shape.of(4), 1);
        // Never trained: the random kernel is dense, so each [out] row of 4 breaks 2:4.
        SparsityReport.Entry e = Pruning.sparsityReport(model).entries().get(0);
        assertEquals(Boolean.FALSE, e.patternOk());
        assertEquals(2L, e.violatingGroups());
    }

    @Test
    void reportAfterStripChecksTheLayersAgainstThePlanTakenBefore() {
        Sequential model = new Sequential(
                Pruning.pruneLowMagnitude(new LinearKernelFake(8),
                        PruningParams.unstructured(new ConstantSparsity(0.5, 0, -1, 1))),
                Pruning.pruneLowMagnitude(new LinearKernelFake(8), PruningParams.twoByFour()),
                new LinearKernelFake(4)).build(Shape.of(8), 4);
        trainSteps(model, new UpdatePruningStep(), 1);
        java.util.Map<String, PruningParams> plan = Pruning.plan(model);
        assertEquals(List.of("dense", "dense_1"), List.copyOf(plan.keySet()));

        Pruning.strip(model);
        List<SparsityReport.Entry> e = Pruning.sparsityReport(model, plan).entries();
        assertEquals("dense", e.get(0).name());
        assertEquals("unstructured 0.50", e.get(0).pattern());
        assertEquals("dense_1", e.get(1).name());
        assertEquals("2:4", e.get(1).pattern());
        assertEquals(Boolean.TRUE, e.get(1).patternOk());
        assertEquals(0L, e.get(1).violatingGroups());
        assertEquals("none", e.get(2).pattern());
        // Without the plan a stripped model has nothing to check against.
        assertEquals("none", Pruning.sparsityReport(model).entries().get(1).pattern());
    }
}
