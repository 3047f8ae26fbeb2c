package dev.sparse24.format.onnx;

import dev.sparse24.format.onnx.OnnxProto.AttributeProto;
import dev.sparse24.format.onnx.OnnxProto.GraphProto;
import dev.sparse24.format.onnx.OnnxProto.NodeProto;
import dev.sparse24.format.onnx.OnnxProto.TensorProto;
import dev.sparse24.format.onnx.OnnxProto.ValueInfoProto;
import dev.sparse24.graph.DType;
import dev.sparse24.graph.FusedActivation;
import dev.sparse24.graph.Graph;
import dev.sparse24.graph.GraphTensor;
import dev.sparse24.graph.OpOptions;
import dev.sparse24.graph.OpType;
import dev.sparse24.graph.Operator;
import dev.sparse24.graph.Padding;
import dev.sparse24.graph.ShapeInference;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Translates one {@link Graph} into an ONNX {@link GraphProto}, operator by operator.
 *
 * <p><b>Layout.</b> Our graphs are NHWC (TFLite's); ONNX's Conv, MaxPool and AveragePool are
 * defined on NCHW only. The export keeps the model's interface NHWC (same input and output
 * shapes as the .s24/.tflite, so callers feed the same arrays) and runs NCHW inside: a
 * Transpose where an NHWC value first meets a conv or pool, and one back where an NCHW value
 * meets an op whose semantics are tied to the NHWC order (FULLY_CONNECTED and RESHAPE flatten
 * it; the graph outputs). Layout-neutral ops (activations, softmax on the channel axis, ADD/MUL,
 * MEAN with remapped axes) stay in whichever layout their input has, so a conv-pool-conv chain
 * has no transpose inside. Why NCHW rather than NHWC with a Transpose pair around each conv: the
 * pairs would be what ONNX Runtime's transpose optimizer cancels anyway, and its CPU provider
 * rewrites NCHW Conv/Pool chains into its blocked NCHWc kernels (MLAS, AVX2/AVX-512) - its
 * fastest fp32 convolution path - while an NHWC graph can only reach them after that rewrite.
 *
 * <p><b>2:4 weights.</b> Flattening transposes the activation back to NHWC instead of permuting
 * the dense weight's columns into NCHW order: the permutation would scatter each group of four
 * input columns, and the weight would no longer be 2:4 along its input dimension (the pattern
 * TensorRT's {@code --sparsity=enable} looks for). Conv filters are reordered to OIHW, which
 * keeps each group of four input channels together (2:4 along C, as TensorRT wants it).
 *
 * <p>Not thread-safe; one instance per export.
 */
final class OnnxGraphBuilder {
    private static final int[] TO_NCHW = {0, 3, 1, 2};
    private static final int[] TO_NHWC = {0, 2, 3, 1};

    private final Graph graph;
    private final ShapeInference shapes;
    private final GraphProto.Builder out = GraphProto.newBuilder();
    private final Set<String> used = new HashSet<>();
    private final String[] base;      // the ONNX name of each tensor in its own (NHWC) layout
    private final String[] natural;   // the value in the graph's layout, once produced
    private final String[] nchw;      // the value transposed to NCHW, once produced
    private final Map<String, String> initializers = new HashMap<>();
    private int opIndex;

    private OnnxGraphBuilder(Graph graph, ShapeInference shapes) {
        this.graph = graph;
        this.shapes = shapes;
        int n = graph.tensors().size();
        base = new String[n];
        natural = new String[n];
        nchw = new String[n];
        for (int i = 0; i < n; i++) {
            String name = graph.tensor(i).name();
            base[i] = fresh(name.isEmpty() ? "t" + i : name);
        }
    }

    /**
     * The ONNX graph of {@code graph}.
     *
     * @throws OnnxExportException when an operator cannot be expressed (the message names it)
     */
    static GraphProto build(Graph graph, String name) throws OnnxExportException {
        ShapeInference shapes;
        try {
            shapes = ShapeInference.of(graph);
        } catch (IllegalArgumentException e) {
            throw new OnnxExportException("cannot export to ONNX: " + e.getMessage(), e);
        }
        OnnxGraphBuilder b = new OnnxGraphBuilder(graph, shapes);
        b.out.setName(name);
        b.run();
        return b.out.build();
    }

    private void run() throws OnnxExportException {
        for (int in : graph.inputs()) {
            DType type = graph.tensor(in).dtype();
            if (type == DType.FLOAT32) {
                natural[in] = base[in];
                out.addInput(ValueInfoProto.newBuilder().setName(base[in])
                        .setType(OnnxTensors.batchedFloatType(shapes.shape(in))));
            } else {
                // A uint8/int8 input (raw pixels) keeps its type, cast to float as the graph says.
                int elem = type == DType.UINT8 ? TensorProto.DataType.UINT8_VALUE : TensorProto.DataType.INT8_VALUE;
                out.addInput(ValueInfoProto.newBuilder().setName(base[in])
                        .setType(OnnxTensors.batchedType(shapes.shape(in), elem)));
                String cast = fresh(base[in] + "_float");
                node("Cast", List.of(base[in]), cast, List.of(intAttr("to", TensorProto.DataType.FLOAT_VALUE)));
                natural[in] = cast;
            }
        }
        List<Operator> ops = graph.operators();
        for (opIndex = 0; opIndex < ops.size(); opIndex++) {
            Operator op = ops.get(opIndex);
            int[] s = shapes.shape(op.output(0));
            for (int d : s) {
                if (d == 0) {
                    throw unsupported(op, "its output " + Arrays.toString(s) + " has a dimension of 0 (a VALID window"
                            + " larger than its input), which ONNX cannot hold");
                }
            }
            if (op.outputs().length != 1) {
                throw unsupported(op, "it has " + op.outputs().length + " outputs; the exported ops have one");
            }
            translate(op);
        }
        Set<String> outputs = new HashSet<>();
        for (int t : graph.outputs()) {
            String v = natural(t);
            boolean isInput = Arrays.stream(graph.inputs()).anyMatch(i -> i == t);
            if (isInput || !outputs.add(v)) {
                // ONNX wants each graph output produced by a node under its own name.
                String copy = fresh(base[t] + "_out");
                node("Identity", List.of(v), copy, List.of());
                v = copy;
                outputs.add(v);
            }
            out.addOutput(ValueInfoProto.newBuilder().setName(v)
                    .setType(OnnxTensors.batchedFloatType(shapes.shape(t))));
        }
    }

    private void translate(Operator op) throws OnnxExportException {
        OpOptions o = op.options();
        int x = op.input(0);
        int y = op.output(0);
        switch (op.type()) {
            case CONV_2D, DEPTHWISE_CONV_2D -> conv(op);
            case MAX_POOL_2D, AVERAGE_POOL_2D -> {
                int[] s = shapes.shape(x);
                List<AttributeProto> attrs = new ArrayList<>(List.of(
                        ints("kernel_shape", o.filterH(), o.filterW()),
                        ints("strides", o.strideH(), o.strideW()),
                        ints("pads", pads(o.padding(), s, o.filterH(), o.filterW(), o.strideH(), o.strideW()))));
                if (op.type() == OpType.AVERAGE_POOL_2D) {
                    // TFLite averages over the cells inside the input only.
                    attrs.add(intAttr("count_include_pad", 0));
                }
                String target = target(y, true, o.activation());
                node(op.type() == OpType.MAX_POOL_2D ? "MaxPool" : "AveragePool", List.of(nchw(x)), target, attrs);
                activate(y, target, true, o.activation());
            }
            case FULLY_CONNECTED -> {
                String in = natural(x);
                if (shapes.shape(x).length != 2) {
                    String flat = fresh(base[x] + "_flat");
                    node("Flatten", List.of(in), flat, List.of(intAttr("axis", 1)));
                    in = flat;
                }
                GraphTensor w = graph.tensor(op.input(1));
                List<String> inputs = new ArrayList<>(List.of(in,
                        initializer(op.input(1), "", w.shape(), w.floatValues())));
                if (op.input(2) >= 0) {
                    inputs.add(constant(op.input(2)));
                }
                String target = target(y, false, o.activation());
                node("Gemm", inputs, target, List.of(intAttr("transB", 1)));
                activate(y, target, false, o.activation());
            }
            case RESHAPE -> {
                int[] s = shapes.shape(y);
                long[] shape = OnnxTensors.longs(s);
                shape[0] = 0;   // 0 copies the input's dimension: the batch
                String shapeName = cached("shape" + Arrays.toString(shape), () -> fresh("shape"),
                        n -> OnnxTensors.int64s(n, new long[]{shape.length}, shape));
                String target = target(y, false, o.activation());
                node("Reshape", List.of(natural(x), shapeName), target, List.of());
                activate(y, target, false, o.activation());
            }
            case SOFTMAX -> {
                boolean inNchw = preferNchw(x);
                String in = inNchw ? nchw(x) : natural(x);
                if (o.beta() != 1f) {
                    String scaled = fresh(base[y] + "_scaled");
                    node("Mul", List.of(in, scalar(o.beta())), scaled, List.of());
                    in = scaled;
                }
                // The last axis of NHWC is axis 1 of NCHW.
                int axis = inNchw ? 1 : shapes.shape(x).length - 1;
                String target = target(y, inNchw, o.activation());
                node("Softmax", List.of(in), target, List.of(intAttr("axis", axis)));
                activate(y, target, inNchw, o.activation());
            }
            case MEAN -> mean(op);
            case ADD, MUL -> binary(op);
            case RELU, RELU6, LOGISTIC, TANH -> {
                boolean inNchw = preferNchw(x);
                String in = inNchw ? nchw(x) : natural(x);
                FusedActivation a = switch (op.type()) {
                    case RELU -> FusedActivation.RELU;
                    case RELU6 -> FusedActivation.RELU6;
                    case TANH -> FusedActivation.TANH;
                    default -> null;
                };
                String target = target(y, inNchw, o.activation());
                if (a != null) {
                    activation(a, in, target);
                } else {
                    node("Sigmoid", List.of(in), target, List.of());
                }
                activate(y, target, inNchw, o.activation());
            }
            default -> throw unsupported(op, "ONNX export does not know this op");
        }
    }

    private void conv(Operator op) throws OnnxExportException {
        OpOptions o = op.options();
        int x = op.input(0);
        int y = op.output(0);
        int[] s = shapes.shape(x);
        GraphTensor wt = graph.tensor(op.input(1));
        int[] ws = wt.shape();
        boolean depthwise = op.type() == OpType.DEPTHWISE_CONV_2D;
        String w;
        int group;
        if (depthwise) {
            w = initializer(op.input(1), "oihw", new int[]{ws[3], 1, ws[1], ws[2]},
                    OnnxTensors.depthwiseToOihw(wt.floatValues(), ws[1], ws[2], ws[3]));
            group = s[3];
        } else {
            w = initializer(op.input(1), "oihw", new int[]{ws[0], ws[3], ws[1], ws[2]},
                    OnnxTensors.filterToOihw(wt.floatValues(), ws[0], ws[1], ws[2], ws[3]));
            group = 1;
        }
        List<String> inputs = new ArrayList<>(List.of(nchw(x), w));
        if (op.input(2) >= 0) {
            inputs.add(constant(op.input(2)));
        }
        int effH = (ws[1] - 1) * o.dilationH() + 1;
        int effW = (ws[2] - 1) * o.dilationW() + 1;
        List<AttributeProto> attrs = List.of(
                ints("kernel_shape", ws[1], ws[2]),
                ints("strides", o.strideH(), o.strideW()),
                ints("dilations", o.dilationH(), o.dilationW()),
                ints("pads", pads(o.padding(), s, effH, effW, o.strideH(), o.strideW())),
                intAttr("group", group));
        String target = target(y, true, o.activation());
        node("Conv", inputs, target, attrs);
        activate(y, target, true, o.activation());
    }

    /**
     * MEAN. On an NCHW value the axes are remapped and the transpose is saved when the result's
     * dimension order is the NHWC one anyway (the usual global average pool over H and W).
     */
    private void mean(Operator op) {
        OpOptions o = op.options();
        int x = op.input(0);
        int y = op.output(0);
        int[] s = shapes.shape(x);
        boolean[] reduce = ShapeInference.reducedAxes(s, graph.tensor(op.input(1)).intValues());
        boolean inNchw = s.length == 4 && natural[x] == null && nchw[x] != null;
        if (inNchw && !o.keepDims()) {
            // Kept NHWC axes, in NCHW order: the result is in NHWC order when they stay sorted.
            int last = -1;
            for (int axis : TO_NCHW) {
                if (!reduce[axis]) {
                    if (axis < last) {
                        inNchw = false;
                        break;
                    }
                    last = axis;
                }
            }
        }
        List<Long> axes = new ArrayList<>();
        for (int j = 0; j < s.length; j++) {
            int axis = inNchw ? TO_NCHW[j] : j;
            if (reduce[axis]) {
                axes.add((long) j);
            }
        }
        boolean outNchw = inNchw && o.keepDims();
        String target = target(y, outNchw, o.activation());
        node("ReduceMean", List.of(inNchw ? nchw(x) : natural(x)), target, List.of(
                AttributeProto.newBuilder().setName("axes").setType(AttributeProto.AttributeType.INTS)
                        .addAllInts(axes).build(),
                intAttr("keepdims", o.keepDims() ? 1 : 0)));
        activate(y, target, outNchw, o.activation());
    }

    /** ADD / MUL (numpy broadcasting in both). A constant operand is permuted when the op runs NCHW. */
    private void binary(Operator op) {
        int y = op.output(0);
        int[] os = shapes.shape(y);
        boolean inNchw = false;
        if (os.length == 4) {
            for (int t : new int[]{op.input(0), op.input(1)}) {
                inNchw |= !graph.tensor(t).isConstant() && natural[t] == null && nchw[t] != null;
            }
        }
        List<String> inputs = new ArrayList<>();
        for (int t : new int[]{op.input(0), op.input(1)}) {
            GraphTensor g = graph.tensor(t);
            if (!g.isConstant()) {
                inputs.add(inNchw ? nchw(t) : natural(t));
            } else if (!inNchw) {
                inputs.add(constant(t));
            } else {
                int[] p = ShapeInference.padLeft(g.shape(), 4);
                inputs.add(initializer(t, "nchw", new int[]{p[0], p[3], p[1], p[2]},
                        OnnxTensors.nhwcToNchw(g.floatValues(), p[0], p[1], p[2], p[3])));
            }
        }
        String target = target(y, inNchw, op.options().activation());
        node(op.type() == OpType.ADD ? "Add" : "Mul", inputs, target, List.of());
        activate(y, target, inNchw, op.options().activation());
    }

    /** ONNX pads {@code [top, left, bottom, right]}: TensorFlow's SAME puts the odd cell after. */
    private static int[] pads(Padding padding, int[] nhwc, int windowH, int windowW, int strideH, int strideW) {
        int[] r = new int[4];
        int[][] axes = {{nhwc[1], windowH, strideH}, {nhwc[2], windowW, strideW}};
        for (int a = 0; a < 2; a++) {
            int in = axes[a][0], k = axes[a][1], st = axes[a][2];
            if (padding == Padding.SAME) {
                int outSize = padding.outputSize(in, k, st);
                int total = Math.max((outSize - 1) * st + k - in, 0);
                r[a] = padding.padBefore(in, k, st);
                r[a + 2] = total - r[a];
            }
        }
        return r;
    }

    /** Whether a layout-neutral op on {@code t} should run NCHW: its value exists only that way. */
    private boolean preferNchw(int t) {
        return nchw[t] != null && natural[t] == null;
    }

    /** The name an op producing {@code t} writes; a temporary one when an activation follows. */
    private String target(int t, boolean inNchw, FusedActivation a) {
        String name = inNchw ? fresh(base[t] + "_nchw") : base[t];
        if (inNchw) {
            nchw[t] = name;
        } else {
            natural[t] = name;
        }
        return a == FusedActivation.NONE ? name : fresh(base[t] + "_preact");
    }

    /** Applies a fused activation from {@code target}'s temporary value into {@code t}'s name. */
    private void activate(int t, String target, boolean inNchw, FusedActivation a) {
        if (a != FusedActivation.NONE) {
            activation(a, target, inNchw ? nchw[t] : natural[t]);
        }
    }

    private void activation(FusedActivation a, String in, String outName) {
        switch (a) {
            case RELU -> node("Relu", List.of(in), outName, List.of());
            case RELU6 -> node("Clip", List.of(in, scalar(0f), scalar(6f)), outName, List.of());
            case RELU_N1_TO_1 -> node("Clip", List.of(in, scalar(-1f), scalar(1f)), outName, List.of());
            case TANH -> node("Tanh", List.of(in), outName, List.of());
            default -> throw new IllegalStateException("no ONNX node for activation " + a);
        }
    }

    /** {@code t} in the graph's (NHWC) layout, transposing it back from NCHW the first time it is needed. */
    private String natural(int t) {
        if (graph.tensor(t).isConstant()) {
            return constant(t);
        }
        if (natural[t] == null) {
            natural[t] = base[t];
            node("Transpose", List.of(nchw[t]), base[t], List.of(ints("perm", TO_NHWC)));
        }
        return natural[t];
    }

    /** {@code t} (rank 4) in NCHW, transposing it the first time it is needed. */
    private String nchw(int t) {
        if (nchw[t] == null) {
            String name = fresh(base[t] + "_nchw");
            node("Transpose", List.of(natural[t]), name, List.of(ints("perm", TO_NCHW)));
            nchw[t] = name;
        }
        return nchw[t];
    }

    /** A constant operand as it is stored (float32 values, or int32 ones widened to int64). */
    private String constant(int t) {
        GraphTensor g = graph.tensor(t);
        if (g.dtype() == DType.FLOAT32) {
            return initializer(t, "", g.shape(), g.floatValues());
        }
        int[] v = g.intValues();
        long[] wide = new long[v.length];
        for (int i = 0; i < v.length; i++) {
            wide[i] = v[i];
        }
        return cached("tensor" + t, () -> base[t], n -> OnnxTensors.int64s(n, OnnxTensors.longs(g.shape()), wide));
    }

    /** A float initializer for tensor {@code t} in form {@code form} ("" as stored), written once. */
    private String initializer(int t, String form, int[] dims, float[] values) {
        // A tensor's own name is reserved for it (constructor); a re-laid-out copy gets its own.
        return cached("tensor" + t + "/" + form, () -> form.isEmpty() ? base[t] : fresh(base[t] + "_" + form),
                n -> OnnxTensors.floats(n, OnnxTensors.longs(dims), values));
    }

    private String scalar(float v) {
        return cached("scalar" + Float.floatToIntBits(v), () -> fresh("const_" + Float.toString(v).replace('-', 'm')),
                n -> OnnxTensors.floats(n, new long[0], new float[]{v}));
    }

    /**
     * The initializer under {@code key}, made (and named by {@code name}) the first time: a
     * weight used by two ops, or a shape or scalar used twice, is stored once.
     */
    private String cached(String key, Supplier<String> name, Function<String, TensorProto> make) {
        String existing = initializers.get(key);
        if (existing != null) {
            return existing;
        }
        String n = name.get();
        out.addInitializer(make.apply(n));
        initializers.put(key, n);
        return n;
    }

    private void node(String opType, List<String> inputs, String output, List<AttributeProto> attrs) {
        Operator op = opIndex < graph.operators().size() ? graph.operators().get(opIndex) : null;
        String prefix = op != null ? op.type().name().toLowerCase(Locale.ROOT) + "_" + opIndex : "output";
        out.addNode(NodeProto.newBuilder().setOpType(opType).setName(fresh(prefix + "/" + opType))
                .addAllInput(inputs).addOutput(output).addAllAttribute(attrs));
    }

    /** {@code want}, or {@code want_k} for the first k that makes it unique among all names. */
    private String fresh(String want) {
        String n = want;
        for (int k = 1; !used.add(n); k++) {
            n = want + "_" + k;
        }
        return n;
    }

    private OnnxExportException unsupported(Operator op, String why) {
        return new OnnxExportException("cannot export operator " + opIndex + " (" + op.type() + ") to ONNX: " + why);
    }

    private static AttributeProto intAttr(String name, long v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(v).build();
    }

    private static AttributeProto ints(String name, int... v) {
        AttributeProto.Builder b = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (int x : v) {
            b.addInts(x);
        }
        return b.build();
    }
}
