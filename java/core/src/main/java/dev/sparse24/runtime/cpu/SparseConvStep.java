package dev.sparse24.runtime.cpu;

import dev.sparse24.graph.FusedActivation;
import dev.sparse24.graph.Graph;
import dev.sparse24.graph.GraphTensor;
import dev.sparse24.graph.Operator;
import dev.sparse24.graph.ShapeInference;
import dev.sparse24.ops.ConvGeometry;
import dev.sparse24.sparse.CompressedWeights;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;

import java.nio.FloatBuffer;

/**
 * A 2:4 CONV_2D (stride 1, no dilation, input channels a multiple of 4) computed over a padded
 * channel-major copy of each image ({@code s24_sparse_conv}, native/sparse_conv_direct.h)
 * instead of im2col + the broadcast GEMM, whose patch rows and panel transposes cost a third of
 * the FMAs for a conv with few filters. AVX-512 only (the GEMM path runs elsewhere); output
 * widths up to {@link #MAX_ROW_STRIDE} pixels.
 *
 * <p>Each kept weight carries its offset into the padded image, built here once, so the kernel
 * decodes nothing. Images are split over the session's workers, or - for a batch smaller than
 * the workers - output channels.
 */
final class SparseConvStep implements PlanStep {
    /** The widest padded row (output width rounded up to 16) the kernel is compiled for. */
    static final int MAX_ROW_STRIDE = 64;
    /** Fewest output channels per worker when channels are split (pairs share a register block). */
    private static final int MIN_CHANNELS_PER_PART = 8;

    private final int in, out;
    private final ConvGeometry g;
    private final int kept, rs, ph;
    private final FloatPointer vals;
    private final IntPointer offs;
    private final FloatPointer bias;  // null without bias
    private final int act;
    private final FusedActivation tanh;  // applied in Java after the kernel, else null

    /** Whether {@code op} (a CONV_2D) runs here on {@code isa}. */
    static boolean applies(Graph graph, Operator op, ShapeInference shapes, Isa isa) {
        if (isa != Isa.AVX512 || !NativeLibrary.available()) {
            return false;
        }
        GraphTensor w = graph.tensor(op.input(1));
        if (!w.isCompressed()) {
            return false;
        }
        int[] ws = w.shape();
        ConvGeometry g = ConvGeometry.of(op.options(), shapes.shape(op.input(0)), ws[1], ws[2], ws[0]);
        return g.sh() == 1 && g.sw() == 1 && g.dh() == 1 && g.dw() == 1 && g.c() % 4 == 0
                && rowStride(g.ow()) <= MAX_ROW_STRIDE
                && (long) g.kw() * g.c() * (g.oh() + g.kh() - 1) * rowStride(g.ow()) < Integer.MAX_VALUE;
    }

    private static int rowStride(int ow) {
        return (ow + 15) / 16 * 16;
    }

    SparseConvStep(Graph graph, Operator op, ShapeInference shapes) {
        in = op.input(0);
        out = op.output(0);
        GraphTensor weights = graph.tensor(op.input(1));
        int[] ws = weights.shape();
        g = ConvGeometry.of(op.options(), shapes.shape(in), ws[1], ws[2], ws[0]);
        rs = rowStride(g.ow());
        ph = g.oh() + g.kh() - 1;
        CompressedWeights cw = weights.compressedValues();
        int c = g.c();
        int taps = g.kh() * g.kw();
        kept = taps * c / 2;
        long cs = (long) ph * rs;
        long js = cs * c;
        // Per output channel: by 4-channel block, then tap (native/sparse_conv_direct.h says why);
        // a group of the [o, kh*kw*c] matrix is 4 channels of one tap, so group = tap * c/4 + block.
        float[] v = new float[g.oc() * kept];
        int[] o = new int[g.oc() * kept];
        for (int f = 0; f < g.oc(); f++) {
            int n = f * kept;
            for (int block = 0; block < c / 4; block++) {
                for (int tap = 0; tap < taps; tap++) {
                    int group = tap * (c / 4) + block;
                    int code = cw.code(f, group);
                    for (int p = 0; p < 2; p++) {
                        int ch = 4 * block + (p == 0 ? code & 3 : code >> 2);
                        int i = tap / g.kw();
                        int j = tap % g.kw();
                        v[n] = cw.value(f, group, p);
                        o[n] = (int) (j * js + ch * cs + (long) i * rs);
                        n++;
                    }
                }
            }
        }
        vals = new FloatPointer(v);
        offs = new IntPointer(o);
        bias = op.input(2) >= 0 ? new FloatPointer(graph.tensor(op.input(2)).floatValues()) : null;
        FusedActivation a = op.options().activation();
        tanh = a == FusedActivation.TANH ? a : null;
        act = tanh != null ? 0 : a.tfliteCode();
    }

    @Override
    public void run(Frame frame, int batch) {
        FloatBuffer x = frame.values[in];
        FloatBuffer y = frame.values[out];
        // Exact slices: the kernel reads batch images and writes batch output images, no more.
        FloatPointer xp = new FloatPointer(Frame.slice(x, 0, batch * g.inputSize()));
        FloatBuffer ys = Frame.slice(y, 0, batch * g.outputSize());
        FloatPointer yp = new FloatPointer(ys);
        int workers = frame.workers();
        int o = g.oc();
        if (batch >= workers || o < 2 * MIN_CHANNELS_PER_PART) {
            int parts = Math.max(1, Math.min(workers, batch));
            frame.parallel(parts, p -> call(xp, yp, (int) ((long) batch * p / parts), (int) ((long) batch * (p + 1) / parts), 0, o));
        } else {
            // A batch smaller than the workers: each takes a range of output channels (even
            // bounds, so register blocks of two channels stay whole), and pads the images itself.
            int parts = Math.min(workers, o / MIN_CHANNELS_PER_PART);
            frame.parallel(parts, p -> call(xp, yp, 0, batch, o * p / parts & ~1, p == parts - 1 ? o : o * (p + 1) / parts & ~1));
        }
        if (tanh != null) {
            JavaSteps.activate(ys, batch * g.outputSize(), tanh);
        }
    }

    /**
     * Tests: {@code batch} NHWC images through the kernel of ISA level {@code isaLevel} (0: the
     * scalar version beside the AVX-512 one), output channels split into {@code parts} calls.
     */
    float[] compute(float[] x, int batch, int isaLevel, int parts) {
        try (FloatPointer xp = new FloatPointer(x); FloatPointer yp = new FloatPointer((long) batch * g.outputSize())) {
            for (int p = 0; p < parts; p++) {
                call(isaLevel, xp, yp, 0, batch, g.oc() * p / parts, g.oc() * (p + 1) / parts);
            }
            float[] y = new float[batch * g.outputSize()];
            yp.get(y);
            if (tanh != null) {
                JavaSteps.activate(FloatBuffer.wrap(y), y.length, tanh);
            }
            return y;
        }
    }

    private void call(FloatPointer xp, FloatPointer yp, int b0, int b1, int o0, int o1) {
        call(Isa.AVX512.nativeLevel(), xp, yp, b0, b1, o0, o1);
    }

    private void call(int isaLevel, FloatPointer xp, FloatPointer yp, int b0, int b1, int o0, int o1) {
        int rc = NativeSparseGemm.s24_sparse_conv(isaLevel, xp, g.h(), g.w(), g.c(), g.kh(), g.kw(),
                g.oh(), g.ow(), g.padTop(), g.padLeft(), vals, offs, bias, g.oc(), kept, act, yp, b0, b1, o0, o1, rs, ph);
        if (rc != 0) {
            throw new IllegalStateException("s24_sparse_conv failed with " + rc);
        }
    }

    @Override
    public void close() {
        vals.close();
        offs.close();
        if (bias != null) {
            bias.close();
        }
    }
}
