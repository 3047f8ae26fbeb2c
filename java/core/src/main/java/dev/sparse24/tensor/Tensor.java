package dev.sparse24.tensor;

import org.bytedeco.javacpp.FloatPointer;

import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * A dense float32 tensor in native (off-heap) memory, row-major; activations are NHWC.
 *
 * <p>Why off-heap: OpenBLAS is called through JavaCPP, and passing a Java {@code float[]}
 * makes JNI copy the whole array in and out on every call (measured 3x slower for the
 * tutorial's conv GEMM). A tensor therefore owns a {@link FloatPointer}; Java code reads and
 * writes it through a direct {@link FloatBuffer} view, GEMMs get the pointer itself.
 * Memory is released by JavaCPP's deallocator when the tensor becomes unreachable.
 *
 * <p>Not thread-safe. Views made by {@link #reshape} share storage.
 */
public final class Tensor {
    private final Shape shape;
    private final FloatPointer data;
    private final FloatBuffer buf;

    private Tensor(Shape shape, FloatPointer data, FloatBuffer buf) {
        this.shape = shape;
        this.data = data;
        this.buf = buf;
    }

    /** A tensor of zeros. */
    public static Tensor zeros(Shape shape) {
        int n = shape.size();
        FloatPointer p = new FloatPointer(Math.max(n, 1));
        p.zero();
        return new Tensor(shape, p, p.limit(Math.max(n, 1)).capacity(Math.max(n, 1)).asBuffer());
    }

    /** A tensor of zeros. */
    public static Tensor zeros(int... dims) {
        return zeros(Shape.of(dims));
    }

    /** A tensor holding a copy of {@code values}; their count must equal the shape's size. */
    public static Tensor of(float[] values, int... dims) {
        Shape s = Shape.of(dims);
        if (s.size() != values.length) {
            throw new IllegalArgumentException("shape " + s + " needs " + s.size()
                    + " values, given " + values.length);
        }
        Tensor t = zeros(s);
        t.buf.put(0, values);
        return t;
    }

    /** The shape. */
    public Shape shape() {
        return shape;
    }

    /** Number of elements. */
    public int size() {
        return shape.size();
    }

    /** Element {@code i} of the flat row-major storage. */
    public float get(int i) {
        return buf.get(i);
    }

    /** Sets element {@code i} of the flat row-major storage. */
    public void set(int i, float v) {
        buf.put(i, v);
    }

    /** The direct buffer view (absolute get/put only; do not rely on its position). */
    public FloatBuffer buffer() {
        return buf;
    }

    /** The native pointer, for BLAS and native kernels. */
    public FloatPointer pointer() {
        return data;
    }

    /** A copy of the contents. */
    public float[] toArray() {
        float[] a = new float[size()];
        buf.get(0, a);
        return a;
    }

    /** Copies {@code values} into this tensor; lengths must match. */
    public void copyFrom(float[] values) {
        if (values.length != size()) {
            throw new IllegalArgumentException("expected " + size() + " values, given " + values.length);
        }
        buf.put(0, values);
    }

    /** Copies another tensor's contents (same size) into this one. */
    public void copyFrom(Tensor other) {
        if (other.size() != size()) {
            throw new IllegalArgumentException("expected " + size() + " values, given " + other.size());
        }
        buf.put(0, other.buf, 0, size());
    }

    /** Sets every element to {@code v}. */
    public void fill(float v) {
        if (v == 0f) {
            data.zero();
        } else {
            for (int i = 0, n = size(); i < n; i++) {
                buf.put(i, v);
            }
        }
    }

    /** A view with another shape of the same size, sharing storage. */
    public Tensor reshape(Shape newShape) {
        if (newShape.size() != size()) {
            throw new IllegalArgumentException("cannot reshape " + shape + " to " + newShape);
        }
        return new Tensor(newShape, data, buf);
    }

    /** A view with another shape of the same size, sharing storage. */
    public Tensor reshape(int... dims) {
        return reshape(Shape.of(dims));
    }

    /** A new tensor with the same shape and a copy of the contents. */
    public Tensor copy() {
        Tensor t = zeros(shape);
        t.copyFrom(this);
        return t;
    }

    /** Returns {@code t} if it is non-null and has {@code shape}, else a new zero tensor. */
    public static Tensor reuse(Tensor t, Shape shape) {
        return t != null && t.shape.equals(shape) ? t : zeros(shape);
    }

    @Override
    public String toString() {
        int n = Math.min(size(), 8);
        float[] head = new float[n];
        buf.get(0, head);
        return "Tensor" + shape + Arrays.toString(head) + (size() > n ? "..." : "");
    }
}
