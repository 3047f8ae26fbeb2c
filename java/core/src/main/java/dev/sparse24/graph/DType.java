package dev.sparse24.graph;

/** Element types of graph tensors, with their TensorFlow Lite {@code TensorType} codes. */
public enum DType {
    FLOAT32(0, 4), FLOAT16(1, 2), INT32(2, 4), UINT8(3, 1), INT64(4, 8), INT8(9, 1), BFLOAT16(18, 2);

    private final int tfliteCode;
    private final int bytes;

    DType(int tfliteCode, int bytes) {
        this.tfliteCode = tfliteCode;
        this.bytes = bytes;
    }

    /** TFLite's TensorType value. */
    public int tfliteCode() {
        return tfliteCode;
    }

    /** Bytes per element. */
    public int bytes() {
        return bytes;
    }

    /** The type with TFLite code {@code code}, or null when Sparse24 does not know it. */
    public static DType fromTfliteCode(int code) {
        for (DType t : values()) {
            if (t.tfliteCode == code) {
                return t;
            }
        }
        return null;
    }
}
