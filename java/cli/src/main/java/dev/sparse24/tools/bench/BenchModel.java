package dev.sparse24.tools.bench;

import dev.sparse24.format.ModelFiles;
import dev.sparse24.format.ModelFormatException;
import dev.sparse24.graph.Graph;
import dev.sparse24.models.GraphExporter;
import dev.sparse24.models.TutorialModel;
import dev.sparse24.nn.Sequential;
import dev.sparse24.prune.Pruning;
import dev.sparse24.prune.PruningParams;
import dev.sparse24.prune.UpdatePruningStep;
import dev.sparse24.tensor.Tensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;

/**
 * The model a bench run times, and where its weights come from - said in the report, since a
 * reader must not take untrained weights for a trained model's.
 *
 * @param graph   the graph
 * @param name    "tutorial" or the file's name
 * @param source  the file read, or how the graph was made
 * @param weights what the weights are (trained export, or initialisation pruned by magnitude)
 */
public record BenchModel(Graph graph, String name, String source, String weights) {
    /** Where the tutorial command writes its trained export. */
    public static final Path TUTORIAL_EXPORT = Path.of("out", "tutorial", "model.s24");

    /**
     * {@code file} when given; else the tutorial's trained export when {@link #TUTORIAL_EXPORT}
     * exists; else the tutorial model at its seeded initialisation, pruned as the first training
     * step prunes (masks by magnitude: conv1 50% unstructured, conv2 and dense1 2:4).
     */
    public static BenchModel resolve(Path file) throws IOException, ModelFormatException {
        if (file != null) {
            return new BenchModel(ModelFiles.read(file), file.getFileName().toString(), file.toString(),
                    "as stored in the file");
        }
        if (Files.isRegularFile(TUTORIAL_EXPORT)) {
            return new BenchModel(ModelFiles.read(TUTORIAL_EXPORT), "tutorial", TUTORIAL_EXPORT.toString(),
                    "trained by `sparse24 tutorial` (its export)");
        }
        return new BenchModel(tutorialAtInit(1), "tutorial", "models.TutorialModel (seed 1), built in process",
                "NOT TRAINED: the seeded initialisation, pruned by magnitude as the first training step prunes "
                        + "(same layers, shapes and 2:4 patterns as a trained export; speed does not depend on the "
                        + "values). Run `sparse24 tutorial` first, or pass --model, to time trained weights.");
    }

    /** The tutorial model at initialisation {@code seed}, its masks applied by one training-mode step. */
    static Graph tutorialAtInit(long seed) {
        Sequential model = TutorialModel.build(true, seed);
        UpdatePruningStep step = new UpdatePruningStep();
        step.onTrainBegin(model);
        step.onTrainBatchBegin(0);
        float[] x = new float[2 * 784];
        Random r = new Random(seed);
        for (int i = 0; i < x.length; i++) {
            x[i] = r.nextFloat();
        }
        model.forward(Tensor.of(x, 2, 28, 28, 1), true);
        Map<String, PruningParams> plan = Pruning.plan(model);
        return GraphExporter.export(Pruning.strip(model), plan);
    }
}
