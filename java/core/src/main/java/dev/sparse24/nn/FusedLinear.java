package dev.sparse24.nn;

import dev.sparse24.tensor.Blas;
import dev.sparse24.tensor.Shape;
import dev.sparse24.tensor.Tensor;

import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * The shared core of Dense and Conv2D (after im2col): {@code Y = act(A K + b)} with
 * A {@code [rows, fanIn]}, K {@code [fanIn, units]} (the kernel's flat storage), b {@code [units]},
 * and its backward pass.
 *
 * <p>One GEMM, then bias and activation in one chunked pass over Y (see {@link ChannelChunks}).
 * Backward reads the activation mask back from Y itself. Buffers are reused while the row
 * count stays the same.
 */
final class FusedLinear {
    private final Parameter kernel;
    private final Parameter bias;
    private final Activation activation;
    private final int fanIn;
    private final int units;
    private final ChannelChunks chunks;

    private Tensor output;        // [rows, units], in the caller's output shape
    private Tensor maskedGrad;    // [rows, units]: dY * act'(Z), for activations other than NONE
    private final float[] work;   // one chunk of Y or dY
    private final float[] mask;   // one chunk of Y, for the activation's derivative
    private final float[] tile;   // the bias repeated to chunk length, or partial bias sums
    private final double[] biasSums;

    FusedLinear(Parameter kernel, Parameter bias, Activation activation, int fanIn, int units) {
        if (activation != Activation.NONE && activation != Activation.RELU) {
            throw new IllegalArgumentException("unsupported fused activation " + activation);
        }
        this.kernel = kernel;
        this.bias = bias;
        this.activation = activation;
        this.fanIn = fanIn;
        this.units = units;
        this.chunks = new ChannelChunks(units);
        this.work = new float[chunks.length()];
        this.mask = new float[chunks.length()];
        this.tile = new float[chunks.length()];
        this.biasSums = new double[units];
    }

    /**
     * Computes the output for {@code a} (flat {@code [rows, fanIn]}); {@code outputShape} gives
     * the returned tensor's shape (its size must be {@code rows * units}).
     */
    Tensor forward(Tensor a, Shape outputShape) {
        int n = outputShape.size();
        int rows = n / units;
        output = Tensor.reuse(output, outputShape);
        Blas.sgemm(false, false, rows, units, fanIn, 1f, a, 0, kernel.value(), 0, 0f, output, 0);
        if (bias == null && activation == Activation.NONE) {
            return output;
        }
        float[] b = tile;
        if (bias != null) {
            chunks.tile(bias.value().toArray(), b);
        } else {
            Arrays.fill(b, 0f);
        }
        float[] y = work;
        FloatBuffer out = output.buffer();
        boolean relu = activation == Activation.RELU;
        for (int base = 0; base < n; base += y.length) {
            int len = Math.min(y.length, n - base);
            out.get(base, y, 0, len);
            if (relu) {
                for (int t = 0; t < len; t++) {
                    y[t] = Math.max(y[t] + b[t], 0f);   // branch-free, vectorises
                }
            } else {
                for (int t = 0; t < len; t++) {
                    y[t] += b[t];
                }
            }
            out.put(base, y, 0, len);
        }
        return output;
    }

    /**
     * Backward for the last {@link #forward}: overwrites the kernel and bias gradients and, when
     * {@code gradA} is non-null, writes {@code dA = dZ K^T} into it.
     *
     * @param gradOutput dY, same size as the last output
     * @param a          the A of the last forward (still holding the same values)
     * @param gradA      {@code [rows, fanIn]} destination, or null to skip the input gradient
     */
    void backward(Tensor gradOutput, Tensor a, Tensor gradA) {
        int n = output.size();
        if (gradOutput.size() != n) {
            throw new IllegalArgumentException("gradient of the output must have shape " + output.shape()
                    + ", given " + gradOutput.shape());
        }
        int rows = n / units;
        Tensor dz = gradOutput;
        boolean relu = activation == Activation.RELU;
        if (relu) {
            maskedGrad = Tensor.reuse(maskedGrad, Shape.of(rows, units));
            dz = maskedGrad;
        }
        if (relu || bias != null) {
            float[] g = work;
            float[] y = mask;
            float[] partial = tile;
            Arrays.fill(partial, 0f);
            Arrays.fill(biasSums, 0.0);
            FloatBuffer in = gradOutput.buffer();
            int sinceFold = 0;
            for (int base = 0; base < n; base += g.length) {
                int len = Math.min(g.length, n - base);
                in.get(base, g, 0, len);
                if (relu) {
                    // Output 0 <=> pre-activation <= 0: no gradient flows there.
                    output.buffer().get(base, y, 0, len);
                    for (int t = 0; t < len; t++) {
                        g[t] *= ReLU.derivativeFromOutput(y[t]);
                    }
                    maskedGrad.buffer().put(base, g, 0, len);
                }
                if (bias != null) {
                    // Float partial sums per chunk position, folded into double every few chunks:
                    // a conv bias sums batch * pixels terms (25k in the tutorial).
                    for (int t = 0; t < len; t++) {
                        partial[t] += g[t];
                    }
                    if (++sinceFold == ChannelChunks.CHUNKS_PER_FOLD) {
                        chunks.fold(partial, biasSums);
                        sinceFold = 0;
                    }
                }
            }
            if (bias != null) {
                chunks.fold(partial, biasSums);
                Tensor db = bias.grad();
                for (int c = 0; c < units; c++) {
                    db.set(c, (float) biasSums[c]);
                }
            }
        }
        // dK [fanIn, units] = A^T dZ
        Blas.sgemm(true, false, fanIn, units, rows, 1f, a, 0, dz, 0, 0f, kernel.grad(), 0);
        if (gradA != null) {
            // dA [rows, fanIn] = dZ K^T
            Blas.sgemm(false, true, rows, fanIn, units, 1f, dz, 0, kernel.value(), 0, 0f, gradA, 0);
        }
    }
}
