package dev.sparse24.sparse;

import dev.sparse24.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NmPatternTest {
    @Test
    void twoFourKeepsTwoOfFour() {
        assertEquals(2, NmPattern.TWO_FOUR.m());
        assertEquals(4, NmPattern.TWO_FOUR.n());
        assertEquals(2, NmPattern.TWO_FOUR.kept());
        assertEquals("2:4", NmPattern.TWO_FOUR.toString());
        assertEquals(NmPattern.TWO_FOUR, NmPattern.of(2, 4));
        assertEquals(7, NmPattern.of(1, 8).kept());
    }

    @Test
    void rejectsMNotSmallerThanN() {
        IllegalArgumentException equal = assertThrows(IllegalArgumentException.class, () -> new NmPattern(4, 4));
        assertTrue(equal.getMessage().contains("smaller than n") && equal.getMessage().contains("4:4"),
                equal.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new NmPattern(5, 4));
    }

    @Test
    void rejectsMBelowOne() {
        IllegalArgumentException zero = assertThrows(IllegalArgumentException.class, () -> new NmPattern(0, 4));
        assertTrue(zero.getMessage().contains("m=0") && zero.getMessage().contains(">= 1"), zero.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new NmPattern(-1, 4));
    }

    @Test
    void parsesBothForms() {
        assertEquals(NmPattern.TWO_FOUR, NmPattern.parse("2:4"));
        assertEquals(NmPattern.TWO_FOUR, NmPattern.parse("2,4"));
        assertEquals(NmPattern.of(1, 8), NmPattern.parse(" 1 : 8 "));
        for (String bad : new String[] {"2-4", "a:b", "2:4:8", "", "4:2"}) {
            assertThrows(IllegalArgumentException.class, () -> NmPattern.parse(bad), bad);
        }
    }

    @Test
    void countsViolatingGroupsIncludingPartialOnes() {
        // Row 0: [1 0 2 0 | 3 4] -> 2 and 2 non-zeros; row 1: [1 2 3 0 | 0 5] -> 3 (too many) and 1.
        Tensor w = Tensor.of(new float[] {1, 0, 2, 0, 3, 4, 1, 2, 3, 0, 0, 5}, 2, 6);
        assertEquals(1, NmPattern.TWO_FOUR.countViolatingGroups(w));
        assertFalse(NmPattern.TWO_FOUR.isHeldBy(w));
        // 3:4 allows 1 per group: row 0 both groups break it, row 1 only its first.
        assertEquals(3, NmPattern.of(3, 4).countViolatingGroups(w));
    }

    @Test
    void groupsRunAlongTheLastAxisOfAnyRank() {
        // [2, 1, 1, 4]: two rows of 4; only the second has 3 non-zeros.
        Tensor w = Tensor.of(new float[] {1, 1, 0, 0, 1, 1, 1, 0}, 2, 1, 1, 4);
        assertEquals(1, NmPattern.TWO_FOUR.countViolatingGroups(w));
        // The same values read as [4, 2] rows of 2 hold 2:4 (a group of 2 may keep 2).
        assertTrue(NmPattern.TWO_FOUR.isHeldBy(w.reshape(4, 2)));
    }

    @Test
    void nanCountsAsNonZeroAndNegativeZeroAsZero() {
        assertEquals(1, NmPattern.TWO_FOUR.countViolatingGroups(Tensor.of(new float[] {Float.NaN, -0f, 1, 1}, 1, 4)));
        assertEquals(0, NmPattern.TWO_FOUR.countViolatingGroups(Tensor.of(new float[] {-0f, -0f, 1, 1}, 1, 4)));
    }

    @Test
    void matrixFormFindsTheFirstViolatingGroupInRowMajorOrder() {
        // Same matrix as above: [2, 6], 2 groups per row; the only 2:4 violation is row 1, group 0.
        float[] w = {1, 0, 2, 0, 3, 4, 1, 2, 3, 0, 0, 5};
        assertEquals(2, NmPattern.TWO_FOUR.firstViolatingGroup(w, 2, 6));
        assertEquals(1, NmPattern.TWO_FOUR.countViolatingGroups(w, 2, 6));
        assertFalse(NmPattern.TWO_FOUR.isHeldBy(w, 2, 6));
        // 3:4: row 0 group 0 already holds 2 non-zeros.
        assertEquals(0, NmPattern.of(3, 4).firstViolatingGroup(w, 2, 6));
        assertEquals(3, NmPattern.of(3, 4).countViolatingGroups(w, 2, 6));
        assertEquals(-1, NmPattern.TWO_FOUR.firstViolatingGroup(new float[] {1, 0, 0, 1, 1, 1}, 1, 6));
        assertTrue(NmPattern.TWO_FOUR.isHeldBy(new float[] {1, 0, 0, 1, 1, 1}, 1, 6));
        assertThrows(IllegalArgumentException.class, () -> NmPattern.TWO_FOUR.isHeldBy(w, 3, 6));
    }
}
