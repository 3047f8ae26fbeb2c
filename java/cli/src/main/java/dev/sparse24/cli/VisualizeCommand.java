package dev.sparse24.cli;

import dev.sparse24.format.ModelFiles;
import dev.sparse24.format.ModelFormatException;
import dev.sparse24.format.ModelMetadata;
import dev.sparse24.format.WeightSparsityCheck;
import dev.sparse24.graph.Graph;
import dev.sparse24.graph.GraphTensor;
import dev.sparse24.graph.OpType;
import dev.sparse24.graph.Operator;
import dev.sparse24.sparse.NmPattern;
import dev.sparse24.tensor.Tensor;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code sparse24 visualize FILE [--layer NAME] --out DIR}: one PNG per pruned weight, the
 * tutorial's picture of its 24x24 corner (non-zero / zero, separators every 4 columns). The
 * weight is shown as the matrix {@code [out, rest]} (a conv filter {@code [out, h, w, in]} as
 * {@code [out, h*w*in]}), whose rows hold the 1x4 groups. Exit 0, or 2 on a usage error or an
 * unreadable file.
 */
@Command(name = "visualize", mixinStandardHelpOptions = true,
        description = "Draw the 24x24 corner of each pruned weight (non-zero/zero, separators every 4 columns) as PNG.")
public final class VisualizeCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "FILE", description = "A .tflite or .s24 model.")
    Path file;

    @Option(names = "--layer", paramLabel = "NAME",
            description = "Only the weight of this layer or tensor (name or part of it); default: every pruned weight.")
    String layer;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Directory for the PNG files.")
    Path out;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** A weight picked for drawing. */
    record Picked(GraphTensor tensor, OpType op, boolean structured) {
    }

    @Override
    public Integer call() throws IOException {
        PrintWriter o = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Graph g;
        try {
            g = ModelFiles.read(file);
        } catch (ModelFormatException | IOException e) {
            err.println("visualize: " + e.getMessage());
            return 2;
        }
        List<Picked> picked = pick(g, layer);
        if (picked.isEmpty()) {
            err.println("visualize: " + (layer != null ? "no weight matches --layer " + layer
                    : "no pruned weight in " + file) + " (weights: " + weightNames(g) + ")");
            return 2;
        }
        Files.createDirectories(out);
        for (Path p : draw(picked, out)) {
            o.println("Wrote " + p);
        }
        o.flush();
        return 0;
    }

    /** The weights of conv/dense ops in {@code g}: all pruned ones, or those matching {@code layer}. */
    static List<Picked> pick(Graph g, String layer) {
        Map<String, ModelMetadata.LayerPruning> pruning = WeightSparsityCheck.pruningOf(g);
        List<Picked> picked = new ArrayList<>();
        for (Operator op : g.operators()) {
            if (op.type() != OpType.CONV_2D && op.type() != OpType.FULLY_CONNECTED
                    && op.type() != OpType.DEPTHWISE_CONV_2D) {
                continue;
            }
            int wi = op.input(1);
            if (wi < 0 || !g.tensor(wi).isConstant() || g.tensor(wi).floatValues() == null) {
                continue;
            }
            GraphTensor t = g.tensor(wi);
            String owner = WeightSparsityCheck.layerOf(t.name(), pruning);
            ModelMetadata.LayerPruning lp = owner == null ? null : pruning.get(owner);
            float[] v = t.floatValues();
            boolean holds24 = NmPattern.TWO_FOUR.isHeldBy(Tensor.of(v, t.shape()[0], v.length / Math.max(1, t.shape()[0])));
            boolean structured = lp != null ? "m_by_n".equals(lp.kind()) : holds24 && hasZero(v);
            boolean pruned = lp != null || (pruning.isEmpty() && hasZero(v));
            boolean wanted = layer != null ? t.name().contains(layer) || (lp != null && lp.layer().equals(layer))
                    : pruned;
            if (wanted) {
                picked.add(new Picked(t, op.type(), structured));
            }
        }
        return picked;
    }

    private static boolean hasZero(float[] v) {
        for (float x : v) {
            if (x == 0f) {
                return true;
            }
        }
        return false;
    }

    private static String weightNames(Graph g) {
        List<String> names = new ArrayList<>();
        for (Operator op : g.operators()) {
            if (op.input(1) >= 0 && g.tensor(op.input(1)).isConstant() && op.type() != OpType.RESHAPE
                    && op.type() != OpType.MEAN) {
                names.add(g.tensor(op.input(1)).name());
            }
        }
        return String.join(", ", names);
    }

    /** The tutorial's titles. */
    static String title(OpType op, boolean structured) {
        String layer = op == OpType.FULLY_CONNECTED ? "Dense" : op == OpType.DEPTHWISE_CONV_2D ? "DepthwiseConv2D" : "Conv2D";
        if (structured) {
            return op == OpType.FULLY_CONNECTED ? "Structural pruning for Dense layer"
                    : "Structurally pruned weights for " + layer + " layer";
        }
        return "Unstructured pruned weights for " + layer + " layer";
    }

    /** Draws each picked weight into {@code dir}; returns the files written. */
    static List<Path> draw(List<Picked> picked, Path dir) throws IOException {
        List<Path> files = new ArrayList<>();
        for (Picked p : picked) {
            GraphTensor t = p.tensor();
            int rows = t.shape()[0];
            float[] v = t.floatValues();
            int cols = rows == 0 ? 0 : v.length / rows;
            String base = t.name().replaceAll("[^A-Za-z0-9._-]+", "_");
            Path f = dir.resolve(base + ".png");
            String x = t.name() + " " + Arrays.toString(t.shape()) + (t.rank() > 2 ? " as [" + rows + ", " + cols + "]" : "")
                    + ": input column";
            WeightMaskChart.write(v, rows, cols, title(p.op(), p.structured()), x, f);
            files.add(f);
        }
        return files;
    }
}
