package dev.sparse24.graph;

import java.util.Arrays;

/**
 * One operator: its type, the indices of its input and output tensors in the graph, and its
 * options. Input order follows TFLite: CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED take
 * (input, weights, bias or -1); RESHAPE takes (input[, shape]); MEAN takes (input, axes).
 */
public record Operator(OpType type, int[] inputs, int[] outputs, OpOptions options) {
    /** Copies the index arrays so the operator stays immutable. */
    public Operator {
        inputs = inputs.clone();
        outputs = outputs.clone();
    }

    @Override
    public int[] inputs() {
        return inputs.clone();
    }

    @Override
    public int[] outputs() {
        return outputs.clone();
    }

    /** Input {@code i}, or -1 when absent (an optional bias). */
    public int input(int i) {
        return i < inputs.length ? inputs[i] : -1;
    }

    /** Output {@code i}. */
    public int output(int i) {
        return outputs[i];
    }

    @Override
    public String toString() {
        return type + Arrays.toString(inputs) + "->" + Arrays.toString(outputs);
    }
}
