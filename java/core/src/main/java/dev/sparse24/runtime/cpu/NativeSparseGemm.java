package dev.sparse24.runtime.cpu;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.annotation.Platform;

/**
 * The JNI binding of {@code native/sparse24_gemm.h}, compiled by JavaCPP's Builder during the
 * Maven build (process-classes) into {@code libjniNativeSparseGemm.so} beside this class.
 *
 * <p>Nothing here checks its arguments: only {@link SparseGemm} calls these, after validating
 * every size, offset and pointer in Java. Callers load the library through
 * {@link NativeLibrary}, which turns a missing library into the Java fallback.
 */
@Platform(include = "sparse24_gemm.h")
final class NativeSparseGemm {
    private NativeSparseGemm() {
    }

    /**
     * A constant the Java side mirrors, for the test that both agree: 0 GATHER_MAX_BATCH, 1-3
     * strategy codes AUTO/GATHER/BROADCAST, 4-6 ISA levels scalar/AVX2/AVX-512; -1 otherwise.
     */
    static native int s24_constant(int which);

    /** Widest ISA level this CPU runs: 0 scalar, 1 AVX2+FMA, 2 AVX-512F. */
    static native int s24_cpu_isa();

    /**
     * Y rows [r0, r1) = act(X W^T + bias); see sparse24_gemm.h. bv/bix: the K-blocked copy of
     * the weights for the broadcast kernels, or both null. Returns 0, or -1 (ISA not
     * supported), -2 (no scratch memory), -3 (bad strategy).
     */
    static native int s24_gemm(int isa, int strategy, FloatPointer pv, IntPointer pix, FloatPointer bv,
                               IntPointer bix, int rows, int cols, int kp, FloatPointer x, int batch, int ldx,
                               FloatPointer bias, int act, FloatPointer y, int ldy, int r0, int r1);

    /** Patch rows [r0, r0+n) of an NHWC im2col matrix into dst; see conv_helpers.h. */
    static native void s24_im2col(FloatPointer x, int h, int w, int c, int kh, int kw, int oh, int ow,
                                  int sh, int sw, int dh, int dw, int padTop, int padLeft,
                                  int r0, int n, FloatPointer dst);

    /**
     * Dense CONV_2D in place over NHWC input for output rows [r0, r1) (row = image * oh + oy);
     * weights transposed to [kh*kw*c][opad], bias [opad]; see conv_direct.h. Returns 0, or -1
     * for an unknown ISA level.
     */
    static native int s24_conv_direct(int isa, FloatPointer x, int h, int w, int c, int kh, int kw, int oh, int ow,
                                      int sh, int sw, int dh, int dw, int padTop, int padLeft, FloatPointer wt,
                                      FloatPointer bias, int o, int opad, int act, FloatPointer y, int r0, int r1);

    /**
     * 2:4 CONV_2D (stride 1, no dilation) over padded channel-major copies of NHWC images
     * [b0, b1), output channels [o0, o1); vals/offs [o][kept] as SparseConvStep builds them,
     * rs/ph the padded row stride and rows; see native/sparse_conv_direct.h. Returns 0, -1 for
     * an ISA level this kernel or CPU does not run (0 scalar, 2 AVX-512), -2 without scratch
     * memory, -4 for a row stride the kernel is not compiled for.
     */
    static native int s24_sparse_conv(int isa, FloatPointer x, int h, int w, int c, int kh, int kw, int oh, int ow,
                                      int padTop, int padLeft, FloatPointer vals, IntPointer offs, FloatPointer bias,
                                      int o, int kept, int act, FloatPointer y, int b0, int b1, int o0, int o1,
                                      int rs, int ph);

    /**
     * MAX_POOL_2D (isMax 1) / AVERAGE_POOL_2D of {@code images} NHWC images into y, then act
     * (TFLite codes 0-3); see conv_helpers.h. Twin and reference: ops.Pooling.
     */
    static native void s24_pool(FloatPointer x, int images, int h, int w, int c, int oh, int ow, int fh, int fw,
                                int sh, int sw, int padTop, int padLeft, int isMax, int act, FloatPointer y);

    /** y[r, j] = act(y[r, j] + bias[j]) over rows x cols (stride ldy); bias may be null. */
    static native void s24_bias_act(FloatPointer y, int rows, int cols, int ldy, FloatPointer bias, int act);
}
