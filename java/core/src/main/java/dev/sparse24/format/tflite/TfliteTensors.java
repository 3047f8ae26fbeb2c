package dev.sparse24.format.tflite;

import dev.sparse24.format.ModelFormatException;
import dev.sparse24.format.tflite.fb.Model;
import dev.sparse24.format.tflite.fb.QuantizationParameters;
import dev.sparse24.format.tflite.fb.SubGraph;
import dev.sparse24.graph.DType;
import dev.sparse24.tensor.Float16;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * The tensor table of the one TFLite subgraph as the import sees it: names, shapes, types, what
 * is known of each value (constant data decoded from the file, or values folded at import), and
 * which tensors a kept operator or a graph input has produced so far. Every shape, type and
 * buffer size is checked as it is decoded.
 */
final class TfliteTensors {
    final int count;
    final String[] names;
    final int[][] shapes;
    final DType[] types;
    final float[][] floats;   // float constants (file data or folded)
    final int[][] ints;       // int constants (file data or folded)
    final boolean[] produced; // written by a kept op or a graph input
    private final int[] rawTypes;
    private final Model model;
    private final SubGraph sg;

    /** Decodes every tensor of {@code sg} (its shape, type and constant data, if any). */
    TfliteTensors(Model model, SubGraph sg) throws ModelFormatException {
        this.model = model;
        this.sg = sg;
        count = sg.tensorsLength();
        names = new String[count];
        shapes = new int[count][];
        types = new DType[count];
        rawTypes = new int[count];
        floats = new float[count][];
        ints = new int[count][];
        produced = new boolean[count];
        for (int i = 0; i < count; i++) {
            read(i);
        }
    }

    private void read(int i) throws ModelFormatException {
        dev.sparse24.format.tflite.fb.Tensor t = sg.tensors(i);
        String name = t.name() == null ? "tensor" + i : t.name();
        names[i] = name;
        int rank = t.shapeLength();
        if (rank > 8) {
            throw new ModelFormatException("tensor " + i + " (" + name + "): rank " + rank + " is absurd");
        }
        int[] shape = new int[rank];
        long elements = 1;
        for (int d = 0; d < rank; d++) {
            shape[d] = t.shape(d);
            if (shape[d] < -1 || (shape[d] == -1 && d != 0)) {
                throw new ModelFormatException("tensor " + i + " (" + name + "): absurd dimension " + shape[d]
                        + " in shape " + Arrays.toString(shape));
            }
            elements *= Math.max(shape[d], 1);
            if (elements > TfliteReader.MAX_ELEMENTS) {
                throw new ModelFormatException("tensor " + i + " (" + name + "): shape " + Arrays.toString(
                        Arrays.copyOf(shape, d + 1)) + "... has more than " + TfliteReader.MAX_ELEMENTS + " elements");
            }
        }
        shapes[i] = shape;
        rawTypes[i] = t.type();
        types[i] = DType.fromTfliteCode(t.type());
        QuantizationParameters q = t.quantization();
        if (q != null && (q.scaleLength() > 0 || q.zeroPointLength() > 0)) {
            throw new ModelFormatException("tensor " + i + " (" + name + ") is quantized (" + typeName(i)
                    + " with scale/zero point); only float models are supported");
        }
        if (t.sparsity() != null) {
            throw new ModelFormatException("tensor " + i + " (" + name + ") uses TFLite's sparse tensor encoding, "
                    + "which is not supported (2:4 weights are stored dense-with-zeros in .tflite)");
        }
        long buffer = t.buffer() & 0xffffffffL;
        if (buffer >= model.buffersLength()) {
            throw new ModelFormatException("tensor " + i + " (" + name + "): buffer index " + buffer
                    + " outside [0, " + model.buffersLength() + ")");
        }
        if (buffer == 0) {
            return;
        }
        dev.sparse24.format.tflite.fb.Buffer b = model.buffers((int) buffer);
        if (b.offset() > 1) {
            throw new ModelFormatException("tensor " + i + " (" + name + "): buffer " + buffer
                    + " is stored outside the flatbuffer (offset " + b.offset() + "), which is not supported");
        }
        ByteBuffer data = b.dataAsByteBuffer();
        if (data == null || data.remaining() == 0) {
            return;
        }
        data = data.slice().order(ByteOrder.LITTLE_ENDIAN);
        if (types[i] == null) {
            throw new ModelFormatException("tensor " + i + " (" + name + ") has constant data of unsupported type "
                    + typeName(i));
        }
        if (shape.length > 0 && shape[0] < 0) {
            throw new ModelFormatException("constant tensor " + i + " (" + name + ") has a dynamic shape "
                    + Arrays.toString(shape));
        }
        long expected = elements * types[i].bytes();
        if (data.remaining() != expected) {
            throw new ModelFormatException("tensor " + i + " (" + name + ") of shape " + Arrays.toString(shape)
                    + " and type " + types[i] + " needs " + expected + " bytes, buffer " + buffer + " holds "
                    + data.remaining());
        }
        int n = (int) elements;
        switch (types[i]) {
            case FLOAT32 -> {
                float[] v = new float[n];
                data.asFloatBuffer().get(v);
                floats[i] = v;
            }
            case FLOAT16 -> {
                float[] v = new float[n];
                for (int k = 0; k < n; k++) {
                    v[k] = Float16.toFloat(data.getShort(2 * k));
                }
                floats[i] = v;
            }
            case INT32 -> {
                int[] v = new int[n];
                data.asIntBuffer().get(v);
                ints[i] = v;
            }
            case INT64 -> {
                int[] v = new int[n];
                for (int k = 0; k < n; k++) {
                    long x = data.getLong(8 * k);
                    if (x != (int) x) {
                        throw new ModelFormatException("int64 tensor " + i + " (" + name + "): value " + x
                                + " at " + k + " exceeds int32");
                    }
                    v[k] = (int) x;
                }
                ints[i] = v;
            }
            default -> throw new ModelFormatException("tensor " + i + " (" + name + ") has constant data of "
                    + "unsupported type " + types[i]);
        }
    }

    /** The tensor's type for messages: the DType name, or the raw TFLite code when unsupported. */
    String typeName(int i) {
        return types[i] != null ? types[i].name() : "TensorType " + rawTypes[i];
    }

    /** "a float constant of shape [..]" / "an int constant ..." / "an activation ...", for messages. */
    String describe(int t) {
        return (floats[t] != null ? "a float constant" : ints[t] != null ? "an int constant" : "an activation")
                + " of shape " + Arrays.toString(shapes[t]);
    }

    /** Checks that tensor {@code o} may be written by an operator: a float32 activation not yet written. */
    void requireFloatActivation(int o, String where) throws ModelFormatException {
        if (floats[o] != null || ints[o] != null || produced[o]) {
            throw new ModelFormatException(where + " writes tensor " + o + " (" + names[o]
                    + "), which is a constant, a graph input or already written");
        }
        if (types[o] != DType.FLOAT32) {
            throw new ModelFormatException(where + ": output tensor " + o + " (" + names[o] + ") is "
                    + typeName(o) + ", only float32 is supported");
        }
    }

    /** Checks that every value is a tensor index (or -1, an absent optional input). */
    int[] indices(int[] values, String where) throws ModelFormatException {
        for (int v : values) {
            if (v < -1 || v >= count) {
                throw new ModelFormatException(where + ": tensor index " + v + " outside [0, " + count + ")");
            }
        }
        return values;
    }

    /** A flatbuffer int vector's accessor. */
    interface IntAt {
        int at(int i);
    }

    /** The {@code n} values of a flatbuffer int vector. */
    static int[] toArray(int n, IntAt f) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
            a[i] = f.at(i);
        }
        return a;
    }
}
