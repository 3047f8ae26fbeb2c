package dev.sparse24.graph;

import dev.sparse24.tensor.Tensor;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An inference graph: tensors, operators in execution order, graph inputs and outputs, and
 * string metadata (producer, per-layer pruning parameters, training summary).
 *
 * <p>Both file formats (.s24 and .tflite) read into and write from this one representation;
 * the runtimes execute it. A graph is immutable once built; {@link #validate()} is run by the
 * constructor so that no consumer sees a dangling index or an operator that reads a tensor
 * before it is produced (which also rules out cycles).
 *
 * <p>Every operator computes in float32. A graph input may be declared {@link DType#UINT8} or
 * {@link DType#INT8} (a model that takes raw pixels, as TFLite models with an input CAST do):
 * its values are converted to float32 exactly (as TFLite's CAST does) before the first operator
 * reads them, so {@code ops.ReferenceEvaluator} and the executors see floats, and the runtime takes
 * bytes for it.
 */
public final class Graph {
    private final List<GraphTensor> tensors;
    private final List<Operator> operators;
    private final int[] inputs;
    private final int[] outputs;
    private final Map<String, String> metadata;

    /**
     * @throws IllegalArgumentException when an index is out of range, a tensor is read before
     *                                  it is produced, produced twice, or an output is never produced
     */
    public Graph(List<GraphTensor> tensors, List<Operator> operators, int[] inputs, int[] outputs,
                 Map<String, String> metadata) {
        this.tensors = List.copyOf(tensors);
        this.operators = List.copyOf(operators);
        this.inputs = inputs.clone();
        this.outputs = outputs.clone();
        this.metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
        validate();
    }

    private void validate() {
        int n = tensors.size();
        boolean[] available = new boolean[n];
        for (int i = 0; i < n; i++) {
            available[i] = tensors.get(i).isConstant();
        }
        for (int in : inputs) {
            checkIndex(in, "graph input");
            if (tensors.get(in).isConstant()) {
                throw new IllegalArgumentException("graph input " + in + " (" + tensors.get(in).name() + ") is a constant");
            }
            available[in] = true;
        }
        for (int k = 0; k < operators.size(); k++) {
            Operator op = operators.get(k);
            for (int in : op.inputs()) {
                if (in == -1) {
                    continue;
                }
                checkIndex(in, "input of operator " + k + " (" + op.type() + ")");
                if (!available[in]) {
                    throw new IllegalArgumentException("operator " + k + " (" + op.type() + ") reads tensor " + in
                            + " (" + tensors.get(in).name() + ") before any operator produces it");
                }
            }
            for (int out : op.outputs()) {
                checkIndex(out, "output of operator " + k + " (" + op.type() + ")");
                if (available[out]) {
                    throw new IllegalArgumentException("operator " + k + " (" + op.type() + ") writes tensor " + out
                            + " (" + tensors.get(out).name() + ") which is a constant, an input or already produced");
                }
                available[out] = true;
            }
        }
        for (int out : outputs) {
            checkIndex(out, "graph output");
            if (!available[out]) {
                throw new IllegalArgumentException("graph output " + out + " (" + tensors.get(out).name()
                        + ") is never produced");
            }
        }
    }

    private void checkIndex(int i, String what) {
        if (i < 0 || i >= tensors.size()) {
            throw new IllegalArgumentException(what + ": tensor index " + i + " outside [0, " + tensors.size() + ")");
        }
    }

    /** All tensors, by index. */
    public List<GraphTensor> tensors() {
        return tensors;
    }

    /** Tensor {@code i}. */
    public GraphTensor tensor(int i) {
        return tensors.get(i);
    }

    /** Operators in execution order. */
    public List<Operator> operators() {
        return operators;
    }

    /** Indices of the graph inputs. */
    public int[] inputs() {
        return inputs.clone();
    }

    /** Indices of the graph outputs. */
    public int[] outputs() {
        return outputs.clone();
    }

    /** Metadata (unmodifiable). */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** The weight tensors that are 2:4-compressed. */
    public List<GraphTensor> compressedTensors() {
        List<GraphTensor> c = new ArrayList<>();
        for (GraphTensor t : tensors) {
            if (t.isCompressed()) {
                c.add(t);
            }
        }
        return c;
    }

    /**
     * The same graph with every 2:4-compressed weight stored dense (zeros included): what the
     * runtime then runs through dense kernels (OpenBLAS), the baseline sparse is compared against.
     */
    public Graph withDenseWeights() {
        List<GraphTensor> dense = new ArrayList<>(tensors.size());
        for (GraphTensor t : tensors) {
            dense.add(t.isCompressed()
                    ? GraphTensor.constant(t.name(), t.shape(), Tensor.of(t.floatValues(), t.shape()))
                    : t);
        }
        return new Graph(dense, operators, inputs, outputs, metadata);
    }

    @Override
    public String toString() {
        return "Graph(" + tensors.size() + " tensors, " + operators.size() + " ops)";
    }
}
