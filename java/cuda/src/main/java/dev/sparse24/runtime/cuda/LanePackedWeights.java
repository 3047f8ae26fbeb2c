package dev.sparse24.runtime.cuda;

import dev.sparse24.runtime.HalfPrecision;

import dev.sparse24.sparse.CompressedWeights;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * {@link CompressedWeights} re-packed for our {@code mma.sp m16n8k32} kernels: fp16/bf16 values
 * and metadata pre-shuffled so that each lane of a warp reads its A fragment and its E register
 * with single 16-byte loads. Both kernels in {@code cuda/} (small-batch and tiled) read this one
 * layout. The layout is defined in docs/mma-sp-layout.md; {@code cuda/sparse24_common.cuh} reads it.
 *
 * <h2>Blocking</h2>
 * <ul>
 *   <li>Row block: {@value #ROW_BLOCK} rows = two m16 tiles; tile s (rows 16s..16s+15 of the
 *       block) is issued with sparsity selector sel = s, so one E register serves both tiles.
 *       Rows are padded to a multiple of 32 (padding rows: zero values, code 0x4).</li>
 *   <li>k step: {@value #K_STEP} dense columns (16 compressed); k chunk: {@value #STEPS_PER_CHUNK}
 *       steps = {@value #K_CHUNK} dense columns. k is padded to a multiple of 128 (padding
 *       groups: zero values, code 0x4).</li>
 * </ul>
 *
 * <h2>Values (16-bit, little-endian), per (row block rb, chunk kc)</h2>
 * {@code values[((((rb*kChunks + kc)*4 + step)*2 + tile)*32 + lane)*8 + 2*r + h]}: lane L =
 * 4g + t, A register r (0..3), half h holds compressed row {@code 16*tile + g + 8*(r & 1)} of the
 * block and compressed column {@code 16*(4*kc + step) + 2t + 8*(r >> 1) + h} of the matrix.
 * One (rb, kc) block is 4096 bytes; a warp's A fragment for one tile and step is 512
 * contiguous bytes, 16 per lane.
 *
 * <h2>Metadata (uint32), per (rb, kc)</h2>
 * {@code metadata[((rb*kChunks + kc)*32 + lane)*4 + step]}: for lane L = 4g + 2s + j, bits
 * [15:0] hold the codes of block row 16s + g and bits [31:16] those of row 16s + g + 8, each
 * half the 4 groups (nibble c = group 4j + c) of dense k 16j..16j+15 of that step. Every lane
 * is meaningful: lanes with t in {0,1} feed tile 0 (sel 0), t in {2,3} feed tile 1 (sel 1).
 * A lane's 4 steps are 16 contiguous bytes.
 */
public final class LanePackedWeights {
    /** Rows per row block (two m16 tiles, selectors 0 and 1). */
    public static final int ROW_BLOCK = 32;
    /** Dense k per mma.sp m16n8k32. */
    public static final int K_STEP = 32;
    /** k steps per chunk (one 16-byte metadata load per lane). */
    public static final int STEPS_PER_CHUNK = 4;
    /** Dense k per chunk. */
    public static final int K_CHUNK = K_STEP * STEPS_PER_CHUNK;
    /** 16-bit values per (row block, chunk). */
    public static final int VALUES_PER_BLOCK = ROW_BLOCK * K_CHUNK / 2;
    /** uint32 metadata words per (row block, chunk). */
    public static final int WORDS_PER_BLOCK = 32 * STEPS_PER_CHUNK;

    private final int rows;
    private final int cols;
    private final HalfPrecision precision;
    private final short[] values;
    private final int[] metadata;

    private LanePackedWeights(int rows, int cols, HalfPrecision precision, short[] values, int[] metadata) {
        this.rows = rows;
        this.cols = cols;
        this.precision = precision;
        this.values = values;
        this.metadata = metadata;
    }

    /**
     * Re-packs {@code w} into the lane layout, converting values to {@code precision} (round to
     * nearest even). A value that is non-zero in fp32 but rounds to zero stays a kept zero; the
     * metadata is copied unchanged.
     */
    public static LanePackedWeights pack(CompressedWeights w, HalfPrecision precision) {
        int rows = w.rows();
        int rowBlocks = ceilDiv(rows, ROW_BLOCK);
        int kChunks = ceilDiv(w.paddedCols(), K_CHUNK);
        int groupsPerRow = w.groupsPerRow();
        float[] src = w.values();
        short[] values = new short[Math.multiplyExact(rowBlocks * kChunks, VALUES_PER_BLOCK)];
        int[] metadata = new int[rowBlocks * kChunks * WORDS_PER_BLOCK];
        for (int rb = 0; rb < rowBlocks; rb++) {
            for (int kc = 0; kc < kChunks; kc++) {
                int block = rb * kChunks + kc;
                for (int step = 0; step < STEPS_PER_CHUNK; step++) {
                    int kStep = kc * STEPS_PER_CHUNK + step;
                    for (int lane = 0; lane < 32; lane++) {
                        int g = lane >> 2;
                        int t = lane & 3;
                        for (int tile = 0; tile < 2; tile++) {
                            for (int r = 0; r < 4; r++) {
                                for (int h = 0; h < 2; h++) {
                                    int row = rb * ROW_BLOCK + 16 * tile + g + 8 * (r & 1);
                                    int col = 16 * kStep + 2 * t + 8 * (r >> 1) + h; // compressed
                                    float v = row < rows && col / 2 < groupsPerRow
                                            ? src[(row * groupsPerRow + col / 2) * 2 + (col & 1)] : 0f;
                                    int at = (((block * STEPS_PER_CHUNK + step) * 2 + tile) * 32 + lane) * 8
                                            + 2 * r + h;
                                    values[at] = precision.fromFloat(v);
                                }
                            }
                        }
                        int s = (lane >> 1) & 1;
                        int j = lane & 1;
                        int word = 0;
                        for (int half = 0; half < 2; half++) {
                            int row = rb * ROW_BLOCK + 16 * s + g + 8 * half;
                            for (int c = 0; c < 4; c++) {
                                int group = 8 * kStep + 4 * j + c;
                                int code = row < rows && group < groupsPerRow
                                        ? w.code(row, group) : CompressedWeights.PADDING_CODE;
                                word |= code << (16 * half + 4 * c);
                            }
                        }
                        metadata[(block * 32 + lane) * STEPS_PER_CHUNK + step] = word;
                    }
                }
            }
        }
        return new LanePackedWeights(rows, w.cols(), precision, values, metadata);
    }

    /** Logical rows M (before padding). */
    public int rows() {
        return rows;
    }

    /** Logical columns K (before padding). */
    public int cols() {
        return cols;
    }

    /** Rows after padding to a multiple of {@value #ROW_BLOCK}. */
    public int paddedRows() {
        return rowBlocks() * ROW_BLOCK;
    }

    /** Dense k after padding to a multiple of {@value #K_CHUNK}. */
    public int paddedCols() {
        return kChunks() * K_CHUNK;
    }

    /** Number of 32-row blocks. */
    public int rowBlocks() {
        return ceilDiv(rows, ROW_BLOCK);
    }

    /** Number of 128-wide k chunks. */
    public int kChunks() {
        return ceilDiv(CompressedWeights.paddedColumns(cols), K_CHUNK);
    }

    /** The value precision. */
    public HalfPrecision precision() {
        return precision;
    }

    /** A copy of the packed 16-bit values (see the class comment for the order). */
    public short[] values() {
        return values.clone();
    }

    /** A copy of the packed metadata words. */
    public int[] metadata() {
        return metadata.clone();
    }

    /** Packed value at flat index {@code i}. */
    public short valueAt(int i) {
        return values[i];
    }

    /** Packed metadata word at flat index {@code i}. */
    public int metadataAt(int i) {
        return metadata[i];
    }

    /** The packed values as little-endian bytes, as the kernels read them. */
    public byte[] valueBytes() {
        ByteBuffer b = ByteBuffer.allocate(values.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        b.asShortBuffer().put(values);
        return b.array();
    }

    /** The packed metadata as little-endian bytes, as the kernels read them. */
    public byte[] metadataBytes() {
        ByteBuffer b = ByteBuffer.allocate(metadata.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asIntBuffer().put(metadata);
        return b.array();
    }

    /**
     * The four A registers of {@code lane} for {@code tile} (0/1) of row block {@code rb} at
     * global k step {@code kStep}, as mma.sp reads them (low half = lower element).
     */
    public int[] aFragment(int rb, int kStep, int tile, int lane) {
        int base = ((((rb * kChunks() + kStep / STEPS_PER_CHUNK) * STEPS_PER_CHUNK + kStep % STEPS_PER_CHUNK)
                * 2 + tile) * 32 + lane) * 8;
        int[] regs = new int[4];
        for (int r = 0; r < 4; r++) {
            regs[r] = (values[base + 2 * r] & 0xFFFF) | (values[base + 2 * r + 1] & 0xFFFF) << 16;
        }
        return regs;
    }

    /** The E register of {@code lane} for row block {@code rb} at global k step {@code kStep}. */
    public int eRegister(int rb, int kStep, int lane) {
        return metadata[((rb * kChunks() + kStep / STEPS_PER_CHUNK) * 32 + lane) * STEPS_PER_CHUNK
                + kStep % STEPS_PER_CHUNK];
    }

    static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }
}
