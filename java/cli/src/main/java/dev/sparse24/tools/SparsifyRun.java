package dev.sparse24.tools;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.sparse24.data.IdxDataset;
import dev.sparse24.data.Mnist;
import dev.sparse24.data.TrainingData;
import dev.sparse24.format.AtomicFiles;
import dev.sparse24.format.ModelFiles;
import dev.sparse24.format.WeightSparsityCheck;
import dev.sparse24.graph.Graph;
import dev.sparse24.nn.Sequential;
import dev.sparse24.runtime.Device;
import dev.sparse24.runtime.InferenceSession;
import dev.sparse24.runtime.SessionOptions;
import dev.sparse24.runtime.SparseModel;
import dev.sparse24.sparse.NmPattern;
import dev.sparse24.sparse.SparsityReport;
import dev.sparse24.sparsify.GraphToLayers;
import dev.sparse24.sparsify.ModelPermutation;
import dev.sparse24.sparsify.Sparsifier;
import dev.sparse24.sparsify.UntrainableGraphException;
import dev.sparse24.tensor.Blas;
import dev.sparse24.tensor.Tensor;
import dev.sparse24.train.Adam;
import dev.sparse24.train.Evaluation;
import dev.sparse24.train.FitOptions;
import dev.sparse24.train.SparseCategoricalCrossentropy;
import dev.sparse24.train.Trainer;
import dev.sparse24.train.TrainingProgress;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What {@code sparse24 sparsify MODEL} runs ({@link Sparsifier} step by step, with figures):
 * import the trained dense model and the data, evaluate it; one-shot 2:4 without the channel
 * permutation (evaluated, then discarded: the comparison point); with it (evaluated); fine-tune
 * with the masks fixed (evaluated); check 2:4, export .s24 and .tflite, run the .s24 on the
 * inference runtime, write summary.json. Prints its progress on {@code System.out}.
 */
public final class SparsifyRun {
    /**
     * The settings, as the command's options give them.
     *
     * @param epochs       fine-tuning epochs (0: export the one-shot model)
     * @param limit        first N training and test images (0: all)
     * @param permute      search and apply the channel permutation
     * @param restarts     random restarts of each permutation search
     * @param threads      OpenBLAS threads (0: all cores)
     */
    public record Options(Path model, Path data, Path out, int epochs, int batchSize, float learningRate,
                          double validationSplit, long seed, int limit, boolean permute, int restarts, int threads,
                          boolean quiet) {
        /** What is wrong with these settings, as a message for the user, or null. */
        public String problem() {
            if (epochs < 0 || batchSize <= 0 || limit < 0 || restarts < 0 || !(learningRate > 0)) {
                return "--epochs, --limit and --restarts must be >= 0, --batch-size and --learning-rate > 0, given "
                        + epochs + ", " + limit + ", " + restarts + ", " + batchSize + " and " + learningRate;
            }
            return null;
        }
    }

    private final Options o;
    private final TrainingProgress progress;

    /** @param progress where training progress goes, or null for one line per epoch */
    public SparsifyRun(Options options, TrainingProgress progress) {
        if (options.problem() != null) {
            throw new IllegalArgumentException(options.problem());
        }
        this.o = options;
        this.progress = progress;
    }

    /**
     * Runs it all; returns the exit status (0).
     *
     * @throws UntrainableGraphException when the model holds an op that cannot be trained
     */
    public int run() throws Exception {
        Blas.init(o.threads());
        Graph graph = ModelFiles.read(o.model());
        IdxDataset data = TrainingData.load(Mnist.system(), o.data(), o.limit() > 0 ? o.limit() : Mnist.NO_LIMIT,
                System.out::println);
        System.out.printf(Locale.ROOT, "Sparsify %s: data %d train / %d test images %s, %d classes; %s; %d BLAS"
                        + " thread(s)%n", o.model(), data.trainCount(), data.testCount(), data.imageShape(), data.classes(),
                o.epochs() == 0 ? "no fine-tuning" : o.epochs() + " fine-tuning epoch(s)", Blas.threads());
        String name = o.model().getFileName().toString().replaceAll("\\.(tflite|s24)$", "");
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("created", Instant.now().toString());
        s.put("model", o.model().toString());

        // 1. The dense model as trainable layers, and its accuracy.
        GraphToLayers.Converted converted = GraphToLayers.convert(graph, data.imageShape(), name);
        converted.notes().forEach(n -> System.out.println("Import: " + n));
        Sequential model = converted.model();
        int outputs = model.outputShape().size();
        if (outputs < data.classes()) {
            throw new UntrainableGraphException("the model gives " + outputs + " outputs but the data has "
                    + data.classes() + " classes");
        }
        System.out.print(model.summary());
        double dense = evaluate(model, data, "dense (imported)");
        s.put("accuracy_dense", dense);

        // 2. One-shot 2:4 without the permutation: the comparison point.
        Sequential plain = GraphToLayers.convert(graph, data.imageShape(), name).model();
        Sparsifier.Prepared unpermuted = Sparsifier.prepare(plain, false, 0, o.seed());
        Sparsifier.pruneOneShot(plain, unpermuted.twoFour());
        s.put("accuracy_one_shot_no_permutation", evaluate(plain, data, "one-shot 2:4, channels in order"));

        // 3. The permutation (function unchanged), then one-shot 2:4.
        Tensor probe = firstImages(data, 256);
        Tensor before = Trainer.predict(model, probe, 256);
        long t0 = System.nanoTime();
        Sparsifier.Prepared p = Sparsifier.prepare(model, o.permute(), o.restarts(), o.seed());
        double searchSeconds = (System.nanoTime() - t0) / 1e9;
        p.warnings().forEach(w -> System.out.println("Warning: " + w));
        float diff = maxAbsDifference(before, Trainer.predict(model, probe, 256));
        System.out.printf(Locale.ROOT, "Channel permutation (%.1f s): outputs before and after differ by at most %.2e"
                + " on %d test images%n", searchSeconds, diff, probe.shape().dim(0));
        List<Map<String, Object>> layers = new ArrayList<>();
        for (ModelPermutation.Applied a : p.permutations()) {
            System.out.printf(Locale.ROOT, "  %-22s C=%-5d 2:4 keeps %.2f%% of |w| in order, %.2f%% permuted%s%n",
                    a.layer(), a.channels(), 100 * a.keptIdentity() / a.totalMagnitude(),
                    100 * a.keptPermuted() / a.totalMagnitude(), a.note() == null ? "" : " (" + a.note() + ")");
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("layer", a.layer());
            m.put("producer", a.producer());
            m.put("channels", a.channels());
            m.put("kept_fraction_in_order", a.keptIdentity() / a.totalMagnitude());
            m.put("kept_fraction_permuted", a.keptPermuted() / a.totalMagnitude());
            m.put("note", a.note());
            layers.add(m);
        }
        s.put("permutation_seconds", searchSeconds);
        s.put("permutation_max_output_difference", diff);
        s.put("layers_2_4", layers);
        s.put("warnings", p.warnings());
        Sparsifier.pruneOneShot(model, p.twoFour());
        double oneShot = evaluate(model, data, "one-shot 2:4" + (o.permute() ? ", channels permuted" : ""));
        s.put(o.permute() ? "accuracy_one_shot_permuted" : "accuracy_one_shot", oneShot);

        // 4. Fine-tuning with the masks fixed.
        Sequential result = model;
        var plan = Sparsifier.plan(p.twoFour());
        if (o.epochs() > 0) {
            FitOptions fit = FitOptions.defaults().withBatchSize(o.batchSize()).withEpochs(o.epochs())
                    .withValidationSplit(o.validationSplit()).withSeed(o.seed()).withVerbose(o.quiet() ? 2 : 1);
            long t1 = System.nanoTime();
            Sparsifier.FineTuned f = Sparsifier.fineTune(model, p.twoFour(), data.trainImages(), data.trainLabels(),
                    fit, o.learningRate(), progress);
            double trainSeconds = (System.nanoTime() - t1) / 1e9;
            result = f.model();
            plan = f.plan();
            s.put("fine_tune_seconds", trainSeconds);
            s.put("history", f.history().epochs());
            double tuned = evaluate(result, data, "after " + o.epochs() + " fine-tuning epoch(s)");
            s.put("accuracy_fine_tuned", tuned);
            System.out.printf(Locale.ROOT, "Accuracy change from dense: %+.2f points (fine-tuning took %.1f s)%n",
                    100 * (tuned - dense), trainSeconds);
        }
        SparsityReport report = Sparsifier.check(result, plan);
        System.out.print(report.toTable());
        if (!report.allPatternsHold()) {
            throw new IllegalStateException("a 2:4 layer lost its pattern; this is a bug");
        }

        // 5. Export, check, and run the .s24 on the inference runtime.
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("sparsified_from", o.model().getFileName().toString());
        Graph exported = Sparsifier.export(result, plan, meta);
        ModelExport.Exported files = ModelExport.writeBoth(exported, o.out());
        System.out.println("Exported " + files.s24() + " and " + files.tflite() + "; " + files.describe());
        WeightSparsityCheck.Result check = WeightSparsityCheck.check(ModelFiles.read(files.tflite()), NmPattern.TWO_FOUR);
        System.out.print(check.toText());
        s.put("export", files.toMap());
        s.put("check_sparsity", check.toMap());
        try (InferenceSession session = SparseModel.load(files.s24()).newSession(SessionOptions.defaults()
                .withDevice(Device.CPU).withThreads(o.threads()).withMaxBatch(256))) {
            double runtime = Evaluation.accuracyOf(session.run(data.testImages().toArray(), data.testCount()),
                    data.testLabels(), outputs);
            System.out.printf(Locale.ROOT, "Runtime (%s): accuracy %.4f of model.s24%n", session.description(), runtime);
            s.put("accuracy_runtime_s24", runtime);
        }
        Path summary = o.out().resolve("summary.json");
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        AtomicFiles.write(summary, w -> json.writeValue(w, s));
        System.out.println("Wrote " + summary);
        return 0;
    }

    private static double evaluate(Sequential model, IdxDataset data, String what) {
        Evaluation e = new Trainer(model, new Adam(), new SparseCategoricalCrossentropy(true))
                .evaluate(data.testImages(), data.testLabels(), 256);
        System.out.printf(Locale.ROOT, "Test accuracy, %s: %.4f (loss %.4f)%n", what, e.accuracy(), e.loss());
        return e.accuracy();
    }

    private static Tensor firstImages(IdxDataset data, int n) {
        int count = Math.min(n, data.testCount());
        int sample = data.imageShape().size();
        Tensor t = Tensor.zeros(data.imageShape().withBatch(count));
        t.buffer().put(0, data.testImages().buffer(), 0, count * sample);
        return t;
    }

    private static float maxAbsDifference(Tensor a, Tensor b) {
        float m = 0;
        for (int i = 0; i < a.size(); i++) {
            m = Math.max(m, Math.abs(a.get(i) - b.get(i)));
        }
        return m;
    }
}
