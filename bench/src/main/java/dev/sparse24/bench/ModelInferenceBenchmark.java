package dev.sparse24.bench;

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
 * dense through OpenBLAS ({@code dense}, {@link Graph#withDenseWeights()}), in one run.
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

    /** "dense" or "sparse" (sorts last: each shape's two trials run back to back). */
    @Param({"dense", "sparse"})
    public String variant;

    private InferenceSession session;
    private FloatBuffer input;
    private FloatBuffer output;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        Graph graph = tutorialGraph();
        SparseModel model = SparseModel.fromGraph(variant.equals("dense") ? graph.withDenseWeights() : graph);
        session = model.newSession(SessionOptions.defaults().withDevice(Device.CPU).withThreads(threads)
                .withMaxBatch(batch));
        int in = model.inputs().get(0).sampleSize();
        int out = model.outputs().get(0).sampleSize();
        input = ByteBuffer.allocateDirect(4 * batch * in).order(ByteOrder.nativeOrder()).asFloatBuffer();
        output = ByteBuffer.allocateDirect(4 * batch * out).order(ByteOrder.nativeOrder()).asFloatBuffer();
        Random r = new Random(7);
        for (int i = 0; i < batch * in; i++) {
            input.put(i, r.nextFloat());
        }
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

    @TearDown(Level.Trial)
    public void tearDown() {
        session.close();
    }

    /** One batch through the whole model. */
    @Benchmark
    public FloatBuffer model() {
        session.run(input, batch, output);
        return output;
    }
}
