package dev.sparse24.format.onnx;

import dev.sparse24.graph.FusedActivation;
import dev.sparse24.graph.Graph;
import dev.sparse24.graph.OpOptions;
import dev.sparse24.graph.OpType;
import dev.sparse24.graph.Padding;
import dev.sparse24.graph.ShapeInference;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Seeded random chains of every op type, with random geometry (odd sizes, strides, dilations,
 * both paddings, fused activations, layout changes in any order), exported and run by ONNX
 * Runtime against the reference evaluator at batches 1, 3 and 17: the combinations no
 * hand-written case thought of. Bounded: a fixed number of graphs from fixed seeds.
 */
class OnnxWriterRandomGraphsTest {
    static final int GRAPHS = 200;

    @Test
    void randomChainsMatchTheReference() throws Exception {
        int built = 0;
        for (int seed = 0; seed < GRAPHS; seed++) {
            Graph g = randomGraph(seed);
            try {
                OnnxWriterOpsTest.assertSameAsReference(g);
            } catch (AssertionError | Exception e) {
                throw new AssertionError("seed " + seed + ": " + g.operators() + ": " + e.getMessage(), e);
            }
            built++;
        }
        assertEquals(GRAPHS, built);
    }

    static Graph randomGraph(long seed) {
        Random r = new Random(seed);
        int h = 3 + r.nextInt(7);
        int w = 3 + r.nextInt(7);
        int c = 1 + r.nextInt(5);
        GraphChain ch = new GraphChain(seed, -1, h, w, c);
        int ops = 1 + r.nextInt(5);
        for (int k = 0; k < ops; k++) {
            int[] s = ShapeInference.of(ch.graph()).shape(ch.current);
            if (s.length != 4) {
                break;
            }
            FusedActivation act = FusedActivation.values()[r.nextInt(FusedActivation.values().length)];
            Padding pad = r.nextBoolean() ? Padding.SAME : Padding.VALID;
            switch (r.nextInt(8)) {
                case 0, 1 -> {
                    int kh = 1 + r.nextInt(3);
                    int kw = 1 + r.nextInt(3);
                    int dil = 1 + r.nextInt(2);
                    if (pad == Padding.VALID && ((kh - 1) * dil + 1 > s[1] || (kw - 1) * dil + 1 > s[2])) {
                        pad = Padding.SAME;
                    }
                    int out = 1 + r.nextInt(6);
                    int f = ch.constant(out, kh, kw, s[3]);
                    int b = r.nextBoolean() ? ch.constant(out) : -1;
                    ch.op(OpType.CONV_2D, OpOptions.conv(pad, 1 + r.nextInt(2), 1 + r.nextInt(2), dil, dil, act), f, b);
                }
                case 2 -> {
                    int m = 1 + r.nextInt(2);
                    int k2 = 1 + r.nextInt(3);
                    if (pad == Padding.VALID && (k2 > s[1] || k2 > s[2])) {
                        pad = Padding.SAME;
                    }
                    int f = ch.constant(1, k2, k2, s[3] * m);
                    int b = ch.constant(s[3] * m);
                    ch.op(OpType.DEPTHWISE_CONV_2D, OpOptions.depthwise(pad, 1 + r.nextInt(2), 1, 1, 1, m, act), f, b);
                }
                case 3 -> {
                    int fh = 1 + r.nextInt(3);
                    int fw = 1 + r.nextInt(3);
                    if (pad == Padding.VALID && (fh > s[1] || fw > s[2])) {
                        pad = Padding.SAME;
                    }
                    ch.op(r.nextBoolean() ? OpType.MAX_POOL_2D : OpType.AVERAGE_POOL_2D,
                            OpOptions.pool(pad, 1 + r.nextInt(2), 1 + r.nextInt(2), fh, fw, act));
                }
                case 4 -> ch.op(new OpType[]{OpType.RELU, OpType.RELU6, OpType.LOGISTIC, OpType.TANH}[r.nextInt(4)],
                        OpOptions.NONE);
                case 5 -> {
                    int[][] shapes = {{s[3]}, {1, 1, s[2], s[3]}, {s[1], s[2], s[3]}, {1, s[1], 1, 1}};
                    int cst = ch.constant(shapes[r.nextInt(shapes.length)]);
                    ch.op(r.nextBoolean() ? OpType.ADD : OpType.MUL, OpOptions.activation(act), cst);
                }
                case 6 -> ch.op(OpType.SOFTMAX, OpOptions.softmax(r.nextBoolean() ? 1f : 0.5f + r.nextFloat()));
                default -> {
                    int axis = 1 + r.nextInt(3);
                    ch.op(OpType.MEAN, OpOptions.mean(true), ch.intConstant(axis));
                }
            }
        }
        if (r.nextBoolean()) {
            int[] s = ShapeInference.of(ch.graph()).shape(ch.current);
            int n = 1;
            for (int d = 1; d < s.length; d++) {
                n *= s[d];
            }
            int units = 1 + r.nextInt(7);
            int wt = ch.constant(units, n);
            ch.op(OpType.RESHAPE, OpOptions.reshape(new int[]{-1, n}))
                    .op(OpType.FULLY_CONNECTED, OpOptions.activation(FusedActivation.RELU6), wt, ch.constant(units))
                    .op(OpType.SOFTMAX, OpOptions.softmax(1f));
        }
        return ch.graph();
    }
}
