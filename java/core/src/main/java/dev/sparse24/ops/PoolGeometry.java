package dev.sparse24.ops;

import dev.sparse24.graph.OpOptions;

/**
 * Where a MAX_POOL_2D / AVERAGE_POOL_2D window reads for one NHWC image: input and output sizes,
 * window, strides and the padding before the first row and column (TFLite's SAME puts the
 * smaller half before). One definition for the Java reference and the CUDA step.
 */
public record PoolGeometry(int h, int w, int c, int oh, int ow, int fh, int fw, int sh, int sw,
                           int padTop, int padLeft) {
    /**
     * @param o     the pool's options (padding, window, strides)
     * @param input the input shape {@code [batch, h, w, c]}
     */
    public static PoolGeometry of(OpOptions o, int[] input) {
        int h = input[1];
        int w = input[2];
        return new PoolGeometry(h, w, input[3],
                o.padding().outputSize(h, o.filterH(), o.strideH()), o.padding().outputSize(w, o.filterW(), o.strideW()),
                o.filterH(), o.filterW(), o.strideH(), o.strideW(),
                o.padding().padBefore(h, o.filterH(), o.strideH()), o.padding().padBefore(w, o.filterW(), o.strideW()));
    }

    /** Values of one input image. */
    public int inputSize() {
        return h * w * c;
    }

    /** Values of one output image. */
    public int outputSize() {
        return oh * ow * c;
    }
}
