package dev.sparse24.runtime.cpu;

import dev.sparse24.graph.FusedActivation;
import dev.sparse24.graph.Graph;
import dev.sparse24.graph.GraphTensor;
import dev.sparse24.graph.OpOptions;
import dev.sparse24.graph.OpType;
import dev.sparse24.graph.Operator;
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
    /** Floats of im2col scratch a tile may use (4 MiB): big enough for the broadcast kernel. */
    static final int TILE_FLOATS = 1 << 20;
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

    GemmStep(Graph graph, Operator op, GraphShapes shapes, Isa isa) {
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
        tileRows = Math.max(1, TILE_FLOATS / k);
        float[] b = op.input(2) >= 0 ? graph.tensor(op.input(2)).floatValues() : null;
        FusedActivation act = opt.activation();
        if (weights.isCompressed()) {
            // TANH is the one fused activation the kernels do not have: applied after, in Java.
            boolean fusable = act != FusedActivation.TANH;
            sparse = SparseGemm.builder(weights.compressedValues()).bias(b)
                    .activation(fusable ? act : FusedActivation.NONE).isa(isa).build();
            denseWeights = null;
            bias = null;
            javaActivation = fusable ? FusedActivation.NONE : act;
        } else {
            sparse = null;
            denseWeights = new FloatPointer(weights.floatValues());
            bias = b;
            javaActivation = act;
        }
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
        for (int r = 0; r < n; r++) {
            int base = r * o;
            for (int j = c0; j < c1; j++) {
                float v = ys.get(base + j) + (bias != null ? bias[j] : 0f);
                ys.put(base + j, javaActivation.apply(v));
            }
        }
    }

    /** Patch rows [r0, r0 + n) of the im2col matrix into {@code dst} (row-major [n, K]). */
    private void im2col(FloatBuffer x, int r0, int n, FloatBuffer dst) {
        int perImage = oh * ow;
        for (int r = 0; r < n; r++) {
            int row = r0 + r;
            int b = row / perImage;
            int yx = row % perImage;
            int oy = yx / ow;
            int ox = yx % ow;
            int d = r * k;
            int x0 = ox * strideW - padLeft;
            for (int i = 0; i < kh; i++) {
                int iy = oy * strideH + i * dilationH - padTop;
                if (iy < 0 || iy >= h) {
                    zero(dst, d, kw * c);
                } else if (dilationW == 1) {
                    // The taps of one filter row are adjacent in the input: one copy for all of
                    // them that lie inside, zeros for those hanging over the left or right edge.
                    int jLo = Math.max(0, -x0);
                    int jHi = Math.min(kw, w - x0);
                    zero(dst, d, jLo * c);
                    if (jHi > jLo) {
                        dst.put(d + jLo * c, x, ((b * h + iy) * w + x0 + jLo) * c, (jHi - jLo) * c);
                    }
                    zero(dst, d + Math.max(jHi, jLo) * c, (kw - Math.max(jHi, jLo)) * c);
                } else {
                    for (int j = 0; j < kw; j++) {
                        int ix = x0 + j * dilationW;
                        if (ix < 0 || ix >= w) {
                            zero(dst, d + j * c, c);
                        } else {
                            dst.put(d + j * c, x, ((b * h + iy) * w + ix) * c, c);
                        }
                    }
                }
                d += kw * c;
            }
        }
    }

    private static void zero(FloatBuffer b, int from, int count) {
        for (int i = 0; i < count; i++) {
            b.put(from + i, 0f);
        }
    }

    @Override
    public void close() {
        if (sparse != null) {
            sparse.close();
        }
        if (denseWeights != null) {
            denseWeights.close();
        }
    }
}
