package dev.sparse24.cli;

import dev.sparse24.models.TutorialModel;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.sparse24.data.Mnist;
import dev.sparse24.data.MnistDataset;
import dev.sparse24.format.GraphExporter;
import dev.sparse24.format.ModelFiles;
import dev.sparse24.format.ModelMetadata;
import dev.sparse24.format.WeightSparsityCheck;
import dev.sparse24.graph.Graph;
import dev.sparse24.runtime.BackendUnavailableException;
import dev.sparse24.runtime.Device;
import dev.sparse24.runtime.InferenceSession;
import dev.sparse24.runtime.SessionOptions;
import dev.sparse24.runtime.SparseModel;
import dev.sparse24.nn.Sequential;
import dev.sparse24.sparse.NmPattern;
import dev.sparse24.prune.Pruning;
import dev.sparse24.prune.PruningParams;
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
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code sparse24 tutorial}: steps 1-5 of TFMOT's structural-pruning tutorial, in Java.
 * Then steps 6-8: exports model.s24 and model.tflite (sizes and ratio), checks 2:4 in both as
 * TFMOT's checker does, and draws the mask pictures into {@code <out>/pictures}. Sparse
 * inference attaches here when it lands.
 */
@Command(name = "tutorial", mixinStandardHelpOptions = true,
        description = {"Train the structural-pruning tutorial model on MNIST (2:4 on conv2 and dense1, "
                + "50%% unstructured on conv1), evaluate, strip and report sparsity; export .s24 and .tflite, check 2:4, draw mask pictures.",
                "Writes <out>/model.s24, <out>/model.tflite, <out>/pictures/*.png and <out>/summary.json."})
public final class TutorialCommand implements Callable<Integer> {
    @Option(names = "--epochs", defaultValue = "2", description = "Training epochs (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--batch-size", defaultValue = "128", description = "Batch size (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of initialisation, shuffling and dropout (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--data", description = "Directory holding the four MNIST IDX files (raw or .gz).")
    Path data;

    @Option(names = "--out", defaultValue = "out/tutorial", description = "Output directory (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--limit", defaultValue = "0", description = "Use only the first N training and test images (0: all).")
    int limit;

    @Option(names = "--dense", description = "Train the same model without pruning (the baseline).")
    boolean dense;

    @Option(names = "--threads", defaultValue = "0", description = "OpenBLAS threads (0: all cores).")
    int threads;

    @Option(names = "--validation-split", defaultValue = "0.1", description = "Last fraction of the training data held out (default: ${DEFAULT-VALUE}).")
    double validationSplit;

    @Option(names = "--device", defaultValue = "auto", paramLabel = "DEVICE",
            description = "Device of step 9's 2:4 run: auto, cpu or cuda (default: ${DEFAULT-VALUE}); the dense baseline runs on the CPU.")
    String device;

    @Option(names = "--quiet", description = "No progress bars, one line per epoch.")
    boolean quiet;

    @Override
    public Integer call() throws Exception {
        if (epochs <= 0 || batchSize <= 0 || limit < 0) {
            System.err.println("tutorial: --epochs and --batch-size must be > 0 and --limit >= 0");
            return 2;
        }
        if (!List.of("auto", "cpu", "cuda").contains(device.toLowerCase(Locale.ROOT))) {
            System.err.println("tutorial: --device must be auto, cpu or cuda, given " + device);
            return 2;
        }
        Blas.init(threads);
        System.out.printf(Locale.ROOT, "Sparse24 tutorial: %s, %d epoch(s), batch %d, seed %d, %d BLAS thread(s)%n",
                dense ? "dense baseline" : "2:4 + unstructured pruning", epochs, batchSize, seed, Blas.threads());

        // Step 1: data.
        MnistDataset mnist = Mnist.system().load(data, limit > 0 ? limit : Mnist.NO_LIMIT);
        System.out.printf(Locale.ROOT, "MNIST: %d train / %d test images%n", mnist.trainCount(), mnist.testCount());

        // Steps 2-3: pruning parameters and the model.
        Sequential model = TutorialModel.build(!dense, seed);
        System.out.print(model.summary());

        // Step 4: compile and train.
        Trainer trainer = new Trainer(model, new Adam(), new SparseCategoricalCrossentropy(true));
        if (!quiet) {
            trainer.withProgress(TerminalProgress.forOutput(System.out));
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
        try {
            later.put("runtime", runOnRuntime(out.resolve("model.s24"), mnist, test));
        } catch (BackendUnavailableException e) {
            System.err.println("tutorial: " + e.getMessage() + " (the model is exported; try --device auto or cpu)");
            return 3;
        }
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
                "{\"test_accuracy\":%.4f,\"test_loss\":%.4f,\"epochs\":%d,\"batch_size\":%d,\"seed\":%d,\"limit\":%d}",
                test.accuracy(), test.loss(), epochs, batchSize, seed, limit));
        Graph graph = new Graph(exported.tensors(), exported.operators(), exported.inputs(), exported.outputs(), meta);

        // Step 6: both files.
        ExportCommand.Exported files = ExportCommand.writeBoth(graph, out);
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
        for (Path p : VisualizeCommand.draw(VisualizeCommand.pick(ModelFiles.read(files.tflite()), null), pictures)) {
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
    private Map<String, Object> runOnRuntime(Path s24, MnistDataset mnist, Evaluation test) throws Exception {
        SparseModel sparse = SparseModel.load(s24);
        SparseModel dense = SparseModel.fromGraph(sparse.graph().withDenseWeights());
        float[] x = mnist.testImages().toArray();
        int[] labels = mnist.testLabels();
        int sample = sparse.inputs().get(0).sampleSize();
        int classes = sparse.outputs().get(0).sampleSize();
        Map<String, Object> result = new LinkedHashMap<>();
        for (Map.Entry<String, SparseModel> e : Map.of("sparse", sparse, "dense", dense).entrySet().stream()
                .sorted(Map.Entry.comparingByKey(java.util.Comparator.reverseOrder())).toList()) {
            Device dev = e.getKey().equals("sparse") ? Device.valueOf(device.toUpperCase(Locale.ROOT)) : Device.CPU;
            try (InferenceSession session = e.getValue().newSession(SessionOptions.defaults()
                    .withDevice(dev).withThreads(threads).withMaxBatch(256))) {
                System.out.println("Runtime (" + e.getKey() + ") session: " + session.description());
                double accuracy = RunCommand.accuracy(session.run(x, labels.length), labels, classes);
                RunCommand.Timing t = RunCommand.time(session, x, labels.length, sample, 256);
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
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), s);
    }
}
