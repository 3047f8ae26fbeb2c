package dev.sparse24.runtime;

import dev.sparse24.graph.DType;

import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.util.List;

/**
 * The boundary between an input's declared type and the executors, which compute in float32:
 * byte inputs (UINT8, INT8) are checked against their declaration and converted exactly, as the
 * model's input cast does; float inputs pass through untouched.
 */
final class TypedInputs {
    private TypedInputs() {
    }

    /** Refuses a float call on a model with a byte input (see the class comment of the session). */
    static void requireFloat(List<TensorInfo> inputs) {
        for (TensorInfo t : inputs) {
            if (t.dtype() != DType.FLOAT32) {
                throw new IllegalArgumentException("input " + t.name() + " is declared " + t.dtype()
                        + ": pass its values as bytes (run(byte[], int) or a ByteBuffer in run(Buffer[], int, FloatBuffer[])),"
                        + " not floats");
            }
        }
    }

    /** Output floats of a single-output run, refused before allocation when one array cannot hold them. */
    static long outputFloats(SparseModel model, int batch) {
        if (batch < 0) {
            throw new IllegalArgumentException("batch must be >= 0, given " + batch);
        }
        long outSize = (long) batch * model.outputs().get(0).sampleSize();
        if (outSize > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("batch " + batch + " gives " + outSize
                    + " output floats, more than one array holds; run it in parts or into a FloatBuffer");
        }
        return outSize;
    }

    /**
     * One float buffer per input: FLOAT32 inputs as given, UINT8/INT8 ones converted.
     *
     * @throws IllegalArgumentException on a wrong count, a buffer of the wrong kind for the
     *                                  declared type, or a byte input of the wrong length
     */
    static FloatBuffer[] toFloat(List<TensorInfo> declared, Buffer[] inputs, int batch) {
        if (inputs == null || inputs.length != declared.size()) {
            throw new IllegalArgumentException("expected " + declared.size() + " input buffers, given "
                    + (inputs == null ? "null" : inputs.length));
        }
        if (batch < 0) {
            throw new IllegalArgumentException("batch must be >= 0, given " + batch);
        }
        FloatBuffer[] out = new FloatBuffer[inputs.length];
        for (int k = 0; k < inputs.length; k++) {
            TensorInfo t = declared.get(k);
            Buffer b = inputs[k];
            if (t.dtype() == DType.FLOAT32) {
                if (!(b instanceof FloatBuffer f)) {
                    throw new IllegalArgumentException("input " + k + " (" + t.name() + ") is FLOAT32: expected a "
                            + "FloatBuffer, given " + kind(b));
                }
                out[k] = f;
                continue;
            }
            if (!(b instanceof ByteBuffer bytes)) {
                throw new IllegalArgumentException("input " + k + " (" + t.name() + ") is " + t.dtype()
                        + ": expected a ByteBuffer of one byte per value, given " + kind(b));
            }
            long need = (long) batch * t.sampleSize();
            if (bytes.remaining() != need) {
                throw new IllegalArgumentException("input " + k + " (" + t.name() + "): expected " + batch + " x "
                        + t.sampleSize() + " = " + need + " bytes, given " + bytes.remaining());
            }
            out[k] = FloatBuffer.wrap(convert(bytes, (int) need, t.dtype() == DType.UINT8));
        }
        return out;
    }

    private static float[] convert(ByteBuffer bytes, int n, boolean unsigned) {
        float[] f = new float[n];
        int p = bytes.position();
        for (int i = 0; i < n; i++) {
            byte v = bytes.get(p + i);
            f[i] = unsigned ? (v & 0xff) : v;
        }
        return f;
    }

    private static String kind(Buffer b) {
        return b == null ? "null" : b.getClass().getSimpleName();
    }
}
