package dev.sparse24.data;

import dev.sparse24.tensor.Shape;
import dev.sparse24.tensor.Tensor;

/**
 * MNIST ready for training: images as NHWC tensors {@code [N, 28, 28, 1]} with pixels scaled to
 * [0, 1] ({@code byte / 255f}), labels as ints 0..9, for the training and the test split.
 *
 * <p>The tensors and arrays are this object's own, not copies: treat them as read-only.
 */
public final class MnistDataset {
    /** Shape of one image: 28 rows, 28 columns, 1 channel. */
    public static final Shape IMAGE_SHAPE = Shape.of(28, 28, 1);
    /** Number of classes (digits 0..9). */
    public static final int CLASSES = 10;

    private final Tensor trainImages;
    private final int[] trainLabels;
    private final Tensor testImages;
    private final int[] testLabels;

    /**
     * A data set from its parts, checked for consistent shapes and label range.
     *
     * @param trainImages {@code [N, 28, 28, 1]}
     * @param trainLabels N labels in 0..9
     * @param testImages {@code [M, 28, 28, 1]}
     * @param testLabels M labels in 0..9
     * @throws IllegalArgumentException naming the part whose shape, count or label is wrong
     */
    public MnistDataset(Tensor trainImages, int[] trainLabels, Tensor testImages, int[] testLabels) {
        checkSplit("train", trainImages, trainLabels);
        checkSplit("test", testImages, testLabels);
        this.trainImages = trainImages;
        this.trainLabels = trainLabels;
        this.testImages = testImages;
        this.testLabels = testLabels;
    }

    private static void checkSplit(String split, Tensor images, int[] labels) {
        Shape expected = IMAGE_SHAPE.withBatch(labels.length);
        if (!images.shape().equals(expected)) {
            throw new IllegalArgumentException(split + " images: expected shape " + expected + " for "
                    + labels.length + " labels, given " + images.shape());
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= CLASSES) {
                throw new IllegalArgumentException(split + " label " + i + ": expected 0.." + (CLASSES - 1)
                        + ", given " + labels[i]);
            }
        }
    }

    /** Training images {@code [trainCount(), 28, 28, 1]}, values in [0, 1]. */
    public Tensor trainImages() {
        return trainImages;
    }

    /** Training labels 0..9, one per training image (own array, do not modify). */
    public int[] trainLabels() {
        return trainLabels;
    }

    /** Test images {@code [testCount(), 28, 28, 1]}, values in [0, 1]. */
    public Tensor testImages() {
        return testImages;
    }

    /** Test labels 0..9, one per test image (own array, do not modify). */
    public int[] testLabels() {
        return testLabels;
    }

    /** Number of training examples. */
    public int trainCount() {
        return trainLabels.length;
    }

    /** Number of test examples. */
    public int testCount() {
        return testLabels.length;
    }

    @Override
    public String toString() {
        return "MnistDataset[train=" + trainCount() + ", test=" + testCount() + "]";
    }
}
