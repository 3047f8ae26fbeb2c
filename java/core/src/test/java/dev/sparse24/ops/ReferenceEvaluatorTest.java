package dev.sparse24.ops;

import dev.sparse24.format.tflite.TfliteReader;
import dev.sparse24.format.tflite.TfliteWriter;
import dev.sparse24.graph.DType;
import dev.sparse24.graph.FusedActivation;
import dev.sparse24.graph.Graph;
import dev.sparse24.graph.GraphTensor;
import dev.sparse24.graph.OpOptions;
import dev.sparse24.graph.OpType;
import dev.sparse24.graph.Operator;
import dev.sparse24.graph.Padding;
import dev.sparse24.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The evaluator's ops that the tutorial round trip and the real models do not reach (dilation,
 * strided SAME padding, depthwise multiplier, average pooling, mean, broadcasting add/mul,
 * softmax beta, standalone activations), each against a direct transcription of its
 * definition or a value worked by hand; plus a .tflite round trip of the same graph.
 */
class ReferenceEvaluatorTest {
    static final Random RND = new Random(5);

    static float[] random(int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = RND.nextFloat() * 2 - 1;
        }
        return v;
    }

    /** A graph builder for one chain of ops from a single input. */
    static final class Chain {
        final List<GraphTensor> tensors = new ArrayList<>();
        final List<Operator> ops = new ArrayList<>();
        int current;

        Chain(int... inputShape) {
            tensors.add(GraphTensor.activation("x", inputShape, DType.FLOAT32));
        }

        int constant(float[] v, int... shape) {
            tensors.add(GraphTensor.constant("c" + tensors.size(), shape, Tensor.of(v, v.length)));
            return tensors.size() - 1;
        }

        Chain op(OpType type, OpOptions o, int... extraInputs) {
            int[] in = new int[1 + extraInputs.length];
            in[0] = current;
            System.arraycopy(extraInputs, 0, in, 1, extraInputs.length);
            tensors.add(GraphTensor.activation("t" + tensors.size(), new int[]{-1}, DType.FLOAT32));
            current = tensors.size() - 1;
            ops.add(new Operator(type, in, new int[]{current}, o));
            return this;
        }

        Graph graph() {
            return new Graph(tensors, ops, new int[]{0}, new int[]{current}, Map.of());
        }
    }

    @Test
    void dilatedStridedSameConvolutionMatchesItsDefinition() {
        int h = 7, w = 6, c = 3, o = 2, k = 3, stride = 2, dil = 2;
        float[] x = random(h * w * c);
        float[] f = random(o * k * k * c);
        float[] bias = random(o);
        Chain ch = new Chain(-1, h, w, c);
        int fi = ch.constant(f, o, k, k, c);
        int bi = ch.constant(bias, o);
        ch.op(OpType.CONV_2D, OpOptions.conv(Padding.SAME, stride, stride, dil, dil, FusedActivation.NONE), fi, bi);
        float[] y = new ReferenceEvaluator(ch.graph()).run(Tensor.of(x, 1, h, w, c)).toArray();
        // SAME: out = ceil(in / s); effective window (k-1)*d+1 = 5; pad total = (out-1)*s + 5 - in.
        int oh = 4, ow = 3;
        int padTop = ((oh - 1) * stride + 5 - h) / 2, padLeft = ((ow - 1) * stride + 5 - w) / 2;
        assertEquals(oh * ow * o, y.length);
        for (int yy = 0; yy < oh; yy++) {
            for (int xx = 0; xx < ow; xx++) {
                for (int oc = 0; oc < o; oc++) {
                    double s = bias[oc];
                    for (int i = 0; i < k; i++) {
                        for (int j = 0; j < k; j++) {
                            int iy = yy * stride + i * dil - padTop, ix = xx * stride + j * dil - padLeft;
                            if (iy >= 0 && iy < h && ix >= 0 && ix < w) {
                                for (int cc = 0; cc < c; cc++) {
                                    s += x[(iy * w + ix) * c + cc] * f[((oc * k + i) * k + j) * c + cc];
                                }
                            }
                        }
                    }
                    assertEquals(s, y[(yy * ow + xx) * o + oc], 1e-5, "at " + yy + "," + xx + "," + oc);
                }
            }
        }
    }

    @Test
    void depthwiseWithMultiplierMatchesItsDefinition() {
        int h = 4, w = 4, c = 2, m = 3, k = 2;
        float[] x = random(h * w * c);
        float[] f = random(k * k * c * m);
        Chain ch = new Chain(-1, h, w, c);
        int fi = ch.constant(f, 1, k, k, c * m);
        ch.op(OpType.DEPTHWISE_CONV_2D, OpOptions.depthwise(Padding.VALID, 1, 1, 1, 1, m, FusedActivation.RELU6), fi);
        float[] y = new ReferenceEvaluator(ch.graph()).run(Tensor.of(x, 1, h, w, c)).toArray();
        int oh = 3, ow = 3;
        for (int yy = 0; yy < oh; yy++) {
            for (int xx = 0; xx < ow; xx++) {
                for (int oc = 0; oc < c * m; oc++) {
                    double s = 0;
                    for (int i = 0; i < k; i++) {
                        for (int j = 0; j < k; j++) {
                            s += x[((yy + i) * w + xx + j) * c + oc / m] * f[(i * k + j) * c * m + oc];
                        }
                    }
                    assertEquals(Math.min(Math.max(s, 0), 6), y[(yy * ow + xx) * c * m + oc], 1e-5);
                }
            }
        }
    }

    @Test
    void averagePoolCountsOnlyCellsInsideTheInput() {
        // 3x3 input, 2x2 window, stride 2, SAME: out 2x2, padding after (bottom/right) only.
        float[] x = {1, 2, 3, 4, 5, 6, 7, 8, 9};
        Chain ch = new Chain(-1, 3, 3, 1);
        ch.op(OpType.AVERAGE_POOL_2D, OpOptions.pool(Padding.SAME, 2, 2, 2, 2, FusedActivation.NONE));
        float[] y = new ReferenceEvaluator(ch.graph()).run(Tensor.of(x, 1, 3, 3, 1)).toArray();
        assertArrayEquals(new float[]{(1 + 2 + 4 + 5) / 4f, (3 + 6) / 2f, (7 + 8) / 2f, 9}, y, 1e-6f);
    }

    @Test
    void meanAddMulSoftmaxAndActivations() {
        // x [B,2,2,3] -> MEAN over (1,2) -> [B,3] -> MUL by [3] -> ADD [3] -> SOFTMAX(beta 2) -> TANH
        float[] x = random(2 * 2 * 2 * 3);
        float[] scale = {2, -1, 0.5f};
        float[] shift = {0.1f, 0.2f, -0.3f};
        Chain ch = new Chain(-1, 2, 2, 3);
        ch.tensors.add(GraphTensor.intConstant("axes", new int[]{2}, new int[]{1, 2}));
        int axes = ch.tensors.size() - 1;
        int s = ch.constant(scale, 3);
        int t = ch.constant(shift, 3);
        ch.op(OpType.MEAN, OpOptions.mean(false), axes)
                .op(OpType.MUL, OpOptions.activation(FusedActivation.NONE), s)
                .op(OpType.ADD, OpOptions.activation(FusedActivation.NONE), t)
                .op(OpType.SOFTMAX, OpOptions.softmax(2f))
                .op(OpType.TANH, OpOptions.NONE);
        Graph g = ch.graph();
        float[] y = new ReferenceEvaluator(g).run(Tensor.of(x, 2, 2, 2, 3)).toArray();
        for (int b = 0; b < 2; b++) {
            double[] z = new double[3];
            double sum = 0;
            for (int c = 0; c < 3; c++) {
                double mean = 0;
                for (int p = 0; p < 4; p++) {
                    mean += x[b * 12 + p * 3 + c] / 4;
                }
                z[c] = Math.exp(2 * (mean * scale[c] + shift[c]));
                sum += z[c];
            }
            for (int c = 0; c < 3; c++) {
                assertEquals(Math.tanh(z[c] / sum), y[b * 3 + c], 1e-6);
            }
        }
    }

    @Test
    void graphWithEveryOptionSurvivesATfliteRoundTrip() throws Exception {
        Chain ch = new Chain(-1, 6, 6, 4);
        int f = ch.constant(random(4 * 3 * 3 * 4), 4, 3, 3, 4);
        int dw = ch.constant(random(2 * 2 * 8), 1, 2, 2, 8);
        int fc = ch.constant(random(5 * 32), 5, 32);
        int shift = ch.constant(random(5), 5);
        ch.op(OpType.CONV_2D, OpOptions.conv(Padding.SAME, 1, 2, 2, 1, FusedActivation.RELU), f)
                .op(OpType.DEPTHWISE_CONV_2D, OpOptions.depthwise(Padding.SAME, 1, 1, 1, 1, 2, FusedActivation.TANH), dw)
                .op(OpType.MAX_POOL_2D, OpOptions.pool(Padding.VALID, 2, 1, 3, 2, FusedActivation.NONE))
                .op(OpType.AVERAGE_POOL_2D, OpOptions.pool(Padding.SAME, 1, 1, 2, 2, FusedActivation.RELU_N1_TO_1))
                .op(OpType.RESHAPE, OpOptions.reshape(new int[]{1, -1}))
                .op(OpType.FULLY_CONNECTED, OpOptions.activation(FusedActivation.NONE), fc)
                .op(OpType.ADD, OpOptions.activation(FusedActivation.RELU6), shift)
                .op(OpType.LOGISTIC, OpOptions.NONE)
                .op(OpType.SOFTMAX, OpOptions.softmax(0.5f));
        Graph g = ch.graph();
        Tensor x = Tensor.of(random(2 * 6 * 6 * 4), 2, 6, 6, 4);
        float[] before = new ReferenceEvaluator(g).run(x).toArray();
        Graph back = TfliteReader.read(TfliteWriter.toBytes(g));
        assertEquals(g.operators().size(), back.operators().size());
        for (int i = 0; i < g.operators().size(); i++) {
            OpOptions a = g.operators().get(i).options();
            OpOptions b = back.operators().get(i).options();
            assertEquals(g.operators().get(i).type(), back.operators().get(i).type());
            assertEquals(List.of(a.padding(), a.strideH(), a.strideW(), a.dilationH(), a.dilationW(), a.activation(),
                    a.beta()), List.of(b.padding(), b.strideH(), b.strideW(), b.dilationH(), b.dilationW(),
                    b.activation(), b.beta()), "options of op " + i);
        }
        assertArrayEquals(before, new ReferenceEvaluator(back).run(x).toArray());
    }

    @Test
    void inputShapeIsChecked() {
        Chain ch = new Chain(-1, 3, 3, 1);
        ch.op(OpType.RELU, OpOptions.NONE);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ReferenceEvaluator(ch.graph()).run(Tensor.of(new float[12], 1, 3, 4, 1)));
        assertTrue(e.getMessage().contains("expected shape [-1, 3, 3, 1]") && e.getMessage().contains("[1, 3, 4, 1]"),
                e.getMessage());
    }
}
