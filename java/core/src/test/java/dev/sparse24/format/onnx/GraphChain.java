package dev.sparse24.format.onnx;

import dev.sparse24.graph.DType;
import dev.sparse24.graph.Graph;
import dev.sparse24.graph.GraphTensor;
import dev.sparse24.graph.OpOptions;
import dev.sparse24.graph.OpType;
import dev.sparse24.graph.Operator;
import dev.sparse24.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** A small graph builder for these tests: ops appended to the current value, branches by index. */
final class GraphChain {
    final List<GraphTensor> tensors = new ArrayList<>();
    final List<Operator> ops = new ArrayList<>();
    final Random rnd;
    int current;

    /** A graph whose input has {@code inputShape} (batch -1 first). */
    GraphChain(long seed, int... inputShape) {
        rnd = new Random(seed);
        tensors.add(GraphTensor.activation("x", inputShape, DType.FLOAT32));
    }

    /** A float constant of uniform values in [-1, 1). */
    int constant(int... shape) {
        int n = 1;
        for (int d : shape) {
            n *= d;
        }
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = rnd.nextFloat() * 2 - 1;
        }
        tensors.add(GraphTensor.constant("c" + tensors.size(), shape, Tensor.of(v, v.length)));
        return tensors.size() - 1;
    }

    int intConstant(int... values) {
        tensors.add(GraphTensor.intConstant("i" + tensors.size(), new int[]{values.length}, values));
        return tensors.size() - 1;
    }

    /** Appends {@code type} reading the current value (then {@code extra}); it becomes current. */
    GraphChain op(OpType type, OpOptions o, int... extra) {
        int[] in = new int[1 + extra.length];
        in[0] = current;
        System.arraycopy(extra, 0, in, 1, extra.length);
        return opOn(type, o, in);
    }

    /** Appends {@code type} on exactly {@code inputs}; it becomes current. */
    GraphChain opOn(OpType type, OpOptions o, int... inputs) {
        tensors.add(GraphTensor.activation("t" + tensors.size(), new int[]{-1}, DType.FLOAT32));
        current = tensors.size() - 1;
        ops.add(new Operator(type, inputs, new int[]{current}, o));
        return this;
    }

    Graph graph() {
        return new Graph(tensors, ops, new int[]{0}, new int[]{current}, Map.of("name", "test"));
    }
}
