package dev.sparse24.graph;

/** Activation fused into an operator's output, with TFLite's ActivationFunctionType codes. */
public enum FusedActivation {
    NONE(0), RELU(1), RELU_N1_TO_1(2), RELU6(3), TANH(4);

    private final int tfliteCode;

    FusedActivation(int tfliteCode) {
        this.tfliteCode = tfliteCode;
    }

    /** TFLite's code. */
    public int tfliteCode() {
        return tfliteCode;
    }

    /** The activation with TFLite code {@code code}, or null when unsupported (e.g. SIGN_BIT). */
    public static FusedActivation fromTfliteCode(int code) {
        for (FusedActivation a : values()) {
            if (a.tfliteCode == code) {
                return a;
            }
        }
        return null;
    }

    /** Applies the activation to one value; a NaN stays NaN (as in the native kernels). */
    public float apply(float x) {
        switch (this) {
            case RELU:
                return x <= 0f ? 0f : x;
            case RELU6:
                return Math.min(Math.max(x, 0f), 6f);
            case RELU_N1_TO_1:
                return Math.min(Math.max(x, -1f), 1f);
            case TANH:
                return (float) Math.tanh(x);
            default:
                return x;
        }
    }
}
