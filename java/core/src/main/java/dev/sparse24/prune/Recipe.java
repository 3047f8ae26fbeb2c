package dev.sparse24.prune;

import dev.sparse24.train.Adam;
import dev.sparse24.train.LearningRateSchedule;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A 2:4 training recipe: how the m-by-n layers choose their masks and how the learning rate
 * moves, for a training run of a known number of steps. {@link #tfmot()} is TFMOT's
 * {@code prune_low_magnitude(sparsity_m_by_n=(2, 4))} with Keras's constant Adam rate;
 * {@link #best()} is Sparse24's measured best for the tutorial (docs/recipes.md has the
 * ablation).
 *
 * <p>Ingredients, all fractions of the run's total steps:
 * <ul>
 *   <li>{@code warmup}: train dense for this fraction before the first mask selection, so that
 *       the first mask comes from trained weights (TFMOT: 0, the mask comes from the random
 *       initialisation);</li>
 *   <li>{@code refresh} / {@code until}: re-select the mask every {@code refresh} steps until
 *       this fraction of the run, training straight through in between (0: never);</li>
 *   <li>{@code srste}: SR-STE's decay on pruned weights while masks may change;</li>
 *   <li>{@code lr}: {@code constant} or {@code cosine} (Keras's CosineDecay to 0 over the run).</li>
 * </ul>
 *
 * @param warmup  dense warm-up fraction in [0, 1)
 * @param refresh steps between re-selections, >= 0 (0: the first selection is the last)
 * @param until   last re-selection as a fraction of the run, in [warmup, 1]; ignored when refresh is 0
 * @param srSte   SR-STE decay, >= 0
 * @param cosine  cosine learning-rate decay (else constant)
 * @param learningRate Adam's (initial) learning rate, > 0
 */
public record Recipe(double warmup, long refresh, double until, double srSte, boolean cosine, float learningRate) {
    /** Validates the ingredients. */
    public Recipe {
        if (!(warmup >= 0 && warmup < 1)) {
            throw new IllegalArgumentException("recipe: warmup must be a fraction in [0, 1), given " + warmup);
        }
        if (refresh < 0) {
            throw new IllegalArgumentException("recipe: refresh must be >= 0 steps, given " + refresh);
        }
        if (refresh > 0 && !(until >= warmup && until <= 1)) {
            throw new IllegalArgumentException("recipe: until must be a fraction in [warmup, 1], given " + until);
        }
        if (!(srSte >= 0) || !Double.isFinite(srSte)) {
            throw new IllegalArgumentException("recipe: srste must be a finite value >= 0, given " + srSte);
        }
        if (!(learningRate > 0) || !Float.isFinite(learningRate)) {
            throw new IllegalArgumentException("recipe: lr must be a finite value > 0, given " + learningRate);
        }
    }

    /** TFMOT's: mask at step 1 from the initial weights, fixed; constant Adam rate 1e-3. */
    public static Recipe tfmot() {
        return new Recipe(0, 0, 0, 0, false, 1e-3f);
    }

    /** Sparse24's best measured recipe for the tutorial model (see docs/recipes.md). */
    public static Recipe best() {
        return new Recipe(0.1, 100, 0.5, 2e-4, true, 1e-3f);
    }

    /**
     * {@code tfmot}, {@code best}, or ingredients as {@code key=value} pairs separated by commas,
     * starting from TFMOT's: {@code warmup=0.1,refresh=100,until=0.5,srste=2e-4,lr=cosine,rate=1e-3}
     * ({@code lr} is {@code constant} or {@code cosine}). A leading {@code best,} or
     * {@code tfmot,} starts from that recipe instead.
     *
     * @throws IllegalArgumentException naming the part that is wrong
     */
    public static Recipe parse(String spec) {
        if (spec == null || spec.isBlank()) {
            throw new IllegalArgumentException("recipe: empty; expected tfmot, best or key=value pairs");
        }
        String[] parts = spec.trim().split(",");
        Recipe r = tfmot();
        int first = 0;
        String head = parts[0].trim().toLowerCase(Locale.ROOT);
        if (head.equals("tfmot") || head.equals("best")) {
            r = head.equals("best") ? best() : tfmot();
            first = 1;
        }
        Map<String, String> seen = new LinkedHashMap<>();
        double warmup = r.warmup;
        long refresh = r.refresh;
        double until = r.until;
        double srSte = r.srSte;
        boolean cosine = r.cosine;
        float rate = r.learningRate;
        for (int i = first; i < parts.length; i++) {
            String part = parts[i].trim();
            int eq = part.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("recipe: expected key=value, given '" + part + "' in '" + spec + "'");
            }
            String key = part.substring(0, eq).trim().toLowerCase(Locale.ROOT);
            String value = part.substring(eq + 1).trim();
            if (seen.put(key, value) != null) {
                throw new IllegalArgumentException("recipe: " + key + " given twice in '" + spec + "'");
            }
            try {
                switch (key) {
                    case "warmup" -> warmup = Double.parseDouble(value);
                    case "refresh" -> refresh = Long.parseLong(value);
                    case "until" -> until = Double.parseDouble(value);
                    case "srste" -> srSte = Double.parseDouble(value);
                    case "rate" -> rate = Float.parseFloat(value);
                    case "lr" -> {
                        if (!value.equals("constant") && !value.equals("cosine")) {
                            throw new IllegalArgumentException("recipe: lr must be constant or cosine, given '"
                                    + value + "'");
                        }
                        cosine = value.equals("cosine");
                    }
                    default -> throw new IllegalArgumentException("recipe: unknown ingredient '" + key
                            + "' (known: warmup, refresh, until, srste, lr, rate)");
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("recipe: " + key + " needs a number, given '" + value + "'");
            }
        }
        return new Recipe(warmup, refresh, until, srSte, cosine, rate);
    }

    /** Whether this is {@link #tfmot()}. */
    public boolean isTfmot() {
        return equals(tfmot());
    }

    /**
     * The mask schedule for a run of {@code totalSteps}: first selection after the warm-up, then
     * every {@code refresh} steps up to {@code until * totalSteps}.
     *
     * @throws IllegalArgumentException when {@code totalSteps < 1}
     */
    public MaskSchedule maskSchedule(long totalSteps) {
        requireSteps(totalSteps);
        long first = Math.min(totalSteps, (long) Math.floor(warmup * totalSteps) + 1);
        if (refresh == 0) {
            return new MaskSchedule(first, 1, first);
        }
        long last = Math.max(first, (long) Math.floor(until * totalSteps));
        return new MaskSchedule(first, refresh, last);
    }

    /** The 2:4 layers' pruning parameters for a run of {@code totalSteps}. */
    public PruningParams twoByFour(long totalSteps) {
        PruningParams p = PruningParams.twoByFour();
        return isTfmot() ? p : p.withMaskSchedule(maskSchedule(totalSteps)).withSrSte(srSte);
    }

    /** Adam with this recipe's learning rate for a run of {@code totalSteps}. */
    public Adam optimizer(long totalSteps) {
        requireSteps(totalSteps);
        return new Adam(cosine ? LearningRateSchedule.cosineDecay(learningRate, totalSteps, 0)
                : LearningRateSchedule.constant(learningRate));
    }

    private static void requireSteps(long totalSteps) {
        if (totalSteps < 1) {
            throw new IllegalArgumentException("recipe: a run needs >= 1 step, given " + totalSteps);
        }
    }

    /** The recipe as {@link #parse} reads it back. */
    @Override
    public String toString() {
        return String.format(Locale.ROOT, "warmup=%s,refresh=%d,until=%s,srste=%s,lr=%s,rate=%s", warmup, refresh,
                until, srSte, cosine ? "cosine" : "constant", learningRate);
    }
}
