package dev.sparse24.prune;

import java.util.Locale;

/**
 * The same target sparsity at every pruning step, as TFMOT's
 * {@code ConstantSparsity(target_sparsity, begin_step, end_step=-1, frequency=100)}.
 */
public final class ConstantSparsity extends PruningSchedule {
    private final double targetSparsity;

    /**
     * Prunes to {@code targetSparsity} every {@code frequency} steps from {@code beginStep} to
     * {@code endStep} (-1: until training ends).
     *
     * @throws IllegalArgumentException see {@link PruningSchedule} for the rules
     */
    public ConstantSparsity(double targetSparsity, long beginStep, long endStep, long frequency) {
        super(beginStep, endStep, frequency, true);
        validateSparsity(targetSparsity, "target_sparsity");
        this.targetSparsity = targetSparsity;
    }

    /** {@code ConstantSparsity(target, begin, -1, 100)}, TFMOT's defaults. */
    public ConstantSparsity(double targetSparsity, long beginStep) {
        this(targetSparsity, beginStep, -1, 100);
    }

    /** The target sparsity, whatever the step. */
    @Override
    public double sparsity(long step) {
        return targetSparsity;
    }

    /** The target sparsity. */
    @Override
    public double finalSparsity() {
        return targetSparsity;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "ConstantSparsity(target=%s, begin=%d, end=%d, frequency=%d)",
                targetSparsity, beginStep(), endStep(), frequency());
    }
}
