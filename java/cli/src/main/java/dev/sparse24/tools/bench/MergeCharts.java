package dev.sparse24.tools.bench;

import com.fasterxml.jackson.databind.JsonNode;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * The merged report's charts, from results.json entries: 2:4 speedup over dense against batch
 * for every (input, device, layer, threads) series, and model throughput against batch for
 * every (input, device, threads) and runtime. Same look as {@link BenchCharts}.
 */
final class MergeCharts {
    private MergeCharts() {
    }

    static List<Path> write(Path dir, JsonNode merged) throws IOException {
        List<Path> out = new ArrayList<>();
        JsonNode layers = merged.get("layers");
        JsonNode models = merged.get("models");
        if (!layers.isEmpty()) {
            out.add(BenchCharts.save(dir.resolve("speedup_vs_batch.png"), speedup(layers)));
        }
        if (!models.isEmpty()) {
            out.add(BenchCharts.save(dir.resolve("model_speedup_vs_batch.png"), modelSpeedup(models)));
            out.add(BenchCharts.save(dir.resolve("throughput_vs_batch.png"), throughput(models)));
        }
        return out;
    }

    private static String series(JsonNode e, String what) {
        return "[" + e.get("source").asInt() + "] " + e.get("device").asText() + " " + what + " "
                + e.get("threads").asInt() + " thr";
    }

    private static XYChart speedup(JsonNode layers) {
        XYChart c = BenchCharts.chart("Layers: 2:4 sparse speedup over dense, every input",
                "batch (rows of X; images for conv2)", "speedup = dense time / sparse time (x)", false);
        Map<String, List<JsonNode>> groups = BenchMerge.group(layers, e -> series(e,
                e.has("layer") ? e.get("layer").asText() : e.get("rows").asInt() + "x" + e.get("cols").asInt()));
        breakEven(c, layers);
        int k = 0;
        for (Map.Entry<String, List<JsonNode>> g : groups.entrySet()) {
            List<JsonNode> rs = sorted(g.getValue());
            BenchCharts.style(c.addSeries(g.getKey(), xs(rs), ys(rs, "speedup")),
                    BenchCharts.color(k), rs.get(0).get("source").asInt() > 0);
            k++;
        }
        return c;
    }

    private static XYChart modelSpeedup(JsonNode models) {
        XYChart c = BenchCharts.chart("Model: 2:4 speedup over each dense runtime, every input",
                "batch (images per call)", "speedup = other runtime's time / 2:4 time (x)", false);
        breakEven(c, models);
        int k = 0;
        for (Map.Entry<String, List<JsonNode>> g : BenchMerge.group(models,
                e -> series(e, e.get("model").asText())).entrySet()) {
            List<JsonNode> rs = sorted(g.getValue());
            boolean dashed = rs.get(0).get("source").asInt() > 0;
            BenchCharts.style(c.addSeries(g.getKey() + " vs own dense", xs(rs), ys(rs, "speedup")),
                    BenchCharts.color(k++), dashed);
            for (String peer : List.of("onnxruntime_ms", "torch_dense_ms", "torch_semi_structured_ms", "cublas_ms")) {
                if (rs.stream().allMatch(e -> e.has(peer) && e.get(peer).isNumber())) {
                    double[] y = rs.stream().mapToDouble(e -> e.get(peer).asDouble() / e.get("sparse_ms").asDouble())
                            .toArray();
                    BenchCharts.style(c.addSeries(g.getKey() + " vs " + peer.replace("_ms", ""), xs(rs), y),
                            BenchCharts.color(k++), dashed);
                }
            }
        }
        return c;
    }

    private static XYChart throughput(JsonNode models) {
        XYChart c = BenchCharts.chart("Model: throughput vs batch, every input", "batch (images per call)",
                "throughput (images / s), log scale", true);
        int k = 0;
        for (Map.Entry<String, List<JsonNode>> g : BenchMerge.group(models,
                e -> series(e, e.get("model").asText())).entrySet()) {
            List<JsonNode> rs = sorted(g.getValue());
            for (String key : List.of("sparse_ms", "dense_ms", "onnxruntime_ms", "torch_dense_ms",
                    "torch_semi_structured_ms", "cublas_ms")) {
                if (!rs.stream().allMatch(e -> e.has(key) && e.get(key).isNumber() && e.get(key).asDouble() > 0)) {
                    continue;
                }
                double[] y = rs.stream().mapToDouble(e -> Math.log10(e.get("batch").asInt() * 1000
                        / e.get(key).asDouble())).toArray();
                String name = key.equals("sparse_ms") ? "Sparse24 2:4" : key.equals("dense_ms") ? "Sparse24 dense"
                        : key.replace("_ms", "");
                BenchCharts.style(c.addSeries(g.getKey() + " " + name, xs(rs), y), BenchCharts.color(k++),
                        !key.equals("sparse_ms"));
            }
        }
        return c;
    }

    private static void breakEven(XYChart c, JsonNode entries) {
        int lo = Integer.MAX_VALUE;
        int hi = 1;
        for (JsonNode e : entries) {
            lo = Math.min(lo, e.get("batch").asInt());
            hi = Math.max(hi, e.get("batch").asInt());
        }
        XYSeries even = c.addSeries("break-even (1x)", new double[]{log2(lo), log2(Math.max(hi, lo + 1))},
                new double[]{1, 1});
        even.setMarker(SeriesMarkers.NONE);
        even.setLineColor(Color.GRAY);
        even.setLineStyle(SeriesLines.DASH_DASH);
    }

    private static List<JsonNode> sorted(List<JsonNode> rs) {
        List<JsonNode> s = new ArrayList<>(rs);
        s.sort(Comparator.comparingInt(e -> e.get("batch").asInt()));
        return s;
    }

    private static double[] xs(List<JsonNode> rs) {
        return rs.stream().mapToDouble(e -> log2(e.get("batch").asInt())).toArray();
    }

    private static double[] ys(List<JsonNode> rs, String key) {
        return rs.stream().mapToDouble(e -> e.get(key).asDouble()).toArray();
    }

    private static double log2(double v) {
        return Math.log(v) / Math.log(2);
    }
}
