package dev.sparse24.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** JMH JSON in, docs/bench-results.md's results.json out: layers and models, mean and fastest ratios. */
class BenchResultsWriterTest {
    private static String run(String benchmark, String params, double score, double error, String raw) {
        return "{\"benchmark\":\"dev.sparse24.bench." + benchmark + "\",\"params\":{" + params + "},"
                + "\"primaryMetric\":{\"score\":" + score + ",\"scoreError\":" + error + ",\"rawData\":[[" + raw + "]]}}";
    }

    @Test
    void pairsDenseAndSparseTrialsIntoRatios(@TempDir Path dir) throws Exception {
        String jmh = "[" + String.join(",",
                run("SparseGemmBenchmark.layer", "\"batch\":\"64\",\"layer\":\"4096x4096\",\"threads\":\"1\",\"variant\":\"dense\"",
                        60.0, 6.0, "55.0,60.0,65.0"),
                run("SparseGemmBenchmark.layer", "\"batch\":\"64\",\"layer\":\"4096x4096\",\"threads\":\"1\",\"variant\":\"sparse\"",
                        40.0, 2.0, "44.0,40.0,36.0"),
                run("SparseGemmBenchmark.layer", "\"batch\":\"2\",\"layer\":\"conv2\",\"threads\":\"1\",\"variant\":\"dense\"",
                        1.0, 0.1, "1.0"),
                run("SparseGemmBenchmark.layer", "\"batch\":\"2\",\"layer\":\"conv2\",\"threads\":\"1\",\"variant\":\"sparse\"",
                        0.5, 0.1, "0.5"),
                run("ModelInferenceBenchmark.model", "\"batch\":\"256\",\"threads\":\"2\",\"variant\":\"dense\"",
                        200.0, 10.0, "210.0,190.0"),
                run("ModelInferenceBenchmark.model", "\"batch\":\"256\",\"threads\":\"2\",\"variant\":\"sparse\"",
                        160.0, 8.0, "150.0,170.0"),
                // The peer after sparse: it must land in its own slot, not overwrite sparse's.
                run("ModelInferenceBenchmark.model", "\"batch\":\"256\",\"threads\":\"2\",\"variant\":\"onnxruntime\"",
                        180.0, 9.0, "175.0,185.0")) + "]";
        Path in = dir.resolve("jmh.json");
        Files.writeString(in, jmh);
        Path out = dir.resolve("results.json");
        BenchResultsWriter.main(new String[]{in.toString(), out.toString(), "the command"});

        JsonNode r = new ObjectMapper().readTree(out.toFile());
        assertEquals(1, r.get("schema").asInt());
        assertEquals("the command", r.get("command").asText());
        JsonNode layers = r.get("layers");
        assertEquals(2, layers.size());
        JsonNode big = layers.get(0);
        assertEquals(4096, big.get("rows").asInt());
        assertEquals(64, big.get("batch").asInt());
        assertEquals(1.5, big.get("speedup").asDouble(), 1e-9);          // 60 / 40
        assertEquals(55.0 / 36.0, big.get("speedup_min").asDouble(), 1e-4);
        assertEquals(0.1, big.get("spread").asDouble(), 1e-9);           // max(6/60, 2/40)
        JsonNode conv = layers.get(1);
        assertEquals(64, conv.get("rows").asInt());
        assertEquals(800, conv.get("cols").asInt());
        assertEquals(2 * 196, conv.get("batch").asInt());               // GEMM rows: 196 patches per image
        assertEquals(2, conv.get("images").asInt());
        JsonNode model = r.get("models").get(0);
        assertEquals(1, r.get("models").size());
        assertEquals("tutorial", model.get("model").asText());
        assertEquals(2, model.get("threads").asInt());
        assertEquals(1.25, model.get("speedup").asDouble(), 1e-9);       // 200 / 160
        assertEquals(1280, model.get("images_per_s_dense").asLong());    // 256 images / 0.2 s
        assertEquals(1600, model.get("images_per_s_sparse").asLong());
        assertEquals(190.0 / 150.0, model.get("speedup_min").asDouble(), 1e-4);
        assertEquals(180.0, model.get("onnxruntime_ms").asDouble(), 1e-9);
        assertEquals(1.125, model.get("speedup_vs_onnxruntime").asDouble(), 1e-9);  // 180 / 160
        assertEquals(1422, model.get("images_per_s_onnxruntime").asLong());
        assertEquals(175.0, model.get("onnxruntime_min_ms").asDouble(), 1e-9);
        assertEquals(0.05, model.get("spread").asDouble(), 1e-9);           // max(10/200, 8/160, 9/180)
        assertEquals(false, layers.get(0).has("onnxruntime_ms"));
    }

    @Test
    void anUnknownVariantIsRefusedByName(@TempDir Path dir) throws Exception {
        Path in = dir.resolve("jmh.json");
        Files.writeString(in, "[" + run("ModelInferenceBenchmark.model",
                "\"batch\":\"1\",\"threads\":\"1\",\"variant\":\"tflite\"", 1.0, 0.1, "1.0") + "]");
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> BenchResultsWriter.main(new String[]{in.toString(), dir.resolve("r.json").toString()}));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("tflite"), e.getMessage());
    }
}
