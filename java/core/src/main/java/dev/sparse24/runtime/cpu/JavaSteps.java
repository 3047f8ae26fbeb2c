package dev.sparse24.runtime.cpu;

import dev.sparse24.graph.FusedActivation;
import dev.sparse24.graph.Graph;
import dev.sparse24.graph.OpOptions;
import dev.sparse24.graph.OpType;
import dev.sparse24.graph.Operator;
import dev.sparse24.graph.ShapeInference;

import java.nio.FloatBuffer;

/**
 * The operators that run in plain Java: they are a small share of a model's time (no GEMM),
 * so they follow {@link dev.sparse24.graph.ReferenceEvaluator}'s arithmetic closely rather than
 * being tuned. Each reads its input view and writes its output view for items [0, batch).
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

    /** MAX_POOL_2D / AVERAGE_POOL_2D: padded cells are ignored (average over cells inside). */
    static final class Pool implements PlanStep {
        private final int in, out, h, w, c, oh, ow, fh, fw, sh, sw, padTop, padLeft;
        private final boolean max;
        private final FusedActivation act;

        Pool(Operator op, ShapeInference shapes) {
            in = op.input(0);
            out = op.output(0);
            int[] s = shapes.shape(in);
            int[] os = shapes.shape(out);
            OpOptions o = op.options();
            h = s[1];
            w = s[2];
            c = s[3];
            oh = os[1];
            ow = os[2];
            fh = o.filterH();
            fw = o.filterW();
            sh = o.strideH();
            sw = o.strideW();
            padTop = o.padding().padBefore(h, fh, sh);
            padLeft = o.padding().padBefore(w, fw, sw);
            max = op.type() == OpType.MAX_POOL_2D;
            act = o.activation();
        }

        @Override
        public void run(Frame f, int batch) {
            FloatBuffer x = f.values[in];
            FloatBuffer y = f.values[out];
            // One image at a time through heap arrays, channels innermost: element-wise access to
            // the direct buffers cost more than the comparisons.
            float[] src = new float[h * w * c];
            float[] dst = new float[oh * ow * c];
            float[] acc = new float[c];
            for (int b = 0; b < batch; b++) {
                x.get(b * h * w * c, src);
                for (int oy = 0; oy < oh; oy++) {
                    int y0 = Math.max(oy * sh - padTop, 0);
                    int y1 = Math.min(oy * sh - padTop + fh, h);
                    for (int ox = 0; ox < ow; ox++) {
                        int x0 = Math.max(ox * sw - padLeft, 0);
                        int x1 = Math.min(ox * sw - padLeft + fw, w);
                        int count = (y1 - y0) * (x1 - x0);
                        java.util.Arrays.fill(acc, max ? Float.NEGATIVE_INFINITY : 0f);
                        for (int iy = y0; iy < y1; iy++) {
                            for (int ix = x0; ix < x1; ix++) {
                                int base = (iy * w + ix) * c;
                                if (max) {
                                    for (int ch = 0; ch < c; ch++) {
                                        acc[ch] = Math.max(acc[ch], src[base + ch]);  // NaN-propagating
                                    }
                                } else {
                                    for (int ch = 0; ch < c; ch++) {
                                        acc[ch] += src[base + ch];
                                    }
                                }
                            }
                        }
                        int d = (oy * ow + ox) * c;
                        for (int ch = 0; ch < c; ch++) {
                            dst[d + ch] = act.apply(max ? acc[ch] : count <= 0 ? 0f : acc[ch] / count);
                        }
                    }
                }
                y.put(b * oh * ow * c, dst);
            }
        }
    }

    /** DEPTHWISE_CONV_2D: output channel {@code ch*M+m} reads input channel {@code ch}. */
    static final class Depthwise implements PlanStep {
        private final int in, out, h, w, c, oh, ow, oc, kh, kw, sh, sw, dh, dw, padTop, padLeft, multiplier;
        private final float[] weights;  // [KH, KW, OC]
        private final float[] bias;
        private final FusedActivation act;

        Depthwise(Graph g, Operator op, ShapeInference shapes) {
            in = op.input(0);
            out = op.output(0);
            int[] s = shapes.shape(in);
            int[] os = shapes.shape(out);
            int[] ws = g.tensor(op.input(1)).shape();
            OpOptions o = op.options();
            h = s[1];
            w = s[2];
            c = s[3];
            oh = os[1];
            ow = os[2];
            oc = os[3];
            kh = ws[1];
            kw = ws[2];
            sh = o.strideH();
            sw = o.strideW();
            dh = o.dilationH();
            dw = o.dilationW();
            padTop = o.padding().padBefore(h, (kh - 1) * dh + 1, sh);
            padLeft = o.padding().padBefore(w, (kw - 1) * dw + 1, sw);
            multiplier = oc / c;
            weights = g.tensor(op.input(1)).floatValues();
            bias = op.input(2) >= 0 ? g.tensor(op.input(2)).floatValues() : null;
            act = o.activation();
        }

        @Override
        public void run(Frame f, int batch) {
            FloatBuffer x = f.values[in];
            FloatBuffer y = f.values[out];
            for (int b = 0; b < batch; b++) {
                for (int oy = 0; oy < oh; oy++) {
                    for (int ox = 0; ox < ow; ox++) {
                        int dst = ((b * oh + oy) * ow + ox) * oc;
                        for (int fo = 0; fo < oc; fo++) {
                            int ch = fo / multiplier;
                            float acc = 0f;
                            for (int i = 0; i < kh; i++) {
                                int iy = oy * sh + i * dh - padTop;
                                if (iy < 0 || iy >= h) {
                                    continue;
                                }
                                for (int j = 0; j < kw; j++) {
                                    int ix = ox * sw + j * dw - padLeft;
                                    if (ix >= 0 && ix < w) {
                                        acc += x.get(((b * h + iy) * w + ix) * c + ch) * weights[(i * kw + j) * oc + fo];
                                    }
                                }
                            }
                            y.put(dst + fo, act.apply(acc + (bias != null ? bias[fo] : 0f)));
                        }
                    }
                }
            }
        }
    }

    /** SOFTMAX along the last axis, {@code exp(beta (x - max))} in double. */
    static final class Softmax implements PlanStep {
        private final int in, out, depth, sample;
        private final float beta;
        private final FusedActivation act;

        Softmax(Operator op, ShapeInference shapes) {
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
            FloatBuffer x = f.values[in];
            FloatBuffer y = f.values[out];
            int n = batch * sample;
            for (int row = 0; row < n; row += depth) {
                float max = Float.NEGATIVE_INFINITY;
                for (int i = 0; i < depth; i++) {
                    max = Math.max(max, x.get(row + i));
                }
                double sum = 0;
                for (int i = 0; i < depth; i++) {
                    double e = Math.exp((x.get(row + i) - max) * (double) beta);
                    y.put(row + i, (float) e);
                    sum += e;
                }
                for (int i = 0; i < depth; i++) {
                    y.put(row + i, (float) (y.get(row + i) / sum));
                }
            }
            JavaSteps.activate(y, n, act);
        }
    }

    /** MEAN over constant non-batch axes, summed in double. */
    static final class Mean implements PlanStep {
        private final int in, out, sample, outSample;
        private final int[] s;
        private final boolean[] reduce;
        private final long count;
        private final FusedActivation act;

        Mean(Graph g, Operator op, ShapeInference shapes) {
            in = op.input(0);
            out = op.output(0);
            s = shapes.shape(in);
            reduce = ShapeInference.reducedAxes(s, g.tensor(op.input(1)).intValues());
            long n = 1;
            for (int d = 0; d < s.length; d++) {
                if (reduce[d]) {
                    n *= s[d];
                }
            }
            count = n;
            sample = shapes.sampleSize(in);
            outSample = shapes.sampleSize(out);
            act = op.options().activation();
        }

        @Override
        public void run(Frame f, int batch) {
            FloatBuffer x = f.values[in];
            FloatBuffer y = f.values[out];
            double[] sums = new double[outSample];
            int[] idx = new int[s.length];
            for (int b = 0; b < batch; b++) {
                java.util.Arrays.fill(sums, 0);
                java.util.Arrays.fill(idx, 0);
                for (int i = 0; i < sample; i++) {
                    int o = 0;
                    for (int d = 1; d < s.length; d++) {
                        o = o * (reduce[d] ? 1 : s[d]) + (reduce[d] ? 0 : idx[d]);
                    }
                    sums[o] += x.get(b * sample + i);
                    for (int d = s.length - 1; d >= 1 && ++idx[d] == s[d]; d--) {
                        idx[d] = 0;
                    }
                }
                for (int i = 0; i < outSample; i++) {
                    y.put(b * outSample + i, act.apply((float) (sums[i] / count)));
                }
            }
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

    /** RELU, RELU6, LOGISTIC, TANH as operators. */
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
            FloatBuffer x = f.values[in];
            FloatBuffer y = f.values[out];
            for (int i = 0, n = batch * sample; i < n; i++) {
                float v = x.get(i);
                float r = switch (type) {
                    case RELU -> v > 0 ? v : 0f;
                    case RELU6 -> Math.min(Math.max(v, 0f), 6f);
                    case LOGISTIC -> (float) (1.0 / (1.0 + Math.exp(-v)));
                    default -> (float) Math.tanh(v);
                };
                y.put(i, act.apply(r));
            }
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
            return act.apply(mul ? x * y : x + y);
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

        private void general(Frame f, int batch, FloatBuffer y) {
            int rank = os.length;
            int[] ob = os.clone();
            ob[0] = batch;
            int[] ab = as.clone();
            int[] bb = bs.clone();
            if (constA == null) {
                ab[0] = batch;
            }
            if (constB == null) {
                bb[0] = batch;
            }
            FloatBuffer xa = constA == null ? f.values[a] : null;
            FloatBuffer xb = constB == null ? f.values[b] : null;
            int[] idx = new int[rank];
            for (int i = 0, n = batch * outSample; i < n; i++) {
                int ia = 0;
                int ib = 0;
                for (int d = 0; d < rank; d++) {
                    ia = ia * ab[d] + (ab[d] == 1 ? 0 : idx[d]);
                    ib = ib * bb[d] + (bb[d] == 1 ? 0 : idx[d]);
                }
                float va = xa != null ? xa.get(ia) : constA[ia];
                float vb = xb != null ? xb.get(ib) : constB[ib];
                y.put(i, apply(va, vb));
                for (int d = rank - 1; d >= 0 && ++idx[d] == ob[d]; d--) {
                    idx[d] = 0;
                }
            }
        }
    }
}
