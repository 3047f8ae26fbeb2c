package dev.sparse24.train;

import java.util.Locale;

/**
 * The learning rate as a function of the optimizer's iteration count, as Keras's
 * {@code LearningRateSchedule}: the optimizer asks for {@code rate(iterations)} before each
 * update, with {@code iterations} counting the updates already applied (0 for the first).
 */
@FunctionalInterface
public interface LearningRateSchedule {
    /** The learning rate for the update after {@code iterations} updates (>= 0). */
    float rate(long iterations);

    /** The same rate at every step. */
    static LearningRateSchedule constant(float rate) {
        requirePositive(rate, "learning rate");
        return new LearningRateSchedule() {
            @Override
            public float rate(long iterations) {
                return rate;
            }

            @Override
            public String toString() {
                return String.format(Locale.ROOT, "constant %g", rate);
            }
        };
    }

    /**
     * Keras's {@code CosineDecay(initial, decay_steps, alpha)} without warm-up:
     * {@code initial * ((1 - alpha) * 0.5 * (1 + cos(pi * min(t, decaySteps) / decaySteps)) + alpha)}.
     * At {@code t = 0} it is {@code initial}; from {@code decaySteps} on, {@code initial * alpha}.
     *
     * @param initial    rate at step 0, finite and > 0
     * @param decaySteps steps over which it decays, >= 1
     * @param alpha      the final rate as a fraction of {@code initial}, in [0, 1]
     */
    static LearningRateSchedule cosineDecay(float initial, long decaySteps, double alpha) {
        requirePositive(initial, "initial learning rate");
        if (decaySteps < 1) {
            throw new IllegalArgumentException("cosine decay: decay steps must be >= 1, given " + decaySteps);
        }
        if (!(alpha >= 0 && alpha <= 1)) {
            throw new IllegalArgumentException("cosine decay: alpha must be in [0, 1], given " + alpha);
        }
        return new LearningRateSchedule() {
            @Override
            public float rate(long iterations) {
                double t = Math.min(Math.max(iterations, 0), decaySteps);
                double cosine = 0.5 * (1 + Math.cos(Math.PI * t / decaySteps));
                return (float) (initial * ((1 - alpha) * cosine + alpha));
            }

            @Override
            public String toString() {
                return String.format(Locale.ROOT, "cosine %g over %d steps, alpha %g", initial, decaySteps, alpha);
            }
        };
    }

    private static void requirePositive(float rate, String what) {
        if (!(rate > 0) || !Float.isFinite(rate)) {
            throw new IllegalArgumentException(what + " must be a finite value > 0, given " + rate);
        }
    }
}
