package dev.sparse24.sparse;

import dev.sparse24.testing.RandomWeights;
import dev.sparse24.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CompressedWeightsTest {

    /** The six ordered codes, written out by hand: (lower index, higher index). */
    private static final int[] CODES = {0x4, 0x8, 0xC, 0x9, 0xD, 0xE};

    @Test
    void handComputedTwoByEightMatrix() {
        // Row 0: groups keep (1,3) and (0,2); row 1: (2,3) and (0,1).
        float[] dense = {
                0, 1.5f, 0, -2, /* */ 3, 0, 4, 0,
                0, 0, 5, 6, /*       */ 7, 8, 0, 0};
        CompressedWeights w = CompressedWeights.compress(dense, 2, 8);
        assertArrayEquals(new float[]{1.5f, -2, 3, 4, 5, 6, 7, 8}, w.values());
        // Codes: (1,3) = 1 | 3<<2 = 0xD, (0,2) = 0x8, (2,3) = 0xE, (0,1) = 0x4; four filler 0x4.
        assertArrayEquals(new int[]{0x4444_4E8D}, w.metadata());
        assertArrayEquals(new byte[]{(byte) 0x8D, (byte) 0x4E, 0x44, 0x44}, w.metadataBytes());
        assertEquals(0xD, w.code(0, 0));
        assertEquals(0xE, w.code(1, 0));
        assertArrayEquals(dense, w.decompress());
        assertEquals(0, w.columnPadding());
    }

    @Test
    void metadataIsOneRowMajorStreamAcrossRows() {
        // 3 rows x 12 columns = 9 groups: word 0 holds groups 0..7, word 1 group 8 + 7 fillers.
        float[] dense = new float[3 * 12];
        int[] expectCodes = new int[9];
        for (int g = 0; g < 9; g++) {
            int[] pair = RandomWeights.PAIRS[g % 6];
            dense[g * 4 + pair[0]] = g + 1;
            dense[g * 4 + pair[1]] = -(g + 1);
            expectCodes[g] = CODES[g % 6];
        }
        CompressedWeights w = CompressedWeights.compress(dense, 3, 12);
        long word0 = 0;
        for (int g = 0; g < 8; g++) {
            word0 |= (long) expectCodes[g] << (4 * g);
        }
        int word1 = expectCodes[8] | 0x4444_4440;
        assertArrayEquals(new int[]{(int) word0, word1}, w.metadata());
        assertEquals(2, CompressedWeights.metadataWords(3, 12));
    }

    @Test
    void groupsWithFewerThanTwoNonZerosFollowPyTorchsTable() {
        // PyTorch's sparse_semi_structured_from_dense_cutlass comment table, [m0, m1, m2, m3].
        assertEquals(0xE, codeOfSingleGroup(0, 0, 0, 0));
        assertEquals(0xE, codeOfSingleGroup(0, 0, 0, 1));
        assertEquals(0xE, codeOfSingleGroup(0, 0, 1, 0));
        assertEquals(0x9, codeOfSingleGroup(0, 1, 0, 0));
        assertEquals(0x8, codeOfSingleGroup(1, 0, 0, 0));
        CompressedWeights w = CompressedWeights.compress(new float[]{0, 0, 0, 7}, 1, 4);
        assertArrayEquals(new float[]{0, 7}, w.values());
    }

    private static int codeOfSingleGroup(float a, float b, float c, float d) {
        return CompressedWeights.compress(new float[]{a, b, c, d}, 1, 4).code(0, 0);
    }

    @Test
    void refusesThreeNonZerosNamingRowAndGroup() {
        float[] dense = new float[3 * 8];
        dense[2 * 8 + 4] = 1;
        dense[2 * 8 + 5] = 1;
        dense[2 * 8 + 7] = 1;
        dense[1 * 8 + 0] = 1; // a valid group before it
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CompressedWeights.compress(dense, 3, 8));
        assertTrue(e.getMessage().contains("row 2, group 1"), e.getMessage());
        assertTrue(e.getMessage().contains("3 non-zeros"), e.getMessage());
    }

    @Test
    void refusesWrongLengthAndRank() {
        assertThrows(IllegalArgumentException.class, () -> CompressedWeights.compress(new float[7], 2, 4));
        assertThrows(IllegalArgumentException.class, () -> CompressedWeights.compress(new float[0], 0, 4));
        assertThrows(IllegalArgumentException.class, () -> CompressedWeights.compress(Tensor.zeros(2, 2, 4)));
    }

    @Test
    void oddShapesRoundTripWithRecordedPadding() {
        Random rnd = new Random(24);
        int[] rowCounts = {1, 3, 17};
        int[] colCounts = {1, 2, 3, 4, 5, 6, 7, 9, 33, 64};
        for (int rows : rowCounts) {
            for (int cols : colCounts) {
                float[] dense = RandomWeights.twoFourWithGaps(rnd, rows, cols);
                CompressedWeights w = CompressedWeights.compress(dense, rows, cols);
                assertEquals((cols + 3) / 4 * 4, w.paddedCols());
                assertEquals((4 - cols % 4) % 4, w.columnPadding(), "cols " + cols);
                assertArrayEquals(dense, w.decompress(), rows + "x" + cols);
                // Independent check of every kept value against the dense matrix.
                for (int r = 0; r < rows; r++) {
                    for (int j = 0; j < w.groupsPerRow(); j++) {
                        int code = w.code(r, j);
                        assertTrue(CompressedWeights.isValidCode(code));
                        int c0 = 4 * j + (code & 3);
                        int c1 = 4 * j + (code >> 2);
                        assertEquals(c0 < cols ? dense[r * cols + c0] : 0f, w.value(r, j, 0));
                        assertEquals(c1 < cols ? dense[r * cols + c1] : 0f, w.value(r, j, 1));
                    }
                }
                CompressedWeights again = CompressedWeights.of(rows, cols, w.values(), w.metadata());
                assertArrayEquals(dense, again.decompress());
            }
        }
    }

    @Test
    void everyValidCodeRoundTrips() {
        for (int i = 0; i < 6; i++) {
            float[] group = new float[4];
            group[RandomWeights.PAIRS[i][0]] = 2;
            group[RandomWeights.PAIRS[i][1]] = -3;
            CompressedWeights w = CompressedWeights.compress(group, 1, 4);
            assertEquals(CODES[i], w.code(0, 0));
            assertArrayEquals(new float[]{2, -3}, w.values());
            assertArrayEquals(group, w.decompress());
        }
    }

    @Test
    void validCodesAreExactlyTheSixOrderedOnes() {
        int valid = 0;
        for (int code = 0; code < 16; code++) {
            boolean expected = code == 0x4 || code == 0x8 || code == 0x9 || code == 0xC
                    || code == 0xD || code == 0xE;
            assertEquals(expected, CompressedWeights.isValidCode(code), "code " + code);
            valid += expected ? 1 : 0;
        }
        assertEquals(6, valid);
    }

    @Test
    void rawArraysWithInvalidCodesAreRefused() {
        for (int bad : new int[]{0x0, 0x1, 0x2, 0x3, 0x5, 0x6, 0x7, 0xA, 0xB, 0xF}) {
            // Row 1, group 1 of a [2, 8] matrix is stream group 3.
            int word = 0x4444_4444 & ~(0xF << 12) | bad << 12;
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> CompressedWeights.of(2, 8, new float[8], new int[]{word}));
            assertTrue(e.getMessage().contains("row 1, group 1"), e.getMessage());
            assertTrue(e.getMessage().contains(String.format("0x%X", bad)), e.getMessage());
        }
    }

    @Test
    void rawArraysWithWrongLengthsOrBadFillerOrPaddingValuesAreRefused() {
        assertThrows(IllegalArgumentException.class,
                () -> CompressedWeights.of(2, 8, new float[7], new int[]{0x4444_4444}));
        assertThrows(IllegalArgumentException.class,
                () -> CompressedWeights.of(2, 8, new float[8], new int[]{0x4444_4444, 0}));
        // Filler nibble (group 4 of a 4-group stream) holding 0xE.
        assertThrows(IllegalArgumentException.class,
                () -> CompressedWeights.of(2, 8, new float[8], new int[]{0x444E_4444}));
        // cols = 6: group 1 keeps (2,3) = columns 6 and 7, both padding: a non-zero there is refused.
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CompressedWeights.of(1, 6, new float[]{1, 2, 0, 5}, new int[]{0x4444_44E4}));
        assertTrue(e.getMessage().contains("padding column"), e.getMessage());
        // Filler nibbles of 0 are accepted (other writers may leave them zero).
        CompressedWeights ok = CompressedWeights.of(1, 8, new float[]{1, 2, 3, 4}, new int[]{0x0000_00E4});
        assertArrayEquals(new float[]{1, 2, 0, 0, 0, 0, 3, 4}, ok.decompress());
    }

    @Test
    void accessorsReturnCopiesAndSizesAreAsStated() {
        float[] dense = RandomWeights.twoFourWithGaps(new Random(1), 4, 32);
        CompressedWeights w = CompressedWeights.compress(dense, 4, 32);
        w.values()[0] = 99;
        w.metadata()[0] = 0;
        assertArrayEquals(dense, w.decompress());
        // fp32 2:4: half the weights at 4 B = 2 B, plus 4 bits per 4 weights = 0.125 B, per weight.
        // (A 2.25 B figure for fp32 is sometimes quoted: that is 9/16 of 4 B, which only holds
        // for fp16: 1 B + 0.125 B = 1.125 B.)
        assertEquals(4 * 32 * 2.125, w.storedBytes(), 1e-9);
        assertFalse(w.toString().isEmpty());
        Tensor t = w.decompressToTensor();
        assertArrayEquals(dense, t.toArray());
        assertArrayEquals(w.values(), CompressedWeights.compress(t).values());
    }

    @Test
    void convKernelsCompressAsOutByTapsTimesInOnlyWhenInIsAMultipleOf4() {
        // [out 2, h 1, w 2, in 4]: row o = taps (0,0) then (0,1), in fastest.
        float[] k = {
                1, 0, 2, 0, /* */ 0, 0, 3, 4,
                0, 5, 0, 0, /* */ 6, 0, 0, 0};
        CompressedWeights w = CompressedWeights.compressConvKernel(Tensor.of(k, 2, 1, 2, 4));
        assertEquals(2, w.rows());
        assertEquals(8, w.cols());
        assertArrayEquals(k, w.decompress());
        assertEquals(0x8, w.code(0, 0));
        assertEquals(0xE, w.code(0, 1));
        assertTrue(CompressedWeights.isCompressibleConvKernel(new int[]{8, 3, 3, 16}));
        assertFalse(CompressedWeights.isCompressibleConvKernel(new int[]{8, 3, 3, 1}));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CompressedWeights.compressConvKernel(Tensor.zeros(8, 3, 3, 1)));
        assertTrue(e.getMessage().contains("keep it dense"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> CompressedWeights.compressConvKernel(Tensor.zeros(4, 4)));
    }

    @Test
    void codeAtReadsNibblesLowFirstAcrossWords() {
        // Word 0 holds groups 0..7 from its low nibble up; word 1 starts at group 8.
        int[] words = {0xEDC9_8444, 0x0000_00D8};
        int[] expected = {0x4, 0x4, 0x4, 0x8, 0x9, 0xC, 0xD, 0xE, 0x8, 0xD};
        for (int g = 0; g < expected.length; g++) {
            assertEquals(expected[g], CompressedWeights.codeAt(words, g), "group " + g);
        }
    }
}
