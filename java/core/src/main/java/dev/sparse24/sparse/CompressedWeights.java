package dev.sparse24.sparse;

import dev.sparse24.tensor.Tensor;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A 2:4-sparse weight matrix W [rows, cols] stored as kept values plus 4-bit metadata: the
 * portable format of docs/format.md, byte-identical to PyTorch's pre-reorder
 * semi-structured {@code meta} and CUTLASS's row-major metadata.
 *
 * <ul>
 *   <li>Columns are padded with zeros to {@link #paddedCols()} = cols rounded up to a multiple
 *       of 4; {@link #columnPadding()} records how many were added.</li>
 *   <li>values: [rows, paddedCols / 2], row-major, the 2 kept values of each group of 4 columns
 *       in ascending column order.</li>
 *   <li>metadata: one 4-bit code per group, bits 1:0 = lower kept index, bits 3:2 = higher kept
 *       index (valid codes 0x4, 0x8, 0x9, 0xC, 0xD, 0xE). Row-major stream over all groups of
 *       all rows: group g of the stream sits at bits 4*(g % 8) of little-endian uint32 word
 *       g / 8. Nibbles past the last group (in the last word) are filler, written as 0x4.</li>
 *   <li>A group with fewer than 2 non-zeros still names two positions (the extra values are
 *       0), chosen exactly as PyTorch's {@code sparse_semi_structured_from_dense_cutlass} does,
 *       so that our bytes equal PyTorch's for every dense input.</li>
 * </ul>
 *
 * <p>Values are fp32 (4 bytes each). Other value types (fp16, bf16, int8) would come with their
 * own storage; the metadata and every index computation here do not depend on the value type.
 *
 * <p>Immutable: accessors return copies.
 */
public final class CompressedWeights {

    /** Filler and padding code: kept indices 0 and 1. */
    public static final int PADDING_CODE = 0x4;

    /** Groups (nibbles) per uint32 metadata word. */
    public static final int GROUPS_PER_WORD = 8;

    private final int rows;
    private final int cols;
    private final int paddedCols;
    private final float[] values;   // [rows, paddedCols / 2]
    private final int[] metadata;   // ceil(rows * paddedCols / 4 / 8) little-endian words

    private CompressedWeights(int rows, int cols, float[] values, int[] metadata) {
        this.rows = rows;
        this.cols = cols;
        this.paddedCols = paddedColumns(cols);
        this.values = values;
        this.metadata = metadata;
    }

    /** cols rounded up to a multiple of 4. */
    public static int paddedColumns(int cols) {
        return (cols + 3) & ~3;
    }

    /** Number of uint32 metadata words for a [rows, cols] matrix. */
    public static int metadataWords(int rows, int cols) {
        long groups = (long) rows * (paddedColumns(cols) / 4);
        return Math.toIntExact((groups + GROUPS_PER_WORD - 1) / GROUPS_PER_WORD);
    }

    /** Whether {@code code} is one of the six ordered 2:4 codes (idx0 &lt; idx1). */
    public static boolean isValidCode(int code) {
        return code >= 0 && code <= 0xF && (code & 3) < (code >> 2);
    }

    /**
     * Compresses a dense row-major [rows, cols] matrix that holds the 2:4 pattern (at most two
     * non-zeros in each group of four consecutive columns; the last group of a row is completed
     * with zero columns when cols % 4 != 0).
     *
     * @throws IllegalArgumentException if the array length is not rows*cols, or a group has
     *                                  more than two non-zeros (the message names the first
     *                                  such row, group and columns)
     */
    public static CompressedWeights compress(float[] dense, int rows, int cols) {
        checkDims(rows, cols);
        if ((long) rows * cols != dense.length) {
            throw new IllegalArgumentException("dense matrix [" + rows + ", " + cols + "] needs "
                    + (long) rows * cols + " values, given " + dense.length);
        }
        int pc = paddedColumns(cols);
        int groupsPerRow = pc / 4;
        float[] values = new float[Math.multiplyExact(rows, pc / 2)];
        int[] metadata = new int[metadataWords(rows, cols)];
        Arrays.fill(metadata, fillerWord());
        long bad = NmPattern.TWO_FOUR.firstViolatingGroup(dense, rows, cols);
        if (bad >= 0) {
            int r = (int) (bad / groupsPerRow);
            int j = (int) (bad % groupsPerRow);
            float[] group = new float[4];
            int nonZeros = 0;
            for (int i = 0; i < 4; i++) {
                int c = 4 * j + i;
                group[i] = c < cols ? dense[r * cols + c] : 0f;
                nonZeros += group[i] != 0f ? 1 : 0;
            }
            throw new IllegalArgumentException("not 2:4 sparse: row " + r + ", group " + j
                    + " (columns " + 4 * j + ".." + Math.min(4 * j + 3, cols - 1) + ") has "
                    + nonZeros + " non-zeros " + Arrays.toString(group) + ", at most 2 allowed");
        }
        float[] group = new float[4];
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < groupsPerRow; j++) {
                int mask = 0;
                for (int i = 0; i < 4; i++) {
                    int c = 4 * j + i;
                    group[i] = c < cols ? dense[r * cols + c] : 0f;
                    // -0.0 counts as zero: it carries no information a kept slot must preserve.
                    if (group[i] != 0f) {
                        mask |= 1 << i;
                    }
                }
                int code = codeForMask(mask);
                int base = (r * groupsPerRow + j) * 2;
                values[base] = group[code & 3];
                values[base + 1] = group[code >> 2];
                setNibble(metadata, (long) r * groupsPerRow + j, code);
            }
        }
        return new CompressedWeights(rows, cols, values, metadata);
    }

    /**
     * Compresses a rank-2 tensor [rows, cols] that holds the 2:4 pattern.
     *
     * @throws IllegalArgumentException if the tensor is not rank 2 or is not 2:4 sparse
     */
    public static CompressedWeights compress(Tensor dense) {
        if (dense.shape().rank() != 2) {
            throw new IllegalArgumentException("expected a rank-2 weight [rows, cols], given shape "
                    + dense.shape());
        }
        return compress(dense.toArray(), dense.shape().dim(0), dense.shape().dim(1));
    }

    /**
     * Whether a convolution kernel of shape [out, h, w, in] (TFLite orientation) can be stored
     * compressed: only when in % 4 == 0, so that no group of four straddles two kernel taps.
     */
    public static boolean isCompressibleConvKernel(int[] shape) {
        return shape.length == 4 && shape[3] % 4 == 0;
    }

    /**
     * Compresses a convolution kernel [out, h, w, in] (TFLite orientation, {@code in} fastest)
     * as the matrix [out, h*w*in].
     *
     * @throws IllegalArgumentException if the tensor is not rank 4, if in % 4 != 0 (such
     *                                  kernels stay dense), or if it is not 2:4 sparse
     */
    public static CompressedWeights compressConvKernel(Tensor kernel) {
        int[] d = kernel.shape().dims();
        if (d.length != 4) {
            throw new IllegalArgumentException("expected a conv kernel [out, h, w, in], given shape "
                    + kernel.shape());
        }
        if (!isCompressibleConvKernel(d)) {
            throw new IllegalArgumentException("conv kernel " + kernel.shape() + " has in = " + d[3]
                    + " input channels, not a multiple of 4: groups would straddle kernel taps; keep it dense");
        }
        return compress(kernel.toArray(), d[0], d[1] * d[2] * d[3]);
    }

    /**
     * Wraps raw arrays in the portable layout (e.g. read from a file), after validating them:
     * array lengths, every group's metadata code (one of the six ordered codes), filler nibbles
     * (0x4 or 0x0), and zero values in column padding.
     *
     * @param values   [rows, paddedCols / 2] kept values (copied)
     * @param metadata {@link #metadataWords} little-endian uint32 words (copied)
     * @throws IllegalArgumentException naming the first bad length, row, group or code
     */
    public static CompressedWeights of(int rows, int cols, float[] values, int[] metadata) {
        checkDims(rows, cols);
        int pc = paddedColumns(cols);
        long expectValues = (long) rows * (pc / 2);
        if (values.length != expectValues) {
            throw new IllegalArgumentException("values for [" + rows + ", " + cols + "] must have "
                    + expectValues + " elements ([" + rows + ", " + pc / 2 + "]), given " + values.length);
        }
        int expectWords = metadataWords(rows, cols);
        if (metadata.length != expectWords) {
            throw new IllegalArgumentException("metadata for [" + rows + ", " + cols + "] must have "
                    + expectWords + " uint32 words, given " + metadata.length);
        }
        int groupsPerRow = pc / 4;
        long groups = (long) rows * groupsPerRow;
        for (long g = 0; g < groups; g++) {
            int code = codeAt(metadata, g);
            if (!isValidCode(code)) {
                throw new IllegalArgumentException(String.format(
                        "invalid 2:4 metadata code 0x%X at row %d, group %d (word %d, nibble %d): "
                                + "expected one of 0x4, 0x8, 0x9, 0xC, 0xD, 0xE",
                        code, g / groupsPerRow, g % groupsPerRow, g / GROUPS_PER_WORD, g % GROUPS_PER_WORD));
            }
        }
        for (long g = groups; g < (long) expectWords * GROUPS_PER_WORD; g++) {
            int code = codeAt(metadata, g);
            if (code != PADDING_CODE && code != 0) {
                throw new IllegalArgumentException(String.format(
                        "metadata filler nibble %d of word %d is 0x%X, expected 0x4 or 0x0",
                        g % GROUPS_PER_WORD, g / GROUPS_PER_WORD, code));
            }
        }
        if (pc != cols) {
            // A kept slot that points into the column padding must hold zero, else decompressing
            // would silently drop a weight.
            int j = groupsPerRow - 1;
            for (int r = 0; r < rows; r++) {
                int code = codeAt(metadata, (long) r * groupsPerRow + j);
                for (int p = 0; p < 2; p++) {
                    int col = 4 * j + (p == 0 ? code & 3 : code >> 2);
                    float v = values[(r * groupsPerRow + j) * 2 + p];
                    if (col >= cols && v != 0f) {
                        throw new IllegalArgumentException("row " + r + ", group " + j + " keeps value "
                                + v + " at padding column " + col + " (cols = " + cols + ")");
                    }
                }
            }
        }
        return new CompressedWeights(rows, cols, values.clone(), metadata.clone());
    }

    /** The dense row-major [rows, cols] matrix (padding columns dropped). */
    public float[] decompress() {
        float[] dense = new float[Math.multiplyExact(rows, cols)];
        int groupsPerRow = paddedCols / 4;
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < groupsPerRow; j++) {
                int code = code(r, j);
                int base = (r * groupsPerRow + j) * 2;
                int c0 = 4 * j + (code & 3);
                int c1 = 4 * j + (code >> 2);
                if (c0 < cols) {
                    dense[r * cols + c0] = values[base];
                }
                if (c1 < cols) {
                    dense[r * cols + c1] = values[base + 1];
                }
            }
        }
        return dense;
    }

    /** The dense matrix as a new [rows, cols] tensor. */
    public Tensor decompressToTensor() {
        return Tensor.of(decompress(), rows, cols);
    }

    /** Number of rows (output features). */
    public int rows() {
        return rows;
    }

    /** Number of columns before padding (input features). */
    public int cols() {
        return cols;
    }

    /** Columns after padding to a multiple of 4. */
    public int paddedCols() {
        return paddedCols;
    }

    /** Zero columns appended to reach a multiple of 4 (0..3). */
    public int columnPadding() {
        return paddedCols - cols;
    }

    /** Groups of four columns per row (= paddedCols / 4). */
    public int groupsPerRow() {
        return paddedCols / 4;
    }

    /** The metadata code of group {@code group} of row {@code row}. */
    public int code(int row, int group) {
        if (row < 0 || row >= rows || group < 0 || group >= groupsPerRow()) {
            throw new IllegalArgumentException("group (" + row + ", " + group + ") outside [" + rows
                    + ", " + groupsPerRow() + "]");
        }
        return codeAt(metadata, (long) row * groupsPerRow() + group);
    }

    /** Kept value {@code p} (0 = lower column, 1 = higher) of group {@code group} of {@code row}. */
    public float value(int row, int group, int p) {
        if (p != 0 && p != 1) {
            throw new IllegalArgumentException("kept value index must be 0 or 1, given " + p);
        }
        code(row, group); // bounds check with a clear message
        return values[(row * groupsPerRow() + group) * 2 + p];
    }

    /** A copy of the kept values, [rows, paddedCols / 2] row-major. */
    public float[] values() {
        return values.clone();
    }

    /** A copy of the metadata words (little-endian uint32 each, as Java ints). */
    public int[] metadata() {
        return metadata.clone();
    }

    /** The metadata as bytes, little-endian words: exactly what a file or PyTorch stores. */
    public byte[] metadataBytes() {
        ByteBuffer b = ByteBuffer.allocate(metadata.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asIntBuffer().put(metadata);
        return b.array();
    }

    /** Bytes of values plus metadata, as stored. */
    public long storedBytes() {
        return (long) values.length * Float.BYTES + (long) metadata.length * 4;
    }

    @Override
    public String toString() {
        return "CompressedWeights[" + rows + ", " + cols + "] FP32"
                + (columnPadding() > 0 ? " (+" + columnPadding() + " padding columns)" : "");
    }

    /**
     * The metadata code for a group whose non-zero positions are the set bits of {@code mask}
     * (at most two). Two non-zeros name themselves; fewer follow PyTorch's table
     * ({@code [F,F,F,F]}, {@code [F,F,F,T]}, {@code [F,F,T,F]} -> 0xE, {@code [F,T,F,F]} -> 0x9,
     * {@code [T,F,F,F]} -> 0x8) so that the bytes match PyTorch's for every input.
     */
    static int codeForMask(int mask) {
        if (Integer.bitCount(mask) == 2) {
            int lo = Integer.numberOfTrailingZeros(mask);
            int hi = 31 - Integer.numberOfLeadingZeros(mask);
            return lo | hi << 2;
        }
        switch (mask) {
            case 0b0000:
            case 0b1000:
            case 0b0100:
                return 0xE;
            case 0b0010:
                return 0x9;
            case 0b0001:
                return 0x8;
            default:
                throw new IllegalArgumentException("mask 0b" + Integer.toBinaryString(mask)
                        + " has more than two non-zeros");
        }
    }

    private static int fillerWord() {
        int w = 0;
        for (int i = 0; i < GROUPS_PER_WORD; i++) {
            w |= PADDING_CODE << (4 * i);
        }
        return w;
    }

    /**
     * The 4-bit code of group {@code group} of a metadata stream in the portable layout: bits
     * {@code 4*(group % 8)} of word {@code group / 8}. The one decoder of the metadata nibbles;
     * kernels' packing steps and references read codes through it. No validation: the caller
     * passes a group inside {@code words} (see {@link #code} for a checked accessor).
     */
    public static int codeAt(int[] words, long group) {
        return (words[(int) (group / GROUPS_PER_WORD)] >>> (4 * (int) (group % GROUPS_PER_WORD))) & 0xF;
    }

    private static void setNibble(int[] words, long group, int code) {
        int w = (int) (group / GROUPS_PER_WORD);
        int shift = 4 * (int) (group % GROUPS_PER_WORD);
        words[w] = (words[w] & ~(0xF << shift)) | code << shift;
    }

    private static void checkDims(int rows, int cols) {
        if (rows < 1 || cols < 1) {
            throw new IllegalArgumentException("weight matrix must be at least [1, 1], given ["
                    + rows + ", " + cols + "]");
        }
    }
}
