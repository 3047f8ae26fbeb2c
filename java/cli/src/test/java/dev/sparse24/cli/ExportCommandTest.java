package dev.sparse24.cli;

import dev.sparse24.testing.TutorialFixture;
import dev.sparse24.format.ModelFiles;
import dev.sparse24.format.s24.S24Writer;
import dev.sparse24.graph.Graph;
import dev.sparse24.ops.ReferenceEvaluator;
import dev.sparse24.tensor.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * export, check-sparsity and visualize on the tutorial model (untrained, its 2:4 layers pruned
 * by hand with random kept pairs): the .s24 is at most 0.6x the .tflite, both files compute the
 * same outputs, the checker passes both, and one picture per pruned layer is drawn.
 */
class ExportCommandTest {
    static Graph graph;

    @BeforeAll
    static void tutorialGraph() {
        graph = TutorialFixture.graph(5);
    }

    @Test
    void exportWritesBothFilesWithTheRatio(@TempDir Path dir) throws Exception {
        Path in = dir.resolve("in.s24");
        S24Writer.write(graph, in);
        Path out = dir.resolve("out");
        FormatCommandsTest.Run r = FormatCommandsTest.run("export", in.toString(), "--out", out.toString());
        assertEquals(0, r.exit(), r.err());
        long s24 = Files.size(out.resolve("model.s24"));
        long tflite = Files.size(out.resolve("model.tflite"));
        double ratio = (double) s24 / tflite;
        System.out.printf("tutorial model: .s24 %,d bytes, .tflite %,d bytes, ratio %.3f%n", s24, tflite, ratio);
        assertTrue(ratio <= 0.6, "ratio " + ratio);
        // 2:4 storage of conv2 and dense1: 2 kept values (8 B) + a 4-bit code per group of 4 weights
        // = 2.125 B per weight instead of 4; the rest is equal.
        long twoFourWeights = 64L * 800 + 1024L * 3136;
        long expectedSaving = twoFourWeights * 4 - twoFourWeights * 17 / 8;
        assertEquals(expectedSaving, tflite - s24, 4096.0, "saving of " + (tflite - s24) + " bytes");
        assertTrue(r.out().contains(String.format(java.util.Locale.ROOT, "%.3fx", ratio)), r.out());

        // Both files mean the same network: identical outputs on the same input.
        Graph fromS24 = ModelFiles.read(out.resolve("model.s24"));
        Graph fromTflite = ModelFiles.read(out.resolve("model.tflite"));
        Random rnd = new Random(1);
        float[] x = new float[2 * 28 * 28];
        for (int i = 0; i < x.length; i++) {
            x[i] = rnd.nextFloat();
        }
        Tensor input = Tensor.of(x, 2, 28, 28, 1);
        float[] a = new ReferenceEvaluator(graph).run(input).toArray();
        assertArrayEquals(a, new ReferenceEvaluator(fromS24).run(input).toArray());
        assertArrayEquals(a, new ReferenceEvaluator(fromTflite).run(input).toArray());
        assertEquals(2, fromS24.compressedTensors().size(), "conv2 and dense1 compressed");

        assertEquals(0, FormatCommandsTest.run("check-sparsity", out.resolve("model.s24").toString()).exit());
        FormatCommandsTest.Run check = FormatCommandsTest.run("check-sparsity", out.resolve("model.tflite").toString());
        assertEquals(0, check.exit(), check.out());
        assertTrue(check.out().contains("prunable per the file's pruning metadata"), check.out());

        Path pics = dir.resolve("pics");
        assertEquals(0, FormatCommandsTest.run("visualize", out.resolve("model.tflite").toString(), "--out",
                pics.toString()).exit());
        try (var files = Files.list(pics)) {
            assertEquals(3, files.count(), "conv1 (unstructured), conv2 and dense1 (2:4)");
        }
    }
}
