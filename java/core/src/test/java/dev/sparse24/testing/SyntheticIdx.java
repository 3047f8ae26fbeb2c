package dev.sparse24.testing;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/**
 * Small IDX image-classification sets written from scratch (independently of the reader), for
 * tests of data sets other than MNIST.
 */
public final class SyntheticIdx {
    private SyntheticIdx() {
    }

    /** An IDX file: magic {@code 00 00 type rank}, big-endian dims, then the data bytes. */
    public static byte[] idx(int type, int[] dims, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + data.length);
        b.put((byte) 0).put((byte) 0).put((byte) type).put((byte) dims.length);
        for (int d : dims) {
            b.putInt(d);
        }
        b.put(data);
        return b.array();
    }

    /**
     * Writes {@code <trainPrefix>-images-idxR-ubyte}, {@code <trainPrefix>-labels-idx1-ubyte} and the
     * same for {@code testPrefix}: images of per-item dims {@code item} whose brightness grows with
     * the class (so a little training learns something), labels {@code i % classes}.
     *
     * @return {@code dir}
     */
    public static Path write(Path dir, String trainPrefix, String testPrefix, int nTrain, int nTest, int[] item,
                             int classes, long seed) throws IOException {
        Files.createDirectories(dir);
        Random r = new Random(seed);
        int size = 1;
        for (int d : item) {
            size *= d;
        }
        int step = Math.max(1, 200 / classes);
        for (Object[] split : new Object[][]{{trainPrefix, nTrain}, {testPrefix, nTest}}) {
            int n = (Integer) split[1];
            byte[] pixels = new byte[n * size];
            byte[] labels = new byte[n];
            for (int i = 0; i < n; i++) {
                labels[i] = (byte) (i % classes);
                for (int j = 0; j < size; j++) {
                    pixels[i * size + j] = (byte) Math.min(255, step * (i % classes) + r.nextInt(step + 20));
                }
            }
            int[] dims = new int[item.length + 1];
            dims[0] = n;
            System.arraycopy(item, 0, dims, 1, item.length);
            Files.write(dir.resolve(split[0] + "-images-idx" + dims.length + "-ubyte"), idx(0x08, dims, pixels));
            Files.write(dir.resolve(split[0] + "-labels-idx1-ubyte"), idx(0x08, new int[]{n}, labels));
        }
        return dir;
    }
}
