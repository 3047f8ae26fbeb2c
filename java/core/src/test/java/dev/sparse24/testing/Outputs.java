package dev.sparse24.testing;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Inputs and output comparisons the runtime tests of every backend share. */
public final class Outputs {
    private Outputs() {
    }

    /** {@code n} standard gaussian floats. */
    public static float[] gaussian(Random r, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) r.nextGaussian();
        }
        return x;
    }

    /**
     * max |got - want| / max |want|: the error relative to the output's scale; infinite where
     * one side has a NaN the other lacks.
     */
    public static double relativeError(float[] got, float[] want) {
        assertEquals(want.length, got.length, "output length");
        double diff = 0;
        double scale = 0;
        for (int i = 0; i < want.length; i++) {
            if (Float.isNaN(want[i]) != Float.isNaN(got[i])) {
                return Double.POSITIVE_INFINITY;
            }
            if (!Float.isNaN(want[i])) {
                diff = Math.max(diff, Math.abs((double) got[i] - want[i]));
                scale = Math.max(scale, Math.abs(want[i]));
            }
        }
        return diff / Math.max(scale, 1e-30);
    }
}
