package dev.sparse24.runtime.cpu;

import dev.sparse24.graph.FusedActivation;
import org.bytedeco.javacpp.FloatPointer;

import java.nio.FloatBuffer;

/**
 * The bias and activation of a GEMM layer that its kernel did not fuse (dense layers after
 * OpenBLAS; TANH after the 2:4 kernels), over rows of {@code o} outputs: in C
 * ({@code s24_bias_act}, conv_helpers.h) when the native library is used, else its Java twin.
 */
final class BiasActivation {
    private final int o;
    private final float[] bias;             // [o] or null
    private final FusedActivation javaActivation;
    private final float[] zeroBias;         // [o] zeros, when there is no bias
    private final boolean nativeHelpers;
    private final FloatPointer nativeBiasValues; // bias for s24_bias_act, or null

    BiasActivation(int o, float[] bias, FusedActivation activation, boolean nativeHelpers) {
        this.o = o;
        this.bias = bias;
        this.javaActivation = activation;
        this.zeroBias = new float[o];
        this.nativeHelpers = nativeHelpers;
        // TANH has no native code (conv_helpers.h): that layer finishes in Java.
        nativeBiasValues = nativeHelpers && bias != null && activation != FusedActivation.TANH
                ? new FloatPointer(bias) : null;
    }

    /** Bias and activation not fused in the kernel, on columns [c0, c1) of {@code n} rows. */
    void apply(FloatBuffer ys, int n, int c0, int c1) {
        if (bias == null && javaActivation == FusedActivation.NONE) {
            return;
        }
        if (nativeHelpers && javaActivation != FusedActivation.TANH) {
            // Bounds: ys holds n rows of o (slice() made it exactly that), c1 <= o = bias length.
            if ((long) n * o > ys.capacity() || c0 < 0 || c1 > o) {
                throw new IllegalStateException("bias/activation over " + n + " x " + o + " outside the output");
            }
            // Views only, never closed: closing a copy of nativeBiasValues would free the bias
            // itself, and the buffer views own no memory.
            FloatPointer y = new FloatPointer(ys).position(c0);
            FloatPointer b0 = nativeBiasValues == null ? null : new FloatPointer(nativeBiasValues).position(c0);
            NativeSparseGemm.s24_bias_act(y, n, c1 - c0, o, b0, javaActivation.tfliteCode());
            return;
        }
        applyJava(ys, n, c0, c1);
    }

    /** The Java twin of conv_helpers.h's s24_bias_act (fallback, and the tests' reference). */
    private void applyJava(FloatBuffer ys, int n, int c0, int c1) {
        // Through a heap array in blocks of rows: element-wise access to a direct buffer costs
        // several times more than the arithmetic.
        float[] t = ROWS.get().floats(Math.min(n, Math.max(1, GemmStep.TILE_OUTPUT_FLOATS / o)) * o);
        int block = t.length / o;
        for (int r0 = 0; r0 < n; r0 += block) {
            int m = Math.min(block, n - r0);
            ys.get(r0 * o, t, 0, m * o);
            // One loop per activation: a per-element switch keeps the JIT from vectorising.
            float[] bs = bias != null ? bias : zeroBias;
            for (int r = 0; r < m; r++) {
                int base = r * o;
                if (javaActivation == FusedActivation.NONE) {
                    for (int j = c0; j < c1; j++) {
                        t[base + j] += bs[j];
                    }
                } else if (javaActivation == FusedActivation.RELU) {
                    for (int j = c0; j < c1; j++) {
                        float v = t[base + j] + bs[j];
                        t[base + j] = v <= 0f ? 0f : v;  // NaN stays NaN, as in the native kernels
                    }
                } else {
                    for (int j = c0; j < c1; j++) {
                        t[base + j] = javaActivation.apply(t[base + j] + bs[j]);
                    }
                }
            }
            ys.put(r0 * o, t, 0, m * o);
        }
    }

    /** Per-thread heap rows of the Java twin (kept between runs: steady state allocates nothing). */
    private static final ThreadLocal<HeapScratch> ROWS = ThreadLocal.withInitial(HeapScratch::new);

    void close() {
        if (nativeBiasValues != null) {
            nativeBiasValues.close();
        }
    }
}
