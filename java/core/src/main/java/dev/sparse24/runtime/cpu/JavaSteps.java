package dev.sparse24.runtime.cpu;

import dev.sparse24.graph.FusedActivation;
import dev.sparse24.graph.Graph;
import dev.sparse24.graph.OpType;
import dev.sparse24.graph.Operator;
import dev.sparse24.graph.ShapeInference;
import dev.sparse24.ops.ConvGeometry;
import dev.sparse24.ops.DepthwiseConvolution;
import dev.sparse24.ops.Elementwise;
import dev.sparse24.ops.Mean;
import dev.sparse24.ops.PoolGeometry;
import dev.sparse24.ops.Pooling;
import dev.sparse24.ops.Softmax;

import org.bytedeco.javacpp.FloatPointer;

import java.nio.FloatBuffer;

/**
 * The operators that run in plain Java: they are a small share of a model's time (no GEMM), so
 * they run the one implementation of each op in {@code dev.sparse24.ops} - the same code the
 * reference evaluator runs - on heap copies of their views (element-wise access to the direct
 * buffers costs more than the copies). Each reads its input view and writes its output view for
 * items [0, batch).
 */
final class JavaSteps {
    private JavaSteps() {
    }

    /** Applies {@code a} to the first {@code n} values of {@code y}. */
    static void activate(FloatBuffer y, int n, FusedActivation a) {
        if (a == FusedActivation.NONE) {
            return;
        }
        for (int i = 0; i < n; i++) {
            y.put(i, a.apply(y.get(i)));
        }
    }

    /** The first {@code n} values of {@code x} as a heap array. */
    private static float[] read(FloatBuffer x, int n) {
        float[] a = new float[n];
        x.get(0, a);
        return a;
    }

    /**
     * MAX_POOL_2D / AVERAGE_POOL_2D: in C ({@code s24_pool}, conv_helpers.h; the JVM's max loop
     * does not vectorise because of Math.max's NaN rules) unless on the Java fallback or with a
     * fused TANH, else {@link Pooling} one image at a time.
     */
    static final class Pool implements PlanStep {
        private final int in, out;
        private final PoolGeometry g;
        private final boolean max;
        private final FusedActivation act;
        private final boolean nativePool;

        Pool(Operator op, ShapeInference shapes, Isa isa) {
            in = op.input(0);
            out = op.output(0);
            g = PoolGeometry.of(op.options(), shapes.shape(in));
            max = op.type() == OpType.MAX_POOL_2D;
            act = op.options().activation();
            nativePool = isa != Isa.JAVA && act != FusedActivation.TANH && NativeLibrary.available();
        }

        @Override
        public void run(Frame f, int batch) {
            FloatBuffer x = f.values[in];
            FloatBuffer y = f.values[out];
            if (nativePool) {
                // Exact slices: the kernel reads batch images and writes batch images, no more.
                NativeSparseGemm.s24_pool(new FloatPointer(Frame.slice(x, 0, batch * g.inputSize())), batch, g.h(), g.w(),
                        g.c(), g.oh(), g.ow(), g.fh(), g.fw(), g.sh(), g.sw(), g.padTop(), g.padLeft(), max ? 1 : 0,
                        act.tfliteCode(), new FloatPointer(Frame.slice(y, 0, batch * g.outputSize())));
                return;
            }
            float[] src = new float[g.inputSize()];
            float[] dst = new float[g.outputSize()];
            for (int b = 0; b < batch; b++) {
                x.get(b * src.length, src);
                Pooling.pool(max, g, act, src, 0, dst, 0, 1);
                y.put(b * dst.length, dst);
            }
        }
    }

    /** DEPTHWISE_CONV_2D ({@link DepthwiseConvolution}), one image at a time. */
    static final class Depthwise implements PlanStep {
        private final int in, out;
        private final ConvGeometry g;
        private final float[] weights;  // [KH, KW, OC]
        private final float[] bias;
        private final FusedActivation act;

        Depthwise(Graph graph, Operator op, ShapeInference shapes) {
            in = op.input(0);
            out = op.output(0);
            int[] ws = graph.tensor(op.input(1)).shape();
            g = ConvGeometry.of(op.options(), shapes.shape(in), ws[1], ws[2], shapes.shape(out)[3]);
            weights = graph.tensor(op.input(1)).floatValues();
            bias = op.input(2) >= 0 ? graph.tensor(op.input(2)).floatValues() : null;
            act = op.options().activation();
        }

        @Override
        public void run(Frame f, int batch) {
            FloatBuffer x = f.values[in];
            FloatBuffer y = f.values[out];
            float[] src = new float[g.inputSize()];
            float[] dst = new float[g.outputSize()];
            for (int b = 0; b < batch; b++) {
                x.get(b * src.length, src);
                DepthwiseConvolution.run(g, weights, bias, act, src, 0, dst, 0, 1);
                y.put(b * dst.length, dst);
            }
        }
    }

    /** SOFTMAX along the last axis ({@link Softmax}). */
    static final class SoftmaxStep implements PlanStep {
        private final int in, out, depth, sample;
        private final float beta;
        private final FusedActivation act;

        SoftmaxStep(Operator op, ShapeInference shapes) {
            in = op.input(0);
            out = op.output(0);
            int[] s = shapes.shape(in);
            depth = s[s.length - 1];
            sample = shapes.sampleSize(in);
            beta = op.options().beta();
            act = op.options().activation();
        }

        @Override
        public void run(Frame f, int batch) {
            int n = batch * sample;
            float[] v = read(f.values[in], n);
            Softmax.rows(v, v, 0, n, depth, beta, act);
            f.values[out].put(0, v);
        }
    }

    /** MEAN over constant non-batch axes ({@link Mean}). */
    static final class MeanStep implements PlanStep {
        private final int in, out, sample, outSample;
        private final int[] s;
        private final boolean[] reduce;
        private final FusedActivation act;

        MeanStep(Graph g, Operator op, ShapeInference shapes) {
            in = op.input(0);
            out = op.output(0);
            s = shapes.shape(in);
            reduce = ShapeInference.reducedAxes(s, g.tensor(op.input(1)).intValues());
            sample = shapes.sampleSize(in);
            outSample = shapes.sampleSize(out);
            act = op.options().activation();
        }

        @Override
        public void run(Frame f, int batch) {
            float[] y = new float[batch * outSample];
            Mean.run(s, reduce, act, read(f.values[in], batch * sample), y, batch);
            f.values[out].put(0, y);
        }
    }

    /** A copy with a fused activation: a RESHAPE that carries one (otherwise a reshape is a view). */
    static final class Copy implements PlanStep {
        private final int in, out, sample;
        private final FusedActivation act;

        Copy(Operator op, ShapeInference shapes) {
            in = op.input(0);
            out = op.output(0);
            sample = shapes.sampleSize(in);
            act = op.options().activation();
        }

        @Override
        public void run(Frame f, int batch) {
            FloatBuffer x = f.values[in];
            FloatBuffer y = f.values[out];
            for (int i = 0, n = batch * sample; i < n; i++) {
                y.put(i, act.apply(x.get(i)));
            }
        }
    }

    /** RELU, RELU6, LOGISTIC, TANH as operators ({@link Elementwise#unary}). */
    static final class Unary implements PlanStep {
        private final int in, out, sample;
        private final OpType type;
        private final FusedActivation act;

        Unary(Operator op, ShapeInference shapes) {
            in = op.input(0);
            out = op.output(0);
            sample = shapes.sampleSize(in);
            type = op.type();
            act = op.options().activation();
        }

        @Override
        public void run(Frame f, int batch) {
            int n = batch * sample;
            float[] v = read(f.values[in], n);
            Elementwise.unary(type, act, v, v, n);
            f.values[out].put(0, v);
        }
    }

    /**
     * ADD / MUL with numpy broadcasting. Operands are activations (dimension 0 = batch) or
     * constants (fixed shape, dimension 0 must broadcast). The common cases - same shapes, or a
     * constant repeating over the leading dimensions (per-channel bias or scale) - are flat loops.
     */
    static final class Binary implements PlanStep {
        private final int a, b, out, outSample;
        private final boolean mul;
        private final FusedActivation act;
        private final float[] constA, constB;   // non-null when that operand is a constant
        private final int[] as, bs, os;          // padded shapes for batch 1
        private final boolean same;              // both activations of the output's shape
        private final int repeatA, repeatB;      // > 0: constant of this size repeating over the output

        Binary(Graph g, Operator op, ShapeInference shapes) {
            a = op.input(0);
            b = op.input(1);
            out = op.output(0);
            mul = op.type() == OpType.MUL;
            act = op.options().activation();
            os = shapes.shape(out);
            outSample = shapes.sampleSize(out);
            int[] sa = shapes.shape(a) != null ? shapes.shape(a) : g.tensor(a).shape();
            int[] sb = shapes.shape(b) != null ? shapes.shape(b) : g.tensor(b).shape();
            constA = shapes.shape(a) == null ? g.tensor(a).floatValues() : null;
            constB = shapes.shape(b) == null ? g.tensor(b).floatValues() : null;
            as = ShapeInference.padLeft(sa, os.length);
            bs = ShapeInference.padLeft(sb, os.length);
            same = constA == null && constB == null && java.util.Arrays.equals(as, os)
                    && java.util.Arrays.equals(bs, os);
            repeatA = constA != null && constB == null && java.util.Arrays.equals(bs, os) ? suffixRepeat(as, os) : 0;
            repeatB = constB != null && constA == null && java.util.Arrays.equals(as, os) ? suffixRepeat(bs, os) : 0;
        }

        /** Size of {@code c} when it is 1s then exactly the trailing dimensions of {@code o}, else 0. */
        private static int suffixRepeat(int[] c, int[] o) {
            int d = 0;
            while (d < c.length && c[d] == 1) {
                d++;
            }
            int size = 1;
            for (int e = d; e < c.length; e++) {
                if (c[e] != o[e]) {
                    return 0;
                }
                size *= c[e];
            }
            return size;
        }

        private float apply(float x, float y) {
            return Elementwise.binary(mul, act, x, y);
        }

        @Override
        public void run(Frame f, int batch) {
            FloatBuffer y = f.values[out];
            int n = batch * outSample;
            if (same) {
                FloatBuffer xa = f.values[a];
                FloatBuffer xb = f.values[b];
                for (int i = 0; i < n; i++) {
                    y.put(i, apply(xa.get(i), xb.get(i)));
                }
            } else if (repeatB > 0) {
                FloatBuffer xa = f.values[a];
                for (int i = 0; i < n; i++) {
                    y.put(i, apply(xa.get(i), constB[i % repeatB]));
                }
            } else if (repeatA > 0) {
                FloatBuffer xb = f.values[b];
                for (int i = 0; i < n; i++) {
                    y.put(i, apply(constA[i % repeatA], xb.get(i)));
                }
            } else {
                general(f, batch, y);
            }
        }

        /** Any other broadcast: the reference's ({@link Elementwise#broadcast}) on heap copies. */
        private void general(Frame f, int batch, FloatBuffer y) {
            int[] ob = os.clone();
            ob[0] = batch;
            int[] ab = as.clone();
            int[] bb = bs.clone();
            float[] va = constA;
            float[] vb = constB;
            if (constA == null) {
                ab[0] = batch;
                va = read(f.values[a], size(ab));
            }
            if (constB == null) {
                bb[0] = batch;
                vb = read(f.values[b], size(bb));
            }
            float[] r = new float[batch * outSample];
            Elementwise.broadcast(mul, act, va, ab, vb, bb, r, ob);
            y.put(0, r);
        }

        private static int size(int[] s) {
            int n = 1;
            for (int d : s) {
                n *= d;
            }
            return n;
        }
    }
}
