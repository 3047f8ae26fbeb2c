package dev.sparse24.ops;

import dev.sparse24.graph.DType;
import dev.sparse24.graph.FusedActivation;
import dev.sparse24.graph.Graph;
import dev.sparse24.graph.GraphTensor;
import dev.sparse24.graph.OpOptions;
import dev.sparse24.graph.OpType;
import dev.sparse24.graph.Operator;
import dev.sparse24.graph.ShapeInference;
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
 * <p>Pooling, depthwise convolution, softmax, mean and the element-wise ops are this package's
 * one implementation of each ({@link Pooling}, {@link DepthwiseConvolution}, {@link Softmax},
 * {@link Mean}, {@link Elementwise}), which the CPU runtime runs too; CONV_2D and
 * FULLY_CONNECTED are straight loops here, independent of the native kernels they check.
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
                boolean depthwise = op.type() == OpType.DEPTHWISE_CONV_2D;
                int channelsOut = depthwise ? ws[3] : ws[0];
                if (!depthwise && ws[3] != s[3] || depthwise && channelsOut % s[3] != 0) {
                    throw new IllegalArgumentException(op.type() + ": filter " + Arrays.toString(ws)
                            + " does not fit input " + Arrays.toString(s));
                }
                ConvGeometry g = ConvGeometry.of(o, s, ws[1], ws[2], channelsOut);
                outShape = new int[]{s[0], g.oh(), g.ow(), channelsOut};
                out = new float[checkedSize(op, outShape)];
                float[] bias = op.input(2) >= 0 ? constants[op.input(2)] : null;
                if (depthwise) {
                    DepthwiseConvolution.run(g, constants[op.input(1)], bias, FusedActivation.NONE, in, 0, out, 0, s[0]);
                } else {
                    convolve(g, in, constants[op.input(1)], bias, out, s[0]);
                }
            }
            case AVERAGE_POOL_2D, MAX_POOL_2D -> {
                requireRank(op, s, 4);
                PoolGeometry g = PoolGeometry.of(o, s);
                outShape = new int[]{s[0], g.oh(), g.ow(), s[3]};
                out = new float[checkedSize(op, outShape)];
                Pooling.pool(op.type() == OpType.MAX_POOL_2D, g, FusedActivation.NONE, in, 0, out, 0, s[0]);
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
                out = new float[in.length];
                Softmax.rows(in, out, 0, in.length, s[s.length - 1], o.beta(), FusedActivation.NONE);
            }
            case MEAN -> {
                boolean[] reduce = ShapeInference.reducedAxes(s, graph.tensor(op.input(1)).intValues());
                int[] kept = s.clone();
                for (int d = 0; d < s.length; d++) {
                    kept[d] = reduce[d] ? 1 : s[d];
                }
                out = new float[checkedSize(op, kept)];
                Mean.run(s, reduce, FusedActivation.NONE, in, out, s[0]);
                outShape = o.keepDims() ? kept
                        : java.util.stream.IntStream.range(0, s.length).filter(d -> !reduce[d]).map(d -> s[d]).toArray();
            }
            case ADD, MUL -> {
                int y = op.input(1);
                int[] ys = shape(y, shapes);
                outShape = ShapeInference.broadcastShape(s, ys);
                out = new float[checkedSize(op, outShape)];
                Elementwise.broadcast(op.type() == OpType.MUL, FusedActivation.NONE, in, s, value(y, values), ys,
                        out, outShape);
            }
            case RELU, RELU6, LOGISTIC, TANH -> {
                outShape = s;
                out = new float[in.length];
                Elementwise.unary(op.type(), FusedActivation.NONE, in, out, in.length);
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

    /** Elements of {@code shape}, refused past {@link #MAX_ELEMENTS}: a hostile graph cannot exhaust memory. */
    private static int checkedSize(Operator op, int[] shape) {
        long size = 1;
        for (int d : shape) {
            size *= d;
        }
        if (size > MAX_ELEMENTS) {
            throw new IllegalArgumentException(op.type() + ": output " + Arrays.toString(shape) + " has " + size
                    + " elements, more than " + MAX_ELEMENTS);
        }
        return (int) size;
    }

    /** CONV_2D: in [B,H,W,C], filter [O,KH,KW,C], out [B,OH,OW,O]. */
    private static void convolve(ConvGeometry g, float[] in, float[] w, float[] bias, float[] out, int images) {
        int c = g.c();
        int oc = g.oc();
        // One receptive field [KH, KW, C] at a time (zeros where it hangs over the edge): the
        // filter rows [O, KH*KW*C] are then plain dot products with it.
        int k = g.kh() * g.kw() * c;
        float[] patch = new float[k];
        for (int b = 0; b < images; b++) {
            for (int y = 0; y < g.oh(); y++) {
                for (int x = 0; x < g.ow(); x++) {
                    for (int i = 0; i < g.kh(); i++) {
                        int iy = y * g.sh() + i * g.dh() - g.padTop();
                        for (int j = 0; j < g.kw(); j++) {
                            int ix = x * g.sw() + j * g.dw() - g.padLeft();
                            int dst = (i * g.kw() + j) * c;
                            if (iy < 0 || iy >= g.h() || ix < 0 || ix >= g.w()) {
                                Arrays.fill(patch, dst, dst + c, 0f);
                            } else {
                                System.arraycopy(in, ((b * g.h() + iy) * g.w() + ix) * c, patch, dst, c);
                            }
                        }
                    }
                    filterRows(patch, w, k, oc, bias, out, ((b * g.oh() + y) * g.ow() + x) * oc);
                }
            }
        }
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
}
