package dev.sparse24.prune;

import java.util.Locale;

/**
 * Sparsity rising from {@code initial} to {@code final} along a polynomial, as TFMOT's
 * {@code PolynomialDecay(initial_sparsity, final_sparsity, begin_step, end_step, power=3,
 * frequency=100)}:
 *
 * <pre>
 *   p = clip((step - begin) / (end - begin), 0, 1)
 *   s = final + (initial - final) * (1 - p)^power
 * </pre>
 *
 * computed in float32 as TFMOT does, so that the magnitude mask's keep count rounds the same
 * way. {@code end = -1} is not allowed. When {@code end == begin} (TFMOT divides by zero)
 * the schedule is at its final sparsity from {@code begin} on.
 */
public final class PolynomialDecay extends PruningSchedule {
    private final double initialSparsity;
    private final double finalSparsity;
    private final double power;

    /**
     * A polynomial schedule.
     *
     * @throws IllegalArgumentException see {@link PruningSchedule} for the step and sparsity
     *                                  rules; also when {@code power} is negative or not finite
     *                                  (TFMOT does not check it; a negative power makes the
     *                                  sparsity infinite at the end)
     */
    public PolynomialDecay(double initialSparsity, double finalSparsity, long beginStep, long endStep,
                           double power, long frequency) {
        super(beginStep, endStep, frequency, false);
        validateSparsity(initialSparsity, "initial_sparsity");
        validateSparsity(finalSparsity, "final_sparsity");
        if (!(power >= 0 && Double.isFinite(power))) {
            throw new IllegalArgumentException("power must be finite and >= 0, given " + power);
        }
        this.initialSparsity = initialSparsity;
        this.finalSparsity = finalSparsity;
        this.power = power;
    }

    /** {@code PolynomialDecay(initial, final, begin, end, 3, 100)}, TFMOT's defaults. */
    public PolynomialDecay(double initialSparsity, double finalSparsity, long beginStep, long endStep) {
        this(initialSparsity, finalSparsity, beginStep, endStep, 3, 100);
    }

    /** The formula in the class comment. */
    @Override
    public double sparsity(long step) {
        long span = endStep() - beginStep();
        float p;
        if (span == 0) {
            p = step >= beginStep() ? 1f : 0f;
        } else {
            p = Math.min(1f, Math.max(0f, (float) (step - beginStep()) / (float) span));
        }
        float decay = (float) Math.pow(1f - p, (float) power);
        return (float) (initialSparsity - finalSparsity) * decay + (float) finalSparsity;
    }

    /** The final sparsity. */
    @Override
    public double finalSparsity() {
        return finalSparsity;
    }

    /** The sparsity at {@code begin}. */
    public double initialSparsity() {
        return initialSparsity;
    }

    /** The exponent. */
    public double power() {
        return power;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT,
                "PolynomialDecay(initial=%s, final=%s, begin=%d, end=%d, power=%s, frequency=%d)",
                initialSparsity, finalSparsity, beginStep(), endStep(), power, frequency());
    }
}
