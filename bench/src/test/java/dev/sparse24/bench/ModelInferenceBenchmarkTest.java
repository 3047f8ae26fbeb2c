package dev.sparse24.bench;

import dev.sparse24.graph.Graph;
import dev.sparse24.graph.GraphTensor;
import dev.sparse24.ops.ReferenceEvaluator;
import dev.sparse24.runtime.Device;
import dev.sparse24.runtime.InferenceSession;
import dev.sparse24.runtime.SessionOptions;
import dev.sparse24.runtime.SparseModel;
import dev.sparse24.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The benchmark's model is the tutorial's, really 2:4 where it should be, and both variants compute the same. */
class ModelInferenceBenchmarkTest {
    @Test
    void sparseAndDenseVariantsRunTheSameTutorialModel() throws Exception {
        Graph sparse = ModelInferenceBenchmark.tutorialGraph();
        Graph dense = sparse.withDenseWeights();
        // conv2 [64,5,5,32] and dense1 [1024,3136] are 2:4 compressed; nothing is in the dense copy.
        assertEquals(2, sparse.compressedTensors().size(), sparse.toString());
        assertEquals(0, dense.compressedTensors().size());
        long zeros = 0;
        for (GraphTensor t : sparse.compressedTensors()) {
            for (float v : t.floatValues()) {
                zeros += v == 0f ? 1 : 0;
            }
        }
        assertEquals((64 * 800 + 1024 * 3136) / 2, zeros);

        Random r = new Random(11);
        float[] x = new float[3 * 784];
        for (int i = 0; i < x.length; i++) {
            x[i] = r.nextFloat();
        }
        float[] want = new ReferenceEvaluator(dense).run(Tensor.of(x, 3, 28, 28, 1)).toArray();
        for (Graph g : new Graph[] {sparse, dense}) {
            try (InferenceSession s = SparseModel.fromGraph(g).newSession(SessionOptions.defaults()
                    .withDevice(Device.CPU).withThreads(1).withMaxBatch(3))) {
                float[] got = s.run(x, 3);
                assertEquals(want.length, got.length);
                for (int i = 0; i < want.length; i++) {
                    assertTrue(Math.abs(want[i] - got[i]) <= 1e-4f * Math.max(1f, Math.abs(want[i])),
                            "logit " + i + ": " + got[i] + " vs " + want[i]);
                }
            }
        }
    }

    @Test
    void everyVariantOfTheBenchmarkComputesTheReferenceLogits() throws Exception {
        for (String variant : new String[]{"dense", "onnxruntime", "sparse"}) {
            ModelInferenceBenchmark b = new ModelInferenceBenchmark();
            b.batch = 3;
            b.threads = 1;
            b.variant = variant;
            b.setUp();
            try {
                java.nio.FloatBuffer in = b.inputForTests();
                float[] x = new float[in.capacity()];
                in.get(0, x);
                float[] want = new ReferenceEvaluator(ModelInferenceBenchmark.tutorialGraph().withDenseWeights())
                        .run(Tensor.of(x, 3, 28, 28, 1)).toArray();
                java.nio.FloatBuffer out = b.model();
                for (int i = 0; i < want.length; i++) {
                    assertTrue(Math.abs(want[i] - out.get(i)) <= 1e-4f * Math.max(1f, Math.abs(want[i])),
                            variant + " logit " + i + ": " + out.get(i) + " vs " + want[i]);
                }
            } finally {
                b.tearDown();
            }
        }
    }
}
