package dev.sparse24.runtime.cpu;

import dev.sparse24.graph.FusedActivation;
import dev.sparse24.graph.Graph;
import dev.sparse24.graph.GraphTensor;
import dev.sparse24.graph.Operator;
import dev.sparse24.graph.ShapeInference;
import dev.sparse24.ops.ConvGeometry;
import org.bytedeco.javacpp.FloatPointer;

import java.nio.FloatBuffer;

/**
 * A dense CONV_2D with few input channels computed in place over the NHWC input
 * ({@code s24_conv_direct}, native/conv_direct.h) instead of im2col + GEMM: for a first layer
 * (one grey channel, K = 25) the patch rows are 5-float copies and a K = 25 GEMM runs far below
 * the FMA rate. Output rows are split over the session's workers.
 */
final class DirectConvStep implements PlanStep {
    /** Input channels up to which a dense conv runs here: where K per tap is too small for a GEMM. */
    static final int MAX_CHANNELS = 4;
    /** Most taps (kh * kw * c) the kernel's tap list holds: S24_CONV_DIRECT_MAX_TAPS. */
    static final int MAX_TAPS = 256;
    private static final int MIN_ROWS_PER_PART = 2;

    private final int in, out;
    private final ConvGeometry g;
    private final int opad;
    private final FloatPointer wt;    // [kh*kw*c][opad]
    private final FloatPointer bias;  // [opad]
    private final int act;
    private final int isaLevel;
    private final FusedActivation tanh;  // applied in Java after the kernel, else null

    /** Whether {@code op} (a CONV_2D) runs here on {@code isa}. */
    static boolean applies(Graph graph, Operator op, ShapeInference shapes, Isa isa) {
        GraphTensor w = graph.tensor(op.input(1));
        int[] ws = w.shape();
        int c = shapes.shape(op.input(0))[3];
        return isa != Isa.JAVA && NativeLibrary.available() && !w.isCompressed() && c <= MAX_CHANNELS
                && (long) ws[1] * ws[2] * c <= MAX_TAPS;
    }

    DirectConvStep(Graph graph, Operator op, ShapeInference shapes, Isa isa) {
        in = op.input(0);
        out = op.output(0);
        GraphTensor weights = graph.tensor(op.input(1));
        int[] ws = weights.shape();
        int o = ws[0];
        g = ConvGeometry.of(op.options(), shapes.shape(in), ws[1], ws[2], o);
        opad = (o + 15) / 16 * 16;
        int taps = g.kh() * g.kw() * g.c();
        // [o][kh][kw][c] -> [kh*kw*c][opad]: a tap's output channels contiguous, zeros past o.
        float[] w = weights.floatValues();
        float[] t = new float[taps * opad];
        for (int f = 0; f < o; f++) {
            for (int k = 0; k < taps; k++) {
                t[k * opad + f] = w[f * taps + k];
            }
        }
        float[] b = new float[opad];
        if (op.input(2) >= 0) {
            System.arraycopy(graph.tensor(op.input(2)).floatValues(), 0, b, 0, o);
        }
        FusedActivation a = op.options().activation();
        tanh = a == FusedActivation.TANH ? a : null;
        act = tanh != null ? 0 : a.tfliteCode();
        isaLevel = isa.nativeLevel();
        wt = new FloatPointer(t);
        bias = new FloatPointer(b);
    }

    @Override
    public void run(Frame frame, int batch) {
        FloatBuffer x = frame.values[in];
        FloatBuffer y = frame.values[out];
        int rows = batch * g.oh();
        // Exact slices: the kernel reads batch images and writes batch output images, no more.
        FloatPointer xp = new FloatPointer(Frame.slice(x, 0, batch * g.inputSize()));
        FloatBuffer ys = Frame.slice(y, 0, batch * g.outputSize());
        FloatPointer yp = new FloatPointer(ys);
        int parts = Math.max(1, Math.min(frame.workers(), rows / MIN_ROWS_PER_PART));
        frame.parallel(parts, p -> {
            int r0 = (int) ((long) rows * p / parts);
            int r1 = (int) ((long) rows * (p + 1) / parts);
            int rc = NativeSparseGemm.s24_conv_direct(isaLevel, xp, g.h(), g.w(), g.c(), g.kh(), g.kw(), g.oh(), g.ow(),
                    g.sh(), g.sw(), g.dh(), g.dw(), g.padTop(), g.padLeft(), wt, bias, g.oc(), opad, act, yp, r0, r1);
            if (rc != 0) {
                throw new IllegalStateException("s24_conv_direct failed with " + rc + " (ISA level " + isaLevel + ")");
            }
        });
        if (tanh != null) {
            JavaSteps.activate(ys, batch * g.outputSize(), tanh);
        }
    }

    @Override
    public void close() {
        wt.close();
        bias.close();
    }
}
