package dev.sparse24.models;

import dev.sparse24.format.ModelMetadata;
import dev.sparse24.graph.DType;
import dev.sparse24.graph.FusedActivation;
import dev.sparse24.graph.Graph;
import dev.sparse24.graph.GraphTensor;
import dev.sparse24.graph.OpOptions;
import dev.sparse24.graph.OpType;
import dev.sparse24.graph.Operator;
import dev.sparse24.nn.Activation;
import dev.sparse24.nn.BatchNormalization;
import dev.sparse24.nn.Conv2D;
import dev.sparse24.nn.Dense;
import dev.sparse24.nn.Dropout;
import dev.sparse24.nn.Flatten;
import dev.sparse24.nn.Layer;
import dev.sparse24.nn.MaxPooling2D;
import dev.sparse24.graph.Padding;
import dev.sparse24.nn.Parameter;
import dev.sparse24.nn.ReLU;
import dev.sparse24.nn.Sequential;
import dev.sparse24.prune.PruneLowMagnitude;
import dev.sparse24.prune.PruningParams;
import dev.sparse24.sparse.CompressedWeights;
import dev.sparse24.sparse.NmPattern;
import dev.sparse24.sparse.TfLiteLayout;
import dev.sparse24.tensor.Tensor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns a stripped {@link Sequential} into an inference {@link Graph} the way the TF Lite
 * converter does: inference BatchNormalization folded into the preceding convolution (or Dense),
 * a ReLU following a conv/dense (directly or after the folded BatchNorm) fused into it, Dropout
 * dropped, Flatten as RESHAPE, kernels in TFLite orientation ({@code [out, h, w, in]},
 * {@code [out, in]}).
 *
 * <p>For the tutorial model the result is CONV_2D(RELU) - MAX_POOL_2D - CONV_2D(RELU) -
 * MAX_POOL_2D - RESHAPE - FULLY_CONNECTED(RELU) - FULLY_CONNECTED.
 *
 * <p>Kernels pruned 2:4 (per the {@code plan} from {@code Pruning.plan}, taken before stripping)
 * are stored compressed when the groups lie inside one kernel tap (Dense, or conv with
 * {@code in % 4 == 0}). Folding multiplies each output row by one scale, so zeros stay zeros and
 * the 2:4 pattern survives. The metadata records the producer and each layer's pruning
 * ({@link ModelMetadata#PRUNING_PREFIX} keys).
 *
 * <p>Why it lives in {@code models}: it reads nn layers and the prune plan and writes a graph,
 * doing no file work. {@code models} is the one package that already sits above nn and prune
 * (beside {@link TutorialModel}); placing it in {@code format} made the file formats depend on
 * nn, and placing it in {@code prune} would mix "how to prune while training" with "how a trained
 * model becomes an inference graph". Writing the graph to a file is {@code format}'s job.
 */
public final class GraphExporter {
    /** Value of the {@code producer} metadata entry. */
    public static final String PRODUCER = "Sparse24";

    private final List<GraphTensor> tensors = new ArrayList<>();
    private final List<Operator> ops = new ArrayList<>();
    private final Map<String, PruningParams> plan;

    private GraphExporter(Map<String, PruningParams> plan) {
        this.plan = plan;
    }

    /**
     * Exports a built, stripped model.
     *
     * @param model a built Sequential without pruning wrappers
     * @param plan  how each layer was pruned, by layer name ({@code Pruning.plan}); may be empty
     * @throws IllegalArgumentException when the model is not built, still wrapped, holds a layer
     *                                  with no TFLite equivalent, or a layer planned 2:4 does not
     *                                  hold the pattern
     */
    public static Graph export(Sequential model, Map<String, PruningParams> plan) {
        return new GraphExporter(plan).run(model);
    }

    private Graph run(Sequential model) {
        int[] inShape = withBatch(model.inputShape().dims());
        int current = add(GraphTensor.activation("input", inShape, DType.FLOAT32));
        int input = current;
        List<Layer> layers = model.layers();
        for (int i = 0; i < layers.size(); i++) {
            Layer layer = layers.get(i);
            if (layer instanceof PruneLowMagnitude) {
                throw new IllegalArgumentException("layer " + i + " (" + layer.name()
                        + ") is still wrapped for pruning: strip the model (Pruning.strip) before export");
            }
            if (layer instanceof Conv2D || layer instanceof Dense) {
                // Look ahead: BatchNorm to fold, then a ReLU to fuse.
                BatchNormalization bn = next(layers, i + 1) instanceof BatchNormalization b ? b : null;
                Activation own = layer instanceof Conv2D c ? c.activation() : ((Dense) layer).activation();
                if (own != Activation.NONE) {
                    bn = null; // BatchNorm after the activation cannot be folded into the kernel
                }
                int after = i + (bn != null ? 1 : 0);
                boolean fuseRelu = own == Activation.NONE && next(layers, after + 1) instanceof ReLU;
                FusedActivation act = own == Activation.RELU || fuseRelu ? FusedActivation.RELU : FusedActivation.NONE;
                current = kernelOp(layer, bn, act, current);
                i = after + (fuseRelu ? 1 : 0);
            } else if (layer instanceof MaxPooling2D p) {
                current = op(OpType.MAX_POOL_2D, new int[]{current}, layer,
                        OpOptions.pool(p.padding(), p.strides()[0], p.strides()[1], p.poolSize()[0], p.poolSize()[1],
                                FusedActivation.NONE));
            } else if (layer instanceof Flatten) {
                current = op(OpType.RESHAPE, new int[]{current}, layer,
                        OpOptions.reshape(new int[]{-1, layer.outputShape().size()}));
            } else if (layer instanceof Dropout) {
                continue; // identity at inference
            } else if (layer instanceof ReLU) {
                current = op(OpType.RELU, new int[]{current}, layer, OpOptions.NONE);
            } else if (layer instanceof BatchNormalization bn) {
                // Not after a kernel: y = x * scale + shift, broadcast over the channel axis.
                double[][] ss = scaleShift(bn);
                int channels = ss[0].length;
                int scale = add(GraphTensor.constant(bn.name() + "/scale", new int[]{channels},
                        Tensor.of(toFloats(ss[0]), channels)));
                int shift = add(GraphTensor.constant(bn.name() + "/shift", new int[]{channels},
                        Tensor.of(toFloats(ss[1]), channels)));
                int scaled = op(OpType.MUL, new int[]{current, scale}, bn.name() + "/mul", layer.outputShape().dims(),
                        OpOptions.activation(FusedActivation.NONE));
                current = op(OpType.ADD, new int[]{scaled, shift}, layer,
                        OpOptions.activation(FusedActivation.NONE));
            } else {
                throw new IllegalArgumentException("layer " + i + " (" + layer.name() + ", " + layer.typeName()
                        + ") has no TFLite export");
            }
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("producer", PRODUCER);
        metadata.put("model", model.name());
        for (Map.Entry<String, PruningParams> e : plan.entrySet()) {
            metadata.put(ModelMetadata.PRUNING_PREFIX + e.getKey(), e.getValue().toString());
        }
        return new Graph(tensors, ops, new int[]{input}, new int[]{current}, metadata);
    }

    private static Layer next(List<Layer> layers, int i) {
        return i < layers.size() ? layers.get(i) : null;
    }

    private int kernelOp(Layer layer, BatchNormalization bn, FusedActivation act, int input) {
        boolean conv = layer instanceof Conv2D;
        Conv2D c = conv ? (Conv2D) layer : null;
        Dense d = conv ? null : (Dense) layer;
        int in = conv ? c.inputChannels() : d.inputChannels();
        int out = conv ? c.outputChannels() : d.outputChannels();
        int[] k = conv ? c.kernelSize() : new int[]{1, 1};
        Parameter kernelParam = conv ? c.kernel() : d.kernel();
        Parameter biasParam = conv ? (c.useBias() ? c.bias() : null) : (d.useBias() ? d.bias() : null);

        float[] w = TfLiteLayout.fromKeras(kernelParam.value(), k[0], k[1], in, out).toArray(); // [out, kh, kw, in]
        float[] bias = biasParam != null ? biasParam.value().toArray() : new float[out];
        if (bn != null) {
            double[][] ss = scaleShift(bn);
            int row = w.length / out;
            for (int o = 0; o < out; o++) {
                for (int j = 0; j < row; j++) {
                    w[o * row + j] = (float) (w[o * row + j] * ss[0][o]);
                }
                bias[o] = (float) (bias[o] * ss[0][o] + ss[1][o]);
            }
        }
        int[] wShape = conv ? new int[]{out, k[0], k[1], in} : new int[]{out, in};
        String name = layer.name();
        PruningParams p = plan.get(name);
        boolean twoFour = p != null && p.isStructured() && NmPattern.TWO_FOUR.equals(p.pattern())
                && (!conv || in % 4 == 0);
        GraphTensor weights = twoFour
                ? GraphTensor.compressed(name + "/kernel", wShape, CompressedWeights.compress(w, out, w.length / out))
                : GraphTensor.constant(name + "/kernel", wShape, Tensor.of(w, w.length));
        int wi = add(weights);
        int bi = add(GraphTensor.constant(name + "/bias", new int[]{out}, Tensor.of(bias, out)));
        Padding padding = conv ? c.padding() : null;
        OpOptions options = conv
                ? OpOptions.conv(padding, c.strides()[0], c.strides()[1], 1, 1, act)
                : OpOptions.activation(act);
        int[] outShape = (bn != null ? bn : layer).outputShape().dims();
        return op(conv ? OpType.CONV_2D : OpType.FULLY_CONNECTED, new int[]{input, wi, bi}, name, outShape, options);
    }

    private static double[][] scaleShift(BatchNormalization bn) {
        List<Parameter> p = bn.parameters();
        float[] gamma = p.get(0).value().toArray();
        float[] beta = p.get(1).value().toArray();
        float[] mean = p.get(2).value().toArray();
        float[] variance = p.get(3).value().toArray();
        double[] scale = new double[gamma.length];
        double[] shift = new double[gamma.length];
        for (int c = 0; c < gamma.length; c++) {
            scale[c] = gamma[c] / Math.sqrt(variance[c] + bn.epsilon());
            shift[c] = beta[c] - mean[c] * scale[c];
        }
        return new double[][]{scale, shift};
    }

    private static float[] toFloats(double[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) v[i];
        }
        return f;
    }

    private int add(GraphTensor t) {
        tensors.add(t);
        return tensors.size() - 1;
    }

    private int op(OpType type, int[] inputs, Layer layer, OpOptions options) {
        return op(type, inputs, layer.name(), layer.outputShape().dims(), options);
    }

    private int op(OpType type, int[] inputs, String name, int[] perSampleShape, OpOptions options) {
        int out = add(GraphTensor.activation(name, withBatch(perSampleShape), DType.FLOAT32));
        ops.add(new Operator(type, inputs, new int[]{out}, options));
        return out;
    }

    /** [-1, ...per-sample dims]: the batch is chosen at run time. */
    private static int[] withBatch(int[] perSample) {
        int[] s = new int[perSample.length + 1];
        s[0] = -1;
        System.arraycopy(perSample, 0, s, 1, perSample.length);
        return s;
    }
}
