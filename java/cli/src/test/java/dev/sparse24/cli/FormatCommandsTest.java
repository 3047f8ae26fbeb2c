package dev.sparse24.cli;

import dev.sparse24.format.ModelMetadata;
import dev.sparse24.format.s24.S24Reader;
import dev.sparse24.format.s24.S24Writer;
import dev.sparse24.format.s24.SampleGraphs;
import dev.sparse24.graph.Graph;
import dev.sparse24.graph.GraphTensor;
import dev.sparse24.prune.PruningParams;
import dev.sparse24.tensor.Tensor;
import dev.sparse24.testing.Outputs;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** check-sparsity, convert and visualize through picocli, on .s24 files written here. */
class FormatCommandsTest {
    record Run(int exit, String out, String err) {
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int exit = cl.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    /** The sample graph, with conv/kernel replaced by dense random weights although the metadata says 2:4. */
    static Graph broken() {
        Graph g = SampleGraphs.sample(7);
        List<GraphTensor> ts = new ArrayList<>(g.tensors());
        Random r = new Random(3);
        float[] w = Outputs.gaussian(r, 8 * 36);
        ts.set(1, GraphTensor.constant("conv/kernel", new int[] {8, 3, 3, 4}, Tensor.of(w, 8, 3, 3, 4)));
        return new Graph(ts, g.operators(), g.inputs(), g.outputs(), g.metadata());
    }

    @Test
    void checkSparsityPassesFailsAndRejects(@TempDir Path dir) throws Exception {
        Path good = dir.resolve("good.s24");
        S24Writer.write(SampleGraphs.sample(7), good);
        Run ok = run("check-sparsity", good.toString());
        assertEquals(0, ok.exit(), ok.out() + ok.err());
        assertTrue(ok.out().contains("conv/kernel") && ok.out().contains("PASS"), ok.out());
        // Independent count: each 4-group of a dense Gaussian row has 4 non-zeros, so every
        // one of the 8 rows x 9 groups of conv/kernel violates 2:4.
        Path bad = dir.resolve("bad.s24");
        S24Writer.write(broken(), bad);
        Run fail = run("check-sparsity", bad.toString(), "--m-by-n", "2,4");
        assertEquals(1, fail.exit(), fail.out());
        assertTrue(fail.out().contains("FAIL") && fail.out().contains("72 violating groups"), fail.out());

        Run json = run("check-sparsity", bad.toString(), "--json");
        assertEquals(1, json.exit());
        JsonNode j = new ObjectMapper().readTree(json.out());
        assertEquals(72, j.get("violating_groups").asLong());
        assertTrue(!j.get("passes").asBoolean());
        JsonNode first = j.get("tensors").get(0);
        assertEquals("conv/kernel", first.get("name").asText());
        assertEquals(0.0, first.get("sparsity").asDouble(), 1e-9);

        // A weaker pattern (1:4, three kept) accepts fewer-zero weights in the good file too.
        assertEquals(0, run("check-sparsity", good.toString(), "--m-by-n", "1:4").exit());
        assertEquals(2, run("check-sparsity", good.toString(), "--m-by-n", "4,4").exit());
        assertEquals(2, run("check-sparsity", dir.resolve("missing.s24").toString()).exit());
        Path junk = dir.resolve("junk.s24");
        Files.write(junk, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9});
        Run j2 = run("check-sparsity", junk.toString());
        assertEquals(2, j2.exit());
        assertTrue(j2.err().contains("identifier"), j2.err());
        assertEquals(2, run("check-sparsity").exit());
    }

    @Test
    void withoutPruningMetadataEveryWideWeightMustPass(@TempDir Path dir) throws Exception {
        Graph g = broken();
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put(ModelMetadata.PRODUCER, "elsewhere");
        Path f = dir.resolve("nometa.s24");
        S24Writer.write(new Graph(g.tensors(), g.operators(), g.inputs(), g.outputs(), meta), f);
        Run r = run("check-sparsity", f.toString());
        assertEquals(1, r.exit());
        assertTrue(r.out().contains("no pruning metadata"), r.out());
    }

    @Test
    void convertWritesAReadableS24(@TempDir Path dir) throws Exception {
        Path in = dir.resolve("in.s24");
        S24Writer.write(SampleGraphs.sample(8), in);
        Path out = dir.resolve("sub/out.s24");
        Run r = run("convert", in.toString(), out.toString());
        assertEquals(0, r.exit(), r.err());
        assertEquals(SampleGraphs.sample(8).tensors().size(), S24Reader.read(out).tensors().size());
        assertTrue(r.out().contains("2 of 3 weight tensors 2:4-compressed"), r.out());
        assertEquals(2, run("convert", dir.resolve("nope").toString(), out.toString()).exit());
    }

    @Test
    void visualizeDrawsOnePicturePerPrunedWeight(@TempDir Path dir) throws Exception {
        Graph g = SampleGraphs.sample(9);
        Map<String, String> meta = new LinkedHashMap<>(g.metadata());
        meta.putAll(ModelMetadata.pruningEntries(Map.of("dense", PruningParams.twoByFour())));
        Path f = dir.resolve("m.s24");
        S24Writer.write(new Graph(g.tensors(), g.operators(), g.inputs(), g.outputs(), meta), f);
        Path pics = dir.resolve("pics");
        Run r = run("visualize", f.toString(), "--out", pics.toString());
        assertEquals(0, r.exit(), r.err());
        // conv and dense are pruned per the metadata; the depthwise weight is not.
        assertTrue(Files.exists(pics.resolve("conv_kernel.png")), r.out());
        assertTrue(Files.exists(pics.resolve("dense_kernel.png")), r.out());
        assertEquals(2, Files.list(pics).count());
        BufferedImage img = ImageIO.read(pics.resolve("dense_kernel.png").toFile());
        assertTrue(img.getWidth() >= 600 && img.getHeight() >= 500);

        Path one = dir.resolve("one");
        assertEquals(0, run("visualize", f.toString(), "--layer", "dense", "--out", one.toString()).exit());
        assertEquals(1, Files.list(one).count());
        Run none = run("visualize", f.toString(), "--layer", "nothing", "--out", one.toString());
        assertEquals(2, none.exit());
        assertTrue(none.err().contains("conv/kernel"), none.err());
        assertEquals(2, run("visualize", f.toString()).exit());
    }

    @Test
    void realTfliteModelsConvertToS24ThatComputeTheSame(@TempDir Path dir) throws Exception {
        Path models = dev.sparse24.testing.TestData.tfliteDir();
        List<Path> files;
        try (var s = Files.list(models)) {
            files = s.filter(p -> p.toString().endsWith(".tflite")).sorted().toList();
        }
        assertTrue(files.size() >= 6, "shared models: " + files);
        Random rnd = new Random(2);
        for (Path tflite : files) {
            Path s24 = dir.resolve(tflite.getFileName() + ".s24");
            Run r = run("convert", tflite.toString(), s24.toString());
            assertEquals(0, r.exit(), tflite + ": " + r.err());
            Graph a = dev.sparse24.format.ModelFiles.read(tflite);
            Graph b = dev.sparse24.format.ModelFiles.read(s24);
            int[] shape = a.tensor(a.inputs()[0]).shape();
            shape[0] = 2;
            int n = 1;
            for (int d : shape) {
                n *= d;
            }
            float[] x = new float[n];
            for (int i = 0; i < n; i++) {
                x[i] = rnd.nextFloat();
            }
            Tensor in = Tensor.of(x, shape);
            org.junit.jupiter.api.Assertions.assertArrayEquals(
                    new dev.sparse24.ops.ReferenceEvaluator(a).run(in).toArray(),
                    new dev.sparse24.ops.ReferenceEvaluator(b).run(in).toArray(), tflite.toString());
            // Converter-made models carry no pruning metadata and no 2:4 structure: the check
            // treats every weight with >= 4 columns as prunable, and they fail.
            Run check = run("check-sparsity", tflite.toString());
            assertEquals(1, check.exit(), check.out());
            assertTrue(check.out().contains("no pruning metadata"), check.out());
        }
    }

    @Test
    void titlesFollowTheTutorial() {
        assertEquals("Structural pruning for Dense layer",
                dev.sparse24.tools.MaskPictures.title(dev.sparse24.graph.OpType.FULLY_CONNECTED, true));
        assertEquals("Structurally pruned weights for Conv2D layer",
                dev.sparse24.tools.MaskPictures.title(dev.sparse24.graph.OpType.CONV_2D, true));
        assertEquals("Unstructured pruned weights for Conv2D layer",
                dev.sparse24.tools.MaskPictures.title(dev.sparse24.graph.OpType.CONV_2D, false));
    }
}
