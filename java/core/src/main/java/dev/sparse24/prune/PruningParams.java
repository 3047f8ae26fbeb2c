package dev.sparse24.prune;

import dev.sparse24.sparse.NmPattern;

import java.util.Locale;
import java.util.Objects;

/**
 * How one layer is pruned: either structured m-by-n (2:4 by default) or unstructured magnitude
 * pruning on a {@link PruningSchedule}. Plus a strict flag: where TFMOT silently prunes nothing
 * (m-by-n on a layer with {@code in <= n - m} input channels), strict refuses instead of warning.
 *
 * <p>m-by-n pruning is TFMOT's by default: the mask is chosen at the first training step and
 * fixed. Two options go beyond TFMOT (see {@link PruneLowMagnitude}):
 * <ul>
 *   <li>a {@link MaskSchedule} ({@link #withMaskSchedule}): a dense warm-up before the first
 *       selection and re-selection of the mask from the trained weights, with
 *       straight-through gradients to the pruned weights while the mask may still change;</li>
 *   <li>SR-STE ({@link #withSrSte}): while the mask may still change, the pruned weights'
 *       gradients get {@code lambda * w} added, which pulls them towards zero (Zhou et al.,
 *       "Learning N:M Fine-grained Structured Sparse Neural Networks From Scratch", 2021).</li>
 * </ul>
 *
 * <p>Immutable.
 */
public final class PruningParams {
    private final NmPattern pattern;
    private final PruningSchedule schedule;
    private final boolean strict;
    private final MaskSchedule maskSchedule;
    private final double srSteDecay;

    private PruningParams(NmPattern pattern, PruningSchedule schedule, boolean strict, MaskSchedule maskSchedule,
                          double srSteDecay) {
        this.pattern = pattern;
        this.schedule = schedule;
        this.strict = strict;
        this.maskSchedule = maskSchedule;
        this.srSteDecay = srSteDecay;
    }

    /** Structured pruning with the given pattern, TFMOT's way (mask chosen once, at step 1). */
    public static PruningParams mByN(NmPattern pattern) {
        return new PruningParams(Objects.requireNonNull(pattern, "pattern"), null, false, MaskSchedule.once(), 0);
    }

    /** Structured 2:4 pruning, the tutorial's {@code sparsity_m_by_n=(2, 4)}. */
    public static PruningParams twoByFour() {
        return mByN(NmPattern.TWO_FOUR);
    }

    /** Unstructured magnitude pruning on a schedule. */
    public static PruningParams unstructured(PruningSchedule schedule) {
        return new PruningParams(null, Objects.requireNonNull(schedule, "schedule"), false, null, 0);
    }

    /** These parameters with the strict flag set. */
    public PruningParams strict() {
        return withStrict(true);
    }

    /** These parameters with the strict flag set to {@code on}. */
    public PruningParams withStrict(boolean on) {
        return new PruningParams(pattern, schedule, on, maskSchedule, srSteDecay);
    }

    /**
     * These m-by-n parameters with the mask chosen on {@code when} instead of once at step 1.
     *
     * @throws IllegalStateException for unstructured parameters (they follow their own schedule)
     */
    public PruningParams withMaskSchedule(MaskSchedule when) {
        requireStructured("a mask schedule");
        return new PruningParams(pattern, schedule, strict, Objects.requireNonNull(when, "mask schedule"), srSteDecay);
    }

    /**
     * These m-by-n parameters with SR-STE's decay {@code lambda} on the pruned weights (0: plain
     * straight-through gradients). It acts only while the mask schedule may still change the mask.
     *
     * @throws IllegalArgumentException when {@code lambda} is negative or not finite
     * @throws IllegalStateException    for unstructured parameters
     */
    public PruningParams withSrSte(double lambda) {
        requireStructured("SR-STE");
        if (!(lambda >= 0) || !Double.isFinite(lambda)) {
            throw new IllegalArgumentException("SR-STE decay must be a finite value >= 0, given " + lambda);
        }
        return new PruningParams(pattern, schedule, strict, maskSchedule, lambda);
    }

    private void requireStructured(String what) {
        if (pattern == null) {
            throw new IllegalStateException(what + " applies to m-by-n pruning only; these parameters are " + this);
        }
    }

    /** When the m-by-n mask is (re)selected ({@link MaskSchedule#once()} for TFMOT's); null when unstructured. */
    public MaskSchedule maskSchedule() {
        return maskSchedule;
    }

    /** SR-STE's decay on pruned weights (0: none). */
    public double srSteDecay() {
        return srSteDecay;
    }

    /** Whether these are TFMOT's m-by-n parameters (no mask schedule, no SR-STE). */
    public boolean isTfmotMByN() {
        return pattern != null && maskSchedule.isOnce() && srSteDecay == 0;
    }

    /** Whether the pruning is m-by-n (else it follows a schedule). */
    public boolean isStructured() {
        return pattern != null;
    }

    /** The m:n pattern; null for unstructured pruning. */
    public NmPattern pattern() {
        return pattern;
    }

    /** The schedule; null for m-by-n pruning. */
    public PruningSchedule schedule() {
        return schedule;
    }

    /** Whether a layer the pattern cannot prune is an error rather than a warning. */
    public boolean isStrict() {
        return strict;
    }

    /** The report label: {@code "2:4"} or {@code "unstructured 0.50"} (final sparsity). */
    public String label() {
        return pattern != null ? pattern.toString()
                : String.format(Locale.ROOT, "unstructured %.2f", schedule.finalSparsity());
    }

    /**
     * {@code "m_by_n 2:4"} or the schedule's text, then {@code ", strict"} when strict. The mask
     * schedule and SR-STE are left out on purpose: saved models record this text as the layer's
     * pruning (ModelMetadata parses it back), and they describe training only - see
     * {@link #trainingDescription()}.
     */
    @Override
    public String toString() {
        return (pattern != null ? "m_by_n " + pattern : schedule.toString()) + (strict ? ", strict" : "");
    }

    /** {@link #toString()} plus the mask schedule and SR-STE decay where they differ from TFMOT's. */
    public String trainingDescription() {
        if (pattern == null || isTfmotMByN()) {
            return toString();
        }
        return toString() + ", mask " + maskSchedule + (srSteDecay > 0
                ? String.format(Locale.ROOT, ", SR-STE %g", srSteDecay) : ", straight-through");
    }
}
