package dev.sparse24.spark;

import dev.sparse24.data.IdxArray;
import dev.sparse24.data.IdxReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link IdxFrame}: every image once, in its partition, with its own bytes and label. */
class IdxFrameTest {
    private static final int N = 23;
    private static final int SIZE = 6 * 5;

    @TempDir
    static Path dir;
    private static SparkSession spark;
    private static IdxArray images;
    private static byte[] pixels;

    @BeforeAll
    static void setUp() throws Exception {
        pixels = new byte[N * SIZE];
        new Random(3).nextBytes(pixels);
        ByteBuffer b = ByteBuffer.allocate(16 + pixels.length).put(new byte[]{0, 0, 8, 3}).putInt(N).putInt(6).putInt(5).put(pixels);
        Path file = dir.resolve("images-idx3-ubyte");
        Files.write(file, b.array());
        images = IdxReader.read(file);
        spark = SparkTestSession.start("IdxFrameTest");
    }

    @AfterAll
    static void tearDown() {
        if (spark != null) {
            spark.stop();
        }
    }

    @Test
    void everyImageOnceWithItsBytesAndLabelInConsecutivePartitions() {
        int[] labels = new int[N];
        for (int i = 0; i < N; i++) {
            labels[i] = (i * 7) % 10;
        }
        Dataset<Row> df = IdxFrame.of(spark, images, labels, 4);
        assertEquals(List.of("id", "image", "label"), Arrays.asList(df.schema().fieldNames()));
        assertEquals(4, df.rdd().getNumPartitions());
        List<List<Row>> parts = df.javaRDD().glom().collect();
        long next = 0;
        for (List<Row> part : parts) {
            assertTrue(part.size() >= N / 4 && part.size() <= N / 4 + 1, "uneven partition of " + part.size());
            for (Row r : part) {
                assertEquals(next, r.getLong(0), "ids consecutive across partitions");
                int i = (int) next++;
                assertArrayEquals(Arrays.copyOfRange(pixels, i * SIZE, (i + 1) * SIZE), (byte[]) r.get(1), "image " + i);
                assertEquals(labels[i], r.getInt(2), "label " + i);
            }
        }
        assertEquals(N, next);
        assertEquals(List.of("id", "image"), Arrays.asList(IdxFrame.of(spark, images, null, 1).schema().fieldNames()));
        assertEquals(N, IdxFrame.of(spark, images, null, 1).count());
    }

    @Test
    void refusesNoPartitionsAndMismatchedLabels() {
        assertThrows(IllegalArgumentException.class, () -> IdxFrame.of(spark, images, null, 0));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> IdxFrame.of(spark, images, new int[N - 1], 2))
                .getMessage().contains("22 labels for 23 images"));
    }
}
