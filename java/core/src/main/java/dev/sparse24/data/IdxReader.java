package dev.sparse24.data;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PushbackInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads IDX files of unsigned bytes (the MNIST format), raw or gzip-compressed.
 *
 * <p>Layout, all integers big-endian: a 4-byte magic {@code 00 00 TT RR} where {@code TT} is the
 * data type (only {@code 0x08}, unsigned byte, is read) and {@code RR} the number of dimensions
 * (1 to {@value #MAX_RANK} here); then {@code RR} 32-bit dimensions; then the product of the
 * dimensions in data bytes, and nothing after them.
 *
 * <p>Gzip is recognised by its magic bytes {@code 1f 8b}, not by the file name. The SHA-256 is
 * computed over the uncompressed bytes while they are read, so checking it costs no second pass.
 * A header that claims more data than the file could hold is refused before anything is
 * allocated, so a corrupt or hostile header cannot exhaust memory.
 */
public final class IdxReader {
    /** IDX data-type code of unsigned bytes, the only type {@link #read(Path)} accepts. */
    public static final int UNSIGNED_BYTE = 0x08;
    /** IDX data-type code of big-endian signed 32-bit integers, accepted by {@link #readBytesOrInts}. */
    public static final int INT32 = 0x0C;
    /** Most dimensions accepted (IDX allows 255; nothing we read has more than 3). */
    public static final int MAX_RANK = 4;
    /** Largest data size accepted: about the largest byte array a JVM will allocate. */
    public static final long MAX_DATA_BYTES = Integer.MAX_VALUE - 8;
    /**
     * Deflate cannot shrink data by more than about 1032:1, so a gzip file of n bytes never
     * inflates to more than this many times n: the bound used to refuse absurd headers early.
     */
    static final long MAX_GZIP_RATIO = 1032;

    private static final int GZIP_MAGIC_0 = 0x1f;
    private static final int GZIP_MAGIC_1 = 0x8b;
    private static final int STREAM_BUFFER = 1 << 16;

    private IdxReader() {
    }

    /**
     * Reads an IDX file, raw or gzip.
     *
     * @param file the file; its path appears in every error message
     * @return the dimensions, data and SHA-256 of the uncompressed content
     * @throws IdxFormatException when the content is not a well-formed unsigned-byte IDX file
     * @throws IOException when the file cannot be read
     */
    public static IdxArray read(Path file) throws IOException {
        long storedBytes = Files.size(file);
        try (InputStream in = Files.newInputStream(file)) {
            return read(in, storedBytes, file.toString(), false);
        }
    }

    /**
     * Reads an IDX file, raw or gzip, of unsigned bytes ({@code 0x08}) or signed 32-bit
     * integers ({@code 0x0C}, e.g. labels of a data set with more than 256 classes).
     *
     * @throws IdxFormatException when the content is not a well-formed IDX file of one of these types
     * @throws IOException when the file cannot be read
     */
    public static IdxArray readBytesOrInts(Path file) throws IOException {
        long storedBytes = Files.size(file);
        try (InputStream in = Files.newInputStream(file)) {
            return read(in, storedBytes, file.toString(), true);
        }
    }

    /** {@link #readBytesOrInts(Path)} of content held in memory (for fuzzing). */
    public static IdxArray readBytesOrInts(byte[] content, String sourceName) throws IOException {
        return read(new ByteArrayInputStream(content), content.length, sourceName, true);
    }

    /**
     * Reads IDX content held in memory, raw or gzip (for data that did not come from a file,
     * and for fuzzing).
     *
     * @param content the file content
     * @param sourceName what to call the content in error messages
     * @return the dimensions, data and SHA-256 of the uncompressed content
     * @throws IdxFormatException when the content is not a well-formed unsigned-byte IDX file
     */
    public static IdxArray read(byte[] content, String sourceName) throws IOException {
        return read(new ByteArrayInputStream(content), content.length, sourceName, false);
    }

    private static IdxArray read(InputStream stored, long storedBytes, String source, boolean allowInts)
            throws IOException {
        PushbackInputStream peekable = new PushbackInputStream(stored, 2);
        boolean gzip = startsWithGzipMagic(peekable);
        MessageDigest sha = newSha256();
        InputStream in;
        try {
            in = new DigestInputStream(gzip ? new GZIPInputStream(peekable, STREAM_BUFFER) : peekable, sha);
        } catch (ZipException | EOFException e) {
            throw new IdxFormatException(source + ": starts like gzip (1f 8b) but its gzip header is bad: "
                    + e.getMessage(), e);
        }
        GzipAwareReader reader = new GzipAwareReader(in, source, gzip);

        byte[] magic = new byte[4];
        int got = reader.readUpTo(magic, 0, 4);
        if (got < 4) {
            throw new IdxFormatException(source + ": truncated header: expected a 4-byte magic, found "
                    + got + " bytes");
        }
        int[] dims = parseMagicAndDims(magic, reader, source, allowInts);
        int headerBytes = 4 + 4 * dims.length;
        int type = magic[2] & 0xFF;

        long claimed = dataBytes(dims, type == INT32 ? 4 : 1, source);
        // Refuse before allocating: the stored size bounds what the file can really hold.
        if (!gzip && claimed > storedBytes - headerBytes) {
            throw new IdxFormatException(source + ": truncated: dims " + Arrays.toString(dims) + " need "
                    + claimed + " bytes of data, found " + (storedBytes - headerBytes));
        }
        if (gzip && claimed > storedBytes * MAX_GZIP_RATIO) {
            throw new IdxFormatException(source + ": header claims dims " + Arrays.toString(dims) + " = "
                    + claimed + " bytes of data, more than a " + storedBytes + "-byte gzip file can hold (at most "
                    + storedBytes * MAX_GZIP_RATIO + ")");
        }

        byte[] data = new byte[(int) claimed];
        int read = reader.readUpTo(data, 0, data.length);
        if (read < data.length) {
            throw new IdxFormatException(source + ": truncated: dims " + Arrays.toString(dims) + " need "
                    + claimed + " bytes of data, found " + read + reader.earlyEndNote());
        }
        long trailing = reader.countRemaining();
        if (trailing > 0) {
            throw new IdxFormatException(source + ": trailing garbage: " + trailing + " bytes after the "
                    + claimed + " bytes of data that dims " + Arrays.toString(dims) + " describe");
        }
        return new IdxArray(source, type, dims, data, HexFormat.of().formatHex(sha.digest()));
    }

    private static int[] parseMagicAndDims(byte[] magic, GzipAwareReader reader, String source, boolean allowInts)
            throws IOException {
        int type = magic[2] & 0xFF;
        int rank = magic[3] & 0xFF;
        if (magic[0] != 0 || magic[1] != 0) {
            throw new IdxFormatException(source + ": wrong magic: expected 00 00 08 0N (IDX unsigned bytes), found "
                    + HexFormat.ofDelimiter(" ").formatHex(magic) + "; not an IDX file");
        }
        if (allowInts && type != UNSIGNED_BYTE && type != INT32) {
            throw new IdxFormatException(source + ": unsupported IDX data type: expected 0x08 (unsigned byte) or 0x0c"
                    + " (int32), found 0x" + HexFormat.of().toHexDigits((byte) type));
        }
        if (!allowInts && type != UNSIGNED_BYTE) {
            throw new IdxFormatException(source + ": unsupported IDX data type: expected 0x08 (unsigned byte), found 0x"
                    + HexFormat.of().toHexDigits((byte) type));
        }
        if (rank < 1 || rank > MAX_RANK) {
            throw new IdxFormatException(source + ": unsupported number of dimensions: expected 1 to " + MAX_RANK
                    + ", found " + rank);
        }
        byte[] raw = new byte[4 * rank];
        int got = reader.readUpTo(raw, 0, raw.length);
        if (got < raw.length) {
            throw new IdxFormatException(source + ": truncated header: expected " + raw.length + " bytes of "
                    + rank + " dimensions, found " + got);
        }
        int[] dims = new int[rank];
        for (int i = 0; i < rank; i++) {
            int d = ((raw[4 * i] & 0xFF) << 24) | ((raw[4 * i + 1] & 0xFF) << 16)
                    | ((raw[4 * i + 2] & 0xFF) << 8) | (raw[4 * i + 3] & 0xFF);
            if (d < 0) {
                // IDX dimensions are unsigned 32-bit; 2^31 or more cannot describe a Java array.
                throw new IdxFormatException(source + ": dimension " + i + " is " + Integer.toUnsignedString(d)
                        + ", more than the " + Integer.MAX_VALUE + " supported");
            }
            dims[i] = d;
        }
        return dims;
    }

    /** The product of the dimensions times the element size, refused above {@link #MAX_DATA_BYTES}. */
    private static long dataBytes(int[] dims, int elementBytes, String source) throws IdxFormatException {
        long n = elementBytes;
        for (int d : dims) {
            // n <= MAX_DATA_BYTES < 2^31 and d < 2^31, so n * d cannot overflow a long.
            n *= d;
            if (n > MAX_DATA_BYTES) {
                throw new IdxFormatException(source + ": header claims dims " + Arrays.toString(dims)
                        + ", more than the " + MAX_DATA_BYTES + " bytes of data this reader supports");
            }
        }
        return n;
    }

    private static boolean startsWithGzipMagic(PushbackInputStream in) throws IOException {
        byte[] head = new byte[2];
        int got = in.readNBytes(head, 0, 2);
        in.unread(head, 0, got);
        return got == 2 && (head[0] & 0xFF) == GZIP_MAGIC_0 && (head[1] & 0xFF) == GZIP_MAGIC_1;
    }

    static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            // Every Java platform must provide SHA-256 (java.security.MessageDigest contract).
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }

    /**
     * Reads until a count or the end, treating a gzip stream that stops mid-way as an end (so the
     * caller can report how many bytes were found) and corrupt gzip data as a format error.
     */
    private static final class GzipAwareReader {
        private final InputStream in;
        private final String source;
        private final boolean gzip;
        private long consumed;
        private String earlyEnd;

        GzipAwareReader(InputStream in, String source, boolean gzip) {
            this.in = in;
            this.source = source;
            this.gzip = gzip;
        }

        int readUpTo(byte[] b, int off, int len) throws IOException {
            int total = 0;
            while (total < len && earlyEnd == null) {
                int n;
                try {
                    n = in.read(b, off + total, len - total);
                } catch (EOFException e) {
                    earlyEnd = e.getMessage();
                    break;
                } catch (ZipException e) {
                    throw new IdxFormatException(source + ": corrupt gzip data after " + (consumed + total)
                            + " uncompressed bytes: " + e.getMessage(), e);
                }
                if (n < 0) {
                    break;
                }
                total += n;
            }
            consumed += total;
            return total;
        }

        long countRemaining() throws IOException {
            byte[] scratch = new byte[STREAM_BUFFER];
            long extra = 0;
            int n;
            while ((n = readUpTo(scratch, 0, scratch.length)) > 0) {
                extra += n;
            }
            return extra;
        }

        String earlyEndNote() {
            return gzip && earlyEnd != null ? " (the gzip stream ends early: " + earlyEnd + ")" : "";
        }
    }
}
