package dev.sparse24.tools.bench;

import dev.sparse24.format.AtomicFiles;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * The bench's PNG charts (XChart), each with titled axes and units, a legend, and the batch on a
 * logarithmic axis (batches double): speedup vs batch per layer shape, model latency and
 * throughput vs batch per runtime, and each layer kernel's percentage of its floor.
 */
final class BenchCharts {
    private static final Color[] PALETTE = {new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c),
            new Color(0xff7f0e), new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x17becf)};
    private static final int WIDTH = 960;
    private static final int HEIGHT = 600;

    private BenchCharts() {
    }

    /** Writes the charts that have data into {@code dir}; returns their paths. */
    static List<Path> write(Path dir, List<LayerBench.Result> layers, List<ModelBench.Result> models)
            throws IOException {
        List<Path> out = new ArrayList<>();
        boolean manyThreads = layers.stream().mapToInt(LayerBench.Result::threads).distinct().count() > 1
                || models.stream().mapToInt(ModelBench.Result::threads).distinct().count() > 1;
        if (!layers.isEmpty()) {
            out.add(save(dir.resolve("speedup_vs_batch.png"), speedup(layers, manyThreads)));
            out.add(save(dir.resolve("percent_of_floor.png"), floors(layers, manyThreads)));
        }
        if (!models.isEmpty()) {
            out.add(save(dir.resolve("latency_vs_batch.png"), modelChart(models, manyThreads, false)));
            out.add(save(dir.resolve("throughput_vs_batch.png"), modelChart(models, manyThreads, true)));
        }
        return out;
    }

    private static XYChart speedup(List<LayerBench.Result> layers, boolean manyThreads) {
        XYChart c = chart("Layers: 2:4 sparse speedup over dense OpenBLAS (fp32, CPU)",
                "batch (rows of X; images for conv2)", "speedup = dense time / sparse time (x)", false);
        Map<String, List<LayerBench.Result>> byShape = group(layers, manyThreads);
        double[] range = batchRange(layers.stream().mapToInt(LayerBench.Result::batch).toArray());
        XYSeries even = c.addSeries("break-even (1x)", range, new double[]{1, 1});
        even.setMarker(SeriesMarkers.NONE);
        even.setLineColor(Color.GRAY);
        even.setLineStyle(SeriesLines.DASH_DASH);
        int k = 0;
        for (Map.Entry<String, List<LayerBench.Result>> e : byShape.entrySet()) {
            XYSeries s = c.addSeries(e.getKey(), xs(e.getValue()), ys(e.getValue(), r -> r.dense().median() / r.sparse().median()));
            style(s, PALETTE[k++ % PALETTE.length], false);
        }
        return c;
    }

    private static XYChart floors(List<LayerBench.Result> layers, boolean manyThreads) {
        XYChart c = chart("Layers: how close each kernel gets to its floor (solid: 2:4 sparse, dashed: dense)",
                "batch (rows of X; images for conv2)", "floor / measured time (% of the machine's limit)", false);
        int k = 0;
        for (Map.Entry<String, List<LayerBench.Result>> e : group(layers, manyThreads).entrySet()) {
            Color color = PALETTE[k++ % PALETTE.length];
            style(c.addSeries(e.getKey() + " sparse", xs(e.getValue()),
                    ys(e.getValue(), r -> 100 * r.sparseFloorMs() / r.sparse().median())), color, false);
            style(c.addSeries(e.getKey() + " dense", xs(e.getValue()),
                    ys(e.getValue(), r -> 100 * r.denseFloorMs() / r.dense().median())), color, true);
        }
        return c;
    }

    private static XYChart modelChart(List<ModelBench.Result> models, boolean manyThreads, boolean throughput) {
        Map<String, List<ModelBench.Result>> byThreads = new LinkedHashMap<>();
        for (ModelBench.Result r : models) {
            byThreads.computeIfAbsent(manyThreads ? " (" + r.threads() + " thr)" : "", x -> new ArrayList<>()).add(r);
        }
        String[] names = {"Sparse24 2:4", "Sparse24 dense", "ONNX Runtime"};
        List<ToDoubleFunction<ModelBench.Result>> runtimes = List.of(r -> r.sparse().median(), r -> r.dense().median(),
                r -> r.onnxruntime() == null ? Double.NaN : r.onnxruntime().median());
        List<String> labels = new ArrayList<>();
        List<double[]> xs = new ArrayList<>();
        List<double[]> ys = new ArrayList<>();
        List<Integer> colors = new ArrayList<>();
        List<Boolean> dashes = new ArrayList<>();
        int k = 0;
        for (Map.Entry<String, List<ModelBench.Result>> e : byThreads.entrySet()) {
            List<ModelBench.Result> rs = e.getValue();
            for (int i = 0; i < 3; i++) {
                ToDoubleFunction<ModelBench.Result> f = runtimes.get(i);
                double[] y = rs.stream().mapToDouble(r -> throughput ? r.batch() * 1000 / f.applyAsDouble(r)
                        : f.applyAsDouble(r)).toArray();
                if (Arrays.stream(y).anyMatch(Double::isNaN)) {
                    continue;
                }
                labels.add(names[i] + e.getKey());
                xs.add(rs.stream().mapToDouble(r -> log2(r.batch())).toArray());
                ys.add(y);
                colors.add(i);
                dashes.add(k > 0);
            }
            k++;
        }
        double lo = ys.stream().flatMapToDouble(Arrays::stream).min().orElse(1);
        double hi = ys.stream().flatMapToDouble(Arrays::stream).max().orElse(1);
        // Decades apart (latency from batch 1 to 256): a log scale, drawn as log10 values with
        // their powers written out, since XChart labels only whole decades on its own log axes.
        boolean logY = hi / lo > 20;
        String unit = throughput ? "throughput (images / s)" : "latency (ms per call)";
        XYChart c = chart(throughput ? "Model: throughput vs batch" : "Model: latency vs batch (median time per call)",
                "batch (images per call)", unit + (logY ? ", log scale" : ""), logY);
        for (int i = 0; i < labels.size(); i++) {
            double[] y = ys.get(i).clone();
            if (logY) {
                for (int j = 0; j < y.length; j++) {
                    y[j] = Math.log10(y[j]);
                }
            }
            style(c.addSeries(labels.get(i), xs.get(i), y), PALETTE[colors.get(i)], dashes.get(i));
        }
        return c;
    }

    private static Map<String, List<LayerBench.Result>> group(List<LayerBench.Result> layers, boolean manyThreads) {
        Map<String, List<LayerBench.Result>> m = new LinkedHashMap<>();
        for (LayerBench.Result r : layers) {
            String key = r.shape().name() + (manyThreads ? " (" + r.threads() + " thr)" : "");
            m.computeIfAbsent(key, x -> new ArrayList<>()).add(r);
        }
        return m;
    }

    private static double[] xs(List<LayerBench.Result> rs) {
        return rs.stream().mapToDouble(r -> log2(r.batch())).toArray();
    }

    private static double log2(double v) {
        return Math.log(v) / Math.log(2);
    }

    private static double[] ys(List<LayerBench.Result> rs, ToDoubleFunction<LayerBench.Result> f) {
        return rs.stream().mapToDouble(f).toArray();
    }

    private static double[] batchRange(int[] batches) {
        return new double[]{log2(Arrays.stream(batches).min().orElse(1)),
                log2(Arrays.stream(batches).max().orElse(1))};
    }

    static XYChart chart(String title, String x, String y, boolean logY) {
        XYChart c = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle(x).yAxisTitle(y).build();
        // The batch doubles: x is log2(batch), labelled with the batch at whole powers of two.
        c.getStyler().setxAxisTickLabelsFormattingFunction(v -> isWhole(v) ? String.valueOf(Math.round(Math.pow(2, v))) : "");
        if (logY) {
            c.getStyler().setyAxisTickLabelsFormattingFunction(v -> significant(Math.pow(10, v)));
        } else {
            c.getStyler().setyAxisTickLabelsFormattingFunction(BenchCharts::significant);
        }
        c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        c.getStyler().setChartBackgroundColor(Color.WHITE);
        c.getStyler().setPlotBackgroundColor(Color.WHITE);
        c.getStyler().setPlotGridLinesColor(new Color(0xdddddd));
        c.getStyler().setChartTitleFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
        c.getStyler().setAxisTitleFont(new Font(Font.SANS_SERIF, Font.PLAIN, 14));
        c.getStyler().setAxisTickLabelsFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        c.getStyler().setLegendFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        c.getStyler().setMarkerSize(8);
        return c;
    }

    /** The palette's {@code k}-th colour, cycling. */
    static Color color(int k) {
        return PALETTE[k % PALETTE.length];
    }

    private static boolean isWhole(double v) {
        return Math.abs(v - Math.rint(v)) < 1e-6 && v >= 0;
    }

    /** Three significant digits, no exponent: 0.0123, 1.23, 123, 12300. */
    static String significant(double v) {
        if (v == 0 || !Double.isFinite(v)) {
            return v == 0 ? "0" : "";
        }
        java.math.BigDecimal d = new java.math.BigDecimal(v).round(new java.math.MathContext(3));
        return d.stripTrailingZeros().toPlainString();
    }

    static void style(XYSeries s, Color color, boolean dashed) {
        s.setLineColor(color);
        s.setMarkerColor(color);
        s.setMarker(dashed ? SeriesMarkers.DIAMOND : SeriesMarkers.CIRCLE);
        s.setLineStyle(dashed ? SeriesLines.DASH_DASH : new BasicStroke(2.5f));
    }

    static Path save(Path file, XYChart chart) throws IOException {
        AtomicFiles.write(file, o -> BitmapEncoder.saveBitmap(chart, o, BitmapEncoder.BitmapFormat.PNG));
        return file;
    }
}
