package dev.sparse24.ops;

import dev.sparse24.graph.FusedActivation;

import java.util.Arrays;

/**
 * MEAN over non-batch axes (the batch axis is never reduced: ShapeInference refuses it), summed
 * in double per output value, in row-major order of the input.
 */
public final class Mean {
    private Mean() {
    }

    /**
     * @param shape  the input shape (dimension 0 = batch; only dimensions 1.. are read)
     * @param reduce which axes are reduced ({@code reduce[0]} must be false)
     */
    public static void run(int[] shape, boolean[] reduce, FusedActivation act, float[] in, float[] out, int images) {
        if (reduce[0]) {
            throw new IllegalArgumentException("MEAN: the batch axis cannot be reduced");
        }
        int sample = 1;
        int outSample = 1;
        long count = 1;
        for (int d = 1; d < shape.length; d++) {
            sample *= shape[d];
            if (reduce[d]) {
                count *= shape[d];
            } else {
                outSample *= shape[d];
            }
        }
        double[] sums = new double[outSample];
        int[] idx = new int[shape.length];
        for (int b = 0; b < images; b++) {
            Arrays.fill(sums, 0);
            Arrays.fill(idx, 0);
            for (int i = 0; i < sample; i++) {
                int o = 0;
                for (int d = 1; d < shape.length; d++) {
                    o = o * (reduce[d] ? 1 : shape[d]) + (reduce[d] ? 0 : idx[d]);
                }
                sums[o] += in[b * sample + i];
                for (int d = shape.length - 1; d >= 1 && ++idx[d] == shape[d]; d--) {
                    idx[d] = 0;
                }
            }
            for (int i = 0; i < outSample; i++) {
                out[b * outSample + i] = act.apply((float) (sums[i] / count));
            }
        }
    }
}
