package dev.sparse24.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code sparse24 bench --merge}: a CPU results.json and a GPU-shaped one (device cuda, fp16,
 * PyTorch anchors, as docs/bench-results.md describes) in one report; malformed inputs are
 * one-line user errors that write nothing.
 */
class BenchMergeTest {
    static final String CPU = """
            {"schema": 1, "created": "2026-12-03T10:00:00Z", "command": "sparse24 bench --quick --out a",
             "machine": {"cpu": "AMD EPYC", "cores_used": 1, "isa": "avx512", "openblas_coretype": "Cooperlake",
                         "gpu": null, "driver": null},
             "layers": [
               {"device": "cpu", "dtype": "fp32", "threads": 1, "layer": "4096x4096", "rows": 4096, "cols": 4096,
                "batch": 1, "dense_ms": 2.4, "sparse_ms": 1.2, "speedup": 2.0, "dense_floor_ms": 2.1,
                "sparse_floor_ms": 1.1, "runs": 200, "spread": 0.03},
               {"device": "cpu", "dtype": "fp32", "threads": 1, "layer": "4096x4096", "rows": 4096, "cols": 4096,
                "batch": 64, "dense_ms": 10.0, "sparse_ms": 4.0, "speedup": 2.5, "dense_floor_ms": 8.0,
                "sparse_floor_ms": 4.0, "runs": 100, "spread": 0.05}],
             "models": [
               {"device": "cpu", "model": "tutorial", "batch": 1, "threads": 1, "dense_ms": 2.6, "sparse_ms": 1.0,
                "speedup": 2.6, "onnxruntime_ms": 1.1, "p99_sparse_ms": 1.4},
               {"device": "cpu", "model": "tutorial", "batch": 256, "threads": 1, "dense_ms": 120, "sparse_ms": 100,
                "speedup": 1.2, "onnxruntime_ms": 80, "p99_sparse_ms": 110}]}
            """;
    static final String GPU = """
            {"schema": 1, "created": "2026-12-04T10:00:00Z", "command": "device check",
             "machine": {"cpu": "Intel Xeon", "cores_used": 16, "isa": "avx512", "gpu": "NVIDIA H200",
                         "driver": "570.1"},
             "layers": [
               {"device": "cuda", "dtype": "fp16", "threads": 1, "rows": 8192, "cols": 8192, "batch": 64,
                "dense_ms": 0.05, "sparse_ms": 0.04, "speedup": 1.25, "torch_dense_ms": 0.05,
                "torch_semi_structured_ms": 0.045}],
             "models": [
               {"device": "cuda", "model": "tutorial", "batch": 1, "threads": 1, "dense_ms": 0.2, "sparse_ms": 0.1,
                "speedup": 2.0, "torch_dense_ms": 0.3}]}
            """;

    @Test
    void cpuAndGpuResultsMergeIntoOneReport(@TempDir Path dir) throws Exception {
        Path a = Files.writeString(dir.resolve("cpu.json"), CPU);
        Path b = Files.writeString(dir.resolve("gpu.json"), GPU);
        Path out = dir.resolve("merged");
        FormatCommandsTest.Run r = FormatCommandsTest.run("bench", "--merge", a.toString(), b.toString(), "--out",
                out.toString());
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("Merged 2 results file(s)"), r.out());

        JsonNode j = new ObjectMapper().readTree(out.resolve("results.json").toFile());
        assertEquals(1, j.get("schema").asInt());
        assertEquals("AMD EPYC", j.get("machine").get("cpu").asText(), "the schema's machine: the first input's");
        assertEquals(2, j.get("merged_from").size());
        assertEquals("NVIDIA H200", j.get("merged_from").get(1).get("machine").get("gpu").asText());
        assertEquals(3, j.get("layers").size());
        assertEquals(3, j.get("models").size());
        JsonNode gpuLayer = j.get("layers").get(2);
        assertEquals(1, gpuLayer.get("source").asInt());
        assertEquals("cuda", gpuLayer.get("device").asText());
        assertEquals(0.045, gpuLayer.get("torch_semi_structured_ms").asDouble(), "extra keys survive");
        assertTrue(gpuLayer.get("machine_label").asText().startsWith("NVIDIA H200"));

        String report = Files.readString(out.resolve("report.md"));
        assertEquals(2, BenchCommandTest.tableRows(report, "| source | file |"), report);
        assertEquals(3, BenchCommandTest.tableRows(report, "| source | device | dtype | layer |"), report);
        assertEquals(3, BenchCommandTest.tableRows(report, "| source | device | model |"), report);
        assertTrue(report.contains("onnxruntime 1.1000 (2:4 1.10x)"), report);
        assertTrue(report.contains("torch_dense 0.3000 (2:4 3.00x)"), report);
        assertTrue(report.contains("| 1 | cuda | fp16 | 8192x8192 | 1 | 64 |"), report);
        for (String png : List.of("speedup_vs_batch.png", "model_speedup_vs_batch.png", "throughput_vs_batch.png")) {
            BufferedImage img = ImageIO.read(out.resolve(png).toFile());
            assertNotNull(img, png);
            assertEquals(960, img.getWidth(), png);
            assertTrue(report.contains("](" + png + ")"), "report shows " + png);
        }
    }

    @Test
    void malformedInputsAreNamedAndNothingIsWritten(@TempDir Path dir) throws Exception {
        Path good = Files.writeString(dir.resolve("good.json"), CPU);
        String[][] cases = {
            {"{\"schema\": 2, \"machine\": {}, \"created\": \"x\"}", "\"schema\" must be 1"},
            {"[1, 2]", "expected a JSON object"},
            {"{\"schema\": 1, \"created\": \"x\"}", "\"machine\" must be an object"},
            {CPU.replace("\"batch\": 64", "\"batch\": 0"), "layers[1].batch must be an integer >= 1"},
            {CPU.replace("\"sparse_ms\": 1.0", "\"sparse_ms\": \"fast\""), "models[0].sparse_ms must be a finite"},
            {CPU.replace("\"model\": \"tutorial\", \"batch\": 256", "\"batch\": 256"), "models[1].model"},
            {CPU.substring(0, CPU.length() / 2), "not JSON"},
            {"{\"schema\": 1, \"created\": \"x\", \"machine\": {}, \"layers\": {}}", "\"layers\" must be an array"},
        };
        for (int i = 0; i < cases.length; i++) {
            Path bad = Files.writeString(dir.resolve("bad" + i + ".json"), cases[i][0]);
            Path out = dir.resolve("out" + i);
            FormatCommandsTest.Run r = FormatCommandsTest.run("bench", "--merge", good.toString(), bad.toString(),
                    "--out", out.toString());
            UserErrorsTest.assertUserError(r, "bench", bad.toString(), cases[i][1]);
            assertFalse(Files.exists(out), "nothing written for case " + i);
        }
        UserErrorsTest.assertUserError(FormatCommandsTest.run("bench", "--merge", good.toString(), "--quick", "--out",
                dir.resolve("o").toString()), "bench", "--merge takes only --out");
        UserErrorsTest.assertUserError(FormatCommandsTest.run("bench", "--merge", dir.resolve("nope.json").toString(),
                "--out", dir.resolve("o").toString()), "bench", "no such file");
    }

    @Test
    void randomlyDamagedInputsNeverCrashTheCommand(@TempDir Path dir) throws Exception {
        // Fuzz: truncations and byte changes of a valid file either merge or give the one-line error.
        byte[] valid = CPU.getBytes(StandardCharsets.UTF_8);
        Random rnd = new Random(24);
        for (int i = 0; i < 60; i++) {
            byte[] b = valid.clone();
            if (i % 3 == 0) {
                b = java.util.Arrays.copyOf(b, rnd.nextInt(b.length));
            } else {
                for (int k = 0; k < 1 + rnd.nextInt(4); k++) {
                    b[rnd.nextInt(b.length)] = (byte) "{}[]:,\"0-9.e xn".charAt(rnd.nextInt(15));
                }
            }
            Path f = dir.resolve("fuzz" + i + ".json");
            Files.write(f, b);
            FormatCommandsTest.Run r = FormatCommandsTest.run("bench", "--merge", f.toString(), "--out",
                    dir.resolve("fo" + i).toString());
            if (r.exit() != 0) {
                UserErrorsTest.assertUserError(r, "bench", f.toString());
            }
        }
    }
}
