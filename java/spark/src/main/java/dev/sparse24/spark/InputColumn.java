package dev.sparse24.spark;

import dev.sparse24.graph.DType;
import dev.sparse24.runtime.TensorInfo;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.BinaryType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;

import java.io.Serializable;
import java.util.List;

/**
 * Reads one row's input column into a batch buffer, checking it first: a row that does not hold
 * exactly one sample of the model's input, finite and in the input's range, is refused with the
 * reason, before anything reaches the runtime (whose native kernels take NaN as any float).
 *
 * <p>Column types: {@code array<float>} and {@code array<double>} hold the values as the model
 * takes them (a UINT8/INT8 input takes whole numbers in its range); {@code binary} holds 8-bit
 * pixels, fed {@code / 255} to a FLOAT32 input and as they are to a UINT8 one - the scaling of
 * {@code sparse24 run --mnist} and the tutorial's training.
 */
final class InputColumn implements Serializable {
    private static final long serialVersionUID = 1L;

    /** How the column stores values. */
    enum Kind { FLOATS, DOUBLES, PIXELS }

    private final String name;
    private final int index;
    private final Kind kind;
    private final DType dtype;
    private final int sample;
    private final String input;

    private InputColumn(String name, int index, Kind kind, DType dtype, int sample, String input) {
        this.name = name;
        this.index = index;
        this.kind = kind;
        this.dtype = dtype;
        this.sample = sample;
        this.input = input;
    }

    /**
     * The reader of {@code field} (at {@code index} of the row) for the model input {@code in}.
     *
     * @throws IllegalArgumentException for a column type that cannot feed the input, saying which
     *                                  types can
     */
    static InputColumn of(StructField field, int index, TensorInfo in) {
        DataType t = field.dataType();
        Kind kind;
        if (t instanceof BinaryType) {
            kind = Kind.PIXELS;
        } else if (t instanceof ArrayType a && a.elementType().equals(DataTypes.FloatType)) {
            kind = Kind.FLOATS;
        } else if (t instanceof ArrayType a && a.elementType().equals(DataTypes.DoubleType)) {
            kind = Kind.DOUBLES;
        } else {
            throw new IllegalArgumentException("input column " + field.name() + " is " + t.simpleString()
                    + ": it must be array<float>, array<double> or binary (8-bit pixels)");
        }
        if (kind == Kind.PIXELS && in.dtype() == DType.INT8) {
            throw new IllegalArgumentException("input column " + field.name() + " is binary (8-bit pixels) but the model's input "
                    + in + " is INT8, which has no pixel scaling; give the values as array<float>");
        }
        if (in.dtype() != DType.FLOAT32 && in.dtype() != DType.UINT8 && in.dtype() != DType.INT8) {
            throw new IllegalArgumentException("the model's input " + in + " is " + in.dtype() + ", not FLOAT32, UINT8 or INT8");
        }
        return new InputColumn(field.name(), index, kind, in.dtype(), in.sampleSize(), in.toString());
    }

    /** Values per row. */
    int sample() {
        return sample;
    }

    /** Whether the model takes floats (else bytes). */
    boolean floatInput() {
        return dtype == DType.FLOAT32;
    }

    /**
     * Writes {@code row}'s sample to {@code floats} (FLOAT32 input) or {@code bytes} (UINT8/INT8)
     * from {@code offset} when it is good.
     *
     * @return null when written, else why the row cannot be scored (nothing meaningful written)
     */
    String read(Row row, float[] floats, byte[] bytes, int offset) {
        if (row.isNullAt(index)) {
            return "input column " + name + " is null";
        }
        if (kind == Kind.PIXELS) {
            byte[] px = (byte[]) row.get(index);
            if (px.length != sample) {
                return lengthError(px.length, " bytes");
            }
            if (floats != null) {
                for (int i = 0; i < sample; i++) {
                    floats[offset + i] = (px[i] & 0xFF) / 255f;
                }
            } else {
                System.arraycopy(px, 0, bytes, offset, sample);
            }
            return null;
        }
        List<Object> values = row.getList(index);
        if (values.size() != sample) {
            return lengthError(values.size(), " values");
        }
        int lo = dtype == DType.UINT8 ? 0 : -128;
        int hi = dtype == DType.UINT8 ? 255 : 127;
        for (int i = 0; i < sample; i++) {
            Object o = values.get(i);
            if (o == null) {
                return "value " + i + " of input column " + name + " is null";
            }
            double v = ((Number) o).doubleValue();
            float f = (float) v;
            if (!Float.isFinite(f)) {
                return "value " + i + " of input column " + name + " is " + (Double.isFinite(v) ? v + " (beyond float range)" : v);
            }
            if (floats != null) {
                floats[offset + i] = f;
            } else {
                if (!(v >= lo && v <= hi) || v != Math.rint(v)) {
                    return "value " + i + " of input column " + name + " is " + v + ", but the model's input " + input
                            + " takes whole numbers " + lo + " to " + hi;
                }
                bytes[offset + i] = (byte) (int) v;
            }
        }
        return null;
    }

    private String lengthError(int given, String unit) {
        return "input column " + name + " holds " + given + unit + ", the model's input " + input + " takes " + sample;
    }
}
