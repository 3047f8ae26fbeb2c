package dev.sparse24.prune;

/**
 * When an m-by-n layer (re)selects its mask: first at step {@code firstStep}, then every
 * {@code frequency} steps while the step is at most {@code lastStep}; after that the mask is
 * fixed. Steps count training batches from 1, as {@link PruneLowMagnitude}'s pruning step.
 *
 * <p>Before {@code firstStep} the layer trains dense (its mask is all ones): a dense warm-up,
 * so that the first mask is chosen from trained weights rather than from the random
 * initialisation. TFMOT's behaviour is {@link #once()}: one selection at step 1, never again.
 *
 * @param firstStep first selection, >= 1
 * @param frequency steps between selections, >= 1 (irrelevant when {@code lastStep == firstStep})
 * @param lastStep  last step at which a selection may happen, >= {@code firstStep}
 */
public record MaskSchedule(long firstStep, long frequency, long lastStep) {
    /** Validates the steps. */
    public MaskSchedule {
        if (firstStep < 1) {
            throw new IllegalArgumentException("mask schedule: first step must be >= 1 (steps count from 1), given "
                    + firstStep);
        }
        if (frequency < 1) {
            throw new IllegalArgumentException("mask schedule: frequency must be >= 1, given " + frequency);
        }
        if (lastStep < firstStep) {
            throw new IllegalArgumentException("mask schedule: last step (" + lastStep
                    + ") must be >= first step (" + firstStep + ")");
        }
    }

    /** TFMOT's m-by-n behaviour: the mask is chosen at step 1 and never changes. */
    public static MaskSchedule once() {
        return new MaskSchedule(1, 1, 1);
    }

    /** Whether this is {@link #once()}. */
    public boolean isOnce() {
        return firstStep == 1 && lastStep == 1;
    }

    /** Whether the mask is (re)selected at {@code step}. */
    public boolean selectsAt(long step) {
        return step >= firstStep && step <= lastStep && (step - firstStep) % frequency == 0;
    }

    /** Whether the layer still trains dense at {@code step} (before the first selection). */
    public boolean denseAt(long step) {
        return step < firstStep;
    }

    /** Whether the mask may still change after {@code step}: a selection is due at a later step. */
    public boolean changesAfter(long step) {
        long next = step < firstStep ? firstStep : firstStep + ((step - firstStep) / frequency + 1) * frequency;
        return next <= lastStep;
    }

    @Override
    public String toString() {
        return isOnce() ? "once at step 1"
                : "from step " + firstStep + " every " + frequency + " to step " + lastStep;
    }
}
