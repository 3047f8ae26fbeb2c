package dev.sparse24.graph;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class PaddingTest {
    @Test
    void sameMatchesTensorFlow() {
        // 28 / 1 with a 5x5 kernel: 28 out, 4 padding cells, 2 before.
        assertEquals(28, Padding.SAME.outputSize(28, 5, 1));
        assertEquals(2, Padding.SAME.padBefore(28, 5, 1));
        // 28 / 2 with a 2x2 pool: 14 out, no padding.
        assertEquals(14, Padding.SAME.outputSize(28, 2, 2));
        assertEquals(0, Padding.SAME.padBefore(28, 2, 2));
        // 7 / 2, 2x2 pool: 4 out, total (4-1)*2+2-7 = 1: nothing before, one after.
        assertEquals(4, Padding.SAME.outputSize(7, 2, 2));
        assertEquals(0, Padding.SAME.padBefore(7, 2, 2));
        // 6 / 2, 3x3 kernel: 3 out, total (3-1)*2+3-6 = 1 -> 0 before.
        assertEquals(0, Padding.SAME.padBefore(6, 3, 2));
        // 5 / 1, 4x4 kernel: total 3 -> 1 before, 2 after.
        assertEquals(1, Padding.SAME.padBefore(5, 4, 1));
    }

    @Test
    void validDropsPartialWindows() {
        assertEquals(3, Padding.VALID.outputSize(7, 3, 2));
        assertEquals(2, Padding.VALID.outputSize(7, 2, 3));
        assertEquals(0, Padding.VALID.outputSize(2, 3, 1));
        assertEquals(0, Padding.VALID.padBefore(7, 3, 2));
        assertThrows(IllegalArgumentException.class, () -> Padding.VALID.outputSize(7, 3, 0));
    }
}
