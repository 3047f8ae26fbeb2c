package dev.sparse24.tools;

import dev.sparse24.format.AtomicFiles;
import dev.sparse24.models.TutorialModel;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.sparse24.data.Mnist;
import dev.sparse24.data.IdxDataset;
import dev.sparse24.data.TrainingData;
import dev.sparse24.models.GraphExporter;
import dev.sparse24.format.ModelFiles;
import dev.sparse24.format.ModelMetadata;
import dev.sparse24.format.WeightSparsityCheck;
import dev.sparse24.graph.Graph;
import dev.sparse24.runtime.Device;
import dev.sparse24.runtime.InferenceSession;
import dev.sparse24.runtime.SessionOptions;
import dev.sparse24.runtime.SparseModel;
import dev.sparse24.nn.Sequential;
import dev.sparse24.sparse.NmPattern;
import dev.sparse24.prune.Pruning;
import dev.sparse24.prune.PruningParams;
import dev.sparse24.prune.Recipe;
import dev.sparse24.prune.UpdatePruningStep;
import dev.sparse24.sparse.SparsityReport;
import dev.sparse24.tensor.Blas;
import dev.sparse24.train.Adam;
import dev.sparse24.train.Callback;
import dev.sparse24.train.Evaluation;
import dev.sparse24.train.FitOptions;
import dev.sparse24.train.History;
import dev.sparse24.train.SparseCategoricalCrossentropy;
import dev.sparse24.train.Trainer;
import dev.sparse24.train.TrainingProgress;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The tutorial pipeline that {@code sparse24 tutorial} (and {@code sparse24 export} without a
 * model) runs: steps 1-5 of TFMOT's structural-pruning tutorial (data, model, training with
 * pruning, strip, evaluation and sparsity report), then export to .s24 and .tflite, the 2:4
 * check of both, the mask pictures, the export on the inference runtime, and summary.json.
 * Prints its progress on {@code System.out}.
 */
public final class TutorialRun {
    /**
     * The tutorial's settings, as the command's options give them.
     *
     * @param limit first N training and test images (0: all)
     * @param threads OpenBLAS threads (0: all cores)
     * @param quiet one line per epoch, no progress bar (also asked of the runtime step)
     * @param device where step 9 runs the 2:4 model (the dense baseline always runs on the CPU)
     * @param recipe how the 2:4 layers are trained ({@link Recipe#tfmot()} when null; unused when dense)
     */
    public record Options(int epochs, int batchSize, long seed, Path data, Path out, int limit, boolean dense,
                          int threads, double validationSplit, boolean quiet, Device device, Recipe recipe) {
        /** The options with TFMOT's recipe. */
        public Options(int epochs, int batchSize, long seed, Path data, Path out, int limit, boolean dense,
                       int threads, double validationSplit, boolean quiet, Device device) {
            this(epochs, batchSize, seed, data, out, limit, dense, threads, validationSplit, quiet, device, null);
        }

        /** What is wrong with these settings, as a message for the user, or null. */
        public String problem() {
            if (epochs <= 0 || batchSize <= 0 || limit < 0) {
                return "--epochs and --batch-size must be > 0 and --limit >= 0, given " + epochs + ", "
                        + batchSize + " and " + limit;
            }
            return null;
        }
    }

    private final int epochs;
    private final int batchSize;
    private final long seed;
    private final Path data;
    private final Path out;
    private final int limit;
    private final boolean dense;
    private final int threads;
    private final double validationSplit;
    private final boolean quiet;
    private final Device device;
    private final Recipe recipe;
    private final TrainingProgress progress;

    /**
     * @param progress where training progress goes, or null for the core library's lines
     *     ({@link TrainingProgress#epochLines}, or nothing more when quiet)
     */
    public TutorialRun(Options o, TrainingProgress progress) {
        if (o.problem() != null) {
            throw new IllegalArgumentException(o.problem());
        }
        this.epochs = o.epochs();
        this.batchSize = o.batchSize();
        this.seed = o.seed();
        this.data = o.data();
        this.out = o.out();
        this.limit = o.limit();
        this.dense = o.dense();
        this.threads = o.threads();
        this.validationSplit = o.validationSplit();
        this.quiet = o.quiet();
        this.device = o.device() == null ? Device.AUTO : o.device();
        this.recipe = o.recipe() == null ? Recipe.tfmot() : o.recipe();
        this.progress = progress;
    }

    /** Runs the whole tutorial; returns the exit status (0). */
    public int run() throws Exception {
        Blas.init(threads);
        System.out.printf(Locale.ROOT, "Sparse24 tutorial: %s, %d epoch(s), batch %d, seed %d, %d BLAS thread(s)%n",
                dense ? "dense baseline" : "2:4 + unstructured pruning", epochs, batchSize, seed, Blas.threads());

        // Step 1: data.
        // MNIST unless --data names other IDX files (then a note says so and the model adapts).
        IdxDataset mnist = TrainingData.load(Mnist.system(), data, limit > 0 ? limit : Mnist.NO_LIMIT,
                System.out::println);
        System.out.printf(Locale.ROOT, "%s: %d train / %d test images%n", mnist.isMnistFiles() || data == null
                ? "MNIST" : "Data", mnist.trainCount(), mnist.testCount());

        // Steps 2-3: pruning parameters and the model (input shape and classes from the data).
        // The recipe needs the run's length (its warm-up, re-selections and learning-rate decay
        // are fractions of it); Trainer.fit holds out the last floor(n * split) images and runs
        // ceil(rest / batch) steps an epoch.
        int trainCount = mnist.trainCount() - (int) Math.floor(mnist.trainCount() * validationSplit);
        long totalSteps = (long) epochs * ((trainCount + batchSize - 1) / batchSize);
        PruningParams twoByFour = recipe.twoByFour(Math.max(1, totalSteps));
        Sequential model = TutorialModel.build(!dense, seed, mnist.imageShape(), mnist.classes(), twoByFour);
        System.out.print(model.summary());
        if (!dense) {
            System.out.println("2:4 recipe: " + (recipe.isTfmot() ? "tfmot (" : "") + recipe
                    + (recipe.isTfmot() ? ")" : "") + "; 2:4 layers: " + twoByFour.trainingDescription());
        }

        // Step 4: compile and train.
        Trainer trainer = new Trainer(model, dense ? new Adam() : recipe.optimizer(Math.max(1, totalSteps)),
                new SparseCategoricalCrossentropy(true));
        if (progress != null) {
            trainer.withProgress(progress);
        }
        FitOptions options = FitOptions.defaults().withBatchSize(batchSize).withEpochs(epochs)
                .withValidationSplit(validationSplit).withSeed(seed).withVerbose(quiet ? 2 : 1);
        List<Callback> callbacks = new ArrayList<>();
        if (!dense) {
            callbacks.add(new UpdatePruningStep());
        }
        long t0 = System.nanoTime();
        History history = trainer.fit(mnist.trainImages(), mnist.trainLabels(), options,
                callbacks.toArray(new Callback[0]));
        double trainSeconds = (System.nanoTime() - t0) / 1e9;

        // Step 5: strip the wrappers (weights keep their zeros), then evaluate the stripped model.
        Map<String, PruningParams> plan = Pruning.plan(model);
        Sequential stripped = Pruning.strip(model);
        Evaluation test = new Trainer(stripped, new Adam(), new SparseCategoricalCrossentropy(true))
                .evaluate(mnist.testImages(), mnist.testLabels(), 256);
        System.out.printf(Locale.ROOT, "Test accuracy: %.4f (loss %.4f) on %d images; training took %.1f s%n",
                test.accuracy(), test.loss(), test.samples(), trainSeconds);

        SparsityReport report = Pruning.sparsityReport(stripped, plan);
        System.out.println("Sparsity after strip:");
        System.out.print(report.toTable());

        Files.createDirectories(out);
        Map<String, Object> later = exportCheckDraw(stripped, plan, test);
        later.put("runtime", runOnRuntime(out.resolve("model.s24"), mnist, test));
        Path summaryFile = out.resolve("summary.json");
        writeSummary(summaryFile, test, trainSeconds, history, report, later);
        System.out.println("Wrote " + summaryFile);
        return 0;
    }

    /**
     * Steps 6-8: export .s24 and .tflite (sizes and ratio), read both back and check 2:4 as
     * TFMOT's checker does, draw the mask pictures from the .tflite as the tutorial does.
     * Returns what summary.json records of them.
     */
    private Map<String, Object> exportCheckDraw(Sequential stripped, Map<String, PruningParams> plan, Evaluation test)
            throws Exception {
        Graph exported = GraphExporter.export(stripped, plan);
        Map<String, String> meta = new LinkedHashMap<>(exported.metadata());
        meta.put(ModelMetadata.TRAINING_SUMMARY, String.format(Locale.ROOT,
                "{\"test_accuracy\":%.4f,\"test_loss\":%.4f,\"epochs\":%d,\"batch_size\":%d,\"seed\":%d,\"limit\":%d,"
                        + "\"recipe\":\"%s\"}",
                test.accuracy(), test.loss(), epochs, batchSize, seed, limit, dense ? "dense" : recipe));
        Graph graph = new Graph(exported.tensors(), exported.operators(), exported.inputs(), exported.outputs(), meta);

        // Step 6: both files.
        ModelExport.Exported files = ModelExport.writeBoth(graph, out);
        System.out.println("Exported " + files.s24() + " and " + files.tflite());
        System.out.println(files.describe());

        // Step 8 (the checker), on what was written: the .s24 and the .tflite read back.
        Map<String, Object> checks = new LinkedHashMap<>();
        for (Path f : List.of(files.s24(), files.tflite())) {
            WeightSparsityCheck.Result r = WeightSparsityCheck.check(ModelFiles.read(f), NmPattern.TWO_FOUR);
            System.out.println("check-sparsity " + f.getFileName() + ":");
            System.out.print(r.toText());
            checks.put(f.getFileName().toString(), r.toMap());
        }

        // Step 7: pictures of each pruned weight, from the .tflite like the tutorial.
        Path pictures = out.resolve("pictures");
        Files.createDirectories(pictures);
        List<String> drawn = new ArrayList<>();
        for (Path p : MaskPictures.draw(MaskPictures.pick(ModelFiles.read(files.tflite()), null), pictures)) {
            System.out.println("Wrote " + p);
            drawn.add(p.toString());
        }

        Map<String, Object> later = new LinkedHashMap<>();
        later.put("export", files.toMap());
        later.put("check_sparsity", checks);
        later.put("pictures", drawn);
        return later;
    }

    /**
     * Step 9: the exported .s24 on the inference runtime, once with its 2:4 layers on the sparse
     * kernels and once with every layer dense (OpenBLAS): test accuracy (which must equal the
     * training-time evaluation within 0.0005), batch-1 latency and batch-256 throughput.
     */
    private Map<String, Object> runOnRuntime(Path s24, IdxDataset mnist, Evaluation test) throws Exception {
        SparseModel sparse = SparseModel.load(s24);
        SparseModel dense = SparseModel.fromGraph(sparse.graph().withDenseWeights());
        float[] x = mnist.testImages().toArray();
        int[] labels = mnist.testLabels();
        int classes = sparse.outputs().get(0).sampleSize();
        Map<String, Object> result = new LinkedHashMap<>();
        for (Map.Entry<String, SparseModel> e : Map.of("sparse", sparse, "dense", dense).entrySet().stream()
                .sorted(Map.Entry.comparingByKey(java.util.Comparator.reverseOrder())).toList()) {
            Device dev = e.getKey().equals("sparse") ? device : Device.CPU;
            try (InferenceSession session = e.getValue().newSession(SessionOptions.defaults()
                    .withDevice(dev).withThreads(threads).withMaxBatch(256))) {
                System.out.println("Runtime (" + e.getKey() + ") session: " + session.description());
                double accuracy = Evaluation.accuracyOf(session.run(x, labels.length), labels, classes);
                RuntimeTiming t = RuntimeTiming.measure(session,
                        ModelInput.ofValues(sparse.inputs().get(0), x), 256);
                System.out.printf(Locale.ROOT, "Runtime (%s): accuracy %.4f (training-time %.4f, difference %.4f); "
                                + "latency %.3f ms (batch 1); %.1f images/s (batch %d)%n", e.getKey(), accuracy,
                        test.accuracy(), Math.abs(accuracy - test.accuracy()), t.latencyMs(), t.imagesPerSecond(),
                        t.batch());
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("session", session.description());
                m.put("accuracy", accuracy);
                m.put("accuracy_difference", Math.abs(accuracy - test.accuracy()));
                m.put("latency_ms_batch1", t.latencyMs());
                m.put("images_per_second", t.imagesPerSecond());
                m.put("throughput_batch", t.batch());
                result.put(e.getKey(), m);
            }
        }
        return result;
    }

    private void writeSummary(Path file, Evaluation test, double trainSeconds, History history,
                              SparsityReport report, Map<String, Object> later) throws java.io.IOException {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("created", Instant.now().toString());
        s.put("mode", dense ? "dense" : "pruned");
        s.put("recipe", dense ? "dense" : recipe.toString());
        s.put("test_accuracy", test.accuracy());
        s.put("test_loss", test.loss());
        s.put("test_samples", test.samples());
        s.put("train_seconds", trainSeconds);
        s.put("epochs", epochs);
        s.put("batch_size", batchSize);
        s.put("seed", seed);
        s.put("limit", limit);
        s.put("blas_threads", Blas.threads());
        s.put("openblas_coretype", System.getenv().getOrDefault("OPENBLAS_CORETYPE", "(unset)"));
        s.put("history", history.epochs());
        List<Map<String, Object>> layers = new ArrayList<>();
        for (SparsityReport.Entry e : report.entries()) {
            layers.add(e.toMap());
        }
        s.put("layers", layers);
        s.putAll(later);
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        AtomicFiles.write(file, o -> json.writeValue(o, s));
    }
}
