package dev.sparse24.runtime.cpu;

import dev.sparse24.graph.FusedActivation;
import dev.sparse24.graph.Graph;
import dev.sparse24.graph.GraphTensor;
import dev.sparse24.graph.OpOptions;
import dev.sparse24.graph.OpType;
import dev.sparse24.graph.Operator;
import dev.sparse24.graph.ShapeInference;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas;

import java.nio.FloatBuffer;

/**
 * FULLY_CONNECTED or CONV_2D as one GEMM {@code Y[rows, O] = act(X[rows, K] W[O, K]^T + bias)}:
 * 2:4-compressed weights through {@link SparseGemm} (re-packed once, bias and ReLU/ReLU6 fused
 * in the kernel), dense ones through OpenBLAS. A convolution's X is its im2col patch matrix
 * (NHWC, channel fastest within a tap, matching the filter's {@code [O, KH, KW, C]} rows),
 * built tile by tile into the frame's scratch so that scratch stays bounded whatever the batch;
 * a 1x1, stride-1 convolution without padding reads its input directly.
 */
final class GemmStep implements PlanStep {
    /**
     * Floats of im2col patch rows per tile (1 MiB) and of GEMM output per tile (256 KiB): small
     * enough that a tile's patches and output are still in L2 when the GEMM and the bias/ReLU
     * pass reach them (this machine streams DRAM at a few GB/s, so every extra pass over a
     * first layer's 25 MB of activations at batch 256 costs ~10 ms), large enough that the
     * broadcast kernel gets several 128-row chunks per call.
     */
    static final int TILE_FLOATS = 1 << 18;
    static final int TILE_OUTPUT_FLOATS = 1 << 16;
    /** Fewest GEMM rows worth a worker of their own (below, the call overhead dominates). */
    static final int MIN_ROWS_PER_PART = 16;
    /** Fewest output features worth a worker of their own. */
    static final int MIN_COLUMNS_PER_PART = 32;

    private final int in;
    private final int out;
    private final boolean conv;
    private final boolean direct;
    private final int h, w, c, kh, kw, oh, ow, strideH, strideW, dilationH, dilationW, padTop, padLeft;
    private final int k;        // GEMM depth
    private final int o;        // GEMM output columns
    private final int tileRows;
    private final SparseGemm sparse;
    private final FloatPointer denseWeights;
    private final float[] bias;           // applied in Java (dense path), else null
    private final FusedActivation javaActivation;
    private final float[] zeroBias;       // [o] zeros, when there is no bias
    private final boolean nativeHelpers;  // im2col and bias/activation in C (conv_helpers.h)
    private final FloatPointer nativeBiasValues; // bias for s24_bias_act, or null

    /**
     * Compiles {@code op} for passes of at most {@code maxBatch} items. On {@link Isa#JAVA}
     * (forced by tests, or when the native library cannot load) im2col and bias/activation run
     * on their Java twins too.
     */
    GemmStep(Graph graph, Operator op, ShapeInference shapes, Isa isa, int maxBatch) {
        this.in = op.input(0);
        this.out = op.output(0);
        this.conv = op.type() == OpType.CONV_2D;
        GraphTensor weights = graph.tensor(op.input(1));
        int[] ws = weights.shape();
        OpOptions opt = op.options();
        int[] s = shapes.shape(in);
        if (conv) {
            h = s[1];
            w = s[2];
            c = s[3];
            kh = ws[1];
            kw = ws[2];
            int[] os = shapes.shape(out);
            oh = os[1];
            ow = os[2];
            strideH = opt.strideH();
            strideW = opt.strideW();
            dilationH = opt.dilationH();
            dilationW = opt.dilationW();
            padTop = opt.padding().padBefore(h, (kh - 1) * dilationH + 1, strideH);
            padLeft = opt.padding().padBefore(w, (kw - 1) * dilationW + 1, strideW);
            k = kh * kw * c;
            direct = kh == 1 && kw == 1 && strideH == 1 && strideW == 1 && padTop == 0 && padLeft == 0
                    && oh == h && ow == w;
        } else {
            h = w = c = kh = kw = oh = ow = 1;
            strideH = strideW = dilationH = dilationW = 1;
            padTop = padLeft = 0;
            k = ws[1];
            direct = true;
        }
        o = ws[0];
        zeroBias = new float[o];
        tileRows = Math.max(1, Math.min(TILE_FLOATS / k, TILE_OUTPUT_FLOATS / o));
        float[] b = op.input(2) >= 0 ? graph.tensor(op.input(2)).floatValues() : null;
        FusedActivation act = opt.activation();
        if (weights.isCompressed()) {
            // TANH is the one fused activation the kernels do not have: applied after, in Java.
            boolean fusable = act != FusedActivation.TANH;
            // The most GEMM rows one call sees: a pass of maxBatch items (oh*ow rows each), or
            // one im2col tile of them.
            long passRows = (long) maxBatch * oh * ow;
            long gemmRows = direct ? passRows : Math.min(passRows, tileRows);
            sparse = SparseGemm.builder(weights.compressedValues()).bias(b)
                    .activation(fusable ? act : FusedActivation.NONE).isa(isa)
                    .maxBatch((int) Math.min(Integer.MAX_VALUE, Math.max(1, gemmRows))).build();
            denseWeights = null;
            bias = null;
            javaActivation = fusable ? FusedActivation.NONE : act;
        } else {
            sparse = null;
            denseWeights = new FloatPointer(weights.floatValues());
            bias = b;
            javaActivation = act;
        }
        this.nativeHelpers = isa != Isa.JAVA && NativeLibrary.available();
        // TANH has no native code (conv_helpers.h): that layer finishes in Java.
        nativeBiasValues = nativeHelpers && bias != null && javaActivation != FusedActivation.TANH
                ? new FloatPointer(bias) : null;
    }

    /** Whether the weights run through the 2:4 kernels. */
    boolean isSparse() {
        return sparse != null;
    }

    @Override
    public long scratchFloats(int maxBatch) {
        if (direct) {
            return 0;
        }
        long rows = (long) maxBatch * oh * ow;
        return Math.min(rows, tileRows) * k;
    }

    @Override
    public void run(Frame frame, int batch) {
        FloatBuffer x = frame.values[in];
        FloatBuffer y = frame.values[out];
        int rows = batch * oh * ow;
        int workers = frame.workers();
        if (!direct) {
            // Patch rows split over the workers, each with its own scratch.
            int parts = Math.max(1, Math.min(workers, rows / MIN_ROWS_PER_PART));
            frame.parallel(parts, p -> convRows(x, y, rows * (long) p / parts, rows * (long) (p + 1) / parts,
                    frame.scratch[p]));
        } else if (workers > 1 && rows >= MIN_ROWS_PER_PART * workers) {
            int parts = workers;
            frame.parallel(parts, p -> {
                int a = (int) (rows * (long) p / parts);
                int b = (int) (rows * (long) (p + 1) / parts);
                gemm(Frame.slice(x, a * k, (b - a) * k), b - a, Frame.slice(y, a * o, (b - a) * o));
            });
        } else if (workers > 1 && o >= MIN_COLUMNS_PER_PART * 2
                && (sparse == null || frame.tensors[in] != null && frame.tensors[out] != null)) {
            // Few rows (batch 1): split the output features - W's rows - instead.
            int parts = Math.min(workers, o / MIN_COLUMNS_PER_PART);
            frame.parallel(parts, p -> gemmColumns(frame, x, rows, y, o * p / parts, o * (p + 1) / parts));
        } else {
            gemm(x, rows, y);
        }
    }

    private void convRows(FloatBuffer x, FloatBuffer y, long from, long to, FloatBuffer scratch) {
        for (int r0 = (int) from; r0 < to; r0 += tileRows) {
            int n = (int) Math.min(tileRows, to - r0);
            im2col(x, r0, n, scratch);
            gemm(scratch, n, Frame.slice(y, r0 * o, n * o));
        }
    }

    /** Output features [c0, c1) of all {@code n} rows. */
    private void gemmColumns(Frame frame, FloatBuffer x, int n, FloatBuffer y, int c0, int c1) {
        if (sparse != null) {
            sparse.runRows(frame.tensors[in], n, frame.tensors[out], c0, c1);
        } else {
            FloatPointer w0 = new FloatPointer(denseWeights).position((long) c0 * k);
            FloatPointer y0 = new FloatPointer(Frame.slice(y, 0, n * o)).position(c0);
            openblas.cblas_sgemm(openblas.CblasRowMajor, openblas.CblasNoTrans, openblas.CblasTrans, n, c1 - c0, k, 1f,
                    new FloatPointer(Frame.slice(x, 0, n * k)), k, w0, k, 0f, y0, o);
        }
        finish(y, n, c0, c1);
    }

    private void gemm(FloatBuffer x, int n, FloatBuffer y) {
        FloatBuffer xs = Frame.slice(x, 0, n * k);
        FloatBuffer ys = Frame.slice(y, 0, n * o);
        if (sparse != null) {
            sparse.run(xs, n, ys);
        } else {
            // Sizes are exact slices checked by slice() itself; OpenBLAS never sees more than that.
            openblas.cblas_sgemm(openblas.CblasRowMajor, openblas.CblasNoTrans, openblas.CblasTrans, n, o, k, 1f,
                    new FloatPointer(xs), k, denseWeights, k, 0f, new FloatPointer(ys), o);
        }
        finish(ys, n, 0, o);
    }

    /** Bias and activation not fused in the kernel, on columns [c0, c1) of {@code n} rows. */
    private void finish(FloatBuffer ys, int n, int c0, int c1) {
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
            NativeGemm24.s24_bias_act(y, n, c1 - c0, o, b0, javaActivation.tfliteCode());
            return;
        }
        finishJava(ys, n, c0, c1);
    }

    /** The Java twin of conv_helpers.h's s24_bias_act (fallback, and the tests' reference). */
    private void finishJava(FloatBuffer ys, int n, int c0, int c1) {
        // Through a heap array in blocks of rows: element-wise access to a direct buffer costs
        // several times more than the arithmetic.
        float[] t = HEAP.get().rows(Math.min(n, Math.max(1, TILE_OUTPUT_FLOATS / o)) * o);
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

    /** Patch rows [r0, r0 + n) of the im2col matrix into {@code dst} (row-major [n, K]). */
    private void im2col(FloatBuffer x, int r0, int n, FloatBuffer dst) {
        if (!nativeHelpers) {
            im2colJava(x, r0, n, dst);
            return;
        }
        int perImage = oh * ow;
        int imageSize = h * w * c;
        int lastImage = (r0 + n - 1) / perImage;
        // Bounds checked here, where a mistake is an exception and not a crash.
        if ((long) (lastImage + 1) * imageSize > x.capacity() || (long) n * k > dst.capacity() || r0 < 0 || n < 1) {
            throw new IllegalStateException("im2col rows [" + r0 + ", " + (r0 + n) + ") outside the buffers");
        }
        NativeGemm24.s24_im2col(new FloatPointer(Frame.slice(x, 0, (lastImage + 1) * imageSize)), h, w, c, kh, kw,
                oh, ow, strideH, strideW, dilationH, dilationW, padTop, padLeft, r0, n,
                new FloatPointer(Frame.slice(dst, 0, n * k)));
    }

    /**
     * The Java twin of conv_helpers.h's s24_im2col (fallback, and the tests' reference). Built in
     * a heap array from a heap copy of the input images the rows span, then stored with one bulk
     * copy: a first layer has one channel, so a tap row is a handful of floats, and a bulk copy
     * per handful into a direct buffer costs more than the copy itself.
     */
    private void im2colJava(FloatBuffer x, int r0, int n, FloatBuffer dst) {
        int perImage = oh * ow;
        int imageSize = h * w * c;
        int firstImage = r0 / perImage;
        int lastImage = (r0 + n - 1) / perImage;
        Heap heap = HEAP.get();
        float[] src = heap.images((lastImage - firstImage + 1) * imageSize);
        x.get(firstImage * imageSize, src, 0, (lastImage - firstImage + 1) * imageSize);
        float[] t = heap.rows(n * k);
        for (int r = 0; r < n; r++) {
            int row = r0 + r;
            int b = row / perImage - firstImage;
            int yx = row % perImage;
            int oy = yx / ow;
            int ox = yx % ow;
            int d = r * k;
            int x0 = ox * strideW - padLeft;
            for (int i = 0; i < kh; i++) {
                int iy = oy * strideH + i * dilationH - padTop;
                if (iy < 0 || iy >= h) {
                    fill(t, d, kw * c);
                } else if (dilationW == 1) {
                    // The taps of one filter row are adjacent in the input: one copy for all of
                    // them that lie inside, zeros for those hanging over the left or right edge.
                    int jLo = Math.max(0, -x0);
                    int jHi = Math.max(jLo, Math.min(kw, w - x0));
                    fill(t, d, jLo * c);
                    copy(src, ((b * h + iy) * w + x0 + jLo) * c, t, d + jLo * c, (jHi - jLo) * c);
                    fill(t, d + jHi * c, (kw - jHi) * c);
                } else {
                    for (int j = 0; j < kw; j++) {
                        int ix = x0 + j * dilationW;
                        if (ix < 0 || ix >= w) {
                            fill(t, d + j * c, c);
                        } else {
                            copy(src, ((b * h + iy) * w + ix) * c, t, d + j * c, c);
                        }
                    }
                }
                d += kw * c;
            }
        }
        dst.put(0, t, 0, n * k);
    }

    // Short spans (a one-channel layer's 5-float tap rows) by plain loops: the JIT's arraycopy and
    // fill stubs cost more per call than copying a handful of floats.
    private static void copy(float[] src, int from, float[] dst, int to, int len) {
        if (len < 32) {
            for (int i = 0; i < len; i++) {
                dst[to + i] = src[from + i];
            }
        } else {
            System.arraycopy(src, from, dst, to, len);
        }
    }

    private static void fill(float[] dst, int from, int len) {
        for (int i = 0; i < len; i++) {
            dst[from + i] = 0f;
        }
    }

    /** Per-thread heap scratch of the Java-side loops (kept between runs: steady state allocates nothing). */
    private static final ThreadLocal<Heap> HEAP = ThreadLocal.withInitial(Heap::new);

    private static final class Heap {
        private float[] rows = new float[0];
        private float[] images = new float[0];

        float[] rows(int size) {
            if (rows.length < size) {
                rows = new float[size];
            }
            return rows;
        }

        float[] images(int size) {
            if (images.length < size) {
                images = new float[size];
            }
            return images;
        }
    }

    @Override
    public void close() {
        if (nativeBiasValues != null) {
            nativeBiasValues.close();
        }
        if (sparse != null) {
            sparse.close();
        }
        if (denseWeights != null) {
            denseWeights.close();
        }
    }
}
