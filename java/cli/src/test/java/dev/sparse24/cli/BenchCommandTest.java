package dev.sparse24.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code sparse24 bench} on a tiny run (hidden {@code --size tiny}: small shapes, few runs):
 * results.json holds what docs/bench-results.md promises readers (every key, consistent
 * ratios), report.md has its tables with one row per case, and the charts are real PNGs.
 * Timings are not judged: this checks the outputs, not the speed.
 */
class BenchCommandTest {
    static final List<String> LAYER_KEYS = List.of("device", "dtype", "threads", "rows", "cols", "batch", "dense_ms",
            "sparse_ms", "speedup", "dense_floor_ms", "sparse_floor_ms", "runs", "spread");
    static final List<String> MODEL_KEYS = List.of("device", "model", "batch", "threads", "dense_ms", "sparse_ms",
            "speedup", "images_per_s_dense", "images_per_s_sparse", "p99_sparse_ms", "onnxruntime_ms");

    @Test
    void tinyRunWritesTheSchemaTheReportAndCharts(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("bench");
        FormatCommandsTest.Run r = FormatCommandsTest.run("bench", "--size", "tiny", "--out", out.toString());
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("[1/"), "one line per case off a terminal: " + r.out());

        JsonNode j = new ObjectMapper().readTree(out.resolve("results.json").toFile());
        assertEquals(1, j.get("schema").asInt());
        Instant.parse(j.get("created").asText());
        assertEquals("sparse24 bench --size tiny --out " + out, j.get("command").asText());
        JsonNode m = j.get("machine");
        for (String k : List.of("cpu", "cores_used", "isa", "openblas_coretype", "gpu", "driver")) {
            assertTrue(m.has(k), "machine." + k);
        }
        assertTrue(m.get("gpu").isNull() && m.get("driver").isNull(), "CPU run: no GPU");
        assertTrue(m.get("cores_used").asInt() >= 1);

        JsonNode layers = j.get("layers");
        assertEquals(2 * 2, layers.size(), "two shapes at two batches");
        for (JsonNode l : layers) {
            for (String k : LAYER_KEYS) {
                assertTrue(l.has(k), "layer key " + k + " in " + l);
            }
            assertEquals("cpu", l.get("device").asText());
            assertEquals("fp32", l.get("dtype").asText());
            double dense = l.get("dense_ms").asDouble();
            double sparse = l.get("sparse_ms").asDouble();
            assertTrue(dense > 0 && sparse > 0, l.toString());
            // The file rounds times to 4 decimals (0.1 us) and computes the speedup before rounding:
            // a tiny layer's ratio of rounded times is only that exact.
            double ratio = dense / sparse;
            assertEquals(ratio, l.get("speedup").asDouble(), ratio * (0.5e-4 / dense + 0.5e-4 / sparse) + 1e-3,
                    l.toString());
            assertTrue(l.get("dense_floor_ms").asDouble() > 0 && l.get("sparse_floor_ms").asDouble() > 0);
            assertTrue(l.get("runs").asInt() >= 3);
        }
        JsonNode models = j.get("models");
        assertEquals(2, models.size(), "the model at batch 1 and 2");
        for (JsonNode x : models) {
            for (String k : MODEL_KEYS) {
                assertTrue(x.has(k), "model key " + k + " in " + x);
            }
            assertEquals("tutorial", x.get("model").asText());
            assertEquals(x.get("dense_ms").asDouble() / x.get("sparse_ms").asDouble(), x.get("speedup").asDouble(), 0.02);
            assertTrue(x.get("p99_sparse_ms").asDouble() >= x.get("sparse_ms").asDouble());
            assertTrue(x.get("onnxruntime_ms").asDouble() > 0);
        }
        assertTrue(j.get("model_info").get("weights").asText().startsWith("NOT TRAINED")
                || j.get("model_info").get("weights").asText().startsWith("trained"), j.get("model_info").toString());

        String report = Files.readString(out.resolve("report.md"));
        assertTrue(report.contains("`sparse24 bench --size tiny --out " + out + "`"), "the command");
        assertTrue(report.contains(j.get("created").asText()), "the date");
        assertTrue(report.contains("| CPU | " + m.get("cpu").asText()), "the machine");
        assertTrue(report.contains("| OpenBLAS core type | " + m.get("openblas_coretype").asText()), report);
        assertTrue(report.contains("| Java | "), report);
        assertEquals(4, tableRows(report, "| layer | threads | batch |"), report);
        assertEquals(2, tableRows(report, "| device | threads | batch | 2:4 ms | dense ms | ONNX Runtime ms |"), report);
        assertTrue(report.contains("speed only, not accuracy"), report);

        for (String png : List.of("speedup_vs_batch.png", "percent_of_floor.png", "latency_vs_batch.png",
                "throughput_vs_batch.png")) {
            BufferedImage img = ImageIO.read(out.resolve(png).toFile());
            assertNotNull(img, png);
            assertEquals(960, img.getWidth(), png);
            assertTrue(report.contains("](" + png + ")"), "report shows " + png);
        }
    }

    @Test
    void badOptionsAreOneLineUserErrors(@TempDir Path dir) {
        FormatCommandsTest.Run r = FormatCommandsTest.run("bench", "--device", "tpu", "--out", dir.toString());
        assertEquals(2, r.exit());
        assertTrue(r.err().startsWith("bench: --device must be cpu or cuda"), r.err());
        FormatCommandsTest.Run m = FormatCommandsTest.run("bench", "--model", dir.resolve("nope.s24").toString(),
                "--out", dir.toString());
        assertEquals(2, m.exit());
        assertTrue(m.err().contains("no such file"), m.err());
    }

    /** Rows of the markdown table whose header starts with {@code header}. */
    static int tableRows(String md, String header) {
        List<String> lines = md.lines().toList();
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith(header)) {
                int n = 0;
                for (int k = i + 2; k < lines.size() && lines.get(k).startsWith("|"); k++) {
                    n++;
                }
                return n;
            }
        }
        return -1;
    }
}
