package dev.sparse24.graph;

/**
 * Spatial padding of Conv2D and MaxPooling2D, with Keras/TensorFlow semantics.
 *
 * <p>For one spatial axis of size {@code in}, window {@code k} and stride {@code s}:
 * <ul>
 *   <li>{@link #VALID}: no padding; {@code out = (in - k) / s + 1} (windows that would cross the
 *       edge are dropped).</li>
 *   <li>{@link #SAME}: {@code out = ceil(in / s)}; {@code padTotal = max((out - 1) * s + k - in, 0)},
 *       {@code padBefore = padTotal / 2}, and the odd extra cell goes after (bottom/right), as
 *       TensorFlow does (Caffe-style frameworks put it before, which shifts every window).</li>
 * </ul>
 */
public enum Padding {
    /** Pad so that {@code out = ceil(in / stride)}; TFLite code 0. */
    SAME,
    /** No padding; TFLite code 1. */
    VALID;

    /**
     * Output size along one axis.
     *
     * @return the number of window positions; 0 for VALID when the window is larger than the
     *         input
     * @throws IllegalArgumentException when a size or stride is not positive
     */
    public int outputSize(int inputSize, int window, int stride) {
        checkGeometry(inputSize, window, stride);
        if (this == SAME) {
            return (inputSize + stride - 1) / stride;
        }
        return inputSize < window ? 0 : (inputSize - window) / stride + 1;
    }

    /** Number of padding cells before the first input cell (top or left) along one axis. */
    public int padBefore(int inputSize, int window, int stride) {
        checkGeometry(inputSize, window, stride);
        if (this == VALID) {
            return 0;
        }
        int out = outputSize(inputSize, window, stride);
        return Math.max((out - 1) * stride + window - inputSize, 0) / 2;
    }

    private static void checkGeometry(int inputSize, int window, int stride) {
        if (inputSize <= 0 || window <= 0 || stride <= 0) {
            throw new IllegalArgumentException("input size, window and stride must be positive, given "
                    + inputSize + ", " + window + ", " + stride);
        }
    }
}
