package dev.sparse24.data;

import dev.sparse24.tensor.Shape;
import dev.sparse24.tensor.Tensor;

import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * An image-classification data set in IDX files of any image size and class count (MNIST,
 * Fashion-MNIST, KMNIST, EMNIST or one's own), ready for training: images as NHWC tensors
 * {@code [N, H, W, C]} scaled to [0, 1] ({@code byte / 255f}), labels as ints {@code 0..K-1}.
 *
 * <p><b>Files.</b> A directory holds four IDX files, raw or gzip, found by name (case-insensitive):
 * <ul>
 *   <li>training images: the one file whose name contains {@code train-images};</li>
 *   <li>training labels: the one containing {@code train-labels};</li>
 *   <li>test images: the one containing {@code t10k-images} or {@code test-images};</li>
 *   <li>test labels: the one containing {@code t10k-labels} or {@code test-labels}.</li>
 * </ul>
 * MNIST's own names ({@link MnistFile}) fit, as do Fashion-MNIST's and EMNIST's
 * ({@code emnist-letters-train-images-idx3-ubyte.gz}). Two candidates for one role are an error
 * naming both, so a directory never trains on a file chosen by chance.
 *
 * <p><b>Content.</b> Images are unsigned bytes {@code [N, H, W]} (one channel) or
 * {@code [N, H, W, C]}; labels are {@code [N]} unsigned bytes or int32. The class count K is
 * the largest training label plus one; every label must lie in {@code 0..K-1} (a test label
 * the training set never uses is an error), counts must match their image file and both
 * splits must have the same image shape. Each violation is a {@link DataIntegrityException},
 * a malformed file an {@link IdxFormatException}, both naming the file.
 *
 * <p>The tensors and arrays are this object's own: treat them as read-only.
 */
public final class IdxDataset {
    /** Most classes accepted: more is a corrupt label file rather than a classification task. */
    public static final int MAX_CLASSES = 1 << 16;

    private static final float[] PIXEL_SCALE = new float[256];

    static {
        for (int v = 0; v < 256; v++) {
            PIXEL_SCALE[v] = v / 255f;
        }
    }

    /** The four roles of the files, with the name fragments that identify each. */
    enum Role {
        TRAIN_IMAGES(MnistFile.TRAIN_IMAGES, "train-images"), TRAIN_LABELS(MnistFile.TRAIN_LABELS, "train-labels"),
        TEST_IMAGES(MnistFile.TEST_IMAGES, "t10k-images", "test-images"),
        TEST_LABELS(MnistFile.TEST_LABELS, "t10k-labels", "test-labels");

        final MnistFile mnist;
        final List<String> fragments;

        Role(MnistFile mnist, String... fragments) {
            this.mnist = mnist;
            this.fragments = List.of(fragments);
        }

        boolean matches(String fileName) {
            String lower = fileName.toLowerCase(Locale.ROOT);
            return fragments.stream().anyMatch(lower::contains);
        }
    }

    private final Tensor trainImages;
    private final int[] trainLabels;
    private final Tensor testImages;
    private final int[] testLabels;
    private final Shape imageShape;
    private final int classes;
    private final List<Path> files;
    private final List<String> sha256s;

    private IdxDataset(Tensor trainImages, int[] trainLabels, Tensor testImages, int[] testLabels, Shape imageShape,
                       int classes, List<Path> files, List<String> sha256s) {
        this.trainImages = trainImages;
        this.trainLabels = trainLabels;
        this.testImages = testImages;
        this.testLabels = testLabels;
        this.imageShape = imageShape;
        this.classes = classes;
        this.files = files;
        this.sha256s = sha256s;
    }

    /** Loads the whole data set in {@code dir}; see {@link #load(Path, int)}. */
    public static IdxDataset load(Path dir) throws IOException {
        return load(dir, Mnist.NO_LIMIT);
    }

    /**
     * Finds the four files in {@code dir} (see the class comment), reads and validates them.
     *
     * @param dir   the directory
     * @param limit keep the first {@code limit} examples of each split, at least 1
     *              ({@link Mnist#NO_LIMIT} for all); labels are still validated whole
     * @throws DatasetNotFoundException when the directory is missing or a file is missing or ambiguous
     * @throws IdxFormatException       when a file is not a well-formed IDX file (magic, type, truncation)
     * @throws DataIntegrityException   when shapes, counts or labels do not fit together
     */
    public static IdxDataset load(Path dir, int limit) throws IOException {
        if (limit < 1) {
            throw new IllegalArgumentException("limit: expected at least 1 (or NO_LIMIT), given " + limit);
        }
        Path[] found = locate(dir);
        // Labels first: small, so a bad label file fails before the images are inflated.
        IdxArray trainLabelFile = IdxReader.readBytesOrInts(found[Role.TRAIN_LABELS.ordinal()]);
        IdxArray testLabelFile = IdxReader.readBytesOrInts(found[Role.TEST_LABELS.ordinal()]);
        requireRank1(trainLabelFile);
        requireRank1(testLabelFile);
        int[] trainAll = labels(trainLabelFile);
        int classes = classesOf(trainLabelFile, trainAll);
        int[] testAll = labels(testLabelFile);
        requireInRange(testLabelFile, testAll, classes);

        IdxArray trainImageFile = IdxReader.read(found[Role.TRAIN_IMAGES.ordinal()]);
        IdxArray testImageFile = IdxReader.read(found[Role.TEST_IMAGES.ordinal()]);
        Shape shape = imageShape(trainImageFile);
        Shape testShape = imageShape(testImageFile);
        if (!shape.equals(testShape)) {
            throw new DataIntegrityException(testImageFile.source() + ": test images are " + testShape
                    + " but the training images (" + trainImageFile.source() + ") are " + shape
                    + "; expected the same shape");
        }
        requireSameCount(trainImageFile, trainLabelFile);
        requireSameCount(testImageFile, testLabelFile);

        int nTrain = Math.min(limit, trainAll.length);
        int nTest = Math.min(limit, testAll.length);
        return new IdxDataset(toImages(trainImageFile, shape, nTrain), Arrays.copyOf(trainAll, nTrain),
                toImages(testImageFile, shape, nTest), Arrays.copyOf(testAll, nTest), shape, classes,
                List.of(found), List.of(trainImageFile.sha256(), trainLabelFile.sha256(), testImageFile.sha256(),
                        testLabelFile.sha256()));
    }

    /** The same data as MNIST's loader gives, as an IdxDataset ([28, 28, 1], 10 classes). */
    public static IdxDataset of(MnistDataset mnist) {
        return new IdxDataset(mnist.trainImages(), mnist.trainLabels(), mnist.testImages(), mnist.testLabels(),
                MnistDataset.IMAGE_SHAPE, MnistDataset.CLASSES, List.of(), List.of());
    }

    /**
     * Whether the four files read are MNIST's own: MNIST's file names and the published SHA-256
     * of each ({@link MnistFile}). False for a set built with {@link #of(MnistDataset)}, which was
     * already checked by {@link Mnist}.
     */
    public boolean isMnistFiles() {
        if (files.isEmpty()) {
            return false;
        }
        for (Role role : Role.values()) {
            int i = role.ordinal();
            String name = files.get(i).getFileName().toString();
            boolean named = name.equals(role.mnist.fileName()) || name.equals(role.mnist.gzipFileName());
            if (!named || !sha256s.get(i).equals(role.mnist.sha256())) {
                return false;
            }
        }
        return true;
    }

    /**
     * The files of a directory by role (training images, training labels, test images, test
     * labels), without reading them.
     *
     * @throws DatasetNotFoundException naming the directory and the missing or ambiguous role
     */
    public static Path[] locate(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new DatasetNotFoundException("data directory " + dir
                    + (Files.exists(dir) ? " is not a directory" : " does not exist"));
        }
        List<Path> entries;
        try (Stream<Path> s = Files.list(dir)) {
            entries = s.filter(Files::isRegularFile).sorted().toList();
        }
        Path[] found = new Path[Role.values().length];
        List<String> problems = new ArrayList<>();
        for (Role role : Role.values()) {
            List<Path> matches = entries.stream().filter(p -> role.matches(p.getFileName().toString())).toList();
            if (matches.size() == 1) {
                found[role.ordinal()] = matches.get(0);
            } else if (matches.isEmpty()) {
                problems.add("lacks " + role.mnist.fileName() + "[.gz] (or any file named *"
                        + String.join("* or *", role.fragments) + "*)");
            } else {
                problems.add("has " + matches.size() + " files for *" + String.join("*/*", role.fragments) + "*: "
                        + matches.stream().map(p -> p.getFileName().toString()).toList() + " (keep one)");
            }
        }
        if (!problems.isEmpty()) {
            throw new DatasetNotFoundException("data directory " + dir + " " + String.join("; ", problems)
                    + ". Expected four IDX files (raw or .gz) named *train-images*, *train-labels*,"
                    + " *t10k-images* (or *test-images*) and *t10k-labels* (or *test-labels*)");
        }
        return found;
    }

    private static void requireRank1(IdxArray labels) throws DataIntegrityException {
        if (labels.rank() != 1) {
            throw new DataIntegrityException(labels.source() + ": expected labels of dims [N], found "
                    + Arrays.toString(labels.dims()));
        }
    }

    private static int[] labels(IdxArray file) {
        int[] out = new int[file.count()];
        for (int i = 0; i < out.length; i++) {
            out[i] = file.intValue(i);
        }
        return out;
    }

    private static int classesOf(IdxArray file, int[] labels) throws DataIntegrityException {
        if (labels.length == 0) {
            throw new DataIntegrityException(file.source() + ": holds no labels; expected at least one example");
        }
        int max = 0;
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0) {
                throw new DataIntegrityException(file.source() + ": label " + i + " is " + labels[i]
                        + "; expected labels 0..K-1");
            }
            max = Math.max(max, labels[i]);
        }
        if (max >= MAX_CLASSES) {
            throw new DataIntegrityException(file.source() + ": largest label is " + max + "; at most "
                    + MAX_CLASSES + " classes are supported");
        }
        return max + 1;
    }

    private static void requireInRange(IdxArray file, int[] labels, int classes) throws DataIntegrityException {
        if (labels.length == 0) {
            throw new DataIntegrityException(file.source() + ": holds no labels; expected at least one example");
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= classes) {
                throw new DataIntegrityException(file.source() + ": label " + i + " is " + labels[i]
                        + "; expected 0.." + (classes - 1) + ", the classes of the training labels");
            }
        }
    }

    /** [H, W, C] of an image file of dims [N, H, W] or [N, H, W, C]. */
    private static Shape imageShape(IdxArray images) throws DataIntegrityException {
        int[] d = images.dims();
        boolean ok = (d.length == 3 || d.length == 4) && d[1] > 0 && d[2] > 0 && (d.length == 3 || d[3] > 0);
        if (!ok) {
            throw new DataIntegrityException(images.source() + ": expected images of dims [N, H, W] or"
                    + " [N, H, W, C] with H, W, C >= 1, found " + Arrays.toString(d));
        }
        return Shape.of(d[1], d[2], d.length == 4 ? d[3] : 1);
    }

    private static void requireSameCount(IdxArray images, IdxArray labels) throws DataIntegrityException {
        if (images.count() != labels.count()) {
            throw new DataIntegrityException(images.source() + " holds " + images.count() + " images but "
                    + labels.source() + " holds " + labels.count() + " labels; expected equal counts");
        }
    }

    /** The first {@code n} images as {@code [n, H, W, C]} floats in [0, 1]. */
    private static Tensor toImages(IdxArray images, Shape shape, int n) {
        Tensor t = Tensor.zeros(shape.withBatch(n));
        FloatBuffer out = t.buffer();
        byte[] pixels = images.data();
        float[] chunk = new float[1 << 16];
        long total = (long) n * shape.size();
        for (int start = 0; start < total; start += chunk.length) {
            int len = (int) Math.min(chunk.length, total - start);
            for (int i = 0; i < len; i++) {
                chunk[i] = PIXEL_SCALE[pixels[start + i] & 0xFF];
            }
            out.put(start, chunk, 0, len);
        }
        return t;
    }

    /** Training images {@code [trainCount(), H, W, C]}, values in [0, 1]. */
    public Tensor trainImages() {
        return trainImages;
    }

    /** Training labels 0..K-1 (own array, do not modify). */
    public int[] trainLabels() {
        return trainLabels;
    }

    /** Test images {@code [testCount(), H, W, C]}, values in [0, 1]. */
    public Tensor testImages() {
        return testImages;
    }

    /** Test labels 0..K-1 (own array, do not modify). */
    public int[] testLabels() {
        return testLabels;
    }

    /** Shape of one image, {@code [H, W, C]}. */
    public Shape imageShape() {
        return imageShape;
    }

    /** Number of classes K: the largest training label plus one. */
    public int classes() {
        return classes;
    }

    /** Number of training examples (after the limit). */
    public int trainCount() {
        return trainLabels.length;
    }

    /** Number of test examples (after the limit). */
    public int testCount() {
        return testLabels.length;
    }

    /** The files read, by role (training images, training labels, test images, test labels); empty for {@link #of}. */
    public List<Path> files() {
        return files;
    }

    @Override
    public String toString() {
        return "IdxDataset[" + imageShape + ", " + classes + " classes, train=" + trainCount() + ", test="
                + testCount() + "]";
    }
}
