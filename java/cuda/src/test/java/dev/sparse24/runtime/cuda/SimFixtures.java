package dev.sparse24.runtime.cuda;

import dev.sparse24.graph.Graph;
import dev.sparse24.graph.GraphTensor;
import dev.sparse24.graph.OpType;
import dev.sparse24.graph.Operator;
import dev.sparse24.runtime.Device;
import dev.sparse24.runtime.HalfPrecision;
import dev.sparse24.runtime.InferenceSession;
import dev.sparse24.runtime.SessionOptions;
import dev.sparse24.runtime.SparseModel;
import dev.sparse24.sparse.CompressedWeights;
import dev.sparse24.tensor.Tensor;
import dev.sparse24.testing.Outputs;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Runs a graph on the CPU runtime and on Device.CUDA through the host simulation, and compares. */
final class SimFixtures {
    private SimFixtures() {
    }

    /**
     * Fails when the simulation does not load although the build made it; skips the test when the
     * build had no CUDA headers ({@code sparse24.cuda.sim.built=false}, profile no-cuda-headers).
     */
    static void requireSimulation() {
        String why = dev.sparse24.runtime.cuda.sim.SimDevice.unavailableReason();
        if (Boolean.parseBoolean(System.getProperty("sparse24.cuda.sim.built", "true"))) {
            org.junit.jupiter.api.Assertions.assertNull(why);
        } else {
            org.junit.jupiter.api.Assumptions.assumeTrue(why == null, "built without the host simulation: " + why);
        }
    }

    static float[] run(Graph g, Device device, HalfPrecision p, int maxBatch, float[] x, int batch) throws Exception {
        SparseModel model = SparseModel.fromGraph(g);
        SessionOptions o = SessionOptions.defaults().withDevice(device).withPrecision(p).withMaxBatch(maxBatch);
        try (InferenceSession s = model.newSession(o)) {
            assertEquals(device, s.device());
            return s.run(x, batch);
        }
    }

    /**
     * {@code g} with the GEMM weights (FULLY_CONNECTED / CONV_2D input 1, dense or 2:4) rounded
     * to {@code p}: what the device computes with. Biases stay fp32, as on the device.
     */
    static Graph roundedWeights(Graph g, HalfPrecision p) {
        boolean[] weight = new boolean[g.tensors().size()];
        for (Operator op : g.operators()) {
            if (op.type() == OpType.FULLY_CONNECTED || op.type() == OpType.CONV_2D) {
                weight[op.input(1)] = true;
            }
        }
        List<GraphTensor> t = new ArrayList<>();
        for (int i = 0; i < weight.length; i++) {
            GraphTensor gt = g.tensor(i);
            if (!weight[i]) {
                t.add(gt);
            } else if (gt.isCompressed()) {
                CompressedWeights w = gt.compressedValues();
                t.add(GraphTensor.compressed(gt.name(), gt.shape(),
                        CompressedWeights.of(w.rows(), w.cols(), round(w.values(), p), w.metadata())));
            } else {
                t.add(GraphTensor.constant(gt.name(), gt.shape(), Tensor.of(round(gt.floatValues(), p), gt.shape())));
            }
        }
        return new Graph(t, g.operators(), g.inputs(), g.outputs(), g.metadata());
    }

    static float[] round(float[] v, HalfPrecision p) {
        float[] r = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            r[i] = p.round(v[i]);
        }
        return r;
    }

    /**
     * Asserts the CUDA (simulated) outputs are within {@code tolerance} of the CPU runtime's on
     * the same 16-bit operands, relative to the output's scale, and returns the error.
     */
    static double assertMatchesCpu(Graph g, HalfPrecision p, int batch, int maxBatch, double tolerance, long seed)
            throws Exception {
        SparseModel model = SparseModel.fromGraph(g);
        int sample = model.inputs().get(0).sampleSize();
        // The CPU reference gets the operands the device sees (weights and inputs rounded to p):
        // what remains is accumulation order and the rounding of activations between layers.
        float[] x = round(Outputs.gaussian(new Random(seed), batch * sample), p);
        float[] want = run(roundedWeights(g, p), Device.CPU, p, maxBatch, x, batch);
        float[] got = run(g, Device.CUDA, p, maxBatch, x, batch);
        double err = Outputs.relativeError(got, want);
        assertTrue(err <= tolerance, "relative error " + err + " > " + tolerance + " (batch " + batch + ", " + p + ")");
        return err;
    }
}
