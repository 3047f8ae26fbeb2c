package dev.sparse24.sparsify;

import dev.sparse24.models.GraphExporter;
import dev.sparse24.graph.Graph;
import dev.sparse24.nn.KernelLayer;
import dev.sparse24.nn.Layer;
import dev.sparse24.nn.Sequential;
import dev.sparse24.prune.Pruning;
import dev.sparse24.prune.PruningParams;
import dev.sparse24.prune.UpdatePruningStep;
import dev.sparse24.sparse.NmMask;
import dev.sparse24.sparse.NmPattern;
import dev.sparse24.sparse.SparsityReport;
import dev.sparse24.sparse.TfLiteLayout;
import dev.sparse24.tensor.Tensor;
import dev.sparse24.train.Adam;
import dev.sparse24.train.FitOptions;
import dev.sparse24.train.History;
import dev.sparse24.train.SparseCategoricalCrossentropy;
import dev.sparse24.train.Trainer;
import dev.sparse24.train.TrainingProgress;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One-shot 2:4 of a trained dense model, then fine-tuning with the masks fixed: what NVIDIA's
 * ASP ({@code ASP.prune_trained_model}) does for PyTorch, on Sparse24's layers.
 * <ol>
 *   <li>{@link #prepare}: every Conv2D/Dense whose input channels are a multiple of 4 is to carry
 *       2:4 (the others are named in {@link Prepared#warnings}); the channel permutation of each
 *       is searched and applied ({@link ModelPermutation}), which leaves the function unchanged;</li>
 *   <li>{@link #pruneOneShot}: in each group of four input channels the two weights of largest
 *       magnitude stay ({@link NmMask}, TFLite orientation), the others become 0;</li>
 *   <li>{@link #fineTune}: the layers are wrapped with {@link Pruning#pruneLowMagnitude} 2:4,
 *       whose mask is chosen once, at the first step, from the weights it is given - here the
 *       already pruned ones, so the one-shot mask - and kept for the rest of training; the
 *       model is trained with Sparse24's {@link Trainer} and Adam, then stripped;</li>
 *   <li>{@link #export}: the inference graph, 2:4 weights stored compressed.</li>
 * </ol>
 */
public final class Sparsifier {
    private Sparsifier() {
    }

    /**
     * The model after {@link #prepare}.
     *
     * @param twoFour      names of the layers to carry 2:4, in model order
     * @param warnings     one line per kernel layer that stays dense, naming it and why
     * @param permutations what the permutation did per 2:4 layer
     */
    public record Prepared(Sequential model, Set<String> twoFour, List<String> warnings,
                           List<ModelPermutation.Applied> permutations) {
    }

    /** The model after {@link #fineTune}: stripped, with its plan and training history. */
    public record FineTuned(Sequential model, Map<String, PruningParams> plan, History history) {
    }

    /**
     * Picks the 2:4 layers and applies the channel permutation.
     *
     * @param model    built, dense, without pruning wrappers; modified in place
     * @param permute  false: keep every layer's channel order
     * @param restarts random restarts of each permutation search
     * @param seed     seed of the searches
     */
    public static Prepared prepare(Sequential model, boolean permute, int restarts, long seed) {
        Set<String> twoFour = new LinkedHashSet<>();
        List<String> warnings = new ArrayList<>();
        for (Layer l : model.layers()) {
            if (!(l instanceof KernelLayer k)) {
                continue;
            }
            if (k.inputChannels() % NmPattern.TWO_FOUR.n() == 0) {
                twoFour.add(l.name());
            } else {
                warnings.add(l.name() + " (" + l.typeName() + ", " + k.inputChannels() + " input channel"
                        + (k.inputChannels() == 1 ? "" : "s") + ") stays dense: 2:4 needs input channels a multiple of 4");
            }
        }
        List<ModelPermutation.Applied> applied = ModelPermutation.apply(model, twoFour, restarts, seed, permute);
        return new Prepared(model, twoFour, warnings, applied);
    }

    /** Zeroes, in each named layer, the two smaller-magnitude weights of every group of four input channels. */
    public static void pruneOneShot(Sequential model, Set<String> twoFour) {
        for (Layer l : model.layers()) {
            if (l instanceof KernelLayer k && twoFour.contains(l.name())) {
                Tensor w = ModelPermutation.tflite(k);
                Tensor mask = NmMask.compute(w, NmPattern.TWO_FOUR);
                FloatBuffer wb = w.buffer();
                FloatBuffer mb = mask.buffer();
                for (int i = 0; i < w.size(); i++) {
                    wb.put(i, wb.get(i) * mb.get(i));
                }
                TfLiteLayout.toKeras(w, k.kernel().value());
            }
        }
    }

    /** The plan of a model pruned 2:4 in the named layers: what export and the sparsity report need. */
    public static Map<String, PruningParams> plan(Set<String> twoFour) {
        Map<String, PruningParams> plan = new LinkedHashMap<>();
        for (String name : twoFour) {
            plan.put(name, PruningParams.twoByFour());
        }
        return plan;
    }

    /**
     * Fine-tunes a one-shot-pruned model with its 2:4 masks fixed, then strips the wrappers.
     *
     * @param model        built, pruned by {@link #pruneOneShot}; modified in place
     * @param twoFour      its 2:4 layers
     * @param x            training images [N, ...inputShape]
     * @param y            N labels
     * @param options      batch size, epochs (at least 1), validation split, seed, verbosity
     * @param learningRate Adam's learning rate
     * @param progress     training progress, or null for {@link FitOptions#verbose()}'s default
     */
    public static FineTuned fineTune(Sequential model, Set<String> twoFour, Tensor x, int[] y, FitOptions options,
                                     float learningRate, TrainingProgress progress) {
        Pruning.pruneLowMagnitude(model, l -> twoFour.contains(l.name()) ? PruningParams.twoByFour() : null);
        Trainer trainer = new Trainer(model, new Adam(learningRate), new SparseCategoricalCrossentropy(true));
        if (progress != null) {
            trainer.withProgress(progress);
        }
        History history = trainer.fit(x, y, options, new UpdatePruningStep());
        Map<String, PruningParams> plan = Pruning.plan(model);
        Pruning.strip(model);
        return new FineTuned(model, plan, history);
    }

    /**
     * Whether every group of every 2:4 layer holds the pattern.
     *
     * @return the sparsity report of the model's kernels against {@code plan}
     */
    public static SparsityReport check(Sequential model, Map<String, PruningParams> plan) {
        return Pruning.sparsityReport(model, plan);
    }

    /**
     * The inference graph of a stripped model: the exporter's graph with {@code extraMetadata}
     * added (e.g. where the model came from and its accuracies).
     */
    public static Graph export(Sequential model, Map<String, PruningParams> plan, Map<String, String> extraMetadata) {
        Graph g = GraphExporter.export(model, plan);
        Map<String, String> meta = new LinkedHashMap<>(g.metadata());
        meta.putAll(extraMetadata);
        return new Graph(g.tensors(), g.operators(), g.inputs(), g.outputs(), meta);
    }
}
