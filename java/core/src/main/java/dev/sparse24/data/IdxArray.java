package dev.sparse24.data;

import java.util.Arrays;

/**
 * The contents of an IDX file of unsigned bytes: its dimensions, its data (row-major, last
 * dimension fastest, as stored) and the SHA-256 of the whole uncompressed file.
 *
 * <p>Made by {@link IdxReader}. The data array is shared, not copied, because MNIST's training
 * images are 47 MB; callers must not modify it.
 */
public final class IdxArray {
    private final String source;
    private final int dataType;
    private final int[] dims;
    private final byte[] data;
    private final String sha256;

    IdxArray(String source, int[] dims, byte[] data, String sha256) {
        this(source, IdxReader.UNSIGNED_BYTE, dims, data, sha256);
    }

    IdxArray(String source, int dataType, int[] dims, byte[] data, String sha256) {
        this.source = source;
        this.dataType = dataType;
        this.dims = dims;
        this.data = data;
        this.sha256 = sha256;
    }

    /** Where the array was read from (a path or the name given to the reader), for messages. */
    public String source() {
        return source;
    }

    /** Number of dimensions, 1 to {@value IdxReader#MAX_RANK}. */
    public int rank() {
        return dims.length;
    }

    /** A copy of the dimensions, outermost first (e.g. {@code [60000, 28, 28]} for images). */
    public int[] dims() {
        return dims.clone();
    }

    /** Dimension {@code i}, outermost first. */
    public int dim(int i) {
        return dims[i];
    }

    /** The outermost dimension: the number of items (images, labels). */
    public int count() {
        return dims[0];
    }

    /** Bytes per item: the product of all dimensions but the first (1 for a rank-1 array). */
    public int itemSize() {
        int n = 1;
        for (int i = 1; i < dims.length; i++) {
            n *= dims[i];
        }
        return n;
    }

    /**
     * The data bytes, row-major; read them as unsigned ({@code b & 0xFF}). This is the array's
     * own storage, not a copy: do not modify it.
     */
    public byte[] data() {
        return data;
    }

    /** The IDX data-type code: {@link IdxReader#UNSIGNED_BYTE} or {@link IdxReader#INT32}. */
    public int dataType() {
        return dataType;
    }

    /** Number of elements: the product of the dimensions. */
    public long elementCount() {
        return (long) count() * itemSize();
    }

    /**
     * Element {@code i} of the flat data as an int: 0..255 for unsigned bytes, the signed
     * big-endian value for int32.
     */
    public int intValue(int i) {
        if (dataType == IdxReader.INT32) {
            int o = 4 * i;
            return ((data[o] & 0xFF) << 24) | ((data[o + 1] & 0xFF) << 16) | ((data[o + 2] & 0xFF) << 8)
                    | (data[o + 3] & 0xFF);
        }
        return data[i] & 0xFF;
    }

    /** Element {@code i} of the flat data as an unsigned value 0..255 (unsigned-byte arrays). */
    public int unsignedByte(int i) {
        return data[i] & 0xFF;
    }

    /** Lowercase hex SHA-256 of the whole uncompressed file, header included. */
    public String sha256() {
        return sha256;
    }

    @Override
    public String toString() {
        return "IdxArray" + Arrays.toString(dims) + " from " + source;
    }
}
