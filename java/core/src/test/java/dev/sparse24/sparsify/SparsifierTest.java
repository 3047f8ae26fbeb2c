package dev.sparse24.sparsify;

import dev.sparse24.format.ModelFiles;
import dev.sparse24.format.WeightSparsityCheck;
import dev.sparse24.format.tflite.TfliteWriter;
import dev.sparse24.graph.Graph;
import dev.sparse24.models.GraphExporter;
import dev.sparse24.nn.Sequential;
import dev.sparse24.ops.ReferenceEvaluator;
import dev.sparse24.sparse.NmPattern;
import dev.sparse24.tensor.Shape;
import dev.sparse24.tensor.Tensor;
import dev.sparse24.train.FitOptions;
import dev.sparse24.train.Trainer;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The whole sparsify pipeline on a tiny model, one training step: fast enough for every build. */
class SparsifierTest {
    @Test
    void tinyModelIsPermutedPrunedFineTunedAndExportedWith24() throws Exception {
        // A "trained dense" model as a .tflite, read back as an imported graph.
        Graph dense = ModelFiles.read(TfliteWriter.toBytes(GraphExporter.export(TinyModels.convNet(3), Map.of())));
        Shape shape = Shape.of(6, 6, 1);
        Sequential model = GraphToLayers.convert(dense, shape, "tiny").model();
        Tensor x = TinyModels.input(new Random(4), 32, shape);
        int[] y = new int[32];
        for (int i = 0; i < y.length; i++) {
            y[i] = i % 5;
        }
        Tensor before = Trainer.predict(model, x, 32);

        Sparsifier.Prepared p = Sparsifier.prepare(model, true, 1, 1);
        assertEquals(java.util.List.of("conv2d_1", "dense", "dense_1"), java.util.List.copyOf(p.twoFour()));
        assertEquals(1, p.warnings().size());
        assertTrue(p.warnings().get(0).startsWith("conv2d (Conv2D, 1 input channel)"), p.warnings().get(0));
        assertTrue(TinyModels.maxAbsDifference(before, Trainer.predict(model, x, 32)) < 1e-4, "permutation keeps the function");

        Sparsifier.pruneOneShot(model, p.twoFour());
        assertTrue(Sparsifier.check(model, Sparsifier.plan(p.twoFour())).allPatternsHold());

        Sparsifier.FineTuned f = Sparsifier.fineTune(model, p.twoFour(), x, y,
                FitOptions.defaults().withBatchSize(32).withEpochs(1).withValidationSplit(0).withVerbose(0), 1e-3f, null);
        assertEquals(1, f.history().epochs().size());
        assertTrue(Sparsifier.check(f.model(), f.plan()).allPatternsHold(), "masks held through fine-tuning");

        Graph out = Sparsifier.export(f.model(), f.plan(), Map.of("sparsified_from", "tiny"));
        assertEquals("tiny", out.metadata().get("sparsified_from"));
        Graph back = ModelFiles.read(TfliteWriter.toBytes(out));
        WeightSparsityCheck.Result r = WeightSparsityCheck.check(back, NmPattern.TWO_FOUR);
        assertTrue(r.passes(), r.toText());
        Tensor exported = new ReferenceEvaluator(back).run(x);
        assertTrue(TinyModels.maxAbsDifference(Trainer.predict(f.model(), x, 32), exported) < 1e-4);
    }
}
