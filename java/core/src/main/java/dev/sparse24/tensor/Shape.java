package dev.sparse24.tensor;

import java.util.Arrays;

/** An immutable list of dimensions. Activations are NHWC; a per-sample shape leaves out N. */
public final class Shape {
    private final int[] dims;

    private Shape(int[] dims) {
        for (int d : dims) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in " + Arrays.toString(dims));
            }
        }
        this.dims = dims;
    }

    /** A shape with the given dimensions (copied). */
    public static Shape of(int... dims) {
        return new Shape(dims.clone());
    }

    /** Number of dimensions. */
    public int rank() {
        return dims.length;
    }

    /** Dimension {@code i}; negative {@code i} counts from the end. */
    public int dim(int i) {
        return dims[i < 0 ? dims.length + i : i];
    }

    /** A copy of the dimensions. */
    public int[] dims() {
        return dims.clone();
    }

    /** Product of all dimensions, checked for int overflow. */
    public int size() {
        long n = 1;
        for (int d : dims) {
            n *= d;
            if (n > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("shape " + this + " has more than 2^31-1 elements");
            }
        }
        return (int) n;
    }

    /** This shape with {@code batch} prepended: the batched shape of a per-sample shape. */
    public Shape withBatch(int batch) {
        int[] d = new int[dims.length + 1];
        d[0] = batch;
        System.arraycopy(dims, 0, d, 1, dims.length);
        return new Shape(d);
    }

    /** This shape without its first dimension. */
    public Shape dropFirst() {
        return new Shape(Arrays.copyOfRange(dims, 1, dims.length));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Shape && Arrays.equals(dims, ((Shape) o).dims);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(dims);
    }

    /** Keras-like text, e.g. {@code (28, 28, 1)}. */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("(");
        for (int i = 0; i < dims.length; i++) {
            if (i > 0) {
                b.append(", ");
            }
            b.append(dims[i]);
        }
        if (dims.length == 1) {
            b.append(',');
        }
        return b.append(')').toString();
    }
}
