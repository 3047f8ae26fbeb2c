package dev.sparse24.prune;

import dev.sparse24.sparse.NmPattern;

import java.util.Locale;
import java.util.Objects;

/**
 * How one layer is pruned: either structured m-by-n (2:4 by default; the mask is fixed at the
 * first training step and no schedule applies) or unstructured magnitude pruning on a
 * {@link PruningSchedule}. Plus a strict flag: where TFMOT silently prunes nothing (m-by-n on a
 * layer with {@code in <= n - m} input channels), strict refuses instead of warning.
 *
 * <p>Immutable.
 */
public final class PruningParams {
    private final NmPattern pattern;
    private final PruningSchedule schedule;
    private final boolean strict;

    private PruningParams(NmPattern pattern, PruningSchedule schedule, boolean strict) {
        this.pattern = pattern;
        this.schedule = schedule;
        this.strict = strict;
    }

    /** Structured pruning with the given pattern. */
    public static PruningParams mByN(NmPattern pattern) {
        return new PruningParams(Objects.requireNonNull(pattern, "pattern"), null, false);
    }

    /** Structured 2:4 pruning, the tutorial's {@code sparsity_m_by_n=(2, 4)}. */
    public static PruningParams twoByFour() {
        return mByN(NmPattern.TWO_FOUR);
    }

    /** Unstructured magnitude pruning on a schedule. */
    public static PruningParams unstructured(PruningSchedule schedule) {
        return new PruningParams(null, Objects.requireNonNull(schedule, "schedule"), false);
    }

    /** These parameters with the strict flag set. */
    public PruningParams strict() {
        return withStrict(true);
    }

    /** These parameters with the strict flag set to {@code on}. */
    public PruningParams withStrict(boolean on) {
        return new PruningParams(pattern, schedule, on);
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

    @Override
    public String toString() {
        return (pattern != null ? "m_by_n " + pattern : schedule.toString()) + (strict ? ", strict" : "");
    }
}
