package dev.sparse24.runtime;

import dev.sparse24.format.ModelFiles;
import dev.sparse24.format.ModelFormatException;
import dev.sparse24.graph.Graph;
import dev.sparse24.graph.GraphTensor;
import dev.sparse24.graph.ShapeInference;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A model ready to run: read from a .s24 or .tflite file (chosen by the file's identifier, not its
 * name), checked, its activation shapes inferred. Immutable and thread-safe; one model can feed
 * any number of {@link InferenceSession}s, each compiled for its own device and options.
 *
 * <pre>{@code
 * SparseModel model = SparseModel.load(Path.of("model.s24"));
 * try (InferenceSession session = model.newSession(SessionOptions.defaults())) {
 *     float[] logits = session.run(pixels, batch);
 * }
 * }</pre>
 */
public final class SparseModel {
    private final Graph graph;
    private final List<TensorInfo> inputs;
    private final List<TensorInfo> outputs;

    private SparseModel(Graph graph) throws ModelFormatException {
        this.graph = graph;
        ShapeInference shapes;
        try {
            shapes = ShapeInference.of(graph);
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException("model cannot run: " + e.getMessage(), e);
        }
        inputs = describe(graph, graph.inputs(), shapes);
        outputs = describe(graph, graph.outputs(), shapes);
    }

    private static List<TensorInfo> describe(Graph g, int[] indices, ShapeInference shapes) {
        List<TensorInfo> r = new ArrayList<>();
        for (int t : indices) {
            GraphTensor gt = g.tensor(t);
            int[] s = shapes.shape(t);
            s[0] = -1;
            r.add(new TensorInfo(gt.name(), s, gt.dtype()));
        }
        return List.copyOf(r);
    }

    /**
     * Reads a model file.
     *
     * @throws IOException          when the file cannot be read
     * @throws ModelFormatException when it is neither .s24 nor .tflite, is malformed, or holds an
     *                              operator or shape the runtime does not support (the message says
     *                              which and where)
     */
    public static SparseModel load(Path path) throws IOException, ModelFormatException {
        try {
            return new SparseModel(ModelFiles.read(path));
        } catch (ModelFormatException e) {
            throw e.getMessage().startsWith(path.toString()) ? e
                    : new ModelFormatException(path + ": " + e.getMessage(), e);
        }
    }

    /** Reads a model from the remaining bytes of {@code bytes} (its position is not changed). */
    public static SparseModel load(ByteBuffer bytes) throws ModelFormatException {
        byte[] copy = new byte[bytes.remaining()];
        bytes.duplicate().get(copy);
        return fromBytes(copy);
    }

    /** Reads a model from the bytes of a .s24 or .tflite file. */
    public static SparseModel fromBytes(byte[] bytes) throws ModelFormatException {
        return new SparseModel(ModelFiles.read(bytes));
    }

    /**
     * Wraps a graph built in memory (e.g. by {@link dev.sparse24.models.GraphExporter}).
     *
     * @throws ModelFormatException when it holds an operator or shape the runtime does not support
     */
    public static SparseModel fromGraph(Graph graph) throws ModelFormatException {
        return new SparseModel(graph);
    }

    /** The model's graph (immutable). */
    public Graph graph() {
        return graph;
    }

    /** The inputs, in order: name, shape (dimension 0 = batch, -1), type. */
    public List<TensorInfo> inputs() {
        return inputs;
    }

    /** The outputs, in order. */
    public List<TensorInfo> outputs() {
        return outputs;
    }

    /** The file's metadata (producer, per-layer pruning, training summary, ...), unmodifiable. */
    public Map<String, String> metadata() {
        return graph.metadata();
    }

    /**
     * Compiles the model for a device (weights are re-packed for its kernels here, once).
     *
     * @throws BackendUnavailableException when {@code options.device()} is CUDA and it cannot be
     *                                     used here (the message says why: no sparse24-cuda on the
     *                                     class path, no driver, no device, compute capability below
     *                                     8.0, device memory); AUTO then runs on the CPU and logs why,
     *                                     once
     * @throws IllegalArgumentException    when {@code options.maxBatch()} is too large for this
     *                                     model's activations (checked before anything is
     *                                     allocated; the message gives the largest value)
     */
    public InferenceSession newSession(SessionOptions options) {
        return new InferenceSession(this, options);
    }

    /** {@link #newSession(SessionOptions)} with {@link SessionOptions#defaults()}. */
    public InferenceSession newSession() {
        return newSession(SessionOptions.defaults());
    }

    @Override
    public String toString() {
        return "SparseModel(" + inputs + " -> " + outputs + ", " + graph.operators().size() + " ops, "
                + graph.compressedTensors().size() + " 2:4 weights)";
    }
}
