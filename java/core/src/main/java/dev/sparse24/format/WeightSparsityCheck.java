package dev.sparse24.format;

import dev.sparse24.graph.Graph;
import dev.sparse24.graph.GraphTensor;
import dev.sparse24.sparse.NmPattern;
import dev.sparse24.sparse.SparsityReport;
import dev.sparse24.tensor.Tensor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What TFMOT's {@code check_sparsity_m_by_n} reports, for a graph read from .tflite or .s24:
 * every float weight tensor (rank >= 2; names containing relu, pooling, reshape, identity,
 * input, add or flatten skipped, as TFMOT does), its shape, sparsity, whether every group of
 * {@code n} along the last axis holds the m:n pattern, and how many groups break it.
 *
 * <p>Which tensors must pass ("prunable"): those whose layer the file's pruning metadata names
 * as m-by-n pruned; when the file has no pruning metadata (TFLite from elsewhere), every
 * checked weight whose last dimension is at least {@code n}. TFMOT always exits 0; the CLI
 * exits 1 when a prunable tensor fails.
 */
public final class WeightSparsityCheck {
    private static final String[] SKIPPED = {"relu", "pooling", "reshape", "identity", "input", "add", "flatten"};

    /**
     * The check's result.
     *
     * @param report      one entry per checked tensor; pattern is the pruning recorded for it
     *                    ("2:4", "unstructured 0.50", "none", or "unknown" without metadata)
     * @param prunable    per entry, whether it must hold the pattern
     * @param fromMetadata whether prunable came from the file's pruning metadata
     * @param pattern     the pattern checked
     */
    public record Result(SparsityReport report, List<Boolean> prunable, boolean fromMetadata, NmPattern pattern) {
        /** Whether every prunable tensor holds the pattern. */
        public boolean passes() {
            for (int i = 0; i < prunable.size(); i++) {
                if (prunable.get(i) && report.entries().get(i).failed()) {
                    return false;
                }
            }
            return true;
        }

        /** Sum of violating groups over the prunable tensors. */
        public long violatingGroups() {
            long v = 0;
            for (int i = 0; i < prunable.size(); i++) {
                if (prunable.get(i)) {
                    v += report.entries().get(i).violatingGroups();
                }
            }
            return v;
        }

        /** The aligned table with a {@code prunable} column, then a summary line. */
        public String toText() {
            String[] lines = report.toTable().split("\n");
            int width = 0;
            for (String l : lines) {
                width = Math.max(width, l.length());
            }
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < lines.length; i++) {
                String mark = i == 0 ? "prunable" : prunable.get(i - 1) ? "yes" : "no";
                b.append(String.format(Locale.ROOT, "%-" + width + "s  %s", lines[i], mark).stripTrailing()).append('\n');
            }
            long failing = 0;
            for (int i = 0; i < prunable.size(); i++) {
                if (prunable.get(i) && report.entries().get(i).failed()) {
                    failing++;
                }
            }
            b.append(String.format(Locale.ROOT, "%s: %d of %d prunable tensors fail, %d violating groups (%s)%n",
                    passes() ? "PASS" : "FAIL", failing, prunable.stream().filter(p -> p).count(),
                    violatingGroups(), fromMetadata ? "prunable per the file's pruning metadata"
                            : "no pruning metadata: every weight with last dimension >= " + pattern.n()));
            return b.toString();
        }

        /** JSON-ready values: pattern, passes, violating_groups, tensors (with prunable). */
        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("m_by_n", pattern.toString());
            m.put("passes", passes());
            m.put("violating_groups", violatingGroups());
            m.put("prunable_from_metadata", fromMetadata);
            List<Map<String, Object>> ts = new ArrayList<>();
            for (int i = 0; i < prunable.size(); i++) {
                Map<String, Object> e = report.entries().get(i).toMap();
                e.put("prunable", prunable.get(i));
                ts.add(e);
            }
            m.put("tensors", ts);
            return m;
        }
    }

    private WeightSparsityCheck() {
    }

    /** Whether TFMOT's checker skips a tensor of this name. */
    public static boolean skippedByName(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        for (String s : SKIPPED) {
            if (lower.contains(s)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The layer a tensor belongs to per the pruning metadata, or null: the tensor is named
     * after the layer ({@code layer}, {@code layer/...} or {@code .../layer/...}).
     */
    public static String layerOf(String tensorName, Map<String, ModelMetadata.LayerPruning> pruning) {
        for (String layer : pruning.keySet()) {
            if (tensorName.equals(layer) || tensorName.startsWith(layer + "/") || tensorName.contains("/" + layer + "/")) {
                return layer;
            }
        }
        return null;
    }

    /** The pruning recorded in {@code graph}'s metadata, by layer. */
    public static Map<String, ModelMetadata.LayerPruning> pruningOf(Graph graph) {
        Map<String, ModelMetadata.LayerPruning> p = new LinkedHashMap<>();
        graph.metadata().forEach((k, v) -> {
            ModelMetadata.LayerPruning lp = ModelMetadata.parsePruning(k, v);
            if (lp != null) {
                p.put(lp.layer(), lp);
            }
        });
        return p;
    }

    /** Checks every weight tensor of {@code graph} against {@code pattern}. */
    public static Result check(Graph graph, NmPattern pattern) {
        Map<String, ModelMetadata.LayerPruning> pruning = pruningOf(graph);
        boolean fromMetadata = !pruning.isEmpty();
        List<SparsityReport.Entry> entries = new ArrayList<>();
        List<Boolean> prunable = new ArrayList<>();
        for (GraphTensor t : graph.tensors()) {
            float[] values = t.floatValues();
            if (values == null || t.rank() < 2 || skippedByName(t.name())) {
                continue;
            }
            Tensor w = Tensor.of(values, t.shape());
            long violating = pattern.countViolatingGroups(w);
            String label;
            boolean mustPass;
            if (fromMetadata) {
                String layer = layerOf(t.name(), pruning);
                ModelMetadata.LayerPruning lp = layer == null ? null : pruning.get(layer);
                if (lp == null) {
                    label = SparsityReport.NO_PATTERN;
                    mustPass = false;
                } else {
                    label = lp.label();
                    mustPass = "m_by_n".equals(lp.kind());
                }
            } else {
                label = "unknown";
                mustPass = t.shape()[t.rank() - 1] >= pattern.n();
            }
            entries.add(new SparsityReport.Entry(t.name(), w.shape(), w.size(), SparsityReport.countNonZeros(w),
                    label, violating == 0, violating));
            prunable.add(mustPass);
        }
        return new Result(new SparsityReport(entries), prunable, fromMetadata, pattern);
    }
}
