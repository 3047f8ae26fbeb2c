package dev.sparse24.sparse;

import dev.sparse24.tensor.Shape;
import dev.sparse24.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SparsityReportTest {
    // Rows [1 0 2 0] (holds 2:4) and [1 2 3 0] (breaks it): 5 non-zeros of 8.
    private final Tensor broken = Tensor.of(new float[] {1, 0, 2, 0, 1, 2, 3, 0}, 2, 4);
    private final Tensor held = Tensor.of(new float[] {0, 5, 0, 6, 7, 0, 0, 0}, 2, 1, 1, 4);

    @Test
    void checkedEntryCountsGroupsAndSparsity() {
        SparsityReport.Entry e = SparsityReport.Entry.checked("dense", broken, NmPattern.TWO_FOUR);
        assertEquals(Shape.of(2, 4), e.shape());
        assertEquals(8, e.size());
        assertEquals(5, e.nonZeros());
        assertEquals(3.0 / 8.0, e.sparsity(), 1e-15);
        assertEquals("2:4", e.pattern());
        assertEquals(Boolean.FALSE, e.patternOk());
        assertEquals(1L, e.violatingGroups());
        assertTrue(e.failed());

        SparsityReport.Entry ok = SparsityReport.Entry.checked("conv", held, NmPattern.TWO_FOUR);
        assertEquals(Boolean.TRUE, ok.patternOk());
        assertEquals(0L, ok.violatingGroups());
        assertEquals(5.0 / 8.0, ok.sparsity(), 1e-15);
    }

    @Test
    void unstructuredAndUnprunedHaveNoPatternCheck() {
        SparsityReport.Entry u = SparsityReport.Entry.unstructured("conv2d", broken, 0.5);
        assertEquals("unstructured 0.50", u.pattern());
        assertNull(u.patternOk());
        assertNull(u.violatingGroups());
        assertFalse(u.failed());
        assertEquals("none", SparsityReport.Entry.unpruned("dense_1", held).pattern());
    }

    @Test
    void reportFailsWhenAnyCheckedPatternBreaks() {
        SparsityReport good = new SparsityReport(List.of(
                SparsityReport.Entry.checked("a", held, NmPattern.TWO_FOUR),
                SparsityReport.Entry.unstructured("b", broken, 0.5)));
        assertTrue(good.allPatternsHold());
        SparsityReport bad = new SparsityReport(List.of(
                SparsityReport.Entry.checked("a", held, NmPattern.TWO_FOUR),
                SparsityReport.Entry.checked("c", broken, NmPattern.TWO_FOUR)));
        assertFalse(bad.allPatternsHold());
    }

    @Test
    void tableHasAlignedRowsWithEveryValue() {
        SparsityReport r = new SparsityReport(List.of(
                SparsityReport.Entry.checked("prune_low_magnitude_dense", broken, NmPattern.TWO_FOUR),
                SparsityReport.Entry.unstructured("conv2d", held, 0.5)));
        String[] lines = r.toTable().split("\n");
        assertEquals(3, lines.length, r.toTable());
        assertTrue(lines[0].startsWith("name"), lines[0]);
        assertTrue(lines[1].contains("prune_low_magnitude_dense") && lines[1].contains("[2, 4]")
                && lines[1].contains("0.3750") && lines[1].contains("2:4") && lines[1].contains("false"), lines[1]);
        assertTrue(lines[2].contains("[2, 1, 1, 4]") && lines[2].contains("0.6250")
                && lines[2].contains("unstructured 0.50") && lines[2].contains("n/a"), lines[2]);
        // Aligned: the shape column starts at the same offset on every line.
        int col = lines[0].indexOf("shape");
        assertEquals('[', lines[1].charAt(col));
        assertEquals('[', lines[2].charAt(col));
    }

    @Test
    void mapGivesTheValuesUnderReportKeys() {
        Map<String, Object> m = SparsityReport.Entry.checked("d", broken, NmPattern.TWO_FOUR).toMap();
        assertEquals(Arrays.asList("name", "shape", "sparsity", "pattern", "pattern_ok", "violating_groups"),
                List.copyOf(m.keySet()));
        assertEquals(List.of(2, 4), m.get("shape"));
        assertEquals(0.375, (Double) m.get("sparsity"), 1e-15);
        assertEquals(false, m.get("pattern_ok"));
        assertEquals(1L, m.get("violating_groups"));
        assertNull(SparsityReport.Entry.unpruned("x", held).toMap().get("pattern_ok"));
    }

    @Test
    void entryRejectsInconsistentValues() {
        assertThrows(IllegalArgumentException.class,
                () -> new SparsityReport.Entry("x", Shape.of(4), 4, 5, "none", null, null));
        assertThrows(IllegalArgumentException.class,
                () -> new SparsityReport.Entry("x", Shape.of(4), 4, 2, "2:4", true, null));
    }

    @Test
    void sparsityCountsExactZeros() {
        assertEquals(0.5, SparsityReport.sparsity(Tensor.of(new float[] {0, -0f, 1e-30f, Float.NaN}, 4)), 0.0);
        assertEquals(2, SparsityReport.countNonZeros(Tensor.of(new float[] {0, -0f, 1e-30f, Float.NaN}, 4)));
    }
}
