package dev.sparse24.format;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The keys of {@link dev.sparse24.graph.Graph#metadata()} that the file formats know, and the
 * per-layer pruning entries as {@code dev.sparse24.models.GraphExporter} writes them:
 * {@code "pruning/<layer>" -> PruningParams.toString()}, e.g. {@code "m_by_n 2:4"} or
 * {@code "ConstantSparsity(target=0.5, begin=0, end=-1, frequency=100)"} (", strict" appended
 * for strict layers). The .s24 format stores these in dedicated fields (producer, a pruning
 * table with kind, m, n, target sparsity and schedule, training summary); every other key
 * travels as a plain key/value pair.
 */
public final class ModelMetadata {
    /** Who wrote the model. */
    public static final String PRODUCER = "producer";
    /** A JSON object summarising training (accuracy, epochs, ...). */
    public static final String TRAINING_SUMMARY = "training_summary";
    /** Prefix of the per-layer pruning keys: {@code "pruning/<layer name>"}. */
    public static final String PRUNING_PREFIX = "pruning/";

    private static final String STRICT = ", strict";
    private static final Pattern M_BY_N = Pattern.compile("m_by_n (\\d{1,9}):(\\d{1,9})");
    private static final Pattern TARGET = Pattern.compile("(?:target|final)=([-0-9.eE]+)");

    private ModelMetadata() {
    }

    /**
     * One layer's pruning as the .s24 file stores it.
     *
     * @param layer          layer name
     * @param kind           {@code "m_by_n"} or {@code "unstructured"}
     * @param m              zeros per group (m_by_n), else 0
     * @param n              group size (m_by_n), else 0
     * @param targetSparsity final sparsity of the schedule (unstructured), else 0
     * @param schedule       the schedule text (unstructured), else null
     * @param strict         whether the layer was pruned in strict mode
     */
    public record LayerPruning(String layer, String kind, int m, int n, float targetSparsity, String schedule,
                               boolean strict) {
        /** The metadata value, as {@code PruningParams.toString()} writes it. */
        public String text() {
            String base = "m_by_n".equals(kind) ? "m_by_n " + m + ":" + n : schedule == null ? "" : schedule;
            return base + (strict ? STRICT : "");
        }

        /** The label of sparsity reports: {@code "2:4"} or {@code "unstructured 0.50"}. */
        public String label() {
            return "m_by_n".equals(kind) ? m + ":" + n
                    : String.format(Locale.ROOT, "unstructured %.2f", targetSparsity);
        }
    }

    /**
     * The metadata entries for a pruning plan (layer name to its params, whose {@code toString()}
     * is the value - {@code prune.PruningParams} writes the forms above), in plan order. Typed on
     * {@code Object} so that the formats do not depend on the pruning package.
     */
    public static Map<String, String> pruningEntries(Map<String, ?> plan) {
        Map<String, String> m = new LinkedHashMap<>();
        plan.forEach((layer, params) -> m.put(PRUNING_PREFIX + layer, String.valueOf(params)));
        return m;
    }

    /**
     * Parses a pruning metadata entry; null when the key is not a pruning key or the value is
     * not one {@link LayerPruning#text()} reproduces exactly (then it stays a plain pair).
     */
    public static LayerPruning parsePruning(String key, String value) {
        if (key == null || !key.startsWith(PRUNING_PREFIX) || value == null) {
            return null;
        }
        String layer = key.substring(PRUNING_PREFIX.length());
        boolean strict = value.endsWith(STRICT);
        String base = strict ? value.substring(0, value.length() - STRICT.length()) : value;
        LayerPruning p;
        Matcher mn = M_BY_N.matcher(base);
        if (mn.matches()) {
            p = new LayerPruning(layer, "m_by_n", Integer.parseInt(mn.group(1)), Integer.parseInt(mn.group(2)), 0f,
                    null, strict);
        } else {
            Matcher t = TARGET.matcher(base);
            if (!t.find()) {
                return null;
            }
            float target;
            try {
                target = Float.parseFloat(t.group(1));
            } catch (NumberFormatException e) {
                return null;
            }
            p = new LayerPruning(layer, "unstructured", 0, 0, target, base, strict);
        }
        return p.text().equals(value) ? p : null;
    }
}
