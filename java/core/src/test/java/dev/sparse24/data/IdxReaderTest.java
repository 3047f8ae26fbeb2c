package dev.sparse24.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IdxReaderTest {
    @TempDir
    Path tmp;

    /** An IDX file built independently of the reader: magic 00 00 type rank, dims, data. */
    static byte[] idx(int type, int[] dims, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + data.length); // big-endian by default
        b.put((byte) 0).put((byte) 0).put((byte) type).put((byte) dims.length);
        for (int d : dims) {
            b.putInt(d);
        }
        b.put(data);
        return b.array();
    }

    static byte[] gzip(byte[] content) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(content);
        }
        return out.toByteArray();
    }

    static String sha256(byte[] content) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
    }

    private Path write(String name, byte[] content) throws IOException {
        return Files.write(tmp.resolve(name), content);
    }

    private IdxFormatException readFails(String name, byte[] content) throws IOException {
        Path file = write(name, content);
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> IdxReader.read(file));
        assertTrue(e.getMessage().startsWith(file.toString()), "message names the file: " + e.getMessage());
        return e;
    }

    private static final byte[] SIX = {0, 1, 127, (byte) 128, (byte) 254, (byte) 255};

    @Test
    void readsRawFileWithDimsDataAndDigest() throws Exception {
        byte[] content = idx(0x08, new int[] {2, 3}, SIX);
        IdxArray a = IdxReader.read(write("m.idx", content));
        assertArrayEquals(new int[] {2, 3}, a.dims());
        assertEquals(2, a.count());
        assertEquals(3, a.itemSize());
        assertArrayEquals(SIX, a.data());
        assertEquals(128, a.unsignedByte(3));
        assertEquals(255, a.unsignedByte(5));
        assertEquals(sha256(content), a.sha256());
    }

    @Test
    void detectsGzipByMagicBytesNotByName() throws Exception {
        byte[] content = idx(0x08, new int[] {3, 2}, SIX);
        // A gzip file without .gz, and a raw file named .gz: both must read the same.
        IdxArray fromGzip = IdxReader.read(write("no-extension", gzip(content)));
        IdxArray fromRaw = IdxReader.read(write("misleading.gz", content));
        for (IdxArray a : new IdxArray[] {fromGzip, fromRaw}) {
            assertArrayEquals(new int[] {3, 2}, a.dims());
            assertArrayEquals(SIX, a.data());
            // The digest is of the uncompressed bytes, whatever the storage.
            assertEquals(sha256(content), a.sha256());
        }
    }

    @Test
    void readsRankOneAndRankFour() throws Exception {
        assertArrayEquals(new int[] {6}, IdxReader.read(idx(0x08, new int[] {6}, SIX), "r1").dims());
        IdxArray r4 = IdxReader.read(idx(0x08, new int[] {1, 2, 1, 3}, SIX), "r4");
        assertArrayEquals(new int[] {1, 2, 1, 3}, r4.dims());
        assertEquals(6, r4.itemSize());
    }

    @Test
    void readsSharedMnistTestLabels() throws Exception {
        Path file = Mnist.fileIn(MnistTest.sharedMnistDir(), MnistFile.TEST_LABELS).orElseThrow();
        IdxArray a = IdxReader.read(file);
        assertArrayEquals(new int[] {10000}, a.dims());
        // docs/mnist.md, and the well-known first test digit of MNIST.
        assertEquals("ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2", a.sha256());
        assertEquals(7, a.unsignedByte(0));
        byte[] raw = MnistTest.content(MnistTest.sharedMnistDir(), MnistFile.TEST_LABELS);
        assertArrayEquals(Arrays.copyOfRange(raw, 8, raw.length), a.data());
    }

    @Test
    void truncatedDataNamesExpectedAndFoundCounts() throws Exception {
        byte[] content = idx(0x08, new int[] {2, 3}, Arrays.copyOf(SIX, 4));
        String raw = readFails("short.idx", content).getMessage();
        assertTrue(raw.contains("truncated") && raw.contains("need 6 bytes") && raw.contains("found 4"), raw);
        String gz = readFails("short.idx.gz", gzip(content)).getMessage();
        assertTrue(gz.contains("truncated") && gz.contains("need 6 bytes") && gz.contains("found 4"), gz);
    }

    @Test
    void gzipStreamCutShortIsReportedAsTruncated() throws Exception {
        byte[] data = new byte[20000];
        new Random(1).nextBytes(data); // incompressible, so cutting the gzip cuts the data
        byte[] gz = gzip(idx(0x08, new int[] {20000}, data));
        String m = readFails("cut.gz", Arrays.copyOf(gz, gz.length / 2)).getMessage();
        assertTrue(m.contains("need 20000 bytes") && m.contains("gzip stream ends early"), m);
    }

    @Test
    void corruptGzipChecksumIsAFormatError() throws Exception {
        byte[] gz = gzip(idx(0x08, new int[] {2, 3}, SIX));
        gz[gz.length - 6] ^= 0x5a; // inside the CRC-32 of the gzip trailer
        String m = readFails("crc.gz", gz).getMessage();
        assertTrue(m.contains("corrupt gzip"), m);
    }

    @Test
    void wrongMagicTypeOrRankIsRefused() throws Exception {
        byte[] notIdx = {0x12, 0x34, 0x08, 0x01, 0, 0, 0, 0};
        String m = readFails("text", notIdx).getMessage();
        assertTrue(m.contains("wrong magic") && m.contains("12 34 08 01"), m);

        m = readFails("float", idx(0x0D, new int[] {1}, new byte[4])).getMessage();
        assertTrue(m.contains("expected 0x08") && m.contains("found 0x0d"), m);

        m = readFails("rank0", idx(0x08, new int[0], SIX)).getMessage();
        assertTrue(m.contains("expected 1 to 4") && m.contains("found 0"), m);

        m = readFails("rank5", idx(0x08, new int[] {1, 1, 1, 1, 6}, SIX)).getMessage();
        assertTrue(m.contains("expected 1 to 4") && m.contains("found 5"), m);
    }

    @Test
    void truncatedHeaderIsRefused() throws Exception {
        String m = readFails("tiny", new byte[] {0, 0}).getMessage();
        assertTrue(m.contains("truncated header") && m.contains("found 2"), m);
        byte[] oneOfThreeDims = Arrays.copyOf(idx(0x08, new int[] {1, 1, 1}, new byte[1]), 8);
        m = readFails("dims", oneOfThreeDims).getMessage();
        assertTrue(m.contains("expected 12 bytes of 3 dimensions, found 4"), m);
    }

    @Test
    void absurdClaimedSizesAreRefusedBeforeAllocating() throws Exception {
        // Product beyond any Java array (and beyond a long if multiplied naively).
        int max = Integer.MAX_VALUE;
        String m = readFails("huge4", idx(0x08, new int[] {max, max, max, max}, SIX)).getMessage();
        assertTrue(m.contains("more than the " + IdxReader.MAX_DATA_BYTES), m);
        m = readFails("huge2", idx(0x08, new int[] {65536, 65536}, SIX)).getMessage();
        assertTrue(m.contains("more than the " + IdxReader.MAX_DATA_BYTES), m);

        // A dimension of 2^31 or more (IDX dims are unsigned).
        m = readFails("neg", idx(0x08, new int[] {Integer.MIN_VALUE}, SIX)).getMessage();
        assertTrue(m.contains("2147483648"), m);

        // Fits an array, but not the file: raw files are checked against their size.
        m = readFails("big.idx", idx(0x08, new int[] {2_000_000_000}, SIX)).getMessage();
        assertTrue(m.contains("need 2000000000 bytes") && m.contains("found 6"), m);

        // Gzip: refused by the deflate ratio bound, which only the pre-allocation check reports.
        byte[] gz = gzip(idx(0x08, new int[] {2_000_000_000}, SIX));
        m = readFails("big.gz", gz).getMessage();
        assertTrue(m.contains(gz.length + "-byte gzip file can hold"), m);
    }

    @Test
    void trailingGarbageIsRefused() throws Exception {
        byte[] good = idx(0x08, new int[] {2, 3}, SIX);
        byte[] extra = Arrays.copyOf(good, good.length + 3);
        String raw = readFails("extra.idx", extra).getMessage();
        assertTrue(raw.contains("trailing garbage: 3 bytes"), raw);
        String gz = readFails("extra.gz", gzip(extra)).getMessage();
        assertTrue(gz.contains("trailing garbage: 3 bytes"), gz);
    }
}
