package dev.sparse24.graph;


/**
 * Attributes of an operator; each op reads the ones that concern it (TFLite's options tables).
 *
 * @param padding         SAME or VALID (conv, depthwise conv, pooling)
 * @param strideH         vertical stride (conv, pooling)
 * @param strideW         horizontal stride
 * @param dilationH       vertical dilation (conv, depthwise conv)
 * @param dilationW       horizontal dilation
 * @param filterH         pooling window height
 * @param filterW         pooling window width
 * @param depthMultiplier depthwise conv channel multiplier
 * @param activation      fused activation
 * @param beta            softmax temperature (1 by default)
 * @param keepDims        MEAN keeps reduced dimensions
 * @param newShape        RESHAPE target (one entry may be -1), or null when given as an input
 */
public record OpOptions(Padding padding, int strideH, int strideW, int dilationH, int dilationW,
                        int filterH, int filterW, int depthMultiplier, FusedActivation activation,
                        float beta, boolean keepDims, int[] newShape) {
    /** No attributes: VALID, strides and dilations 1, no activation, beta 1. */
    public static final OpOptions NONE = new OpOptions(Padding.VALID, 1, 1, 1, 1, 1, 1, 1,
            FusedActivation.NONE, 1f, false, null);

    /** Options of a convolution. */
    public static OpOptions conv(Padding padding, int strideH, int strideW, int dilationH, int dilationW,
                                 FusedActivation activation) {
        return new OpOptions(padding, strideH, strideW, dilationH, dilationW, 1, 1, 1, activation, 1f, false, null);
    }

    /** Options of a depthwise convolution. */
    public static OpOptions depthwise(Padding padding, int strideH, int strideW, int dilationH, int dilationW,
                                      int depthMultiplier, FusedActivation activation) {
        return new OpOptions(padding, strideH, strideW, dilationH, dilationW, 1, 1, depthMultiplier,
                activation, 1f, false, null);
    }

    /** Options of a pooling op. */
    public static OpOptions pool(Padding padding, int strideH, int strideW, int filterH, int filterW,
                                 FusedActivation activation) {
        return new OpOptions(padding, strideH, strideW, 1, 1, filterH, filterW, 1, activation, 1f, false, null);
    }

    /** Options carrying only a fused activation (FULLY_CONNECTED, ADD, MUL). */
    public static OpOptions activation(FusedActivation activation) {
        return new OpOptions(Padding.VALID, 1, 1, 1, 1, 1, 1, 1, activation, 1f, false, null);
    }

    /** Options of a softmax. */
    public static OpOptions softmax(float beta) {
        return new OpOptions(Padding.VALID, 1, 1, 1, 1, 1, 1, 1, FusedActivation.NONE, beta, false, null);
    }

    /** Options of a reshape to a fixed shape. */
    public static OpOptions reshape(int[] newShape) {
        return new OpOptions(Padding.VALID, 1, 1, 1, 1, 1, 1, 1, FusedActivation.NONE, 1f, false, newShape.clone());
    }

    /** Options of a mean (axes come as the op's second, constant input). */
    public static OpOptions mean(boolean keepDims) {
        return new OpOptions(Padding.VALID, 1, 1, 1, 1, 1, 1, 1, FusedActivation.NONE, 1f, keepDims, null);
    }
}
