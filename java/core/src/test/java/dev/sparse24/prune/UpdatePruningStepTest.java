package dev.sparse24.prune;

import dev.sparse24.nn.Sequential;
import dev.sparse24.tensor.Shape;
import dev.sparse24.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class UpdatePruningStepTest {
    @Test
    void stepsCountFromOneAcrossEpochsAndFits() {
        PruneLowMagnitude a = Pruning.pruneLowMagnitude(new LinearKernelFake(8), PruningParams.twoByFour());
        PruneLowMagnitude b = Pruning.pruneLowMagnitude(new LinearKernelFake(4),
                PruningParams.unstructured(new ConstantSparsity(0.5, 0)));
        Sequential model = new Sequential(a, new IdentityFake(), b).build(Shape.of(8), 2);
        UpdatePruningStep callback = new UpdatePruningStep();
        callback.onTrainBegin(model);
        assertEquals(List.of(a, b), callback.wrappers());
        Tensor x = Tensor.zeros(1, 8);
        for (int batch = 0; batch < 5; batch++) {
            callback.onTrainBatchBegin(batch);
            model.forward(x, true);
            assertEquals(batch + 1, a.pruningStep());
            assertEquals(batch + 1, b.pruningStep());
        }
        // A second fit continues the count.
        callback.onTrainBegin(model);
        callback.onTrainBatchBegin(0);
        model.forward(x, true);
        assertEquals(6, a.pruningStep());
    }

    @Test
    void aWrapperAddedLaterStartsAtItsOwnStepOne() {
        Sequential model = new Sequential(Pruning.pruneLowMagnitude(new LinearKernelFake(8), PruningParams.twoByFour()),
                new LinearKernelFake(4)).build(Shape.of(8), 2);
        UpdatePruningStep callback = new UpdatePruningStep();
        callback.onTrainBegin(model);
        Tensor x = Tensor.zeros(1, 8);
        for (int batch = 0; batch < 3; batch++) {
            callback.onTrainBatchBegin(batch);
            model.forward(x, true);
        }
        Pruning.pruneLowMagnitude(model, PruningParams.twoByFour());
        PruneLowMagnitude late = (PruneLowMagnitude) model.layers().get(1);
        callback.onTrainBegin(model);
        callback.onTrainBatchBegin(0);
        model.forward(x, true);
        assertEquals(4, ((PruneLowMagnitude) model.layers().get(0)).pruningStep());
        assertEquals(1, late.pruningStep());
        assertEquals(0.5, dev.sparse24.sparse.SparsityReport.sparsity(late.kernelLayer().kernel().value()), 1e-12,
                "its m-by-n mask was computed at its step 1");
    }

    @Test
    void epochEndReappliesTheMasks() {
        PruneLowMagnitude w = Pruning.pruneLowMagnitude(new LinearKernelFake(4), PruningParams.twoByFour());
        Sequential model = new Sequential(w).build(Shape.of(8), 2);
        UpdatePruningStep callback = new UpdatePruningStep();
        callback.onTrainBegin(model);
        callback.onTrainBatchBegin(0);
        model.forward(Tensor.zeros(1, 8), true);
        Tensor kernel = w.kernelLayer().kernel().value();
        kernel.fill(3f); // as if the optimizer had revived every weight
        callback.onEpochEnd(0, Map.of());
        for (int i = 0; i < kernel.size(); i++) {
            assertEquals(3f * w.mask().value().get(i), kernel.get(i), "index " + i);
        }
        assertEquals(16, countZeros(kernel));
    }

    @Test
    void batchBeforeTrainBeginIsAnError() {
        assertThrows(IllegalStateException.class, () -> new UpdatePruningStep().onTrainBatchBegin(0));
    }

    private static int countZeros(Tensor t) {
        int z = 0;
        for (int i = 0; i < t.size(); i++) {
            z += t.get(i) == 0f ? 1 : 0;
        }
        return z;
    }
}
