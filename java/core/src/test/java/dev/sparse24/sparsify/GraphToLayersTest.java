package dev.sparse24.sparsify;

import dev.sparse24.format.ModelFiles;
import dev.sparse24.format.tflite.TfliteWriter;
import dev.sparse24.graph.DType;
import dev.sparse24.graph.FusedActivation;
import dev.sparse24.graph.Graph;
import dev.sparse24.graph.GraphTensor;
import dev.sparse24.graph.OpOptions;
import dev.sparse24.graph.OpType;
import dev.sparse24.graph.Operator;
import dev.sparse24.graph.Padding;
import dev.sparse24.models.GraphExporter;
import dev.sparse24.nn.Conv2D;
import dev.sparse24.nn.Dense;
import dev.sparse24.nn.Flatten;
import dev.sparse24.nn.Sequential;
import dev.sparse24.ops.ReferenceEvaluator;
import dev.sparse24.tensor.Shape;
import dev.sparse24.tensor.Tensor;
import dev.sparse24.testing.TestData;
import dev.sparse24.train.Trainer;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Imported graphs become layers computing what the reference evaluator computes; untrainable ops are named. */
class GraphToLayersTest {
    @Test
    void anExportedModelComesBackAsLayersWithTheSameOutputs() throws Exception {
        Sequential original = TinyModels.convNet(1);
        Graph g = ModelFiles.read(TfliteWriter.toBytes(GraphExporter.export(original, Map.of())));
        Sequential back = GraphToLayers.convert(g, Shape.of(6, 6, 1), "back").model();
        Tensor x = TinyModels.input(new Random(2), 7, Shape.of(6, 6, 1));
        Tensor want = new ReferenceEvaluator(g).run(x);
        Tensor got = Trainer.predict(back, x, 3);
        assertEquals(Shape.of(7, 5), got.shape());
        assertTrue(TinyModels.maxAbsDifference(want, got) < 1e-4, "max diff " + TinyModels.maxAbsDifference(want, got));
        assertTrue(TinyModels.maxAbsDifference(Trainer.predict(original, x, 7), got) < 1e-4);
    }

    /** A small graph builder: tensors and ops appended in order. */
    static final class Builder {
        final List<GraphTensor> tensors = new ArrayList<>();
        final List<Operator> ops = new ArrayList<>();
        final Random r = new Random(5);

        int activation(int... shape) {
            tensors.add(GraphTensor.activation("t" + tensors.size(), shape, DType.FLOAT32));
            return tensors.size() - 1;
        }

        int constant(int... shape) {
            int n = 1;
            for (int d : shape) {
                n *= d;
            }
            float[] v = new float[n];
            for (int i = 0; i < n; i++) {
                v[i] = (float) r.nextGaussian() * 0.5f;
            }
            tensors.add(GraphTensor.constant("c" + tensors.size(), shape, Tensor.of(v, n)));
            return tensors.size() - 1;
        }

        int op(OpType type, OpOptions o, int[] outShape, int... inputs) {
            int out = activation(outShape);
            ops.add(new Operator(type, inputs, new int[]{out}, o));
            return out;
        }

        Graph graph(int input, int output) {
            return new Graph(tensors, ops, new int[]{input}, new int[]{output}, Map.of());
        }
    }

    @Test
    void flatInputReshapeSingleChannelDepthwiseImplicitFlattenAndFinalSoftmax() throws Exception {
        Builder b = new Builder();
        int in = b.activation(-1, 25);
        int x = b.op(OpType.RESHAPE, OpOptions.reshape(new int[]{-1, 5, 5, 1}), new int[]{-1, 5, 5, 1}, in);
        x = b.op(OpType.DEPTHWISE_CONV_2D, OpOptions.depthwise(Padding.SAME, 1, 1, 1, 1, 4, FusedActivation.RELU),
                new int[]{-1, 5, 5, 4}, x, b.constant(1, 3, 3, 4), b.constant(4));
        x = b.op(OpType.MAX_POOL_2D, OpOptions.pool(Padding.VALID, 2, 2, 2, 2, FusedActivation.NONE),
                new int[]{-1, 2, 2, 4}, x);
        x = b.op(OpType.FULLY_CONNECTED, OpOptions.activation(FusedActivation.NONE), new int[]{-1, 3}, x,
                b.constant(3, 16), b.constant(3));
        int logits = x;
        x = b.op(OpType.SOFTMAX, OpOptions.softmax(1f), new int[]{-1, 3}, x);
        Graph g = b.graph(in, x);
        GraphToLayers.Converted c = GraphToLayers.convert(g, Shape.of(5, 5, 1), "m");
        assertTrue(c.notes().stream().anyMatch(n -> n.contains("SOFTMAX")), c.notes().toString());
        assertInstanceOf(Conv2D.class, c.model().layers().get(0));
        assertInstanceOf(Flatten.class, c.model().layers().get(2));
        assertInstanceOf(Dense.class, c.model().layers().get(3));

        Tensor x5 = TinyModels.input(new Random(6), 4, Shape.of(5, 5, 1));
        Graph logitsGraph = new Graph(b.tensors, b.ops.subList(0, 4), new int[]{in}, new int[]{logits}, Map.of());
        Tensor want = new ReferenceEvaluator(logitsGraph).run(x5.reshape(4, 25));
        Tensor got = Trainer.predict(c.model(), x5, 4);
        assertTrue(TinyModels.maxAbsDifference(want, got) < 1e-4, "max diff " + TinyModels.maxAbsDifference(want, got));
    }

    @Test
    void untrainableOpsAreRefusedByName() {
        // Fused RELU6.
        Builder b = new Builder();
        int in = b.activation(-1, 4, 4, 1);
        int x = b.op(OpType.CONV_2D, OpOptions.conv(Padding.SAME, 1, 1, 1, 1, FusedActivation.RELU6),
                new int[]{-1, 4, 4, 2}, in, b.constant(2, 3, 3, 1), b.constant(2));
        assertRefused(b.graph(in, x), Shape.of(4, 4, 1), "op 0 (CONV_2D)", "RELU6");

        // A TANH op.
        b = new Builder();
        in = b.activation(-1, 4);
        x = b.op(OpType.TANH, OpOptions.NONE, new int[]{-1, 4}, in);
        assertRefused(b.graph(in, x), Shape.of(4), "op 0 (TANH)", "no trainable layer");

        // Depthwise over two channels.
        b = new Builder();
        in = b.activation(-1, 4, 4, 2);
        x = b.op(OpType.DEPTHWISE_CONV_2D, OpOptions.depthwise(Padding.SAME, 1, 1, 1, 1, 1, FusedActivation.NONE),
                new int[]{-1, 4, 4, 2}, in, b.constant(1, 3, 3, 2), b.constant(2));
        assertRefused(b.graph(in, x), Shape.of(4, 4, 2), "op 0 (DEPTHWISE_CONV_2D)", "DepthwiseConv2D");

        // A softmax before the end.
        b = new Builder();
        in = b.activation(-1, 4);
        x = b.op(OpType.SOFTMAX, OpOptions.softmax(1f), new int[]{-1, 4}, in);
        x = b.op(OpType.FULLY_CONNECTED, OpOptions.activation(FusedActivation.NONE), new int[]{-1, 2}, x,
                b.constant(2, 4), b.constant(2));
        assertRefused(b.graph(in, x), Shape.of(4), "op 0 (SOFTMAX)", "before the last op");

        // Data of another size than the graph's input.
        b = new Builder();
        in = b.activation(-1, 4);
        x = b.op(OpType.RELU, OpOptions.NONE, new int[]{-1, 4}, in);
        assertRefused(b.graph(in, x), Shape.of(5), "holds 4 values", "(5,)");
    }

    private static void assertRefused(Graph g, Shape input, String... words) {
        UntrainableGraphException e = assertThrows(UntrainableGraphException.class,
                () -> GraphToLayers.convert(g, input, "m"));
        for (String w : words) {
            assertTrue(e.getMessage().contains(w), "'" + w + "' in: " + e.getMessage());
        }
    }

    @Test
    void sharedConverterModelsImportWithTheirOwnOutputs() throws Exception {
        Path dir = TestData.tfliteDir();
        assumeTrue(dir != null && Files.isDirectory(dir), "shared converter-made models not available");
        for (String name : List.of("jspkay__mnist.tflite", "kateLint__mnist.tflite", "mattn__mnist_model.tflite",
                "pandcu__mnist.tflite", "users-9706__mnist.tflite")) {
            Graph g = ModelFiles.read(TestData.tfliteModel(name));
            Sequential m = GraphToLayers.convert(g, Shape.of(28, 28, 1), name).model();
            Tensor x = TinyModels.input(new Random(7), 3, Shape.of(28, 28, 1));
            int[] inShape = g.tensor(g.inputs()[0]).shape().clone();
            inShape[0] = 3;
            Tensor ref = new ReferenceEvaluator(g).run(x.reshape(inShape));
            float[] logits = Trainer.predict(m, x, 3).toArray();
            float[] probs = ref.toArray();
            boolean softmax = g.operators().get(g.operators().size() - 1).type() == OpType.SOFTMAX;
            for (int s = 0; s < 3; s++) {
                float[] p = new float[10];
                double sum = 0;
                float max = Float.NEGATIVE_INFINITY;
                for (int k = 0; k < 10; k++) {
                    max = Math.max(max, logits[s * 10 + k]);
                }
                for (int k = 0; k < 10; k++) {
                    p[k] = softmax ? (float) Math.exp(logits[s * 10 + k] - max) : logits[s * 10 + k];
                    sum += p[k];
                }
                for (int k = 0; k < 10; k++) {
                    float v = softmax ? (float) (p[k] / sum) : p[k];
                    assertEquals(probs[s * 10 + k], v, 1e-3 * Math.max(1, Math.abs(v)), name + " sample " + s);
                }
            }
        }
    }
}
