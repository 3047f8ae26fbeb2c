package dev.sparse24.runtime;

import dev.sparse24.models.TutorialModel;
import dev.sparse24.models.GraphExporter;
import dev.sparse24.graph.Graph;
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
 * The tutorial model exported to a Graph with its 2:4 layers (conv2, dense1) pruned by hand - a
 * pseudo-random pair kept per group, so every metadata code occurs - instead of by training,
 * which would take minutes. conv2 and dense1 come out compressed; conv1 and the logits dense.
 */
public final class TutorialGraph {
    private TutorialGraph() {
    }

    public static Graph build(long seed) {
        Sequential wrapped = TutorialModel.build(true, seed);
        Map<String, PruningParams> plan = Pruning.plan(wrapped);
        Sequential model = Pruning.strip(wrapped);
        Random rnd = new Random(seed);
        for (Layer layer : model.layers()) {
            if (layer instanceof KernelLayer k && plan.containsKey(layer.name()) && plan.get(layer.name()).isStructured()) {
                pruneByHand(k, rnd);
            }
        }
        return GraphExporter.export(model, plan);
    }

    private static void pruneByHand(KernelLayer k, Random rnd) {
        int[] ks = k.kernelSize();
        Parameter kernel = k.kernel();
        Tensor w = TfLiteLayout.fromKeras(kernel.value(), ks[0], ks[1], k.inputChannels(), k.outputChannels());
        int[][] pairs = {{0, 1}, {0, 2}, {0, 3}, {1, 2}, {1, 3}, {2, 3}};
        for (int g = 0; g < w.size(); g += 4) {
            int[] keep = pairs[rnd.nextInt(pairs.length)];
            for (int i = 0; i < 4; i++) {
                if (i != keep[0] && i != keep[1]) {
                    w.set(g + i, 0f);
                }
            }
        }
        TfLiteLayout.toKeras(w, kernel.value());
    }
}
