package dev.sparse24.sparse;

import dev.sparse24.tensor.Shape;
import dev.sparse24.tensor.Tensor;

/**
 * Moves kernels between Keras layout and TFLite orientation, where masks are computed.
 *
 * <p>Keras stores a Conv2D kernel HWIO {@code [kh, kw, in, out]} and a Dense kernel
 * {@code [in, out]}; both are the row-major matrix {@code [fanIn, out]} with
 * {@code fanIn = kh*kw*in}, input channel fastest. TFLite stores the filter
 * {@code [out, kh, kw, in]} / weights {@code [out, in]}, which is the transpose
 * {@code [out, fanIn]}. Viewed as {@code [out*kh*kw, in]} (see {@link #groupRows}), its rows
 * are input-channel vectors: the axis along which m-by-n groups run, so groups never straddle
 * two kernel taps.
 */
public final class TfLiteLayout {
    private static final int TILE = 32;

    private TfLiteLayout() {
    }

    /**
     * A copy of a Keras kernel in TFLite orientation: {@code [out, in]} for a rank-2 kernel with
     * a 1x1 window (Dense), else {@code [out, kh, kw, in]}.
     *
     * @param kernel Keras kernel {@code [kh, kw, in, out]} or {@code [kh*kw*in, out]}, not modified
     * @throws IllegalArgumentException when the kernel's shape does not match the geometry
     */
    public static Tensor fromKeras(Tensor kernel, int kernelHeight, int kernelWidth, int inputChannels,
                                   int outputChannels) {
        Shape s = kernel.shape();
        int fanIn = kernelHeight * kernelWidth * inputChannels;
        boolean matches = s.rank() == 4
                ? s.equals(Shape.of(kernelHeight, kernelWidth, inputChannels, outputChannels))
                : s.rank() == 2 && s.equals(Shape.of(fanIn, outputChannels));
        if (!matches || kernelHeight < 1 || kernelWidth < 1) {
            throw new IllegalArgumentException("expected a Keras kernel [" + kernelHeight + ", " + kernelWidth
                    + ", " + inputChannels + ", " + outputChannels + "] or [" + fanIn + ", " + outputChannels
                    + "], given " + s);
        }
        Shape tflite = s.rank() == 2 && kernelHeight == 1 && kernelWidth == 1
                ? Shape.of(outputChannels, inputChannels)
                : Shape.of(outputChannels, kernelHeight, kernelWidth, inputChannels);
        float[] out = transpose(kernel.toArray(), fanIn, outputChannels);
        return Tensor.of(out, tflite.dims());
    }

    /**
     * Writes weights in TFLite orientation ({@code [out, ..., in]}, rank 2 or more) into a
     * Keras-layout tensor ({@code [..., in, out]}) of the same size: the inverse of
     * {@link #fromKeras}.
     *
     * @param tflite      source, not modified
     * @param destination Keras kernel to overwrite (e.g. a mask parameter)
     * @throws IllegalArgumentException when the sizes or the in/out channels disagree
     */
    public static void toKeras(Tensor tflite, Tensor destination) {
        Shape s = tflite.shape();
        Shape d = destination.shape();
        if (s.rank() < 2 || d.rank() < 2 || s.size() != d.size() || s.dim(0) != d.dim(-1)
                || s.dim(-1) != d.dim(-2)) {
            throw new IllegalArgumentException("cannot write TFLite-oriented " + s + " [out, ..., in] into Keras "
                    + d + " [..., in, out]: expected the same size, out first/last and in last/second-last");
        }
        int out = s.dim(0);
        int fanIn = out == 0 ? 0 : s.size() / out;
        destination.copyFrom(transpose(tflite.toArray(), out, fanIn));
    }

    /**
     * A view of TFLite-oriented weights as the matrix {@code [prod(shape[:-1]), shape[-1]]},
     * sharing storage: the rows along which m-by-n groups run.
     *
     * @throws IllegalArgumentException for a rank-0 tensor
     */
    public static Tensor groupRows(Tensor tflite) {
        Shape s = tflite.shape();
        if (s.rank() == 0) {
            throw new IllegalArgumentException("expected weights of rank >= 1, given shape " + s);
        }
        int cols = s.dim(-1);
        return tflite.reshape(cols == 0 ? 0 : s.size() / cols, cols);
    }

    /** Transpose of a row-major {@code [rows, cols]} matrix, in cache-sized tiles. */
    private static float[] transpose(float[] a, int rows, int cols) {
        float[] t = new float[a.length];
        for (int r0 = 0; r0 < rows; r0 += TILE) {
            int r1 = Math.min(r0 + TILE, rows);
            for (int c0 = 0; c0 < cols; c0 += TILE) {
                int c1 = Math.min(c0 + TILE, cols);
                for (int r = r0; r < r1; r++) {
                    for (int c = c0; c < c1; c++) {
                        t[c * rows + r] = a[r * cols + c];
                    }
                }
            }
        }
        return t;
    }
}
