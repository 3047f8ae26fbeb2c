package dev.sparse24.models;

import dev.sparse24.nn.Activation;
import dev.sparse24.nn.BatchNormalization;
import dev.sparse24.nn.Conv2D;
import dev.sparse24.nn.Dense;
import dev.sparse24.nn.Dropout;
import dev.sparse24.nn.Flatten;
import dev.sparse24.nn.Layer;
import dev.sparse24.nn.MaxPooling2D;
import dev.sparse24.graph.Padding;
import dev.sparse24.nn.ReLU;
import dev.sparse24.nn.Sequential;
import dev.sparse24.prune.ConstantSparsity;
import dev.sparse24.prune.Pruning;
import dev.sparse24.prune.PruningParams;
import dev.sparse24.tensor.Shape;

/**
 * The model of TFMOT's "structural pruning" tutorial (seed-tutorial.md step 3):
 * Conv2D 32 5x5 ReLU (unstructured 50%) - MaxPool - Conv2D 64 5x5 (2:4) - BatchNorm - ReLU -
 * MaxPool - Flatten - Dense 1024 ReLU (2:4) - Dropout 0.4 - Dense 10 (logits).
 */
public final class TutorialModel {
    /** MNIST's per-sample input shape. */
    public static final Shape INPUT = Shape.of(28, 28, 1);

    private TutorialModel() {
    }

    /**
     * Builds the tutorial model for MNIST with TFMOT's pruning recipe.
     *
     * @param pruned with the tutorial's pruning wrappers (false: the same model unpruned)
     * @param seed   initialisation seed
     */
    public static Sequential build(boolean pruned, long seed) {
        return build(pruned, seed, INPUT, 10, PruningParams.twoByFour());
    }

    /**
     * Builds the tutorial model for any image shape and class count, with the given pruning
     * parameters for its two 2:4 layers (conv1 keeps the tutorial's unstructured 50%).
     *
     * @param pruned    with pruning wrappers (false: the same model unpruned; {@code twoByFour} unused)
     * @param seed      initialisation seed
     * @param input     per-sample input shape [H, W, C]
     * @param classes   number of output classes (logits), >= 1
     * @param twoByFour pruning parameters of conv2 and dense1 (m-by-n 2:4)
     */
    public static Sequential build(boolean pruned, long seed, Shape input, int classes, PruningParams twoByFour) {
        if (input.rank() != 3) {
            throw new IllegalArgumentException("tutorial model: input shape must be [H, W, C], given " + input);
        }
        if (classes < 1) {
            throw new IllegalArgumentException("tutorial model: classes must be >= 1, given " + classes);
        }
        Conv2D conv1 = new Conv2D(32, 5, Padding.SAME, Activation.RELU);
        conv1.setName("pruning_sparsity_0_5");
        Conv2D conv2 = new Conv2D(64, 5, Padding.SAME, Activation.NONE);
        conv2.setName("structural_pruning");
        Dense dense1 = new Dense(1024, Activation.RELU);
        dense1.setName("structural_pruning_dense");
        // The tutorial prunes conv1 unstructured: its single input channel cannot carry 2:4.
        PruningParams unstructured = PruningParams.unstructured(new ConstantSparsity(0.5, 0));
        Layer l1 = pruned ? Pruning.pruneLowMagnitude(conv1, unstructured) : conv1;
        Layer l2 = pruned ? Pruning.pruneLowMagnitude(conv2, twoByFour) : conv2;
        Layer l3 = pruned ? Pruning.pruneLowMagnitude(dense1, twoByFour) : dense1;
        return new Sequential(pruned ? "pruned_tutorial" : "dense_tutorial",
                l1,
                new MaxPooling2D(2, Padding.SAME),
                l2,
                new BatchNormalization(),
                new ReLU(),
                new MaxPooling2D(2, Padding.SAME),
                new Flatten(),
                l3,
                new Dropout(0.4),
                new Dense(classes))
                .build(input, seed);
    }
}
