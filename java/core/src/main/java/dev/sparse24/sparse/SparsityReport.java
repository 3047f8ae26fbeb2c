package dev.sparse24.sparse;

import dev.sparse24.tensor.Shape;
import dev.sparse24.tensor.Tensor;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Per-layer sparsity of a model's weights, in the spirit of TFMOT's
 * {@code check_sparsity_m_by_n}: for each weight tensor in TFLite orientation its shape,
 * sparsity ({@code 1 - nonZeros/size}), the pattern it was pruned with and, for an m:n
 * pattern, whether every group holds it and how many groups do not.
 *
 * <p>{@link #toTable()} prints an aligned table; {@link #entries()} and {@link Entry#toMap()}
 * give the values (keys {@code name, shape, sparsity, pattern, pattern_ok,
 * violating_groups}) for JSON output.
 */
public final class SparsityReport {
    /** Pattern label for weights that were not pruned. */
    public static final String NO_PATTERN = "none";

    /**
     * One weight tensor.
     *
     * @param name            layer or tensor name
     * @param shape           shape in TFLite orientation, e.g. {@code [64, 5, 5, 32]}
     * @param size            number of values
     * @param nonZeros        number of non-zero values
     * @param pattern         {@code "2:4"}, {@code "unstructured 0.50"} or {@code "none"}
     * @param patternOk       for an m:n pattern whether every group holds it; null (n/a) otherwise
     * @param violatingGroups for an m:n pattern the groups with too many non-zeros; null otherwise
     */
    public record Entry(String name, Shape shape, long size, long nonZeros, String pattern, Boolean patternOk,
                        Long violatingGroups) {
        /** Checks that the counts are consistent and that the m:n fields come together. */
        public Entry {
            if (nonZeros < 0 || nonZeros > size) {
                throw new IllegalArgumentException("nonZeros must be in [0, size=" + size + "], given " + nonZeros);
            }
            if ((patternOk == null) != (violatingGroups == null)) {
                throw new IllegalArgumentException("patternOk and violatingGroups must both be set or both be"
                        + " null, given " + patternOk + " and " + violatingGroups);
            }
        }

        /**
         * Measures TFLite-oriented weights against an m:n pattern (groups along the last axis,
         * trailing partial groups included).
         */
        public static Entry checked(String name, Tensor tfliteWeights, NmPattern pattern) {
            long violating = pattern.countViolatingGroups(tfliteWeights);
            return new Entry(name, tfliteWeights.shape(), tfliteWeights.size(), countNonZeros(tfliteWeights),
                    pattern.toString(), violating == 0, violating);
        }

        /** Measures weights pruned without structure towards {@code targetSparsity}. */
        public static Entry unstructured(String name, Tensor tfliteWeights, double targetSparsity) {
            return new Entry(name, tfliteWeights.shape(), tfliteWeights.size(), countNonZeros(tfliteWeights),
                    String.format(Locale.ROOT, "unstructured %.2f", targetSparsity), null, null);
        }

        /** Measures weights that were not pruned. */
        public static Entry unpruned(String name, Tensor tfliteWeights) {
            return new Entry(name, tfliteWeights.shape(), tfliteWeights.size(), countNonZeros(tfliteWeights),
                    NO_PATTERN, null, null);
        }

        /** {@code 1 - nonZeros/size}; 0 for an empty tensor. */
        public double sparsity() {
            return size == 0 ? 0 : 1.0 - (double) nonZeros / size;
        }

        /** Whether an m:n pattern was checked and some group breaks it. */
        public boolean failed() {
            return Boolean.FALSE.equals(patternOk);
        }

        /**
         * The values by their report keys, in table order; {@code shape} as a list of ints,
         * n/a as null.
         */
        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            List<Integer> dims = new ArrayList<>();
            for (int d : shape.dims()) {
                dims.add(d);
            }
            m.put("name", name);
            m.put("shape", dims);
            m.put("sparsity", sparsity());
            m.put("pattern", pattern);
            m.put("pattern_ok", patternOk);
            m.put("violating_groups", violatingGroups);
            return m;
        }
    }

    private final List<Entry> entries;

    /** A report of the given entries, in order. */
    public SparsityReport(List<Entry> entries) {
        this.entries = List.copyOf(entries);
    }

    /** The entries, in order (unmodifiable). */
    public List<Entry> entries() {
        return Collections.unmodifiableList(entries);
    }

    /** Whether no checked m:n pattern is broken (true when none was checked). */
    public boolean allPatternsHold() {
        return entries.stream().noneMatch(Entry::failed);
    }

    /** Number of non-zero values (NaN counts as non-zero, -0.0 as zero). */
    public static long countNonZeros(Tensor t) {
        FloatBuffer b = t.buffer();
        long nonZeros = 0;
        for (int i = 0, n = t.size(); i < n; i++) {
            if (b.get(i) != 0f) {
                nonZeros++;
            }
        }
        return nonZeros;
    }

    /** {@code 1 - nonZeros/size} of a tensor; 0 for an empty one. */
    public static double sparsity(Tensor t) {
        return t.size() == 0 ? 0 : 1.0 - (double) countNonZeros(t) / t.size();
    }

    /**
     * An aligned text table, one line per entry:
     * {@code name  shape  sparsity  pattern  pattern_ok  violating_groups}, n/a where a column
     * does not apply.
     */
    public String toTable() {
        String[] header = {"name", "shape", "sparsity", "pattern", "pattern_ok", "violating_groups"};
        List<String[]> rows = new ArrayList<>();
        rows.add(header);
        for (Entry e : entries) {
            rows.add(new String[] {
                e.name(),
                bracketed(e.shape()),
                String.format(Locale.ROOT, "%.4f", e.sparsity()),
                e.pattern(),
                e.patternOk() == null ? "n/a" : e.patternOk().toString(),
                e.violatingGroups() == null ? "n/a" : e.violatingGroups().toString()});
        }
        int[] width = new int[header.length];
        for (String[] row : rows) {
            for (int c = 0; c < row.length; c++) {
                width[c] = Math.max(width[c], row[c].length());
            }
        }
        StringBuilder b = new StringBuilder();
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder();
            for (int c = 0; c < row.length; c++) {
                line.append(String.format(Locale.ROOT, "%-" + width[c] + "s", row[c]));
                if (c + 1 < row.length) {
                    line.append("  ");
                }
            }
            b.append(line.toString().stripTrailing()).append('\n');
        }
        return b.toString();
    }

    /** {@code [64, 5, 5, 32]}, as TFLite tools print shapes. */
    private static String bracketed(Shape s) {
        StringBuilder b = new StringBuilder("[");
        int[] d = s.dims();
        for (int i = 0; i < d.length; i++) {
            if (i > 0) {
                b.append(", ");
            }
            b.append(d[i]);
        }
        return b.append(']').toString();
    }

    @Override
    public String toString() {
        return toTable();
    }
}
