package dev.sparse24.runtime;

import dev.sparse24.graph.DType;

import java.util.Arrays;

/**
 * Name, shape and element type of a model input or output.
 *
 * @param name  the tensor's name in the model file
 * @param shape the shape with dimension 0 (the batch) given as -1; NHWC for images
 * @param dtype the element type
 */
public record TensorInfo(String name, int[] shape, DType dtype) {
    /** Copies the shape so the record stays immutable. */
    public TensorInfo {
        shape = shape.clone();
    }

    @Override
    public int[] shape() {
        return shape.clone();
    }

    /** Values per batch item: the product of the dimensions past the first. */
    public int sampleSize() {
        int n = 1;
        for (int d = 1; d < shape.length; d++) {
            n = Math.multiplyExact(n, shape[d]);
        }
        return n;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorInfo t && name.equals(t.name) && Arrays.equals(shape, t.shape) && dtype == t.dtype;
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
        return name + Arrays.toString(shape) + " " + dtype;
    }
}
