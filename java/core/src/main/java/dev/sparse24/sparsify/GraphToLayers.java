package dev.sparse24.sparsify;

import dev.sparse24.graph.FusedActivation;
import dev.sparse24.graph.Graph;
import dev.sparse24.graph.GraphTensor;
import dev.sparse24.graph.OpOptions;
import dev.sparse24.graph.OpType;
import dev.sparse24.graph.Operator;
import dev.sparse24.nn.Activation;
import dev.sparse24.nn.Conv2D;
import dev.sparse24.nn.Dense;
import dev.sparse24.nn.Flatten;
import dev.sparse24.nn.KernelLayer;
import dev.sparse24.nn.Layer;
import dev.sparse24.nn.MaxPooling2D;
import dev.sparse24.nn.ReLU;
import dev.sparse24.nn.Sequential;
import dev.sparse24.sparse.TfLiteLayout;
import dev.sparse24.tensor.Shape;
import dev.sparse24.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns an imported inference graph (a chain of ops, e.g. a converter-made .tflite or Sparse24's
 * own export) into a trainable {@link Sequential} of {@code nn} layers computing the same
 * function, with the graph's weights:
 * <ul>
 *   <li>CONV_2D (stride any, dilation 1, fused NONE/RELU) -> {@link Conv2D};</li>
 *   <li>DEPTHWISE_CONV_2D on a single input channel -> {@link Conv2D} with one input channel
 *       (the same function: each of the M outputs filters the one channel);</li>
 *   <li>FULLY_CONNECTED (fused NONE/RELU) -> {@link Dense}, after a {@link Flatten} when its
 *       input is not flat (TFLite flattens implicitly);</li>
 *   <li>MAX_POOL_2D -> {@link MaxPooling2D}; RELU -> {@link ReLU};</li>
 *   <li>RESHAPE to the current shape -> nothing, to a flat vector -> {@link Flatten} (NHWC row-major,
 *       as TFLite);</li>
 *   <li>SOFTMAX as the last op -> dropped: the model ends in logits, as the trainer's loss wants.</li>
 * </ul>
 * Any other op, option or topology (branches, a softmax before the end, RELU6, dilation, a
 * depthwise convolution over several channels) is refused with an
 * {@link UntrainableGraphException} naming the op, its index and what would be needed.
 */
public final class GraphToLayers {
    private final Graph graph;
    private final List<Layer> layers = new ArrayList<>();
    /** Weights to load after building, by layer: TFLite-oriented kernel and bias. */
    private final Map<Layer, float[][]> weights = new LinkedHashMap<>();
    private final List<String> notes = new ArrayList<>();
    private Shape current;

    private GraphToLayers(Graph graph) {
        this.graph = graph;
    }

    /** What {@link #convert} gives: the model and what was dropped or adapted on the way. */
    public record Converted(Sequential model, List<String> notes) {
    }

    /**
     * Converts {@code graph} into a built Sequential with its weights.
     *
     * @param graph      the imported graph: one input, one output, ops in order forming a chain
     * @param inputShape the per-sample shape of the training data, e.g. {@code [28, 28, 1]}; it
     *                   must hold as many values as the graph's input (a graph input of
     *                   {@code [784]} or {@code [28, 28]} takes MNIST's {@code [28, 28, 1]})
     * @param name       the model's name
     * @throws UntrainableGraphException naming the first op that cannot be trained
     */
    public static Converted convert(Graph graph, Shape inputShape, String name) throws UntrainableGraphException {
        return new GraphToLayers(graph).run(inputShape, name);
    }

    private Converted run(Shape inputShape, String name) throws UntrainableGraphException {
        if (graph.inputs().length != 1 || graph.outputs().length != 1) {
            throw new UntrainableGraphException("the graph has " + graph.inputs().length + " inputs and "
                    + graph.outputs().length + " outputs; only single-input, single-output chains can be trained");
        }
        long graphInput = perSampleSize(graph.tensor(graph.inputs()[0]).shape());
        if (graphInput != inputShape.size()) {
            throw new UntrainableGraphException("the graph's input " + Arrays.toString(graph.tensor(graph.inputs()[0])
                    .shape()) + " holds " + graphInput + " values per sample but the data's samples are " + inputShape
                    + " (" + inputShape.size() + " values)");
        }
        current = inputShape;
        int flowing = graph.inputs()[0];
        List<Operator> ops = graph.operators();
        for (int i = 0; i < ops.size(); i++) {
            Operator op = ops.get(i);
            if (op.inputs().length == 0 || op.input(0) != flowing || op.outputs().length != 1) {
                throw refuse(op, i, "it does not continue the chain from the previous op (branches and"
                        + " multi-input ops cannot be trained)");
            }
            boolean last = i == ops.size() - 1;
            switch (op.type()) {
                case CONV_2D -> conv(op, i);
                case DEPTHWISE_CONV_2D -> depthwise(op, i);
                case FULLY_CONNECTED -> dense(op, i);
                case MAX_POOL_2D -> maxPool(op, i);
                case RELU -> add(new ReLU());
                case RESHAPE -> reshape(op, i);
                case SOFTMAX -> {
                    if (!last) {
                        throw refuse(op, i, "a softmax before the last op cannot be trained");
                    }
                    notes.add("dropped the final SOFTMAX (op " + i + "): the model is trained on logits");
                }
                default -> throw refuse(op, i, "no trainable layer implements it yet");
            }
            flowing = op.output(0);
        }
        if (flowing != graph.outputs()[0]) {
            throw new UntrainableGraphException("the graph's output is not the last op's output");
        }
        Sequential model = new Sequential(name, layers.toArray(new Layer[0])).build(inputShape, 0);
        for (Map.Entry<Layer, float[][]> e : weights.entrySet()) {
            load((KernelLayer) e.getKey(), e.getValue()[0], e.getValue()[1]);
        }
        return new Converted(model, List.copyOf(notes));
    }

    private void conv(Operator op, int i) throws UntrainableGraphException {
        requireRank(op, i, 3);
        OpOptions o = op.options();
        if (o.dilationH() != 1 || o.dilationW() != 1) {
            throw refuse(op, i, "dilation " + o.dilationH() + "x" + o.dilationW() + " is not supported by Conv2D");
        }
        int[] w = constantShape(op, i, 1, 4);
        if (w[3] != current.dim(2)) {
            throw refuse(op, i, "its filter " + Arrays.toString(w) + " reads " + w[3] + " channels, the input has "
                    + current.dim(2));
        }
        Conv2D conv = new Conv2D(w[0], w[1], w[2], o.strideH(), o.strideW(), o.padding(), activation(op, i), true);
        addKernel(conv, op, i, w[0]);
    }

    private void depthwise(Operator op, int i) throws UntrainableGraphException {
        requireRank(op, i, 3);
        OpOptions o = op.options();
        if (current.dim(2) != 1) {
            throw refuse(op, i, "a depthwise convolution over " + current.dim(2) + " channels needs a DepthwiseConv2D"
                    + " layer, which nn does not have yet (only one input channel maps onto Conv2D)");
        }
        if (o.dilationH() != 1 || o.dilationW() != 1) {
            throw refuse(op, i, "dilation " + o.dilationH() + "x" + o.dilationW() + " is not supported by Conv2D");
        }
        int[] w = constantShape(op, i, 1, 4); // [1, kh, kw, M]
        int m = w[3];
        float[] dw = graph.tensor(op.input(1)).floatValues();
        // [1, kh, kw, M] -> [M, kh, kw, 1]: output channel m's filter over the single input channel.
        float[] filter = new float[dw.length];
        int taps = w[1] * w[2];
        for (int t = 0; t < taps; t++) {
            for (int c = 0; c < m; c++) {
                filter[c * taps + t] = dw[t * m + c];
            }
        }
        Conv2D conv = new Conv2D(m, w[1], w[2], o.strideH(), o.strideW(), o.padding(), activation(op, i), true);
        layers.add(conv);
        weights.put(conv, new float[][]{filter, bias(op, i, m)});
        notes.add("op " + i + " DEPTHWISE_CONV_2D over one input channel trained as a Conv2D");
        current = outputShape(op, i, conv);
    }

    private void dense(Operator op, int i) throws UntrainableGraphException {
        if (current.rank() != 1) {
            add(new Flatten());
        }
        int[] w = constantShape(op, i, 1, 2);
        if (w[1] != current.dim(0)) {
            throw refuse(op, i, "its weights " + Arrays.toString(w) + " read " + w[1] + " values, the input has "
                    + current.dim(0));
        }
        addKernel(new Dense(w[0], activation(op, i), true), op, i, w[0]);
    }

    private void maxPool(Operator op, int i) throws UntrainableGraphException {
        requireRank(op, i, 3);
        OpOptions o = op.options();
        if (o.activation() != FusedActivation.NONE) {
            throw refuse(op, i, "a fused " + o.activation() + " after pooling is not supported");
        }
        add(new MaxPooling2D(o.filterH(), o.filterW(), o.strideH(), o.strideW(), o.padding()));
    }

    private void reshape(Operator op, int i) throws UntrainableGraphException {
        int[] out = graph.tensor(op.output(0)).shape();
        int[] perSample = Arrays.copyOfRange(out, 1, out.length);
        long size = perSampleSize(out);
        if (size != current.size()) {
            throw refuse(op, i, "it reshapes " + current + " into " + Arrays.toString(out) + " of another size");
        }
        if (Arrays.equals(perSample, current.dims()) || perSample.length == 0) {
            return;
        }
        if (perSample.length == 1) {
            add(new Flatten());
            return;
        }
        throw refuse(op, i, "only a reshape to a flat vector (a flatten) can be trained, not " + current + " -> "
                + Arrays.toString(out));
    }

    private void addKernel(Layer layer, Operator op, int i, int out) throws UntrainableGraphException {
        layers.add(layer);
        weights.put(layer, new float[][]{graph.tensor(op.input(1)).floatValues(), bias(op, i, out)});
        current = outputShape(op, i, layer);
    }

    private void add(Layer layer) {
        layers.add(layer);
        current = layer.build(current, new java.util.Random(0));
        // Built here only to learn the shape; the Sequential builds it again with the others.
    }

    /** The layer's output shape, built on the current shape, checked against the graph's tensor. */
    private Shape outputShape(Operator op, int i, Layer layer) throws UntrainableGraphException {
        Shape s;
        try {
            s = layer.build(current, new java.util.Random(0));
        } catch (IllegalArgumentException e) {
            throw refuse(op, i, e.getMessage());
        }
        int[] g = graph.tensor(op.output(0)).shape();
        if (!Arrays.equals(Arrays.copyOfRange(g, 1, g.length), s.dims())) {
            throw refuse(op, i, "the layer gives " + s + " where the graph says " + Arrays.toString(g));
        }
        return s;
    }

    private float[] bias(Operator op, int i, int out) throws UntrainableGraphException {
        if (op.inputs().length < 3 || op.input(2) < 0) {
            return new float[out];
        }
        GraphTensor b = graph.tensor(op.input(2));
        float[] v = b.floatValues();
        if (!b.isConstant() || v == null || v.length != out) {
            throw refuse(op, i, "its bias is not a constant float vector of " + out);
        }
        return v;
    }

    private int[] constantShape(Operator op, int i, int input, int rank) throws UntrainableGraphException {
        if (op.inputs().length <= input || op.input(input) < 0) {
            throw refuse(op, i, "it has no weights input");
        }
        GraphTensor t = graph.tensor(op.input(input));
        if (!t.isConstant() || t.floatValues() == null || t.rank() != rank) {
            throw refuse(op, i, "its weights are not a constant float tensor of rank " + rank
                    + " (weights computed at run time cannot be trained)");
        }
        return t.shape();
    }

    private Activation activation(Operator op, int i) throws UntrainableGraphException {
        FusedActivation a = op.options().activation();
        return switch (a) {
            case NONE -> Activation.NONE;
            case RELU -> Activation.RELU;
            default -> throw refuse(op, i, "its fused " + a + " has no trainable activation (NONE and RELU have)");
        };
    }

    private void requireRank(Operator op, int i, int rank) throws UntrainableGraphException {
        if (current.rank() != rank) {
            throw refuse(op, i, "it expects a per-sample input of rank " + rank + ", given " + current);
        }
    }

    private static UntrainableGraphException refuse(Operator op, int i, String why) {
        return new UntrainableGraphException("op " + i + " (" + op.type() + ") cannot be trained: " + why);
    }

    /** Loads TFLite-oriented weights ({@code [out, kh, kw, in]} or {@code [out, in]}) and a bias into a built layer. */
    static void load(KernelLayer k, float[] tfliteKernel, float[] bias) {
        int[] ks = k.kernelSize();
        int out = k.outputChannels();
        Tensor tflite = k instanceof Conv2D
                ? Tensor.of(tfliteKernel, out, ks[0], ks[1], k.inputChannels())
                : Tensor.of(tfliteKernel, out, k.inputChannels());
        TfLiteLayout.toKeras(tflite, k.kernel().value());
        Layer l = k.asLayer();
        if (l instanceof Conv2D c && c.useBias()) {
            c.bias().value().copyFrom(bias);
        } else if (l instanceof Dense d && d.useBias()) {
            d.bias().value().copyFrom(bias);
        }
    }

    /** Values per sample of a graph shape whose first dimension is the batch. */
    private static long perSampleSize(int[] shape) {
        long n = 1;
        for (int i = 1; i < shape.length; i++) {
            n *= shape[i];
        }
        return n;
    }
}
