package dev.sparse24.runtime.cuda;

import dev.sparse24.graph.DType;
import dev.sparse24.graph.FusedActivation;
import dev.sparse24.graph.Graph;
import dev.sparse24.graph.GraphTensor;
import dev.sparse24.graph.OpOptions;
import dev.sparse24.graph.OpType;
import dev.sparse24.graph.Operator;
import dev.sparse24.graph.Padding;
import dev.sparse24.runtime.HalfPrecision;
import dev.sparse24.sparse.CompressedWeights;
import dev.sparse24.tensor.Tensor;
import dev.sparse24.testing.Outputs;
import dev.sparse24.testing.RandomWeights;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static dev.sparse24.runtime.cuda.SimFixtures.assertMatchesCpu;

/**
 * Every op of the CUDA executor, run on the host simulation of our kernels, against the CPU
 * runtime (itself tested against the plain-Java ReferenceEvaluator) on odd shapes: output
 * features 1, 3, 17; batches 1, 3, 17 (small-batch kernel, n8..n32 tiles) and 65 (tiled
 * kernel); input widths that need padding to 8; every fused activation; fp16 and bf16.
 * The CPU runs on the same 16-bit weights and inputs, so a single GEMM layer writing fp32 must
 * agree to accumulation order ({@value #EXACT}); layers that pass 16-bit activations on (or
 * write a 16-bit output) within that precision's rounding: fp16 {@value #FP16}, bf16 {@value #BF16}.
 */
class SimOpsTest {
    static final double EXACT = 1e-5;
    static final double FP16 = 5e-3;
    static final double BF16 = 3e-2;

    @BeforeAll
    static void simulate() {
        SimFixtures.requireSimulation();
        System.setProperty("sparse24.cuda.sim", "true");
    }

    @AfterAll
    static void restore() {
        System.clearProperty("sparse24.cuda.sim");
    }

    /** One FULLY_CONNECTED layer [k -> m], 2:4 or dense, with bias and {@code act}. */
    static Graph fc(int m, int k, boolean sparse, FusedActivation act, long seed) {
        Random r = new Random(seed);
        float[] w = RandomWeights.twoFour(r, m, k);
        List<GraphTensor> t = List.of(
                GraphTensor.activation("x", new int[]{-1, k}, DType.FLOAT32),
                sparse ? GraphTensor.compressed("w", new int[]{m, k}, CompressedWeights.compress(w, m, k))
                        : GraphTensor.constant("w", new int[]{m, k}, Tensor.of(Outputs.gaussian(r, m * k), m, k)),
                GraphTensor.constant("b", new int[]{m}, Tensor.of(Outputs.gaussian(r, m), m)),
                GraphTensor.activation("y", new int[]{-1, m}, DType.FLOAT32));
        return new Graph(t, List.of(new Operator(OpType.FULLY_CONNECTED, new int[]{0, 1, 2}, new int[]{3},
                OpOptions.activation(act))), new int[]{0}, new int[]{3}, Map.of());
    }

    @Test
    void sparseFullyConnectedOnOddShapes() throws Exception {
        FusedActivation[] acts = FusedActivation.values();
        int i = 0;
        for (int m : new int[]{1, 3, 17}) {
            for (int k : new int[]{37, 64}) {        // 37: padded through im2col; 64: read directly
                for (int batch : new int[]{1, 3, 17, 65}) {
                    FusedActivation act = acts[i++ % acts.length];
                    assertMatchesCpu(fc(m, k, true, act, m * 100 + k), HalfPrecision.FP16, batch, 64, EXACT, batch);
                }
            }
        }
    }

    @Test
    void denseFullyConnectedOnOddShapes() throws Exception {
        for (int m : new int[]{1, 3, 17}) {
            for (int batch : new int[]{1, 3, 17, 65}) {
                assertMatchesCpu(fc(m, 37, false, FusedActivation.RELU, m), HalfPrecision.FP16, batch, 64, EXACT, batch);
            }
        }
    }

    @Test
    void bf16AndChunkedBatches() throws Exception {
        // 65 items in passes of at most 8: the small-batch kernel on chunks 8, ..., 8, 1.
        assertMatchesCpu(fc(17, 70, true, FusedActivation.RELU6, 5), HalfPrecision.BF16, 65, 8, EXACT, 1);
        assertMatchesCpu(fc(3, 37, false, FusedActivation.TANH, 6), HalfPrecision.BF16, 17, 64, EXACT, 2);
    }

    /** Wide 2:4 layer at batch 3: enough k chunks for split-K (4 simulated SMs). */
    @Test
    void splitKMatchesTheCpu() throws Exception {
        SparseGemmPlan p = SparseGemmPlan.choose(17, 1024, 3, 4);
        org.junit.jupiter.api.Assertions.assertTrue(p.splits() > 1, "expected a split-K plan, got " + p);
        assertMatchesCpu(fc(17, 1024, true, FusedActivation.NONE, 8), HalfPrecision.FP16, 3, 64, EXACT, 3);
    }

    /**
     * Convolutions and pooling: dense 5x5 SAME on one channel with ReLU (the tutorial's first
     * layer), max pool SAME, 2:4 3x3 dilation 2 stride 2 VALID with ReLU6, average pool SAME
     * with RELU_N1_TO_1, a 2:4 1x1 conv over 8 channels (read directly, no im2col) with TANH.
     */
    static Graph convolutions(long seed) {
        Random r = new Random(seed);
        List<GraphTensor> t = new ArrayList<>();
        List<Operator> ops = new ArrayList<>();
        t.add(GraphTensor.activation("x", new int[]{-1, 13, 11, 1}, DType.FLOAT32));                         // 0
        t.add(GraphTensor.constant("c1/w", new int[]{8, 5, 5, 1}, Tensor.of(Outputs.gaussian(r, 200), 8, 5, 5, 1)));     // 1
        t.add(GraphTensor.constant("c1/b", new int[]{8}, Tensor.of(Outputs.gaussian(r, 8), 8)));                       // 2
        t.add(GraphTensor.activation("c1", new int[]{-1, 13, 11, 8}, DType.FLOAT32));                        // 3
        ops.add(new Operator(OpType.CONV_2D, new int[]{0, 1, 2}, new int[]{3},
                OpOptions.conv(Padding.SAME, 1, 1, 1, 1, FusedActivation.RELU)));
        t.add(GraphTensor.activation("p1", new int[]{-1, 7, 6, 8}, DType.FLOAT32));                          // 4
        ops.add(new Operator(OpType.MAX_POOL_2D, new int[]{3}, new int[]{4},
                OpOptions.pool(Padding.SAME, 2, 2, 2, 2, FusedActivation.NONE)));
        t.add(GraphTensor.compressed("c2/w", new int[]{17, 3, 3, 8},
                CompressedWeights.compress(RandomWeights.twoFour(r, 17, 72), 17, 72)));                     // 5
        t.add(GraphTensor.constant("c2/b", new int[]{17}, Tensor.of(Outputs.gaussian(r, 17), 17)));                    // 6
        t.add(GraphTensor.activation("c2", new int[]{-1, 2, 1, 17}, DType.FLOAT32));                         // 7
        ops.add(new Operator(OpType.CONV_2D, new int[]{4, 5, 6}, new int[]{7},
                OpOptions.conv(Padding.VALID, 2, 2, 2, 2, FusedActivation.RELU6)));
        t.add(GraphTensor.activation("p2", new int[]{-1, 1, 1, 17}, DType.FLOAT32));                         // 8
        ops.add(new Operator(OpType.AVERAGE_POOL_2D, new int[]{7}, new int[]{8},
                OpOptions.pool(Padding.SAME, 2, 2, 2, 2, FusedActivation.RELU_N1_TO_1)));
        return new Graph(t, ops, new int[]{0}, new int[]{8}, Map.of());
    }

    static Graph unitConv(long seed) {
        Random r = new Random(seed);
        List<GraphTensor> t = List.of(
                GraphTensor.activation("x", new int[]{-1, 3, 5, 8}, DType.FLOAT32),
                GraphTensor.compressed("w", new int[]{3, 1, 1, 8}, CompressedWeights.compress(RandomWeights.twoFour(r, 3, 8), 3, 8)),
                GraphTensor.activation("y", new int[]{-1, 3, 5, 3}, DType.FLOAT32));
        return new Graph(t, List.of(new Operator(OpType.CONV_2D, new int[]{0, 1, -1}, new int[]{2},
                OpOptions.conv(Padding.VALID, 1, 1, 1, 1, FusedActivation.TANH))), new int[]{0}, new int[]{2}, Map.of());
    }

    @Test
    void convolutionsAndPoolingMatchTheCpu() throws Exception {
        for (int batch : new int[]{1, 3}) {
            assertMatchesCpu(convolutions(11), HalfPrecision.FP16, batch, 64, FP16, batch);
        }
        assertMatchesCpu(convolutions(12), HalfPrecision.BF16, 3, 2, BF16, 4);
        for (int batch : new int[]{1, 17}) {
            assertMatchesCpu(unitConv(13), HalfPrecision.FP16, batch, 64, FP16, batch);
        }
    }
}
