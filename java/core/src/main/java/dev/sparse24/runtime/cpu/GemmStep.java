package dev.sparse24.runtime.cpu;

import dev.sparse24.graph.FusedActivation;
import dev.sparse24.graph.Graph;
import dev.sparse24.graph.GraphTensor;
import dev.sparse24.graph.OpOptions;
import dev.sparse24.graph.OpType;
import dev.sparse24.graph.Operator;
import dev.sparse24.graph.ShapeInference;
import dev.sparse24.ops.ConvGeometry;
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
    private final int oh, ow;   // output pixels per image (1 x 1 for FULLY_CONNECTED)
    private final int k;        // GEMM depth
    private final int o;        // GEMM output columns
    private final int tileRows;
    private final SparseGemm sparse;
    private final FloatPointer denseWeights;
    private final BiasActivation finish;  // what the kernel did not fuse
    private final Im2col im2col;          // null for a direct GEMM

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
        ConvGeometry g = null;
        if (conv) {
            g = ConvGeometry.of(opt, s, ws[1], ws[2], ws[0]);
            oh = g.oh();
            ow = g.ow();
            k = g.kh() * g.kw() * g.c();
            direct = g.kh() == 1 && g.kw() == 1 && g.sh() == 1 && g.sw() == 1 && g.padTop() == 0 && g.padLeft() == 0
                    && oh == g.h() && ow == g.w();
        } else {
            oh = ow = 1;
            k = ws[1];
            direct = true;
        }
        o = ws[0];
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
            b = null;
            act = fusable ? FusedActivation.NONE : act;
        } else {
            sparse = null;
            denseWeights = new FloatPointer(weights.floatValues());
        }
        // im2col and bias/activation in C (conv_helpers.h) unless on the forced Java fallback.
        boolean nativeHelpers = isa != Isa.JAVA && NativeLibrary.available();
        finish = new BiasActivation(o, b, act, nativeHelpers);
        im2col = direct ? null : new Im2col(g, nativeHelpers);
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
            im2col.rows(x, r0, n, scratch);
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
        finish.apply(y, n, c0, c1);
    }

    private void gemm(FloatBuffer x, int n, FloatBuffer y) {
        FloatBuffer xs = Frame.slice(x, 0, n * k);
        FloatBuffer ys = Frame.slice(y, 0, n * o);
        if (sparse != null) {
            sparse.run(xs, n, ys);
        } else {
            // Sizes are exact slices checked by slice() itself; OpenBLAS never sees more than that.
            // Always sgemm, also for one row: sgemv would be ~7x faster there (the tutorial's
            // dense1: 0.54 vs 3.9 ms a call, sgemm packs all of W each time), but it sums in
            // another order, and a request must give the same bits alone or batched
            // (BatchingSessionTest). A batch-invariant dense kernel of our own is the fix.
            openblas.cblas_sgemm(openblas.CblasRowMajor, openblas.CblasNoTrans, openblas.CblasTrans, n, o, k, 1f,
                    new FloatPointer(xs), k, denseWeights, k, 0f, new FloatPointer(ys), o);
        }
        finish.apply(ys, n, 0, o);
    }

    @Override
    public void close() {
        finish.close();
        if (sparse != null) {
            sparse.close();
        }
        if (denseWeights != null) {
            denseWeights.close();
        }
    }
}
