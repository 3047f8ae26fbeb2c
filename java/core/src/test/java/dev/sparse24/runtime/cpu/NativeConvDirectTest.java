package dev.sparse24.runtime.cpu;

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
import dev.sparse24.tensor.Tensor;
import dev.sparse24.testing.Outputs;
import org.junit.jupiter.api.Test;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The direct convolution ({@code s24_conv_direct}, native/conv_direct.h) for dense convs with
 * few input channels: every ISA this CPU runs (scalar, AVX2, AVX-512) against the plain-Java
 * reference, on odd shapes - 1, 3 and 4 input channels, 1, 3, 17, 32 and 67 output channels
 * (vector tails and chunks), 1x1 to 5x5 filters, strides, dilation, SAME and VALID, images
 * narrower than the filter, batches 1, 3 and 17 split over threads - and every fused activation.
 */
class NativeConvDirectTest {
    private static Graph conv(Random r, int h, int w, int c, int o, int k, int s, int d, Padding p, FusedActivation act,
                              boolean bias) {
        int eff = (k - 1) * d + 1;
        int oh = p.outputSize(h, eff, s);
        int ow = p.outputSize(w, eff, s);
        List<GraphTensor> t = new ArrayList<>();
        t.add(GraphTensor.activation("x", new int[]{-1, h, w, c}, DType.FLOAT32));
        t.add(GraphTensor.constant("w", new int[]{o, k, k, c}, Tensor.of(Outputs.gaussian(r, o * k * k * c), o, k, k, c)));
        t.add(GraphTensor.constant("b", new int[]{o}, Tensor.of(Outputs.gaussian(r, o), o)));
        t.add(GraphTensor.activation("y", new int[]{-1, oh, ow, o}, DType.FLOAT32));
        return new Graph(t, List.of(new Operator(OpType.CONV_2D, new int[]{0, 1, bias ? 2 : -1}, new int[]{3},
                OpOptions.conv(p, s, s, d, d, act))), new int[]{0}, new int[]{3}, Map.of());
    }

    @Test
    void everyIsaMatchesTheReferenceOnOddShapes() {
        org.junit.jupiter.api.Assumptions.assumeTrue(NativeLibrary.available(), "native library not loaded");
        Random r = new Random(31);
        int cases = 0;
        for (int c : new int[]{1, 3, 4}) {
            for (int o : new int[]{1, 3, 17, 32, 67}) {
                for (int[] geo : new int[][]{{28, 28, 5, 1, 1}, {7, 5, 3, 2, 1}, {9, 11, 3, 1, 2}, {3, 2, 5, 1, 1},
                        {1, 1, 1, 1, 1}, {13, 6, 2, 3, 1}}) {
                    for (Padding p : Padding.values()) {
                        int eff = (geo[2] - 1) * geo[4] + 1;
                        if (p == Padding.VALID && (eff > geo[0] || eff > geo[1])) {
                            continue;
                        }
                        FusedActivation act = FusedActivation.values()[cases % 5];
                        Graph g = conv(r, geo[0], geo[1], c, o, geo[2], geo[3], geo[4], p, act, cases % 4 != 0);
                        int batch = new int[]{1, 3, 17}[cases % 3];
                        float[] x = Outputs.gaussian(r, batch * geo[0] * geo[1] * c);
                        float[] want = new ReferenceEvaluator(g).run(Tensor.of(x, batch, geo[0], geo[1], c)).toArray();
                        assertTrue(DirectConvStep.applies(g, g.operators().get(0), ShapeInference.of(g), Isa.best()));
                        for (Isa isa : Isa.values()) {
                            if (isa == Isa.JAVA || !isa.isSupported()) {
                                continue;
                            }
                            try (CpuExecutor e = new CpuExecutor(g, 1 + cases % 2, 32, isa)) {
                                float[] got = new float[want.length];
                                e.run(new FloatBuffer[]{FloatBuffer.wrap(x)}, batch, new FloatBuffer[]{FloatBuffer.wrap(got)});
                                double err = Outputs.relativeError(got, want);
                                assertTrue(err < 1e-5, isa + " c=" + c + " o=" + o + " " + java.util.Arrays.toString(geo)
                                        + " " + p + " " + act + " batch " + batch + ": error " + err);
                            }
                        }
                        cases++;
                    }
                }
            }
        }
        assertTrue(cases > 100, "cases " + cases);
    }

    @Test
    void onlyDenseConvsWithFewChannelsRunDirect() {
        Random r = new Random(3);
        Graph few = conv(r, 8, 8, 4, 8, 3, 1, 1, Padding.SAME, FusedActivation.RELU, true);
        Graph many = conv(r, 8, 8, 5, 8, 3, 1, 1, Padding.SAME, FusedActivation.RELU, true);
        Isa best = Isa.best();
        assertEquals(best != Isa.JAVA, DirectConvStep.applies(few, few.operators().get(0), ShapeInference.of(few), best));
        assertEquals(false, DirectConvStep.applies(many, many.operators().get(0), ShapeInference.of(many), best));
        assertEquals(false, DirectConvStep.applies(few, few.operators().get(0), ShapeInference.of(few), Isa.JAVA));
        // 9x9 taps x 4 channels = 324 > the kernel's tap list: im2col + GEMM (and still right).
        Graph wide = conv(r, 12, 12, 4, 8, 9, 1, 1, Padding.SAME, FusedActivation.RELU, true);
        assertEquals(false, DirectConvStep.applies(wide, wide.operators().get(0), ShapeInference.of(wide), best));
        CpuExecutorTest.assertMatchesReference(wide, 3);
    }

    @Test
    void aNaNInputStaysNaNThroughTheActivation() {
        org.junit.jupiter.api.Assumptions.assumeTrue(NativeLibrary.available(), "native library not loaded");
        Graph g = conv(new Random(4), 5, 5, 1, 17, 3, 1, 1, Padding.SAME, FusedActivation.RELU, true);
        float[] x = Outputs.gaussian(new Random(5), 25);
        x[12] = Float.NaN;  // the centre pixel: every output pixel's window holds it but the corners'
        float[] want = new ReferenceEvaluator(g).run(Tensor.of(x, 1, 5, 5, 1)).toArray();
        try (CpuExecutor e = new CpuExecutor(g, 1, 1, Isa.best())) {
            float[] got = new float[want.length];
            e.run(new FloatBuffer[]{FloatBuffer.wrap(x)}, 1, new FloatBuffer[]{FloatBuffer.wrap(got)});
            for (int i = 0; i < want.length; i++) {
                assertEquals(Float.isNaN(want[i]), Float.isNaN(got[i]), "value " + i);
            }
        }
    }
}
