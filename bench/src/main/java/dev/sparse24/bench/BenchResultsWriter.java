package dev.sparse24.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sparse24.runtime.cpu.Isa;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Turns the JMH JSON of {@link SparseGemmBenchmark} and {@link ModelInferenceBenchmark} into
 * results.json (the shape of docs/bench-results.md: one "layers" entry per layer shape, batch and
 * thread count, one "models" entry per model batch and thread count; speedup = dense_ms /
 * sparse_ms) and prints the tables. Usage: {@code BenchResultsWriter JMH_JSON OUT_JSON COMMAND}.
 */
public final class BenchResultsWriter {
    /** The variants a benchmark's {@code variant} parameter may name, in the order of the arrays below. */
    private static final java.util.List<String> VARIANTS = java.util.List.of("dense", "sparse", "onnxruntime");

    private BenchResultsWriter() {
    }

    public static void main(String[] args) throws IOException {
        ObjectMapper json = new ObjectMapper();
        JsonNode runs = json.readTree(new File(args[0]));
        // (layer, batch, threads) -> score, relative error and fastest iteration of each variant:
        // [3 * VARIANTS], variant order dense, sparse, onnxruntime (NaN where a variant did not run)
        Map<String, double[]> byShape = new LinkedHashMap<>();
        Map<String, double[]> byModel = new LinkedHashMap<>();
        for (JsonNode run : runs) {
            JsonNode p = run.get("params");
            boolean model = run.get("benchmark").asText().contains("ModelInferenceBenchmark");
            String key = (model ? "tutorial" : p.get("layer").asText()) + " " + p.get("batch").asText() + " "
                    + (p.has("threads") ? p.get("threads").asText() : "1");
            double[] v = (model ? byModel : byShape).computeIfAbsent(key, k -> {
                double[] a = new double[3 * VARIANTS.size()];
                java.util.Arrays.fill(a, Double.NaN);
                return a;
            });
            JsonNode m = run.get("primaryMetric");
            double score = m.get("score").asDouble();
            double err = m.get("scoreError").isNumber() ? m.get("scoreError").asDouble() / score : Double.NaN;
            int i = VARIANTS.indexOf(p.get("variant").asText());
            if (i < 0) {
                throw new IllegalArgumentException("unknown benchmark variant '" + p.get("variant").asText() + "'");
            }
            int n = VARIANTS.size();
            v[i] = score;
            v[n + i] = err;
            v[2 * n + i] = minIteration(m);
        }
        ObjectNode root = json.createObjectNode();
        root.put("schema", 1);
        root.put("created", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
        root.put("command", args.length > 2 ? args[2] : "bench/run-cpu-bench.sh");
        ObjectNode machine = root.putObject("machine");
        machine.put("cpu", cpuName());
        machine.put("cores_used", Runtime.getRuntime().availableProcessors());
        machine.put("isa", Isa.best().name().toLowerCase());
        machine.put("openblas_coretype", System.getenv("OPENBLAS_CORETYPE"));
        machine.put("loadavg", loadAverage());
        machine.putNull("gpu");
        machine.putNull("driver");
        ArrayNode layers = root.putArray("layers");
        // Means (JMH's score) and the fastest iteration of each trial: on a shared machine the
        // minimum is the run least disturbed by other tenants, so both ratios are reported.
        System.out.printf("%-10s %6s %7s %10s %10s %8s %10s %10s %8s%n", "layer", "batch", "threads", "dense_ms",
                "sparse_ms", "speedup", "dense_min", "sparse_min", "spd_min");
        for (Map.Entry<String, double[]> e : byShape.entrySet()) {
            String[] k = e.getKey().split(" ");
            double[] v = e.getValue();
            boolean conv = k[0].equals("conv2");
            int rows = conv ? 64 : Integer.parseInt(k[0].split("x")[0]);
            int cols = conv ? 800 : Integer.parseInt(k[0].split("x")[1]);
            int batch = Integer.parseInt(k[1]);
            ObjectNode l = layers.addObject();
            l.put("device", "cpu");
            l.put("dtype", "fp32");
            l.put("threads", Integer.parseInt(k[2]));
            l.put("layer", k[0]);
            l.put("rows", rows);
            l.put("cols", cols);
            l.put("batch", conv ? batch * 196 : batch);
            if (conv) {
                l.put("images", batch);
            }
            l.put("dense_ms", round(v[0]));
            l.put("sparse_ms", round(v[1]));
            l.put("speedup", round(v[0] / v[1]));
            l.put("spread", round(Math.max(v[3], v[4])));
            l.put("dense_min_ms", round(v[6]));
            l.put("sparse_min_ms", round(v[7]));
            l.put("speedup_min", round(v[6] / v[7]));
            System.out.printf("%-10s %6d %7s %10.4f %10.4f %8.2f %10.4f %10.4f %8.2f%n", k[0], batch, k[2], v[0], v[1],
                    v[0] / v[1], v[6], v[7], v[6] / v[7]);
        }
        ArrayNode models = root.putArray("models");
        if (!byModel.isEmpty()) {
            System.out.printf("%-10s %6s %7s %10s %10s %8s %12s %12s %8s %8s %8s%n", "model", "batch", "threads",
                    "dense_ms", "sparse_ms", "speedup", "img/s dense", "img/s sparse", "spd_min", "ort_ms", "vs_ort");
        }
        for (Map.Entry<String, double[]> e : byModel.entrySet()) {
            String[] k = e.getKey().split(" ");
            double[] v = e.getValue();
            int batch = Integer.parseInt(k[1]);
            ObjectNode m = models.addObject();
            m.put("device", "cpu");
            m.put("model", k[0]);
            m.put("batch", batch);
            m.put("threads", Integer.parseInt(k[2]));
            m.put("dense_ms", round(v[0]));
            m.put("sparse_ms", round(v[1]));
            m.put("speedup", round(v[0] / v[1]));
            m.put("images_per_s_dense", Math.round(batch * 1000 / v[0]));
            m.put("images_per_s_sparse", Math.round(batch * 1000 / v[1]));
            double spread = Math.max(v[3], v[4]);
            if (!Double.isNaN(v[2])) {
                // The peer, as `sparse24 bench` names it: ONNX Runtime Java on our ONNX export.
                m.put("onnxruntime_ms", round(v[2]));
                m.put("images_per_s_onnxruntime", Math.round(batch * 1000 / v[2]));
                m.put("speedup_vs_onnxruntime", round(v[2] / v[1]));
                m.put("onnxruntime_min_ms", round(v[8]));
                spread = Math.max(spread, v[5]);
            }
            m.put("spread", round(spread));
            m.put("dense_min_ms", round(v[6]));
            m.put("sparse_min_ms", round(v[7]));
            m.put("speedup_min", round(v[6] / v[7]));
            System.out.printf("%-10s %6d %7s %10.4f %10.4f %8.2f %12d %12d %8.2f %8.4f %8.2f%n", k[0], batch, k[2], v[0],
                    v[1], v[0] / v[1], Math.round(batch * 1000 / v[0]), Math.round(batch * 1000 / v[1]), v[6] / v[7],
                    v[2], v[2] / v[1]);
        }
        json.writerWithDefaultPrettyPrinter().writeValue(new File(args[1]), root);
    }

    /** The fastest measured iteration of a trial (JMH's rawData: one array per fork). */
    private static double minIteration(JsonNode primaryMetric) {
        double min = Double.POSITIVE_INFINITY;
        JsonNode raw = primaryMetric.get("rawData");
        if (raw != null) {
            for (JsonNode fork : raw) {
                for (JsonNode it : fork) {
                    min = Math.min(min, it.asDouble());
                }
            }
        }
        return Double.isFinite(min) ? min : primaryMetric.get("score").asDouble();
    }

    private static double round(double v) {
        return Double.isFinite(v) ? Math.round(v * 10000) / 10000.0 : -1;
    }

    private static String cpuName() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException ignored) {
            // not Linux: leave the name unknown
        }
        return "unknown";
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException e) {
            return "unknown";
        }
    }
}
