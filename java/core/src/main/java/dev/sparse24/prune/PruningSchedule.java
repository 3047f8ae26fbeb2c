package dev.sparse24.prune;

/**
 * When to recompute an unstructured magnitude mask and at what sparsity, as TFMOT's
 * {@code PruningSchedule}.
 *
 * <p>The pruning step counts training batches from 1 (see {@link PruneLowMagnitude}). A mask
 * update is due when {@code step >= begin} and ({@code step <= end} or {@code end < 0}) and
 * {@code (step - begin) % frequency == 0}. So {@code ConstantSparsity(0.5, 0)} with the default
 * frequency 100 first prunes at step 100, not at step 0.
 *
 * <p>Validation (each failure an {@link IllegalArgumentException} naming value and rule):
 * {@code begin >= 0}; {@code end == -1} where the schedule allows it, else
 * {@code end >= begin}; {@code frequency > 0}; every sparsity in {@code [0, 1)}.
 */
public abstract class PruningSchedule {
    private final long beginStep;
    private final long endStep;
    private final long frequency;

    /**
     * Validates and stores the step range.
     *
     * @param allowEndMinusOne whether {@code endStep == -1} ("prune until training ends") is allowed
     */
    protected PruningSchedule(long beginStep, long endStep, long frequency, boolean allowEndMinusOne) {
        if (beginStep < 0) {
            throw new IllegalArgumentException("begin_step must be >= 0, given " + beginStep);
        }
        if (endStep == -1 && !allowEndMinusOne) {
            throw new IllegalArgumentException("end_step cannot be -1 for " + getClass().getSimpleName()
                    + ": it needs an end step to reach its final sparsity");
        }
        if (endStep != -1) {
            if (endStep < 0) {
                throw new IllegalArgumentException("end_step must be -1 or >= 0, given " + endStep);
            }
            if (endStep < beginStep) {
                throw new IllegalArgumentException("end_step must be >= begin_step (" + beginStep + "), given "
                        + endStep);
            }
        }
        if (frequency <= 0) {
            throw new IllegalArgumentException("frequency must be > 0, given " + frequency);
        }
        this.beginStep = beginStep;
        this.endStep = endStep;
        this.frequency = frequency;
    }

    /**
     * Checks that a sparsity lies in {@code [0, 1)}.
     *
     * @param name the argument's name for the message, e.g. {@code target_sparsity}
     */
    protected static void validateSparsity(double sparsity, String name) {
        if (!(sparsity >= 0.0 && sparsity < 1.0)) {
            throw new IllegalArgumentException(name + " must be in [0, 1), given " + sparsity);
        }
    }

    /** Whether the mask is recomputed at {@code step}: the rule in the class comment. */
    public final boolean shouldPrune(long step) {
        boolean inRange = step >= beginStep && (step <= endStep || endStep < 0);
        return inRange && Math.floorMod(step - beginStep, frequency) == 0;
    }

    /** The sparsity the mask is recomputed at, at {@code step}. */
    public abstract double sparsity(long step);

    /** The sparsity the schedule ends at (used to label reports, e.g. "unstructured 0.50"). */
    public abstract double finalSparsity();

    /** First step at which pruning may happen. */
    public final long beginStep() {
        return beginStep;
    }

    /** Last step at which pruning may happen; -1 for no end. */
    public final long endStep() {
        return endStep;
    }

    /** Number of steps between mask updates. */
    public final long frequency() {
        return frequency;
    }
}
