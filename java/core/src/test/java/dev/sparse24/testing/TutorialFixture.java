package dev.sparse24.testing;

import dev.sparse24.graph.Graph;
import dev.sparse24.models.GraphExporter;
import dev.sparse24.models.TutorialModel;
import dev.sparse24.nn.KernelLayer;
import dev.sparse24.nn.Layer;
import dev.sparse24.nn.Parameter;
import dev.sparse24.nn.Sequential;
import dev.sparse24.prune.Pruning;
import dev.sparse24.prune.PruningParams;
import dev.sparse24.sparse.TfLiteLayout;
import dev.sparse24.tensor.Tensor;

import java.util.Map;
import java.util.Random;

/**
 * The tutorial model (untrained) with its 2:4 layers (conv2, dense1) pruned by hand - a random
 * pair kept per group, so every metadata code occurs - instead of by training, which would take
 * minutes: the one tutorial fixture of core, CLI and bench tests. Exported, conv2 and dense1
 * come out compressed; conv1 and the logits stay dense.
 *
 * @param model the stripped model, its 2:4 kernels pruned (tests may change it further, e.g.
 *              BatchNorm statistics, before {@link #export})
 * @param plan  how each layer was pruned ({@code Pruning.plan} of the wrapped model)
 */
public record TutorialFixture(Sequential model, Map<String, PruningParams> plan) {

    /**
     * Builds the tutorial model with initialisation seed {@code seed}, strips it and prunes its
     * structured layers 2:4 with {@code rnd}.
     */
    public static TutorialFixture prunedByHand(long seed, Random rnd) {
        Sequential wrapped = TutorialModel.build(true, seed);
        Map<String, PruningParams> plan = Pruning.plan(wrapped);
        Sequential model = Pruning.strip(wrapped);
        for (Layer layer : model.layers()) {
            if (layer instanceof KernelLayer k && plan.containsKey(layer.name()) && plan.get(layer.name()).isStructured()) {
                int[] ks = k.kernelSize();
                Parameter kernel = k.kernel();
                Tensor w = TfLiteLayout.fromKeras(kernel.value(), ks[0], ks[1], k.inputChannels(), k.outputChannels());
                RandomWeights.pruneTwoFour(w, rnd);
                TfLiteLayout.toKeras(w, kernel.value());
            }
        }
        return new TutorialFixture(model, plan);
    }

    /** The pruned tutorial graph for {@code seed} (pruning drawn from {@code new Random(seed)}). */
    public static Graph graph(long seed) {
        return prunedByHand(seed, new Random(seed)).export();
    }

    /** The model exported as the converter would ({@link GraphExporter}). */
    public Graph export() {
        return GraphExporter.export(model, plan);
    }
}
