package dev.sparse24.format.s24;

import dev.sparse24.format.ModelMetadata;
import dev.sparse24.graph.DType;
import dev.sparse24.graph.FusedActivation;
import dev.sparse24.graph.Graph;
import dev.sparse24.graph.GraphTensor;
import dev.sparse24.graph.OpOptions;
import dev.sparse24.graph.OpType;
import dev.sparse24.graph.Operator;
import dev.sparse24.graph.Padding;
import dev.sparse24.prune.ConstantSparsity;
import dev.sparse24.prune.PruningParams;
import dev.sparse24.sparse.CompressedWeights;
import dev.sparse24.tensor.Tensor;
import dev.sparse24.testing.Outputs;
import dev.sparse24.testing.RandomWeights;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Test fixtures: small graphs covering every tensor kind and option the .s24 format stores. */
public final class SampleGraphs {
    private SampleGraphs() {
    }

    /**
     * input [1,6,6,4] -> CONV_2D(2:4 [8,3,3,4], RELU, SAME, stride 1, dilation 2) -> MAX_POOL 2x2
     * -> DEPTHWISE (dense) -> RESHAPE [-1, 72] -> FULLY_CONNECTED(2:4 [10, 72], no bias)
     * -> ADD(bias const) -> SOFTMAX(beta 0.5) -> MEAN(axes const, keep dims) -> LOGISTIC.
     */
    public static Graph sample(long seed) {
        Random r = new Random(seed);
        List<GraphTensor> t = new ArrayList<>();
        t.add(GraphTensor.activation("input", new int[] {-1, 6, 6, 4}, DType.FLOAT32));          // 0
        t.add(GraphTensor.compressed("conv/kernel", new int[] {8, 3, 3, 4},
                CompressedWeights.compress(RandomWeights.twoFour(r, 8, 36), 8, 36)));                            // 1
        t.add(GraphTensor.constant("conv/bias", new int[] {8}, Tensor.of(Outputs.gaussian(r, 8), 8)));       // 2
        t.add(GraphTensor.activation("conv/out", new int[] {-1, 6, 6, 8}, DType.FLOAT32));        // 3
        t.add(GraphTensor.activation("pool", new int[] {-1, 3, 3, 8}, DType.FLOAT32));            // 4
        t.add(GraphTensor.constant("dw/kernel", new int[] {1, 3, 3, 8}, Tensor.of(Outputs.gaussian(r, 72), 1, 3, 3, 8))); // 5
        t.add(GraphTensor.activation("dw/out", new int[] {-1, 3, 3, 8}, DType.FLOAT32));          // 6
        t.add(GraphTensor.intConstant("flatten/shape", new int[] {2}, new int[] {-1, 72}));       // 7
        t.add(GraphTensor.activation("flat", new int[] {-1, 72}, DType.FLOAT32));                 // 8
        // 70 columns: padded to 72 with the padding recorded.
        t.add(GraphTensor.compressed("dense/kernel", new int[] {10, 70},
                CompressedWeights.compress(RandomWeights.twoFour(r, 10, 70), 10, 70)));                          // 9
        t.add(GraphTensor.activation("dense/out", new int[] {-1, 10}, DType.FLOAT32));            // 10
        t.add(GraphTensor.constant("bias", new int[] {10}, Tensor.of(Outputs.gaussian(r, 10), 10)));         // 11
        t.add(GraphTensor.activation("add", new int[] {-1, 10}, DType.FLOAT32));                  // 12
        t.add(GraphTensor.activation("softmax", new int[] {-1, 10}, DType.FLOAT32));              // 13
        t.add(GraphTensor.intConstant("axes", new int[] {1}, new int[] {1}));                     // 14
        t.add(GraphTensor.activation("mean", new int[] {-1, 1}, DType.FLOAT32));                  // 15
        t.add(GraphTensor.activation("out", new int[] {-1, 1}, DType.FLOAT32));                   // 16
        t.add(GraphTensor.activation("fp16 placeholder", new int[] {2}, DType.FLOAT16));          // 17
        List<Operator> ops = List.of(
                new Operator(OpType.CONV_2D, new int[] {0, 1, 2}, new int[] {3},
                        OpOptions.conv(Padding.SAME, 1, 1, 2, 2, FusedActivation.RELU)),
                new Operator(OpType.MAX_POOL_2D, new int[] {3}, new int[] {4},
                        OpOptions.pool(Padding.VALID, 2, 2, 2, 2, FusedActivation.NONE)),
                new Operator(OpType.DEPTHWISE_CONV_2D, new int[] {4, 5, -1}, new int[] {6},
                        OpOptions.depthwise(Padding.SAME, 1, 1, 1, 1, 1, FusedActivation.RELU6)),
                new Operator(OpType.RESHAPE, new int[] {6, 7}, new int[] {8}, OpOptions.reshape(new int[] {-1, 72})),
                new Operator(OpType.FULLY_CONNECTED, new int[] {8, 9, -1}, new int[] {10},
                        OpOptions.activation(FusedActivation.TANH)),
                new Operator(OpType.ADD, new int[] {10, 11}, new int[] {12}, OpOptions.activation(FusedActivation.NONE)),
                new Operator(OpType.SOFTMAX, new int[] {12}, new int[] {13}, OpOptions.softmax(0.5f)),
                new Operator(OpType.MEAN, new int[] {13, 14}, new int[] {15}, OpOptions.mean(true)),
                new Operator(OpType.LOGISTIC, new int[] {15}, new int[] {16}, OpOptions.NONE));
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put(ModelMetadata.PRODUCER, "sparse24 test");
        meta.putAll(ModelMetadata.pruningEntries(Map.of("conv", PruningParams.twoByFour())));
        meta.putAll(ModelMetadata.pruningEntries(Map.of("dense",
                PruningParams.unstructured(new ConstantSparsity(0.5, 0)))));
        meta.put(ModelMetadata.TRAINING_SUMMARY, "{\"test_accuracy\":0.98}");
        meta.put(ModelMetadata.PRUNING_PREFIX + "odd", "not a schedule");
        meta.put("note", "\u00e9t\u00e9 \u2013 unicode");
        return new Graph(t, ops, new int[] {0}, new int[] {16}, meta);
    }
}
