package dev.sparse24.ops;

import dev.sparse24.graph.OpOptions;

/**
 * Where a CONV_2D / DEPTHWISE_CONV_2D filter tap reads for one NHWC image: input row
 * {@code oy * sh + i * dh - padTop}, column {@code ox * sw + j * dw - padLeft} for output
 * {@code (oy, ox)} and tap {@code (i, j)}; taps outside the image read zeros. One definition
 * for the Java reference, im2col and the CUDA step.
 *
 * @param oc output channels
 */
public record ConvGeometry(int h, int w, int c, int oh, int ow, int oc, int kh, int kw, int sh, int sw,
                           int dh, int dw, int padTop, int padLeft) {
    /**
     * @param o        the conv's options (padding, strides, dilations)
     * @param input    the input shape {@code [batch, h, w, c]}
     * @param kh       filter height
     * @param kw       filter width
     * @param channels output channels
     */
    public static ConvGeometry of(OpOptions o, int[] input, int kh, int kw, int channels) {
        int h = input[1];
        int w = input[2];
        int effH = (kh - 1) * o.dilationH() + 1;
        int effW = (kw - 1) * o.dilationW() + 1;
        return new ConvGeometry(h, w, input[3],
                o.padding().outputSize(h, effH, o.strideH()), o.padding().outputSize(w, effW, o.strideW()), channels,
                kh, kw, o.strideH(), o.strideW(), o.dilationH(), o.dilationW(),
                o.padding().padBefore(h, effH, o.strideH()), o.padding().padBefore(w, effW, o.strideW()));
    }

    /** Values of one input image. */
    public int inputSize() {
        return h * w * c;
    }

    /** Values of one output image. */
    public int outputSize() {
        return oh * ow * oc;
    }
}
