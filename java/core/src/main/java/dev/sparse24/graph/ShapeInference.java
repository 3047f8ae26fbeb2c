package dev.sparse24.graph;


import java.util.Arrays;

/**
 * The shape of every activation of a graph for a batch of one, inferred from the graph inputs
 * and the operators' semantics (those of {@code ops.ReferenceEvaluator}) rather
 * than taken from the file, whose activation shapes converters fill loosely. Dimension 0 of
 * every activation is the batch; a run with batch B scales it, nothing else. Shared by the
 * runtime's plan and {@code SparseModel}'s input/output description.
 */
public final class ShapeInference {
    private final int[][] shapes;

    private ShapeInference(int[][] shapes) {
        this.shapes = shapes;
    }

    /**
     * Infers the shapes of {@code graph}.
     *
     * @throws IllegalArgumentException when an op is unsupported, its operands do not fit, or an
     *                                  input is not float32 with a batch dimension
     */
    public static ShapeInference of(Graph graph) {
        int[][] s = new int[graph.tensors().size()][];
        for (int in : graph.inputs()) {
            GraphTensor t = graph.tensor(in);
            if (t.dtype() != DType.FLOAT32 && t.dtype() != DType.UINT8 && t.dtype() != DType.INT8) {
                throw new IllegalArgumentException("input " + t.name() + ": only FLOAT32, UINT8 and INT8 inputs are "
                        + "supported, given " + t.dtype());
            }
            int[] shape = t.shape();
            if (shape.length == 0) {
                throw new IllegalArgumentException("input " + t.name() + " has no batch dimension (rank 0)");
            }
            shape[0] = 1;
            for (int d = 1; d < shape.length; d++) {
                if (shape[d] <= 0) {
                    throw new IllegalArgumentException("input " + t.name() + ": dimension " + d + " of "
                            + Arrays.toString(t.shape()) + " is not fixed");
                }
            }
            s[in] = shape;
        }
        for (int k = 0; k < graph.operators().size(); k++) {
            Operator op = graph.operators().get(k);
            boolean binary = op.type() == OpType.ADD || op.type() == OpType.MUL;
            if (s[op.input(0)] == null && !(binary && op.input(1) >= 0 && s[op.input(1)] != null)) {
                throw new IllegalArgumentException("operator " + k + " (" + op.type() + "): its first input "
                        + graph.tensor(op.input(0)).name() + " is a constant; only activations are supported there");
            }
            try {
                s[op.output(0)] = infer(graph, op, s);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("operator " + k + " (" + op.type() + "): " + e.getMessage(), e);
            }
        }
        return new ShapeInference(s);
    }

    private static int[] infer(Graph g, Operator op, int[][] shapes) {
        int[] s = shapes[op.input(0)];
        OpOptions o = op.options();
        switch (op.type()) {
            case CONV_2D, DEPTHWISE_CONV_2D -> {
                requireRank(s, 4);
                int[] ws = constantShape(g, op.input(1), "filter");
                if (ws.length != 4) {
                    throw new IllegalArgumentException("filter " + Arrays.toString(ws) + " is not rank 4");
                }
                boolean depthwise = op.type() == OpType.DEPTHWISE_CONV_2D;
                int channelsOut = depthwise ? ws[3] : ws[0];
                if (!depthwise && ws[3] != s[3] || depthwise && (ws[0] != 1 || channelsOut % s[3] != 0)) {
                    throw new IllegalArgumentException("filter " + Arrays.toString(ws) + " does not fit input "
                            + Arrays.toString(s));
                }
                checkBias(g, op, channelsOut);
                int outH = o.padding().outputSize(s[1], (ws[1] - 1) * o.dilationH() + 1, o.strideH());
                int outW = o.padding().outputSize(s[2], (ws[2] - 1) * o.dilationW() + 1, o.strideW());
                return new int[]{s[0], outH, outW, channelsOut};
            }
            case AVERAGE_POOL_2D, MAX_POOL_2D -> {
                requireRank(s, 4);
                return new int[]{s[0], o.padding().outputSize(s[1], o.filterH(), o.strideH()),
                        o.padding().outputSize(s[2], o.filterW(), o.strideW()), s[3]};
            }
            case FULLY_CONNECTED -> {
                int[] ws = constantShape(g, op.input(1), "weights");
                if (ws.length != 2 || ws[1] != sampleSize(s)) {
                    throw new IllegalArgumentException("weights " + Arrays.toString(ws) + " expect "
                            + (ws.length == 2 ? ws[1] : "?") + " values per sample, input " + Arrays.toString(s)
                            + " has " + sampleSize(s));
                }
                checkBias(g, op, ws[0]);
                return new int[]{s[0], ws[0]};
            }
            case RESHAPE -> {
                int[] target = o.newShape();
                if (target == null && op.input(1) >= 0) {
                    target = g.tensor(op.input(1)).intValues();
                }
                if (target == null) {
                    throw new IllegalArgumentException("no target shape");
                }
                return reshaped(s, target);
            }
            case SOFTMAX, RELU, RELU6, LOGISTIC, TANH -> {
                return s.clone();
            }
            case MEAN -> {
                int[] axes = g.tensor(op.input(1)).intValues();
                if (axes == null) {
                    throw new IllegalArgumentException("axes must be an int32 constant");
                }
                boolean[] reduce = reducedAxes(s, axes);
                int[] kept = new int[s.length];
                int n = 0;
                for (int d = 0; d < s.length; d++) {
                    if (!reduce[d] || o.keepDims()) {
                        kept[n++] = reduce[d] ? 1 : s[d];
                    }
                }
                return Arrays.copyOf(kept, n);
            }
            case ADD, MUL -> {
                int x = op.input(0);
                int y = op.input(1);
                int[] a = operandShape(g, x, shapes);
                int[] b = operandShape(g, y, shapes);
                int[] out = broadcastShape(a, b);
                for (int t : new int[]{x, y}) {
                    if (shapes[t] != null && shapes[t].length != out.length) {
                        throw new IllegalArgumentException("activation operand " + g.tensor(t).name() + " of rank "
                                + shapes[t].length + " would be broadcast to rank " + out.length
                                + ", mixing the batch with another dimension");
                    }
                }
                if (out[0] != 1) {
                    throw new IllegalArgumentException("operands " + Arrays.toString(a) + " and " + Arrays.toString(b)
                            + " broadcast to " + Arrays.toString(out) + ", which has no batch dimension of 1");
                }
                return out;
            }
            default -> throw new IllegalArgumentException("unsupported op " + op.type());
        }
    }

    private static int[] operandShape(Graph g, int t, int[][] shapes) {
        if (shapes[t] != null) {
            return shapes[t];
        }
        if (!g.tensor(t).isConstant() || g.tensor(t).dtype() != DType.FLOAT32) {
            throw new IllegalArgumentException("operand " + g.tensor(t).name() + " must be an activation or a FLOAT32 constant");
        }
        return g.tensor(t).shape();
    }

    /** Which axes MEAN reduces; axis 0 (the batch) may not be one. */
    public static boolean[] reducedAxes(int[] s, int[] axes) {
        boolean[] reduce = new boolean[s.length];
        for (int a : axes) {
            int axis = a < 0 ? a + s.length : a;
            if (axis <= 0 || axis >= s.length) {
                throw new IllegalArgumentException("MEAN: axis " + a + " is not a non-batch axis of " + Arrays.toString(s));
            }
            reduce[axis] = true;
        }
        return reduce;
    }

    /** Numpy broadcasting of two shapes. */
    public static int[] broadcastShape(int[] a, int[] b) {
        int rank = Math.max(a.length, b.length);
        int[] ap = padLeft(a, rank);
        int[] bp = padLeft(b, rank);
        int[] out = new int[rank];
        for (int d = 0; d < rank; d++) {
            if (ap[d] != bp[d] && ap[d] != 1 && bp[d] != 1) {
                throw new IllegalArgumentException("shapes " + Arrays.toString(a) + " and " + Arrays.toString(b)
                        + " do not broadcast");
            }
            out[d] = Math.max(ap[d], bp[d]);
        }
        return out;
    }

    /** {@code s} with leading 1s up to {@code rank} dimensions (broadcasting's alignment). */
    public static int[] padLeft(int[] s, int rank) {
        int[] r = new int[rank];
        Arrays.fill(r, 1);
        System.arraycopy(s, 0, r, rank - s.length, s.length);
        return r;
    }

    private static int[] reshaped(int[] s, int[] target) {
        int perSample = sampleSize(s);
        int[] r = target.clone();
        if (r.length == 0) {
            throw new IllegalArgumentException("target shape is empty");
        }
        r[0] = 1;
        int unknown = -1;
        long known = 1;
        for (int d = 1; d < r.length; d++) {
            if (r[d] == -1 && unknown < 0) {
                unknown = d;
            } else if (r[d] <= 0) {
                throw new IllegalArgumentException("target " + Arrays.toString(target) + " has dimension " + r[d]);
            } else {
                known *= r[d];
            }
        }
        if (unknown >= 0) {
            if (perSample % known != 0) {
                throw new IllegalArgumentException("cannot infer -1 of " + Arrays.toString(target) + " from input "
                        + Arrays.toString(s));
            }
            r[unknown] = (int) (perSample / known);
        } else if (known != perSample) {
            throw new IllegalArgumentException("target " + Arrays.toString(target) + " needs " + known
                    + " values per sample, input " + Arrays.toString(s) + " has " + perSample);
        }
        return r;
    }

    private static void requireRank(int[] s, int rank) {
        if (s.length != rank) {
            throw new IllegalArgumentException("expected a rank-" + rank + " input, given " + Arrays.toString(s));
        }
    }

    private static int[] constantShape(Graph g, int t, String what) {
        if (t < 0 || !g.tensor(t).isConstant() || g.tensor(t).dtype() != DType.FLOAT32) {
            throw new IllegalArgumentException(what + " must be a FLOAT32 constant");
        }
        return g.tensor(t).shape();
    }

    private static void checkBias(Graph g, Operator op, int channels) {
        int b = op.input(2);
        if (b < 0) {
            return;
        }
        GraphTensor t = g.tensor(b);
        if (!t.isConstant() || t.dtype() != DType.FLOAT32 || t.floatValues().length != channels) {
            throw new IllegalArgumentException("bias " + t.name() + " must be a FLOAT32 constant of " + channels
                    + " values, given " + t);
        }
    }

    /** Values per batch item of a shape (product of the dimensions past the first). */
    static int sampleSize(int[] s) {
        int n = 1;
        for (int d = 1; d < s.length; d++) {
            n = Math.multiplyExact(n, s[d]);
        }
        return n;
    }

    /** The shape of tensor {@code t} for a batch of one (copy), or null for a constant or unused tensor. */
    public int[] shape(int t) {
        return shapes[t] == null ? null : shapes[t].clone();
    }

    /** Values per batch item of activation {@code t}. */
    public int sampleSize(int t) {
        return sampleSize(shapes[t]);
    }
}
