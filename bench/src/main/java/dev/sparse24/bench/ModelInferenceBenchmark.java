package dev.sparse24.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.sparse24.format.onnx.OnnxWriter;
import dev.sparse24.models.TutorialModel;
import dev.sparse24.models.GraphExporter;
import dev.sparse24.graph.Graph;
import dev.sparse24.nn.Sequential;
import dev.sparse24.prune.Pruning;
import dev.sparse24.prune.PruningParams;
import dev.sparse24.prune.UpdatePruningStep;
import dev.sparse24.runtime.Device;
import dev.sparse24.runtime.InferenceSession;
import dev.sparse24.runtime.SessionOptions;
import dev.sparse24.runtime.SparseModel;
import dev.sparse24.tensor.Tensor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * The whole tutorial model on the CPU runtime: one {@link InferenceSession#run} of a batch, its
 * 2:4 layers on the sparse kernels ({@code sparse}) against the same graph with every weight
 * dense through OpenBLAS ({@code dense}, {@link Graph#withDenseWeights()}) and against ONNX
 * Runtime Java on the ONNX export of the same graph ({@code onnxruntime}: CPU provider, all
 * graph optimisations, {@code threads} intra-op threads, inputs and outputs pinned to the same
 * direct buffers), in one run - what a Java service would pick instead.
 *
 * <p>The model is the tutorial's, pruned (conv1 50% unstructured, conv2 and dense1 2:4) at
 * initialisation and stripped, unless {@code -Dsparse24.model=FILE} names a .s24/.tflite (e.g.
 * the tutorial's trained export): speed does not depend on the weights' values, only on which
 * are kept. Inputs are uniform [0, 1) pixels. Time per call is reported; per image is that over
 * the batch. Run with {@code bench/run-cpu-bench.sh OUT ModelInferenceBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 8, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g"})
public class ModelInferenceBenchmark {
    /** Images per call. */
    @Param({"1", "256"})
    public int batch;

    /** Session threads. */
    @Param({"1"})
    public int threads;

    /** "dense", "onnxruntime" or "sparse" (last: each shape's trials run back to back). */
    @Param({"dense", "onnxruntime", "sparse"})
    public String variant;

    private InferenceSession session;
    private OrtSession ort;
    private OnnxTensor ortIn;
    private OnnxTensor ortOut;
    private Map<String, OnnxTensor> ortInputs;
    private Map<String, OnnxTensor> ortOutputs;
    private FloatBuffer input;
    private FloatBuffer output;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        Graph graph = tutorialGraph();
        SparseModel model = SparseModel.fromGraph(variant.equals("dense") ? graph.withDenseWeights() : graph);
        int in = model.inputs().get(0).sampleSize();
        int out = model.outputs().get(0).sampleSize();
        input = ByteBuffer.allocateDirect(4 * batch * in).order(ByteOrder.nativeOrder()).asFloatBuffer();
        output = ByteBuffer.allocateDirect(4 * batch * out).order(ByteOrder.nativeOrder()).asFloatBuffer();
        Random r = new Random(7);
        for (int i = 0; i < batch * in; i++) {
            input.put(i, r.nextFloat());
        }
        if (variant.equals("onnxruntime")) {
            OrtEnvironment env = OrtEnvironment.getEnvironment();
            try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
                so.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
                so.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
                so.setIntraOpNumThreads(threads);
                so.setInterOpNumThreads(1);
                ort = env.createSession(OnnxWriter.toBytes(graph), so);
            }
            ortIn = OnnxTensor.createTensor(env, input, shape(model.inputs().get(0).shape()));
            ortOut = OnnxTensor.createTensor(env, output, shape(model.outputs().get(0).shape()));
            ortInputs = Map.of(ort.getInputNames().iterator().next(), ortIn);
            ortOutputs = Map.of(ort.getOutputNames().iterator().next(), ortOut);
            System.out.println("# onnxruntime " + env.getVersion() + ", " + threads + " intra-op thread(s)");
            return;
        }
        session = model.newSession(SessionOptions.defaults().withDevice(Device.CPU).withThreads(threads)
                .withMaxBatch(batch));
        System.out.println("# " + variant + ": " + session.description() + "; OPENBLAS_CORETYPE="
                + System.getenv("OPENBLAS_CORETYPE"));
    }

    /** The tutorial model as the runtime gets it: from -Dsparse24.model, else pruned at init. */
    static Graph tutorialGraph() throws Exception {
        String file = System.getProperty("sparse24.model");
        if (file != null) {
            return SparseModel.load(Path.of(file)).graph();
        }
        Sequential model = TutorialModel.build(true, 1);
        // One training-mode forward pass at step 0 chooses and applies every mask, as the first
        // training step does.
        UpdatePruningStep step = new UpdatePruningStep();
        step.onTrainBegin(model);
        step.onTrainBatchBegin(0);
        float[] x = new float[2 * 784];
        Random r = new Random(3);
        for (int i = 0; i < x.length; i++) {
            x[i] = r.nextFloat();
        }
        model.forward(Tensor.of(x, 2, 28, 28, 1), true);
        Map<String, PruningParams> plan = Pruning.plan(model);
        return GraphExporter.export(Pruning.strip(model), plan);
    }

    /** The trial's input (tests). */
    java.nio.FloatBuffer inputForTests() {
        return input;
    }

    /** The model's sample shape with this trial's batch first. */
    private long[] shape(int[] sample) {
        long[] s = new long[sample.length];
        for (int i = 0; i < s.length; i++) {
            s[i] = sample[i];
        }
        s[0] = batch;
        return s;
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        if (session != null) {
            session.close();
        }
        if (ort != null) {
            ortIn.close();
            ortOut.close();
            ort.close();
        }
    }

    /** One batch through the whole model. */
    @Benchmark
    public FloatBuffer model() throws Exception {
        if (ort != null) {
            // Pinned output: ORT writes into the same buffer; the Result holds no tensor to free.
            ort.run(ortInputs, ortOutputs).close();
        } else {
            session.run(input, batch, output);
        }
        return output;
    }
}
