package dev.sparse24.runtime.cpu;

import dev.sparse24.format.s24.SampleGraphs;
import dev.sparse24.graph.DType;
import dev.sparse24.graph.FusedActivation;
import dev.sparse24.graph.Graph;
import dev.sparse24.graph.GraphTensor;
import dev.sparse24.graph.OpOptions;
import dev.sparse24.graph.OpType;
import dev.sparse24.graph.Operator;
import dev.sparse24.graph.Padding;
import dev.sparse24.graph.ShapeInference;
import dev.sparse24.ops.ReferenceEvaluator;
import dev.sparse24.sparse.CompressedWeights;
import dev.sparse24.tensor.Tensor;
import dev.sparse24.testing.Outputs;
import dev.sparse24.testing.RandomWeights;
import org.junit.jupiter.api.Test;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every operator the CPU plan compiles, against {@link ReferenceEvaluator} (straight loops, no
 * BLAS, no native code): on the native kernels and on the forced Java fallback, for odd batches,
 * with chunking (maxBatch smaller than the batch) and a split over threads.
 */
class CpuExecutorTest {
    static final double TOLERANCE = 1e-5;

    static float[] run(CpuExecutor e, float[] x, int batch, int outSize) {
        float[] y = new float[batch * outSize];
        e.run(new FloatBuffer[]{FloatBuffer.wrap(x)}, batch, new FloatBuffer[]{FloatBuffer.wrap(y)});
        return y;
    }

    /** Runs {@code g} on both ISAs, several batches and splits; asserts agreement with the reference. */
    static void assertMatchesReference(Graph g, long seed) {
        ReferenceEvaluator ref = new ReferenceEvaluator(g);
        Random r = new Random(seed);
        ShapeInference shapes = ShapeInference.of(g);
        int in = g.inputs()[0];
        int out = g.outputs()[0];
        int inSize = shapes.sampleSize(in);
        int outSize = shapes.sampleSize(out);
        int[] inShape = shapes.shape(in);
        for (Isa isa : new Isa[]{Isa.best(), Isa.JAVA}) {
            for (int[] config : new int[][]{{1, 64}, {1, 3}, {2, 4}}) {
                try (CpuExecutor e = new CpuExecutor(g, config[0], config[1], isa)) {
                    for (int batch : new int[]{1, 2, 7}) {
                        float[] x = Outputs.gaussian(r, batch * inSize);
                        int[] s = inShape.clone();
                        s[0] = batch;
                        float[] want = ref.run(Tensor.of(x, s)).toArray();
                        float[] got = run(e, x, batch, outSize);
                        double err = Outputs.relativeError(got, want);
                        assertTrue(err < TOLERANCE, isa + " threads " + config[0] + " maxBatch " + config[1]
                                + " batch " + batch + ": relative error " + err);
                    }
                }
            }
        }
    }

    @Test
    void sampleGraphMatchesReference() {
        // conv 2:4 dilated SAME + ReLU, max pool, depthwise + ReLU6, reshape, FC 2:4 + TANH,
        // ADD of a constant, softmax beta 0.5, mean keepDims, logistic.
        assertMatchesReference(sample(3), 1);
    }

    @Test
    void broadcastingMatchesReference() {
        assertMatchesReference(broadcasts(8), 4);
    }

    /** ADD / MUL beyond the flat cases: a middle-axis constant, a constant first, a scalar. */
    static Graph broadcasts(long seed) {
        Random r = new Random(seed);
        List<GraphTensor> t = List.of(
                GraphTensor.activation("x", new int[]{-1, 2, 3, 4}, DType.FLOAT32),
                GraphTensor.constant("mid", new int[]{1, 2, 1, 4}, Tensor.of(Outputs.gaussian(r, 8), 1, 2, 1, 4)),
                GraphTensor.activation("a", new int[]{-1, 2, 3, 4}, DType.FLOAT32),
                GraphTensor.constant("row", new int[]{3, 4}, Tensor.of(Outputs.gaussian(r, 12), 3, 4)),
                GraphTensor.activation("b", new int[]{-1, 2, 3, 4}, DType.FLOAT32),
                GraphTensor.constant("scalar", new int[]{1}, Tensor.of(new float[]{0.5f}, 1)),
                GraphTensor.activation("c", new int[]{-1, 2, 3, 4}, DType.FLOAT32));
        return new Graph(t, List.of(
                new Operator(OpType.ADD, new int[]{0, 1}, new int[]{2}, OpOptions.activation(FusedActivation.NONE)),
                new Operator(OpType.MUL, new int[]{3, 2}, new int[]{4}, OpOptions.activation(FusedActivation.RELU)),
                new Operator(OpType.ADD, new int[]{4, 5}, new int[]{6}, OpOptions.activation(FusedActivation.NONE))),
                new int[]{0}, new int[]{6}, Map.of());
    }

    @Test
    void oddWidthSparseLayersMatchReference() {
        assertMatchesReference(oddWidths(6), 3);
    }

    /** The .s24 sample graph (SampleGraphs) made runnable: its FC reads the 72 values it is given. */
    static Graph sample(long seed) {
        Graph s = SampleGraphs.sample(seed);
        Random r = new Random(seed);
        List<GraphTensor> t = new ArrayList<>(s.tensors());
        t.set(9, GraphTensor.compressed("dense/kernel", new int[]{10, 72},
                CompressedWeights.compress(RandomWeights.twoFour(r, 10, 72), 10, 72)));
        return new Graph(t, s.operators(), s.inputs(), s.outputs(), s.metadata());
    }

    /**
     * Dense FC layers wide enough (70 -> 130 -> 67) that a batch of 1 on two workers splits the
     * output features, and one row runs as sgemv (alone or per split) instead of sgemm.
     */
    @Test
    void denseLayersAtBatchOneMatchTheReferenceWholeAndSplit() {
        Random r = new Random(71);
        List<GraphTensor> t = List.of(
                GraphTensor.activation("x", new int[]{-1, 70}, DType.FLOAT32),
                GraphTensor.constant("w1", new int[]{130, 70}, Tensor.of(Outputs.gaussian(r, 130 * 70), 130, 70)),
                GraphTensor.constant("b1", new int[]{130}, Tensor.of(Outputs.gaussian(r, 130), 130)),
                GraphTensor.activation("h", new int[]{-1, 130}, DType.FLOAT32),
                GraphTensor.constant("w2", new int[]{67, 130}, Tensor.of(Outputs.gaussian(r, 67 * 130), 67, 130)),
                GraphTensor.activation("y", new int[]{-1, 67}, DType.FLOAT32));
        Graph g = new Graph(t, List.of(
                new Operator(OpType.FULLY_CONNECTED, new int[]{0, 1, 2}, new int[]{3}, OpOptions.activation(FusedActivation.RELU)),
                new Operator(OpType.FULLY_CONNECTED, new int[]{3, 4, -1}, new int[]{5}, OpOptions.activation(FusedActivation.NONE))),
                new int[]{0}, new int[]{5}, Map.of());
        assertMatchesReference(g, 72);
    }

    /** 2:4 FC layers whose widths are not multiples of 32 (70 -> 17 -> 3, padded groups). */
    static Graph oddWidths(long seed) {
        Random r = new Random(seed);
        List<GraphTensor> t = List.of(
                GraphTensor.activation("x", new int[]{-1, 70}, DType.FLOAT32),
                GraphTensor.compressed("w1", new int[]{17, 70}, CompressedWeights.compress(RandomWeights.twoFour(r, 17, 70), 17, 70)),
                GraphTensor.constant("b1", new int[]{17}, Tensor.of(Outputs.gaussian(r, 17), 17)),
                GraphTensor.activation("h", new int[]{-1, 17}, DType.FLOAT32),
                GraphTensor.compressed("w2", new int[]{3, 17}, CompressedWeights.compress(RandomWeights.twoFour(r, 3, 17), 3, 17)),
                GraphTensor.activation("y", new int[]{-1, 3}, DType.FLOAT32));
        return new Graph(t, List.of(
                new Operator(OpType.FULLY_CONNECTED, new int[]{0, 1, 2}, new int[]{3}, OpOptions.activation(FusedActivation.RELU)),
                new Operator(OpType.FULLY_CONNECTED, new int[]{3, 4, -1}, new int[]{5}, OpOptions.activation(FusedActivation.NONE))),
                new int[]{0}, new int[]{5}, Map.of());
    }

    @Test
    void denseConvolutionsWithFewChannelsMatchReference() {
        // What the native im2col and bias/activation (conv_helpers.h) and their Java twins must get
        // right: one input channel with SAME 5x5 padding and ReLU (the tutorial's first layer),
        // max pooling over it, then 3x3 dilation 2 stride 2 VALID with RELU6 over 32 channels, on
        // both ISAs (native helpers on the best one, Java on JAVA). (RELU_N1_TO_1 in native code:
        // opZoo's dense FC.)
        Random r = new Random(23);
        List<GraphTensor> t = new ArrayList<>();
        List<Operator> ops = new ArrayList<>();
        t.add(GraphTensor.activation("x", new int[]{1, 13, 11, 1}, DType.FLOAT32));                          // 0
        t.add(GraphTensor.constant("c1/w", new int[]{32, 5, 5, 1}, Tensor.of(Outputs.gaussian(r, 800), 32, 5, 5, 1)));  // 1
        t.add(GraphTensor.constant("c1/b", new int[]{32}, Tensor.of(Outputs.gaussian(r, 32), 32)));                    // 2
        t.add(GraphTensor.activation("c1", new int[]{1, 13, 11, 32}, DType.FLOAT32));                        // 3
        ops.add(new Operator(OpType.CONV_2D, new int[]{0, 1, 2}, new int[]{3},
                OpOptions.conv(Padding.SAME, 1, 1, 1, 1, FusedActivation.RELU)));
        t.add(GraphTensor.activation("pool", new int[]{1, 7, 6, 32}, DType.FLOAT32));                        // 4
        ops.add(new Operator(OpType.MAX_POOL_2D, new int[]{3}, new int[]{4},
                OpOptions.pool(Padding.SAME, 2, 2, 2, 2, FusedActivation.NONE)));
        t.add(GraphTensor.constant("c2/w", new int[]{5, 3, 3, 32}, Tensor.of(Outputs.gaussian(r, 1440), 5, 3, 3, 32))); // 5
        t.add(GraphTensor.constant("c2/b", new int[]{5}, Tensor.of(Outputs.gaussian(r, 5), 5)));                       // 6
        t.add(GraphTensor.activation("c2", new int[]{1, 2, 1, 5}, DType.FLOAT32));                           // 7
        ops.add(new Operator(OpType.CONV_2D, new int[]{4, 5, 6}, new int[]{7},
                OpOptions.conv(Padding.VALID, 2, 2, 2, 2, FusedActivation.RELU6)));
        Graph g = new Graph(t, ops, new int[]{0}, new int[]{7}, java.util.Map.of());
        // Natively the first conv runs direct (DirectConvStep: its own summation order, FMAs), the
        // second through the native im2col and bias/activation: equal to the Java path to rounding.
        float[] x = Outputs.gaussian(r, 7 * 13 * 11);
        try (CpuExecutor nat = new CpuExecutor(g, 1, 64, Isa.best());
             CpuExecutor java = new CpuExecutor(g, 1, 64, Isa.JAVA)) {
            double err = Outputs.relativeError(run(nat, x, 7, 10), run(java, x, 7, 10));
            assertTrue(err < TOLERANCE, "native vs Java: " + err);
        }
        assertMatchesReference(g, 4);
    }

    @Test
    void everyOtherOpMatchesReference() {
        assertMatchesReference(opZoo(5), 2);
    }

    /**
     * The ops and options the sample graph lacks: dense conv with stride 2 VALID, 1x1 2:4 conv
     * (no im2col), average pool SAME, depthwise with multiplier 2 and stride 2, ADD and MUL of two
     * activations, MUL by a per-channel constant, RELU / RELU6 / TANH ops, MEAN without keepDims,
     * dense FC with RELU_N1_TO_1, 2:4 FC with bias and RELU.
     */
    static Graph opZoo(long seed) {
        Random r = new Random(seed);
        List<GraphTensor> t = new ArrayList<>();
        List<Operator> ops = new ArrayList<>();
        t.add(GraphTensor.activation("x", new int[]{1, 9, 9, 3}, DType.FLOAT32));                          // 0
        t.add(GraphTensor.constant("c1/w", new int[]{8, 3, 3, 3}, Tensor.of(Outputs.gaussian(r, 216), 8, 3, 3, 3))); // 1
        t.add(GraphTensor.constant("c1/b", new int[]{8}, Tensor.of(Outputs.gaussian(r, 8), 8)));                    // 2
        t.add(GraphTensor.activation("c1", new int[]{1, 4, 4, 8}, DType.FLOAT32));                         // 3
        ops.add(new Operator(OpType.CONV_2D, new int[]{0, 1, 2}, new int[]{3},
                OpOptions.conv(Padding.VALID, 2, 2, 1, 1, FusedActivation.NONE)));
        t.add(GraphTensor.compressed("c2/w", new int[]{12, 1, 1, 8},
                CompressedWeights.compress(RandomWeights.twoFour(r, 12, 8), 12, 8)));                        // 4
        t.add(GraphTensor.constant("c2/b", new int[]{12}, Tensor.of(Outputs.gaussian(r, 12), 12)));                 // 5
        t.add(GraphTensor.activation("c2", new int[]{1, 4, 4, 12}, DType.FLOAT32));                        // 6
        ops.add(new Operator(OpType.CONV_2D, new int[]{3, 4, 5}, new int[]{6},
                OpOptions.conv(Padding.SAME, 1, 1, 1, 1, FusedActivation.RELU6)));
        t.add(GraphTensor.activation("avg", new int[]{1, 2, 2, 12}, DType.FLOAT32));                       // 7
        ops.add(new Operator(OpType.AVERAGE_POOL_2D, new int[]{6}, new int[]{7},
                OpOptions.pool(Padding.SAME, 2, 2, 3, 3, FusedActivation.NONE)));
        t.add(GraphTensor.constant("dw/w", new int[]{1, 3, 3, 24}, Tensor.of(Outputs.gaussian(r, 216), 1, 3, 3, 24))); // 8
        t.add(GraphTensor.constant("dw/b", new int[]{24}, Tensor.of(Outputs.gaussian(r, 24), 24)));                  // 9
        t.add(GraphTensor.activation("dw", new int[]{1, 2, 2, 24}, DType.FLOAT32));                        // 10
        ops.add(new Operator(OpType.DEPTHWISE_CONV_2D, new int[]{6, 8, 9}, new int[]{10},
                OpOptions.depthwise(Padding.SAME, 2, 2, 1, 1, 2, FusedActivation.NONE)));
        t.add(GraphTensor.activation("relu", new int[]{1, 2, 2, 24}, DType.FLOAT32));                      // 11
        ops.add(new Operator(OpType.RELU, new int[]{10}, new int[]{11}, OpOptions.NONE));
        t.add(GraphTensor.constant("scale", new int[]{24}, Tensor.of(Outputs.gaussian(r, 24), 24)));                // 12
        t.add(GraphTensor.activation("scaled", new int[]{1, 2, 2, 24}, DType.FLOAT32));                    // 13
        ops.add(new Operator(OpType.MUL, new int[]{11, 12}, new int[]{13}, OpOptions.activation(FusedActivation.NONE)));
        t.add(GraphTensor.activation("sum", new int[]{1, 2, 2, 24}, DType.FLOAT32));                       // 14
        ops.add(new Operator(OpType.ADD, new int[]{13, 10}, new int[]{14}, OpOptions.activation(FusedActivation.RELU)));
        t.add(GraphTensor.activation("prod", new int[]{1, 2, 2, 24}, DType.FLOAT32));                      // 15
        ops.add(new Operator(OpType.MUL, new int[]{14, 13}, new int[]{15}, OpOptions.activation(FusedActivation.NONE)));
        t.add(GraphTensor.activation("tanh", new int[]{1, 2, 2, 24}, DType.FLOAT32));                      // 16
        ops.add(new Operator(OpType.TANH, new int[]{15}, new int[]{16}, OpOptions.NONE));
        t.add(GraphTensor.intConstant("axes", new int[]{2}, new int[]{1, 2}));                            // 17
        t.add(GraphTensor.activation("mean", new int[]{1, 24}, DType.FLOAT32));                            // 18
        ops.add(new Operator(OpType.MEAN, new int[]{16, 17}, new int[]{18}, OpOptions.mean(false)));
        t.add(GraphTensor.constant("fc1/w", new int[]{16, 24}, Tensor.of(Outputs.gaussian(r, 384), 16, 24)));        // 19
        t.add(GraphTensor.activation("fc1", new int[]{1, 16}, DType.FLOAT32));                             // 20
        ops.add(new Operator(OpType.FULLY_CONNECTED, new int[]{18, 19, -1}, new int[]{20},
                OpOptions.activation(FusedActivation.RELU_N1_TO_1)));
        t.add(GraphTensor.compressed("fc2/w", new int[]{5, 16},
                CompressedWeights.compress(RandomWeights.twoFour(r, 5, 16), 5, 16)));                        // 21
        t.add(GraphTensor.constant("fc2/b", new int[]{5}, Tensor.of(Outputs.gaussian(r, 5), 5)));                    // 22
        t.add(GraphTensor.activation("fc2", new int[]{1, 5}, DType.FLOAT32));                              // 23
        ops.add(new Operator(OpType.FULLY_CONNECTED, new int[]{20, 21, 22}, new int[]{23},
                OpOptions.activation(FusedActivation.RELU)));
        t.add(GraphTensor.activation("relu6", new int[]{1, 5}, DType.FLOAT32));                            // 24
        ops.add(new Operator(OpType.RELU6, new int[]{23}, new int[]{24}, OpOptions.NONE));
        return new Graph(t, ops, new int[]{0}, new int[]{24}, Map.of());
    }

    @Test
    void largeBatchSplitsIntoChunksOverThreads() {
        Graph g = sample(4);
        ShapeInference shapes = ShapeInference.of(g);
        int inSize = shapes.sampleSize(g.inputs()[0]);
        int outSize = shapes.sampleSize(g.outputs()[0]);
        float[] x = Outputs.gaussian(new Random(9), 64 * inSize);
        float[] single;
        try (CpuExecutor one = new CpuExecutor(g, 1, 64)) {
            single = run(one, x, 64, outSize);
        }
        try (CpuExecutor split = new CpuExecutor(g, 3, 5)) {
            // Chunks of 5 items on 3 threads: same kernels per item, so the same bits.
            assertArrayEquals(single, run(split, x, 64, outSize));
        }
    }

    @Test
    void unsupportedGraphsAreRejectedAtCompileTime() {
        List<GraphTensor> t = List.of(
                GraphTensor.activation("x", new int[]{1, 4}, DType.FLOAT32),
                GraphTensor.constant("w", new int[]{3, 5}, Tensor.of(new float[15], 3, 5)),
                GraphTensor.activation("y", new int[]{1, 3}, DType.FLOAT32));
        Graph g = new Graph(t, List.of(new Operator(OpType.FULLY_CONNECTED, new int[]{0, 1, -1}, new int[]{2},
                OpOptions.NONE)), new int[]{0}, new int[]{2}, Map.of());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new CpuExecutor(g, 1, 1));
        assertTrue(e.getMessage().contains("[3, 5]") && e.getMessage().contains("4"), e.getMessage());
    }

    @Test
    void descriptionSaysWhatRuns() {
        try (CpuExecutor e = new CpuExecutor(sample(1), 2, 8, Isa.JAVA)) {
            assertTrue(e.description().contains("Java reference"), e.description());
            assertTrue(e.description().contains("2 of 2 GEMM layers 2:4"), e.description());
        }
        try (CpuExecutor e = new CpuExecutor(opZoo(1), 1, 8)) {
            assertTrue(e.description().contains(Isa.best().toString()), e.description());
            assertTrue(e.description().contains("2 of 4"), e.description());
        }
    }

    @Test
    void workspacesAreReusedAcrossRuns() {
        Graph g = sample(2);
        ShapeInference shapes = ShapeInference.of(g);
        int inSize = shapes.sampleSize(g.inputs()[0]);
        CpuExecutor e = new CpuExecutor(g, 1, 4);
        for (int i = 0; i < 20; i++) {
            run(e, new float[3 * inSize], 3, shapes.sampleSize(g.outputs()[0]));
        }
        assertEquals(1, e.workspaceCount(), "sequential runs share one workspace");
        e.close();
        assertEquals(0, e.workspaceCount(), "close frees the workspaces");
        assertThrows(IllegalStateException.class, () -> run(e, new float[inSize], 1, shapes.sampleSize(g.outputs()[0])));
    }

    @Test
    void shapesOfTheSampleGraph() {
        ShapeInference s = ShapeInference.of(sample(1));
        assertEquals("[1, 6, 6, 8]", Arrays.toString(s.shape(3)));
        assertEquals("[1, 72]", Arrays.toString(s.shape(8)));
        assertEquals("[1, 1]", Arrays.toString(s.shape(16)));
    }
}
