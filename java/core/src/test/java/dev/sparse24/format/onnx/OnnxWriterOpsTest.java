package dev.sparse24.format.onnx;

import dev.sparse24.graph.FusedActivation;
import dev.sparse24.graph.Graph;
import dev.sparse24.graph.OpOptions;
import dev.sparse24.graph.OpType;
import dev.sparse24.graph.Padding;
import dev.sparse24.ops.ReferenceEvaluator;
import dev.sparse24.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every op type (and fused activation) exported and run by ONNX Runtime, against
 * {@link ReferenceEvaluator} (plain Java, TFLite semantics): same shapes, values within 1e-4, at
 * batches 1, 3 and 17, on odd spatial sizes (7x6, 5x9) that catch padding and layout mistakes.
 */
class OnnxWriterOpsTest {
    static final double TOLERANCE = 1e-4;
    static final int[] BATCHES = {1, 3, 17};

    /** Exports {@code g}, runs it in ONNX Runtime and the reference at each batch, compares. */
    static void assertSameAsReference(Graph g) throws Exception {
        byte[] model = OnnxWriter.toBytes(g);
        ReferenceEvaluator ref = new ReferenceEvaluator(g);
        int[] sample = g.tensor(g.inputs()[0]).shape();
        Random rnd = new Random(Arrays.hashCode(sample));
        try (OrtRunner ort = new OrtRunner(model)) {
            for (int batch : BATCHES) {
                int[] shape = sample.clone();
                shape[0] = batch;
                int n = Arrays.stream(shape).reduce(1, Math::multiplyExact);
                float[] x = new float[n];
                for (int i = 0; i < n; i++) {
                    x[i] = rnd.nextFloat() * 4 - 2;
                }
                Tensor expected = ref.run(Tensor.of(x, shape));
                OrtRunner.Output got = ort.run(x, Arrays.stream(shape).asLongStream().toArray());
                assertArrayEquals(Arrays.stream(expected.shape().dims()).asLongStream().toArray(), got.shape(),
                        "output shape at batch " + batch);
                assertTrue(maxAbsDiff(expected.toArray(), got.values()) < TOLERANCE,
                        "batch " + batch + ": max |onnxruntime - reference| = "
                                + maxAbsDiff(expected.toArray(), got.values()));
            }
        }
    }

    static double maxAbsDiff(float[] a, float[] b) {
        assertEquals(a.length, b.length, "output lengths");
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            double d = Math.abs((double) a[i] - b[i]);
            if (Double.isNaN(d)) {
                return Double.POSITIVE_INFINITY;
            }
            m = Math.max(m, d);
        }
        return m;
    }

    @Test
    void stridedDilatedSameConvWithBias() throws Exception {
        GraphChain ch = new GraphChain(1, -1, 7, 6, 3);
        int f = ch.constant(4, 3, 3, 3);
        int b = ch.constant(4);
        ch.op(OpType.CONV_2D, OpOptions.conv(Padding.SAME, 2, 2, 2, 2, FusedActivation.NONE), f, b);
        assertSameAsReference(ch.graph());
    }

    @Test
    void validConvWithoutBiasAndRelu6() throws Exception {
        GraphChain ch = new GraphChain(2, -1, 5, 9, 2);
        int f = ch.constant(3, 2, 4, 2);
        ch.op(OpType.CONV_2D, OpOptions.conv(Padding.VALID, 1, 2, 1, 1, FusedActivation.RELU6), f, -1);
        assertSameAsReference(ch.graph());
    }

    @Test
    void depthwiseWithMultiplierAndTanh() throws Exception {
        GraphChain ch = new GraphChain(3, -1, 7, 6, 3);
        int f = ch.constant(1, 3, 3, 6);
        int b = ch.constant(6);
        ch.op(OpType.DEPTHWISE_CONV_2D, OpOptions.depthwise(Padding.SAME, 2, 1, 1, 1, 2, FusedActivation.TANH), f, b);
        assertSameAsReference(ch.graph());
    }

    @Test
    void maxAndAveragePoolsWithSameAndValidPadding() throws Exception {
        GraphChain ch = new GraphChain(4, -1, 7, 6, 3);
        ch.op(OpType.MAX_POOL_2D, OpOptions.pool(Padding.VALID, 2, 1, 3, 2, FusedActivation.NONE))
                .op(OpType.AVERAGE_POOL_2D, OpOptions.pool(Padding.SAME, 2, 2, 3, 3, FusedActivation.RELU_N1_TO_1))
                .op(OpType.MAX_POOL_2D, OpOptions.pool(Padding.SAME, 2, 2, 2, 2, FusedActivation.RELU));
        assertSameAsReference(ch.graph());
    }

    @Test
    void fullyConnectedOnAnImageFlattensInNhwcOrder() throws Exception {
        // conv (NCHW inside) then FC: the flatten must see NHWC order for the weights to line up.
        GraphChain ch = new GraphChain(5, -1, 5, 9, 2);
        int f = ch.constant(4, 3, 3, 2);
        int w = ch.constant(7, 5 * 9 * 4);
        int b = ch.constant(7);
        int w2 = ch.constant(3, 7);
        ch.op(OpType.CONV_2D, OpOptions.conv(Padding.SAME, 1, 1, 1, 1, FusedActivation.RELU), f, -1)
                .op(OpType.FULLY_CONNECTED, OpOptions.activation(FusedActivation.RELU), w, b)
                .op(OpType.FULLY_CONNECTED, OpOptions.activation(FusedActivation.NONE), w2, -1);
        assertSameAsReference(ch.graph());
    }

    @Test
    void reshapeWithInferredDimensionThenSoftmaxWithBeta() throws Exception {
        GraphChain ch = new GraphChain(6, -1, 3, 4, 5);
        ch.op(OpType.RESHAPE, OpOptions.reshape(new int[]{-1, 6, -1}))
                .op(OpType.SOFTMAX, OpOptions.softmax(0.5f))
                .op(OpType.RESHAPE, OpOptions.reshape(new int[]{1, 60}))
                .op(OpType.SOFTMAX, OpOptions.softmax(1f));
        assertSameAsReference(ch.graph());
    }

    @Test
    void reshapeTakingItsShapeFromAnInput() throws Exception {
        GraphChain ch = new GraphChain(7, -1, 4, 6);
        int shape = ch.intConstant(-1, 8, 3);
        ch.op(OpType.RESHAPE, OpOptions.NONE, shape).op(OpType.RELU, OpOptions.NONE);
        assertSameAsReference(ch.graph());
    }

    @Test
    void softmaxOverChannelsOfAConvOutput() throws Exception {
        GraphChain ch = new GraphChain(8, -1, 5, 9, 2);
        int f = ch.constant(5, 1, 1, 2);
        ch.op(OpType.CONV_2D, OpOptions.conv(Padding.VALID, 1, 1, 1, 1, FusedActivation.NONE), f, -1)
                .op(OpType.SOFTMAX, OpOptions.softmax(2f));
        assertSameAsReference(ch.graph());
    }

    @Test
    void meanOverSpatialAxesOfAConvOutput() throws Exception {
        GraphChain ch = new GraphChain(9, -1, 7, 6, 3);
        int f = ch.constant(4, 3, 3, 3);
        int axes = ch.intConstant(1, 2);
        ch.op(OpType.CONV_2D, OpOptions.conv(Padding.SAME, 1, 1, 1, 1, FusedActivation.NONE), f, -1)
                .op(OpType.MEAN, OpOptions.mean(false), axes);
        assertSameAsReference(ch.graph());
    }

    @Test
    void meanOverOneAxisKeepingAndDroppingDimensions() throws Exception {
        GraphChain ch = new GraphChain(10, -1, 7, 6, 3);
        int f = ch.constant(4, 3, 3, 3);
        int height = ch.intConstant(1);
        int channels = ch.intConstant(-1);
        int width = ch.intConstant(2);
        ch.op(OpType.CONV_2D, OpOptions.conv(Padding.SAME, 1, 1, 1, 1, FusedActivation.NONE), f, -1)
                .op(OpType.MEAN, OpOptions.mean(true), height)       // stays NCHW, [N,1,6,4]
                .op(OpType.MEAN, OpOptions.mean(false), width)       // H, C kept: NHWC order, [N,1,4]
                .op(OpType.MEAN, OpOptions.mean(false), channels);   // [N,1]
        assertSameAsReference(ch.graph());
        GraphChain ch2 = new GraphChain(11, -1, 7, 6, 3);
        int f2 = ch2.constant(4, 3, 3, 3);
        int h2 = ch2.intConstant(1);
        // Dropping H of an NCHW value leaves [N,C,W]; NHWC order is [N,W,C]: needs the transpose.
        ch2.op(OpType.CONV_2D, OpOptions.conv(Padding.SAME, 1, 1, 1, 1, FusedActivation.NONE), f2, -1)
                .op(OpType.MEAN, OpOptions.mean(false), h2);
        assertSameAsReference(ch2.graph());
    }

    @Test
    void addAndMulBroadcastConstantsInBothLayouts() throws Exception {
        GraphChain ch = new GraphChain(12, -1, 5, 9, 2);
        int f = ch.constant(4, 3, 3, 2);
        int perChannel = ch.constant(4);
        int perColumn = ch.constant(1, 1, 9, 4);
        int full = ch.constant(5, 9, 4);
        ch.op(OpType.CONV_2D, OpOptions.conv(Padding.SAME, 1, 1, 1, 1, FusedActivation.NONE), f, -1)
                .op(OpType.ADD, OpOptions.activation(FusedActivation.RELU6), perChannel)
                .op(OpType.MUL, OpOptions.activation(FusedActivation.NONE), perColumn);
        int conv = ch.current;
        ch.opOn(OpType.ADD, OpOptions.activation(FusedActivation.NONE), full, conv);   // constant first
        assertSameAsReference(ch.graph());
        GraphChain flat = new GraphChain(13, -1, 6);
        int row = flat.constant(6);
        flat.op(OpType.MUL, OpOptions.activation(FusedActivation.TANH), row);
        assertSameAsReference(flat.graph());
    }

    @Test
    void addOfTwoBranchesInDifferentLayouts() throws Exception {
        // One operand straight from the NHWC input, the other from a conv (NCHW inside).
        GraphChain ch = new GraphChain(14, -1, 5, 9, 3);
        int f = ch.constant(3, 3, 3, 3);
        ch.op(OpType.CONV_2D, OpOptions.conv(Padding.SAME, 1, 1, 1, 1, FusedActivation.NONE), f, -1);
        int conv = ch.current;
        ch.opOn(OpType.ADD, OpOptions.activation(FusedActivation.NONE), 0, conv)
                .op(OpType.MUL, OpOptions.activation(FusedActivation.NONE), conv);
        assertSameAsReference(ch.graph());
    }

    @Test
    void standaloneActivationsOnBothLayouts() throws Exception {
        GraphChain ch = new GraphChain(15, -1, 5, 9, 2);
        int f = ch.constant(3, 1, 1, 2);
        ch.op(OpType.RELU6, OpOptions.NONE)                  // on the NHWC input
                .op(OpType.CONV_2D, OpOptions.conv(Padding.VALID, 1, 1, 1, 1, FusedActivation.NONE), f, -1)
                .op(OpType.LOGISTIC, OpOptions.NONE)         // on an NCHW value
                .op(OpType.TANH, OpOptions.NONE)
                .op(OpType.RELU, OpOptions.NONE);
        assertSameAsReference(ch.graph());
    }
}
