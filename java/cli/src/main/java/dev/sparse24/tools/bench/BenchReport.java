package dev.sparse24.tools.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sparse24.format.AtomicFiles;
import dev.sparse24.format.onnx.OnnxWriter;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/**
 * A finished run written out: {@code results.json} in the schema of
 * {@code docs/bench-results.md} (times in ms, ratios dense/sparse; ONNX Runtime as extra keys on
 * model entries), {@code report.md} (the command, the date, the machine, the tables) and the
 * charts ({@link BenchCharts}). Every file is written atomically.
 */
public final class BenchReport {
    /** The files written. */
    public record Written(Path json, Path report, List<Path> charts) {
    }

    private final BenchRun.Options options;
    private final Instant started;
    private final MachineInfo machine;
    private final String loadBefore;
    private final String loadAfter;
    private final List<Ceilings> ceilings;
    private final BenchModel model;
    private final int onnxBytes;
    private final List<LayerBench.Result> layers;
    private final List<ModelBench.Result> models;

    BenchReport(BenchRun.Options options, Instant started, MachineInfo machine, String loadBefore, String loadAfter,
                List<Ceilings> ceilings, BenchModel model, int onnxBytes, List<LayerBench.Result> layers,
                List<ModelBench.Result> models) {
        this.options = options;
        this.started = started;
        this.machine = machine;
        this.loadBefore = loadBefore;
        this.loadAfter = loadAfter;
        this.ceilings = ceilings;
        this.model = model;
        this.onnxBytes = onnxBytes;
        this.layers = layers;
        this.models = models;
    }

    Written write(Path dir) throws IOException {
        Files.createDirectories(dir);
        Path json = dir.resolve("results.json");
        byte[] bytes = new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(toJson());
        AtomicFiles.write(json, bytes);
        List<Path> charts = BenchCharts.write(dir, layers, models);
        Path report = dir.resolve("report.md");
        AtomicFiles.write(report, markdown(charts).getBytes(StandardCharsets.UTF_8));
        return new Written(json, report, charts);
    }

    ObjectNode toJson() {
        ObjectMapper m = new ObjectMapper();
        ObjectNode root = m.createObjectNode();
        root.put("schema", 1);
        root.put("created", started.toString());
        root.put("command", options.command());
        root.put("profile", options.profile().name());
        ObjectNode mc = root.putObject("machine");
        mc.put("cpu", machine.cpu());
        mc.put("cores", machine.cores());
        mc.put("cores_used", ceilings.stream().mapToInt(Ceilings::threads).max().orElse(1));
        mc.put("isa", machine.isa());
        mc.put("openblas_coretype", machine.openblasCoretype());
        mc.put("openblas_config", machine.openblasConfig());
        mc.put("openblas_coretype_env", machine.openblasEnv());
        mc.put("cpu_flags", String.join(" ", machine.flags()));
        mc.put("java", machine.java());
        mc.put("onnxruntime", machine.onnxruntime());
        mc.put("os", machine.os());
        mc.put("loadavg_before", loadBefore);
        mc.put("loadavg_after", loadAfter);
        mc.putNull("gpu");
        mc.putNull("driver");
        ArrayNode cs = root.putArray("ceilings");
        for (Ceilings c : ceilings) {
            ObjectNode n = cs.addObject();
            n.put("threads", c.threads());
            n.put("read_bandwidth_gbs", round(c.dramGBs()));
            n.put("sgemm_peak_gflops", round(c.peakGflops()));
        }
        ObjectNode mi = root.putObject("model_info");
        mi.put("name", model.name());
        mi.put("source", model.source());
        mi.put("weights", model.weights());
        mi.put("onnx_bytes", onnxBytes);
        mi.put("onnx_opset", OnnxWriter.OPSET_VERSION);
        ArrayNode ls = root.putArray("layers");
        for (LayerBench.Result r : layers) {
            ObjectNode n = ls.addObject();
            n.put("device", "cpu");
            n.put("dtype", "fp32");
            n.put("threads", r.threads());
            n.put("layer", r.shape().name());
            n.put("kind", r.shape().kind().name().toLowerCase(Locale.ROOT));
            n.put("rows", r.shape().rows());
            n.put("cols", r.shape().cols());
            n.put("batch", r.gemmRows());
            if (r.shape().rowsPerItem() != 1) {
                n.put("images", r.batch());
            }
            n.put("dense_ms", round(r.dense().median()));
            n.put("sparse_ms", round(r.sparse().median()));
            n.put("speedup", round(r.dense().median() / r.sparse().median()));
            n.put("dense_floor_ms", round(r.denseFloorMs()));
            n.put("sparse_floor_ms", round(r.sparseFloorMs()));
            Ceilings c = ceilingsFor(r.threads());
            n.put("dense_bandwidth_gbs", round(c.bandwidthAt((long) Ceilings.denseBytes(r.gemmRows(), r.shape().rows(),
                    r.shape().cols()))));
            n.put("sparse_bandwidth_gbs", round(c.bandwidthAt((long) Ceilings.sparseBytes(r.gemmRows(), r.shape().rows(),
                    r.shape().cols()))));
            n.put("dense_pct_of_floor", round(100 * r.denseFloorMs() / r.dense().median()));
            n.put("sparse_pct_of_floor", round(100 * r.sparseFloorMs() / r.sparse().median()));
            n.put("runs", Math.min(r.dense().runs(), r.sparse().runs()));
            n.put("spread", round(Math.max(r.dense().spread(), r.sparse().spread())));
            n.put("dense_min_ms", round(r.dense().min()));
            n.put("sparse_min_ms", round(r.sparse().min()));
        }
        ArrayNode ms = root.putArray("models");
        for (ModelBench.Result r : models) {
            ObjectNode n = ms.addObject();
            n.put("device", r.device().name().toLowerCase(Locale.ROOT));
            n.put("model", model.name());
            n.put("batch", r.batch());
            n.put("threads", r.threads());
            n.put("dense_ms", round(r.dense().median()));
            n.put("sparse_ms", round(r.sparse().median()));
            n.put("speedup", round(r.dense().median() / r.sparse().median()));
            n.put("images_per_s_dense", Math.round(r.batch() * 1000 / r.dense().median()));
            n.put("images_per_s_sparse", Math.round(r.batch() * 1000 / r.sparse().median()));
            n.put("p99_sparse_ms", round(r.sparse().p99()));
            n.put("p99_dense_ms", round(r.dense().p99()));
            if (r.onnxruntime() != null) {
                n.put("onnxruntime_ms", round(r.onnxruntime().median()));
                n.put("p99_onnxruntime_ms", round(r.onnxruntime().p99()));
                n.put("images_per_s_onnxruntime", Math.round(r.batch() * 1000 / r.onnxruntime().median()));
                n.put("speedup_vs_onnxruntime", round(r.onnxruntime().median() / r.sparse().median()));
            }
            n.put("runs", Math.min(r.sparse().runs(), r.dense().runs()));
            double spread = Math.max(r.sparse().spread(), r.dense().spread());
            if (r.onnxruntime() != null) {
                spread = Math.max(spread, r.onnxruntime().spread());
            }
            n.put("spread", round(spread));
        }
        return root;
    }

    private String markdown(List<Path> charts) {
        StringBuilder s = new StringBuilder();
        s.append("# Sparse24 bench: dense vs 2:4 sparse, and ONNX Runtime\n\n");
        s.append("- command: `").append(options.command()).append("`\n");
        s.append("- date: ").append(started).append(" (profile `").append(options.profile().name()).append("`)\n");
        s.append("- method: every case in this one JVM; warm-up, then the variants interleaved (A B A B ...), each run "
                + "timed alone; medians (p99 for latency). Speedup = dense / sparse from the same interleaved runs; "
                + "`spread` = (max - min) / median. The layer figures' source of truth stays JMH in `bench/`.\n");
        s.append("- load average before / after: ").append(loadBefore).append(" / ").append(loadAfter)
                .append(" (a shared machine's other tenants show up here and in the spreads)\n\n");

        s.append("## Machine\n\n| what | value |\n|---|---|\n");
        row(s, "CPU", machine.cpu());
        row(s, "SIMD flags", String.join(" ", machine.flags()));
        row(s, "logical cores", String.valueOf(machine.cores()));
        row(s, "2:4 kernels ISA", machine.isa());
        row(s, "OpenBLAS core type", machine.openblasCoretype() + " (OPENBLAS_CORETYPE="
                + (machine.openblasEnv() == null ? "unset: detected" : machine.openblasEnv()) + ")");
        row(s, "OpenBLAS config", machine.openblasConfig());
        row(s, "Java", machine.java());
        row(s, "ONNX Runtime (Java)", machine.onnxruntime() + ", CPU provider, all graph optimisations");
        row(s, "OS", machine.os());
        s.append("\nMeasured ceilings. Each layer's floor is max(bytes / bandwidth, flops / peak), the bandwidth "
                + "measured at that layer's own footprint (cache-resident layers get cache speed; results.json has "
                + "it per layer); the sparse floor counts 2.125 bytes per weight and half the flops:\n\n"
                + "| threads | DRAM read bandwidth GB/s (256 MiB) | sgemm peak GFLOP/s |\n"
                + "|---|---|---|\n");
        for (Ceilings c : ceilings) {
            s.append(String.format(Locale.ROOT, "| %d | %.1f | %.1f |%n", c.threads(), c.dramGBs(), c.peakGflops()));
        }

        if (!layers.isEmpty()) {
            s.append("\n## Layers (fp32, CPU)\n\n");
            s.append("Y[m, rows] = X[m, cols] W^T with W 2:4 (random values, 2 of every 4 kept). Dense: OpenBLAS sgemv "
                    + "(m = 1) or sgemm; sparse: Sparse24's 2:4 kernels. conv2: the tutorial's second convolution, "
                    + "m = 196 GEMM rows per image (as GEMM), or run as a convolution by the runtime (as conv). "
                    + "% of floor = floor / measured.\n\n");
            s.append("| layer | threads | batch | m | dense ms | sparse ms | speedup | dense floor ms | sparse floor ms "
                    + "| dense % of floor | sparse % of floor | runs | spread |\n");
            s.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
            for (LayerBench.Result r : layers) {
                s.append(String.format(Locale.ROOT, "| %s | %d | %d | %d | %.4f | %.4f | %.2fx | %.4f | %.4f | %.0f%% "
                                + "| %.0f%% | %d | %.2f |%n", r.shape().name(), r.threads(), r.batch(), r.gemmRows(),
                        r.dense().median(), r.sparse().median(), r.dense().median() / r.sparse().median(),
                        r.denseFloorMs(), r.sparseFloorMs(), 100 * r.denseFloorMs() / r.dense().median(),
                        100 * r.sparseFloorMs() / r.sparse().median(), Math.min(r.dense().runs(), r.sparse().runs()),
                        Math.max(r.dense().spread(), r.sparse().spread())));
            }
        }

        s.append("\n## Model: ").append(model.name()).append("\n\n");
        s.append("- source: ").append(model.source()).append("\n- weights: ").append(model.weights()).append('\n');
        s.append("- this measures speed only, not accuracy (`sparse24 tutorial` and `run --mnist` report accuracy); "
                + "the three runtimes are checked to give the same outputs before they are timed.\n");
        s.append("- runtimes: **Sparse24 2:4** (2:4 layers on the sparse kernels), **Sparse24 dense** (the same "
                + "graph densified, OpenBLAS), **ONNX Runtime** (Java, on `sparse24 export --onnx` of the graph, "
                + String.format(Locale.ROOT, "%,d bytes, opset %d", onnxBytes, OnnxWriter.OPSET_VERSION)
                + "); same thread count for all three.\n\n");
        s.append("| device | threads | batch | 2:4 ms | dense ms | ONNX Runtime ms | 2:4 vs dense | 2:4 vs ONNX Runtime "
                + "| 2:4 img/s | dense img/s | ONNX Runtime img/s | p99 2:4 ms | p99 dense ms | p99 ONNX Runtime ms "
                + "| runs |\n");
        s.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (ModelBench.Result r : models) {
            boolean ort = r.onnxruntime() != null;
            s.append(String.format(Locale.ROOT, "| %s | %d | %d | %.4f | %.4f | %s | %.2fx | %s | %.0f | %.0f | %s "
                            + "| %.4f | %.4f | %s | %d |%n", r.device().name().toLowerCase(Locale.ROOT), r.threads(),
                    r.batch(), r.sparse().median(), r.dense().median(),
                    ort ? String.format(Locale.ROOT, "%.4f", r.onnxruntime().median()) : "-",
                    r.dense().median() / r.sparse().median(),
                    ort ? String.format(Locale.ROOT, "%.2fx", r.onnxruntime().median() / r.sparse().median()) : "-",
                    r.batch() * 1000 / r.sparse().median(), r.batch() * 1000 / r.dense().median(),
                    ort ? String.format(Locale.ROOT, "%.0f", r.batch() * 1000 / r.onnxruntime().median()) : "-",
                    r.sparse().p99(), r.dense().p99(),
                    ort ? String.format(Locale.ROOT, "%.4f", r.onnxruntime().p99()) : "-",
                    Math.min(r.sparse().runs(), r.dense().runs())));
        }
        s.append("\nRatios > 1 mean Sparse24 2:4 is faster. Latency = the batch-1 row (median and p99).\n");

        if (!charts.isEmpty()) {
            s.append("\n## Charts\n\n");
            for (Path c : charts) {
                s.append("![").append(c.getFileName()).append("](").append(c.getFileName()).append(")\n\n");
            }
        }
        return s.toString();
    }

    private Ceilings ceilingsFor(int threads) {
        return ceilings.stream().filter(c -> c.threads() == threads).findFirst().orElseThrow();
    }

    private static void row(StringBuilder s, String k, String v) {
        s.append("| ").append(k).append(" | ").append(v.replace("|", "\\|")).append(" |\n");
    }

    private static double round(double v) {
        return Double.isFinite(v) ? Math.round(v * 10000) / 10000.0 : -1;
    }
}
