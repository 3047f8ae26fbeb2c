package dev.sparse24.graph;

/**
 * Operators of the inference graph, with their TensorFlow Lite builtin codes. The set is what
 * the tutorial model and common converter-made float models use; importers map TFLite's
 * shape plumbing (SHAPE/STRIDED_SLICE/PACK feeding a RESHAPE, CAST/EXPAND_DIMS at the input)
 * onto these.
 */
public enum OpType {
    ADD(0), AVERAGE_POOL_2D(1), CONV_2D(3), DEPTHWISE_CONV_2D(4), FULLY_CONNECTED(9), LOGISTIC(14),
    MAX_POOL_2D(17), MUL(18), RELU(19), RELU6(21), RESHAPE(22), SOFTMAX(25), TANH(28), MEAN(40);

    private final int tfliteCode;

    OpType(int tfliteCode) {
        this.tfliteCode = tfliteCode;
    }

    /** TFLite's BuiltinOperator value. */
    public int tfliteCode() {
        return tfliteCode;
    }

    /** The op with TFLite builtin code {@code code}, or null when unsupported. */
    public static OpType fromTfliteCode(int code) {
        for (OpType t : values()) {
            if (t.tfliteCode == code) {
                return t;
            }
        }
        return null;
    }
}
