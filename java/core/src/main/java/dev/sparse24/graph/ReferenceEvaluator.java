package dev.sparse24.graph;

import dev.sparse24.tensor.Tensor;

import java.util.Arrays;

/**
 * Plain-Java evaluation of a {@link Graph} for a batch: the oracle that importers and runtimes
 * are tested against. Straight loops, no BLAS, float arithmetic in TFLite's order of
 * operations; correctness over speed.
 *
 * <p>Semantics (TFLite's, NHWC): CONV_2D {@code out[b,y,x,o] = bias[o] + sum_{i,j,c}
 * in[b, y*s+i*d-pad, x*s+j*d-pad, c] * w[o,i,j,c]} with zero padding (SAME pads
 * {@code max((out-1)*s + (k-1)*d+1 - in, 0)} cells, the smaller half before); DEPTHWISE_CONV_2D
 * output channel {@code c*M+m} reads input channel {@code c} with weights
 * {@code [1, kh, kw, C*M]}; pools ignore padded cells (average divides by the cells inside);
 * FULLY_CONNECTED flattens each sample; RESHAPE keeps dimension 0 as the batch and resolves one
 * -1 from the rest; SOFTMAX along the last axis with {@code beta}; MEAN over constant non-batch
 * axes; ADD/MUL broadcast numpy-style. Fused activations are applied last.
 *
 * <p>Thread-safe: {@link #run} keeps all its state local; the evaluator holds only the graph and
 * the decoded weights.
 */
public final class ReferenceEvaluator {
    /** Largest intermediate tensor (elements) a run may create: a hostile graph cannot exhaust memory. */
    public static final long MAX_ELEMENTS = 1L << 28;

    private final Graph graph;
    private final float[][] constants;   // dense float values of constant tensors, decompressed

    /** Prepares {@code graph} for evaluation (decompresses 2:4 weights once). */
    public ReferenceEvaluator(Graph graph) {
        this.graph = graph;
        constants = new float[graph.tensors().size()][];
        for (int i = 0; i < constants.length; i++) {
            GraphTensor t = graph.tensor(i);
            if (t.isConstant() && t.dtype() == DType.FLOAT32) {
                constants[i] = t.floatValues();
            }
        }
    }

    /** The graph being evaluated. */
    public Graph graph() {
        return graph;
    }

    /**
     * Runs a single-input, single-output graph.
     *
     * @param input [batch, ...] matching the graph input's shape past dimension 0
     * @return the output [batch, ...]
     * @throws IllegalArgumentException when the input shape does not match (expected vs given)
     */
    public Tensor run(Tensor input) {
        if (graph.inputs().length != 1 || graph.outputs().length != 1) {
            throw new IllegalArgumentException("graph has " + graph.inputs().length + " inputs and "
                    + graph.outputs().length + " outputs; use run(Tensor...)");
        }
        return run(new Tensor[]{input})[0];
    }

    /**
     * Runs the graph on one tensor per graph input (same batch for all).
     *
     * @return one tensor per graph output
     * @throws IllegalArgumentException when the count or a shape does not match (expected vs given)
     */
    public Tensor[] run(Tensor... inputs) {
        int[] in = graph.inputs();
        if (inputs.length != in.length) {
            throw new IllegalArgumentException("expected " + in.length + " inputs, given " + inputs.length);
        }
        int n = graph.tensors().size();
        float[][] values = new float[n][];
        int[][] shapes = new int[n][];
        int batch = -1;
        for (int k = 0; k < in.length; k++) {
            int[] expected = graph.tensor(in[k]).shape();
            int[] given = inputs[k].shape().dims();
            boolean ok = given.length == expected.length && given.length > 0 && given[0] > 0
                    && (batch < 0 || given[0] == batch);
            for (int d = 1; ok && d < given.length; d++) {
                ok = expected[d] < 0 || given[d] == expected[d];
            }
            if (!ok) {
                int[] shown = expected.clone();
                if (shown.length > 0) {
                    shown[0] = batch > 0 ? batch : -1;
                }
                throw new IllegalArgumentException("input " + k + " (" + graph.tensor(in[k]).name() + "): expected shape "
                        + Arrays.toString(shown) + " (-1: any batch), given " + Arrays.toString(given));
            }
            batch = given[0];
            values[in[k]] = inputs[k].toArray();
            shapes[in[k]] = given;
        }
        for (Operator op : graph.operators()) {
            evaluate(op, values, shapes);
        }
        int[] out = graph.outputs();
        Tensor[] result = new Tensor[out.length];
        for (int k = 0; k < out.length; k++) {
            result[k] = Tensor.of(values[out[k]], shapes[out[k]]);
        }
        return result;
    }

    private float[] value(int t, float[][] values) {
        return values[t] != null ? values[t] : constants[t];
    }

    private int[] shape(int t, int[][] shapes) {
        return shapes[t] != null ? shapes[t] : graph.tensor(t).shape();
    }

    private void evaluate(Operator op, float[][] values, int[][] shapes) {
        int x = op.input(0);
        float[] in = value(x, values);
        int[] s = shape(x, shapes);
        OpOptions o = op.options();
        float[] out;
        int[] outShape;
        switch (op.type()) {
            case CONV_2D, DEPTHWISE_CONV_2D -> {
                int[] ws = graph.tensor(op.input(1)).shape();
                requireRank(op, s, 4);
                int kh = ws[1];
                int kw = ws[2];
                int outH = o.padding().outputSize(s[1], (kh - 1) * o.dilationH() + 1, o.strideH());
                int outW = o.padding().outputSize(s[2], (kw - 1) * o.dilationW() + 1, o.strideW());
                boolean depthwise = op.type() == OpType.DEPTHWISE_CONV_2D;
                int channelsOut = depthwise ? ws[3] : ws[0];
                if (!depthwise && ws[3] != s[3] || depthwise && channelsOut % s[3] != 0) {
                    throw new IllegalArgumentException(op.type() + ": filter " + Arrays.toString(ws)
                            + " does not fit input " + Arrays.toString(s));
                }
                outShape = new int[]{s[0], outH, outW, channelsOut};
                out = convolve(op, in, s, outShape, depthwise);
            }
            case AVERAGE_POOL_2D, MAX_POOL_2D -> {
                requireRank(op, s, 4);
                outShape = new int[]{s[0], o.padding().outputSize(s[1], o.filterH(), o.strideH()),
                        o.padding().outputSize(s[2], o.filterW(), o.strideW()), s[3]};
                out = pool(op, in, s, outShape);
            }
            case FULLY_CONNECTED -> {
                int[] ws = graph.tensor(op.input(1)).shape();
                int units = ws[0];
                int depth = ws[1];
                int perSample = in.length / s[0];
                if (perSample != depth) {
                    throw new IllegalArgumentException("FULLY_CONNECTED: weights " + Arrays.toString(ws)
                            + " expect " + depth + " values per sample, input " + Arrays.toString(s) + " has " + perSample);
                }
                float[] w = constants[op.input(1)];
                float[] bias = op.input(2) >= 0 ? constants[op.input(2)] : null;
                outShape = new int[]{s[0], units};
                out = new float[s[0] * units];
                for (int b = 0; b < s[0]; b++) {
                    for (int u = 0; u < units; u++) {
                        float acc = dotRows(in, b * depth, w, u * depth, depth);
                        out[b * units + u] = acc + (bias != null ? bias[u] : 0f);
                    }
                }
            }
            case RESHAPE -> {
                // The target comes from the options or, as ShapeInference also accepts, a constant second input.
                int[] target = o.newShape() != null || op.input(1) < 0 ? o.newShape() : graph.tensor(op.input(1)).intValues();
                if (target == null) {
                    throw new IllegalArgumentException("RESHAPE: no target shape (neither an option nor an int32 input)");
                }
                outShape = reshaped(s, target, in.length);
                out = in;
            }
            case SOFTMAX -> {
                outShape = s;
                out = softmax(in, s[s.length - 1], o.beta());
            }
            case MEAN -> {
                int[] axes = graph.tensor(op.input(1)).intValues();
                outShape = null;
                float[][] result = new float[1][];
                outShape = mean(in, s, axes, o.keepDims(), result);
                out = result[0];
            }
            case ADD, MUL -> {
                int y = op.input(1);
                int[][] outShapeHolder = new int[1][];
                out = broadcast(op.type(), in, s, value(y, values), shape(y, shapes), outShapeHolder);
                outShape = outShapeHolder[0];
            }
            case RELU, RELU6, LOGISTIC, TANH -> {
                outShape = s;
                out = new float[in.length];
                for (int i = 0; i < in.length; i++) {
                    float v = in[i];
                    out[i] = switch (op.type()) {
                        case RELU -> v > 0 ? v : 0f;
                        case RELU6 -> Math.min(Math.max(v, 0f), 6f);
                        case LOGISTIC -> (float) (1.0 / (1.0 + Math.exp(-v)));
                        default -> (float) Math.tanh(v);
                    };
                }
            }
            default -> throw new IllegalArgumentException("unsupported op " + op.type());
        }
        FusedActivation a = o.activation();
        if (a != FusedActivation.NONE) {
            if (out == in) {
                out = out.clone();
            }
            for (int i = 0; i < out.length; i++) {
                out[i] = a.apply(out[i]);
            }
        }
        values[op.output(0)] = out;
        shapes[op.output(0)] = outShape;
    }

    private static void requireRank(Operator op, int[] s, int rank) {
        if (s.length != rank) {
            throw new IllegalArgumentException(op.type() + ": expected a rank-" + rank + " input, given "
                    + Arrays.toString(s));
        }
    }

    // in [B,H,W,C]; out [B,OH,OW,O]; filter [O,KH,KW,C] or depthwise [1,KH,KW,C*M]
    private float[] convolve(Operator op, float[] in, int[] s, int[] os, boolean depthwise) {
        OpOptions o = op.options();
        int[] ws = graph.tensor(op.input(1)).shape();
        float[] w = constants[op.input(1)];
        float[] bias = op.input(2) >= 0 ? constants[op.input(2)] : null;
        int h = s[1], wd = s[2], c = s[3];
        int kh = ws[1], kw = ws[2];
        int oh = os[1], ow = os[2], oc = os[3];
        int multiplier = depthwise ? oc / c : 1;
        int padTop = o.padding().padBefore(h, (kh - 1) * o.dilationH() + 1, o.strideH());
        int padLeft = o.padding().padBefore(wd, (kw - 1) * o.dilationW() + 1, o.strideW());
        float[] out = new float[s[0] * oh * ow * oc];
        // One receptive field [KH, KW, C] at a time (zeros where it hangs over the edge): the
        // filter rows [O, KH*KW*C] are then plain dot products with it.
        int k = kh * kw * c;
        float[] patch = new float[k];
        for (int b = 0; b < s[0]; b++) {
            for (int y = 0; y < oh; y++) {
                for (int x = 0; x < ow; x++) {
                    for (int i = 0; i < kh; i++) {
                        int iy = y * o.strideH() + i * o.dilationH() - padTop;
                        for (int j = 0; j < kw; j++) {
                            int ix = x * o.strideW() + j * o.dilationW() - padLeft;
                            int dst = (i * kw + j) * c;
                            if (iy < 0 || iy >= h || ix < 0 || ix >= wd) {
                                Arrays.fill(patch, dst, dst + c, 0f);
                            } else {
                                System.arraycopy(in, ((b * h + iy) * wd + ix) * c, patch, dst, c);
                            }
                        }
                    }
                    int base = ((b * oh + y) * ow + x) * oc;
                    if (depthwise) {
                        for (int f = 0; f < oc; f++) {
                            float acc = 0f;
                            int ch = f / multiplier;
                            for (int t = 0; t < kh * kw; t++) {
                                acc += patch[t * c + ch] * w[t * oc + f];
                            }
                            out[base + f] = acc + (bias != null ? bias[f] : 0f);
                        }
                    } else {
                        filterRows(patch, w, k, oc, bias, out, base);
                    }
                }
            }
        }
        return out;
    }

    /**
     * {@code out[base + f] = bias[f] + sum_i patch[i] * w[f*k + i]} for every filter f, four
     * filters at a time so that each patch value is loaded once per four products.
     */
    private static void filterRows(float[] patch, float[] w, int k, int filters, float[] bias, float[] out, int base) {
        int f = 0;
        for (; f + 3 < filters; f += 4) {
            float s0 = 0f, s1 = 0f, s2 = 0f, s3 = 0f;
            int w0 = f * k, w1 = w0 + k, w2 = w1 + k, w3 = w2 + k;
            for (int i = 0; i < k; i++) {
                float p = patch[i];
                s0 += p * w[w0 + i];
                s1 += p * w[w1 + i];
                s2 += p * w[w2 + i];
                s3 += p * w[w3 + i];
            }
            out[base + f] = s0 + (bias != null ? bias[f] : 0f);
            out[base + f + 1] = s1 + (bias != null ? bias[f + 1] : 0f);
            out[base + f + 2] = s2 + (bias != null ? bias[f + 2] : 0f);
            out[base + f + 3] = s3 + (bias != null ? bias[f + 3] : 0f);
        }
        for (; f < filters; f++) {
            out[base + f] = dotRows(patch, 0, w, f * k, k) + (bias != null ? bias[f] : 0f);
        }
    }

    /** {@code sum_i a[aOffset+i] * w[wOffset+i]} over {@code n} values, in four interleaved partial sums. */
    private static float dotRows(float[] a, int aOffset, float[] w, int wOffset, int n) {
        float s0 = 0f, s1 = 0f, s2 = 0f, s3 = 0f;
        int i = 0;
        for (; i + 3 < n; i += 4) {
            s0 += a[aOffset + i] * w[wOffset + i];
            s1 += a[aOffset + i + 1] * w[wOffset + i + 1];
            s2 += a[aOffset + i + 2] * w[wOffset + i + 2];
            s3 += a[aOffset + i + 3] * w[wOffset + i + 3];
        }
        for (; i < n; i++) {
            s0 += a[aOffset + i] * w[wOffset + i];
        }
        return (s0 + s1) + (s2 + s3);
    }

    private float[] pool(Operator op, float[] in, int[] s, int[] os) {
        OpOptions o = op.options();
        boolean max = op.type() == OpType.MAX_POOL_2D;
        int h = s[1], wd = s[2], c = s[3];
        int padTop = o.padding().padBefore(h, o.filterH(), o.strideH());
        int padLeft = o.padding().padBefore(wd, o.filterW(), o.strideW());
        float[] out = new float[s[0] * os[1] * os[2] * c];
        for (int b = 0; b < s[0]; b++) {
            for (int y = 0; y < os[1]; y++) {
                for (int x = 0; x < os[2]; x++) {
                    for (int ch = 0; ch < c; ch++) {
                        float acc = max ? Float.NEGATIVE_INFINITY : 0f;
                        int count = 0;
                        // Only the window cells inside the input: a window far larger than the
                        // input (legal in a file) must not cost its full area per output cell.
                        int y0 = y * o.strideH() - padTop;
                        int x0 = x * o.strideW() - padLeft;
                        for (int iy = Math.max(y0, 0); iy < Math.min(y0 + o.filterH(), h); iy++) {
                            for (int ix = Math.max(x0, 0); ix < Math.min(x0 + o.filterW(), wd); ix++) {
                                float v = in[((b * h + iy) * wd + ix) * c + ch];
                                acc = max ? Math.max(acc, v) : acc + v;
                                count++;
                            }
                        }
                        out[((b * os[1] + y) * os[2] + x) * c + ch] = max ? acc : count == 0 ? 0f : acc / count;
                    }
                }
            }
        }
        return out;
    }

    /** The reshape target with dimension 0 = the run's batch and one -1 resolved. */
    static int[] reshaped(int[] s, int[] target, int size) {
        int batch = s[0];
        int perSample = size / batch;
        int[] r = target.clone();
        r[0] = batch;
        int unknown = -1;
        long known = 1;
        for (int d = 1; d < r.length; d++) {
            if (r[d] == -1) {
                unknown = d;
            } else {
                known *= r[d];
            }
        }
        if (r.length == 1) {
            if (perSample != 1) {
                throw new IllegalArgumentException("RESHAPE to " + Arrays.toString(target) + ": input " + Arrays.toString(s)
                        + " has " + perSample + " values per sample");
            }
            return r;
        }
        if (unknown >= 0) {
            if (known == 0 || perSample % known != 0) {
                throw new IllegalArgumentException("RESHAPE to " + Arrays.toString(target) + ": cannot infer -1 from input "
                        + Arrays.toString(s));
            }
            r[unknown] = (int) (perSample / known);
        } else if (known != perSample) {
            throw new IllegalArgumentException("RESHAPE to " + Arrays.toString(target) + ": input " + Arrays.toString(s)
                    + " has " + perSample + " values per sample, target " + known);
        }
        return r;
    }

    private static float[] softmax(float[] in, int depth, float beta) {
        float[] out = new float[in.length];
        for (int row = 0; row < in.length; row += depth) {
            float max = Float.NEGATIVE_INFINITY;
            for (int i = 0; i < depth; i++) {
                max = Math.max(max, in[row + i]);
            }
            double sum = 0;
            for (int i = 0; i < depth; i++) {
                double e = Math.exp((in[row + i] - max) * (double) beta);
                out[row + i] = (float) e;
                sum += e;
            }
            for (int i = 0; i < depth; i++) {
                out[row + i] = (float) (out[row + i] / sum);
            }
        }
        return out;
    }

    private static int[] mean(float[] in, int[] s, int[] axes, boolean keepDims, float[][] result) {
        boolean[] reduce = new boolean[s.length];
        for (int a : axes) {
            int axis = a < 0 ? a + s.length : a;
            if (axis <= 0 || axis >= s.length) {
                throw new IllegalArgumentException("MEAN: axis " + a + " is not a non-batch axis of " + Arrays.toString(s));
            }
            reduce[axis] = true;
        }
        int[] kept = new int[s.length];
        long count = 1;
        for (int d = 0; d < s.length; d++) {
            kept[d] = reduce[d] ? 1 : s[d];
            if (reduce[d]) {
                count *= s[d];
            }
        }
        int outSize = 1;
        for (int d : kept) {
            outSize *= d;
        }
        double[] sums = new double[outSize];
        int[] idx = new int[s.length];
        for (int i = 0; i < in.length; i++) {
            int o = 0;
            for (int d = 0; d < s.length; d++) {
                o = o * kept[d] + (reduce[d] ? 0 : idx[d]);
            }
            sums[o] += in[i];
            for (int d = s.length - 1; d >= 0 && ++idx[d] == s[d]; d--) {
                idx[d] = 0;
            }
        }
        result[0] = new float[outSize];
        for (int i = 0; i < outSize; i++) {
            result[0][i] = (float) (sums[i] / count);
        }
        if (keepDims) {
            return kept;
        }
        return Arrays.stream(range(s.length)).filter(d -> !reduce[d]).map(d -> s[d]).toArray();
    }

    private static int[] range(int n) {
        int[] r = new int[n];
        for (int i = 0; i < n; i++) {
            r[i] = i;
        }
        return r;
    }

    private static float[] broadcast(OpType type, float[] a, int[] as, float[] b, int[] bs, int[][] outShape) {
        int rank = Math.max(as.length, bs.length);
        int[] os = new int[rank];
        int[] ap = padLeft(as, rank);
        int[] bp = padLeft(bs, rank);
        for (int d = 0; d < rank; d++) {
            if (ap[d] != bp[d] && ap[d] != 1 && bp[d] != 1) {
                throw new IllegalArgumentException(type + ": shapes " + Arrays.toString(as) + " and " + Arrays.toString(bs)
                        + " do not broadcast");
            }
            os[d] = Math.max(ap[d], bp[d]);
        }
        long size = 1;
        for (int d : os) {
            size *= d;
        }
        if (size > MAX_ELEMENTS) {
            throw new IllegalArgumentException(type + ": broadcasting " + Arrays.toString(as) + " with "
                    + Arrays.toString(bs) + " gives " + size + " elements, more than " + MAX_ELEMENTS);
        }
        int n = (int) size;
        float[] out = new float[n];
        int[] idx = new int[rank];
        for (int i = 0; i < n; i++) {
            int ia = 0;
            int ib = 0;
            for (int d = 0; d < rank; d++) {
                ia = ia * ap[d] + (ap[d] == 1 ? 0 : idx[d]);
                ib = ib * bp[d] + (bp[d] == 1 ? 0 : idx[d]);
            }
            out[i] = type == OpType.ADD ? a[ia] + b[ib] : a[ia] * b[ib];
            for (int d = rank - 1; d >= 0 && ++idx[d] == os[d]; d--) {
                idx[d] = 0;
            }
        }
        outShape[0] = os;
        return out;
    }

    private static int[] padLeft(int[] s, int rank) {
        int[] r = new int[rank];
        Arrays.fill(r, 1);
        System.arraycopy(s, 0, r, rank - s.length, s.length);
        return r;
    }
}
