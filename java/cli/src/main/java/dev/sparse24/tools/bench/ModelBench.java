package dev.sparse24.tools.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.sparse24.format.onnx.OnnxExportException;
import dev.sparse24.format.onnx.OnnxWriter;
import dev.sparse24.graph.Graph;
import dev.sparse24.runtime.Device;
import dev.sparse24.runtime.InferenceSession;
import dev.sparse24.runtime.SessionOptions;
import dev.sparse24.runtime.SparseModel;
import dev.sparse24.format.ModelFormatException;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * One model at one batch and thread count on three runtimes, interleaved: Sparse24 with its 2:4
 * layers on the sparse kernels, Sparse24 on the same graph densified (OpenBLAS), and ONNX
 * Runtime Java on our ONNX export of the graph (CPU provider, all graph optimisations, the same
 * intra-op thread count, outputs bound to a preallocated buffer so neither side allocates per
 * call). All three are checked to give the same outputs before they are timed.
 */
final class ModelBench implements AutoCloseable {
    /** What one model case measured; {@code onnxruntime} is null when ONNX Runtime was not run. */
    record Result(int batch, int threads, Device device, Interleaved.Stats sparse, Interleaved.Stats dense,
                  Interleaved.Stats onnxruntime) {
    }

    private final SparseModel sparseModel;
    private final SparseModel denseModel;
    private final byte[] onnx;
    private final OrtEnvironment env;
    private final int sampleIn;
    private final int sampleOut;
    private final long[] inputShape;
    private final long[] outputShape;

    /**
     * Prepares {@code graph} (single float input and output) for the three runtimes.
     *
     * @throws OnnxExportException  when the graph cannot be exported to ONNX (the message names the op)
     * @throws ModelFormatException when the runtime cannot run it
     */
    ModelBench(Graph graph) throws OnnxExportException, ModelFormatException {
        sparseModel = SparseModel.fromGraph(graph);
        denseModel = SparseModel.fromGraph(graph.withDenseWeights());
        if (sparseModel.inputs().size() != 1 || sparseModel.outputs().size() != 1) {
            throw new IllegalArgumentException("bench runs models with one input and one output; this one has "
                    + sparseModel.inputs().size() + " and " + sparseModel.outputs().size());
        }
        onnx = OnnxWriter.toBytes(graph);
        env = OrtEnvironment.getEnvironment();
        sampleIn = sparseModel.inputs().get(0).sampleSize();
        sampleOut = sparseModel.outputs().get(0).sampleSize();
        inputShape = Arrays.stream(sparseModel.inputs().get(0).shape()).asLongStream().toArray();
        outputShape = Arrays.stream(sparseModel.outputs().get(0).shape()).asLongStream().toArray();
    }

    /** ONNX Runtime's version string. */
    static String onnxruntimeVersion() {
        return OrtEnvironment.getEnvironment().getVersion();
    }

    /** Bytes of the ONNX export. */
    int onnxBytes() {
        return onnx.length;
    }

    /** Runs one case; ONNX Runtime only on the CPU (this jar has its CPU provider only). */
    Result run(int batch, int threads, Device device, Interleaved.Budget budget) throws Exception {
        SessionOptions o = SessionOptions.defaults().withDevice(device).withThreads(threads).withMaxBatch(batch);
        FloatBuffer x = LayerBench.direct(batch * sampleIn);
        Random rnd = new Random(7);
        for (int i = 0; i < batch * sampleIn; i++) {
            x.put(i, rnd.nextFloat());   // pixels in [0, 1)
        }
        FloatBuffer ySparse = LayerBench.direct(batch * sampleOut);
        FloatBuffer yDense = LayerBench.direct(batch * sampleOut);
        FloatBuffer yOrt = LayerBench.direct(batch * sampleOut);
        boolean withOrt = device == Device.CPU;
        try (InferenceSession sparse = sparseModel.newSession(o);
             InferenceSession dense = denseModel.newSession(o);
             Ort ort = withOrt ? new Ort(batch, threads, x, yOrt) : null) {
            List<Interleaved.Work> work = new ArrayList<>(List.of(() -> sparse.run(x, batch, ySparse),
                    () -> dense.run(x, batch, yDense)));
            if (ort != null) {
                work.add(ort::run);
            }
            for (Interleaved.Work w : work) {
                w.run();
            }
            double tolerance = device == Device.CPU ? 1e-3 : 5e-2;   // fp16 on the GPU
            agree("dense", ySparse, yDense, tolerance);
            if (ort != null) {
                agree("onnxruntime", ySparse, yOrt, tolerance);
            }
            Interleaved.Stats[] s = Interleaved.measure(work, budget);
            return new Result(batch, threads, device, s[0], s[1], ort != null ? s[2] : null);
        }
    }

    private static void agree(String what, FloatBuffer a, FloatBuffer b, double tolerance) {
        for (int i = 0; i < a.limit(); i++) {
            double d = Math.abs(a.get(i) - b.get(i));
            if (!(d <= tolerance * Math.max(1, Math.abs(a.get(i))))) {
                throw new IllegalStateException(what + " and Sparse24 2:4 outputs differ at " + i + ": " + b.get(i)
                        + " vs " + a.get(i) + "; the figures would compare different work");
            }
        }
    }

    /** An ONNX Runtime session on the export, its input and output bound to direct buffers. */
    private final class Ort implements AutoCloseable {
        private final OrtSession session;
        private final OnnxTensor input;
        private final OnnxTensor output;
        private final Map<String, OnnxTensor> inputs;
        private final Map<String, OnnxTensor> outputs;

        Ort(int batch, int threads, FloatBuffer x, FloatBuffer y) throws OrtException {
            try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
                so.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
                so.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
                so.setIntraOpNumThreads(threads);
                so.setInterOpNumThreads(1);
                session = env.createSession(onnx, so);
            }
            long[] in = inputShape.clone();
            in[0] = batch;
            long[] out = outputShape.clone();
            out[0] = batch;
            input = OnnxTensor.createTensor(env, x, in);
            output = OnnxTensor.createTensor(env, y, out);
            inputs = Map.of(session.getInputNames().iterator().next(), input);
            outputs = Map.of(session.getOutputNames().iterator().next(), output);
        }

        void run() throws OrtException {
            // Pinned output: ORT writes into y; the Result holds no new tensor to free.
            session.run(inputs, outputs).close();
        }

        @Override
        public void close() throws OrtException {
            input.close();
            output.close();
            session.close();
        }
    }

    @Override
    public void close() {
        // Sessions are per case; nothing held between cases.
    }
}
