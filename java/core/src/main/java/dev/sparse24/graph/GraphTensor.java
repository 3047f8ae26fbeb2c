package dev.sparse24.graph;

import dev.sparse24.sparse.CompressedWeights;
import dev.sparse24.tensor.Tensor;

import java.util.Arrays;

/**
 * A tensor of the inference graph: an activation (no data) or a constant (weights, biases,
 * shapes, axes). A 2:4 weight is held compressed; everything else dense.
 *
 * <p>Shapes are TFLite's: activations NHWC with the batch dimension first (it may be -1 or 1
 * in files and is replaced by the run's batch); CONV_2D filters {@code [out, h, w, in]},
 * FULLY_CONNECTED weights {@code [out, in]}. A compressed conv filter is stored as the matrix
 * {@code [out, h*w*in]} while {@link #shape()} keeps the 4-D shape.
 */
public final class GraphTensor {
    private final String name;
    private final int[] shape;
    private final DType dtype;
    private final Tensor dense;
    private final CompressedWeights compressed;
    private final int[] ints;

    private GraphTensor(String name, int[] shape, DType dtype, Tensor dense, CompressedWeights compressed, int[] ints) {
        if (name == null) {
            throw new IllegalArgumentException("tensor name must not be null");
        }
        this.name = name;
        this.shape = shape.clone();
        this.dtype = dtype;
        this.dense = dense;
        this.compressed = compressed;
        this.ints = ints;
    }

    /** An activation (computed at run time) of the given shape and type. */
    public static GraphTensor activation(String name, int[] shape, DType dtype) {
        return new GraphTensor(name, shape, dtype, null, null, null);
    }

    /** A dense float32 constant; its size must match the shape. */
    public static GraphTensor constant(String name, int[] shape, Tensor values) {
        checkSize(name, shape, values.size());
        return new GraphTensor(name, shape, DType.FLOAT32, values, null, null);
    }

    /** An int32 constant (shapes, axes); its size must match the shape. */
    public static GraphTensor intConstant(String name, int[] shape, int[] values) {
        checkSize(name, shape, values.length);
        return new GraphTensor(name, shape, DType.INT32, null, null, values.clone());
    }

    /**
     * A 2:4-compressed float32 weight: {@code weights} holds it as the matrix
     * {@code [shape[0], product(shape[1:])]}.
     */
    public static GraphTensor compressed(String name, int[] shape, CompressedWeights weights) {
        long rest = 1;
        for (int i = 1; i < shape.length; i++) {
            rest *= shape[i];
        }
        if (shape.length < 2 || weights.rows() != shape[0] || weights.cols() != rest) {
            throw new IllegalArgumentException("tensor " + name + ": compressed weights [" + weights.rows() + ", "
                    + weights.cols() + "] do not match shape " + Arrays.toString(shape));
        }
        return new GraphTensor(name, shape, DType.FLOAT32, null, weights, null);
    }

    private static void checkSize(String name, int[] shape, long size) {
        long n = 1;
        for (int d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("constant " + name + " has a negative dimension in "
                        + Arrays.toString(shape));
            }
            n *= d;
        }
        if (n != size) {
            throw new IllegalArgumentException("constant " + name + " of shape " + Arrays.toString(shape)
                    + " needs " + n + " values, given " + size);
        }
    }

    /** The name (unique within a graph by convention, not enforced). */
    public String name() {
        return name;
    }

    /** The shape (copy). */
    public int[] shape() {
        return shape.clone();
    }

    /** Rank. */
    public int rank() {
        return shape.length;
    }

    /** Element type. */
    public DType dtype() {
        return dtype;
    }

    /** Whether the tensor holds data (weights, biases, shapes). */
    public boolean isConstant() {
        return dense != null || compressed != null || ints != null;
    }

    /** Whether it is a 2:4-compressed weight. */
    public boolean isCompressed() {
        return compressed != null;
    }

    /** Dense float data, or null (activation, int constant or compressed weight). */
    public Tensor denseValues() {
        return dense;
    }

    /** The compressed weight, or null. */
    public CompressedWeights compressedValues() {
        return compressed;
    }

    /** Int32 data (copy), or null. */
    public int[] intValues() {
        return ints == null ? null : ints.clone();
    }

    /** The float values as a dense row-major array, decompressing a 2:4 weight; null for others. */
    public float[] floatValues() {
        if (dense != null) {
            return dense.toArray();
        }
        if (compressed != null) {
            return compressed.decompress();
        }
        return null;
    }

    @Override
    public String toString() {
        return name + Arrays.toString(shape) + " " + dtype + (isCompressed() ? " 2:4" : isConstant() ? " const" : "");
    }
}
