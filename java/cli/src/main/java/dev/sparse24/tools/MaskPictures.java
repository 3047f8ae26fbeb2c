package dev.sparse24.tools;

import dev.sparse24.format.ModelMetadata;
import dev.sparse24.format.WeightSparsityCheck;
import dev.sparse24.graph.Graph;
import dev.sparse24.graph.GraphTensor;
import dev.sparse24.graph.OpType;
import dev.sparse24.graph.Operator;
import dev.sparse24.sparse.NmPattern;
import dev.sparse24.tensor.Tensor;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The tutorial's mask pictures of a model's pruned weights: which weights to draw (from the
 * model's pruning metadata, or its zeros when it has none), their titles, and one PNG each
 * ({@link WeightMaskChart}). A weight is shown as the matrix {@code [out, rest]} (a conv filter
 * {@code [out, h, w, in]} as {@code [out, h*w*in]}), whose rows hold the 1x4 groups.
 */
public final class MaskPictures {
    private MaskPictures() {
    }

    /** A weight picked for drawing: the tensor, the op that uses it, and whether it is m:n pruned. */
    public record Picked(GraphTensor tensor, OpType op, boolean structured) {
    }

    /**
     * The weights of conv/dense ops in {@code g}: all pruned ones when {@code layer} is null, else
     * those whose tensor name contains {@code layer} or whose pruned layer is named {@code layer}.
     */
    public static List<Picked> pick(Graph g, String layer) {
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

    /** The names of the weights {@link #pick} could draw, for an error message that lists the choices. */
    public static String weightNames(Graph g) {
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
    public static String title(OpType op, boolean structured) {
        String layer = op == OpType.FULLY_CONNECTED ? "Dense" : op == OpType.DEPTHWISE_CONV_2D ? "DepthwiseConv2D" : "Conv2D";
        if (structured) {
            return op == OpType.FULLY_CONNECTED ? "Structural pruning for Dense layer"
                    : "Structurally pruned weights for " + layer + " layer";
        }
        return "Unstructured pruned weights for " + layer + " layer";
    }

    /** Draws each picked weight into the existing directory {@code dir}; returns the files written. */
    public static List<Path> draw(List<Picked> picked, Path dir) throws IOException {
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

    private static boolean hasZero(float[] v) {
        for (float x : v) {
            if (x == 0f) {
                return true;
            }
        }
        return false;
    }
}
