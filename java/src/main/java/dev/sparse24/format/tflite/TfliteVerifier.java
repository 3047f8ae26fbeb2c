package dev.sparse24.format.tflite;

import dev.sparse24.format.ModelFormatException;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;

/**
 * Checks that every offset, table, vector and string the {@link TfliteReader} will touch lies
 * inside the buffer, before any generated accessor runs: flatbuffers-java has no verifier and its
 * accessors read wherever an offset points (an IndexOutOfBoundsException at best, a huge
 * allocation at worst).
 *
 * <p>The checks follow the FlatBuffers verifier: a table's vtable lies in the buffer, has an even
 * size of at least 4 and field offsets inside the table's declared size; a field of width w
 * fits in the table; a reference field's uoffset lands inside the buffer; a vector's length
 * times its element size fits in the bytes that remain; a string is NUL-terminated. Nesting is
 * fixed by the schema (Model, SubGraph, Tensor, QuantizationParameters: depth 4), and the
 * number of tables visited is capped so a file cannot make verification itself quadratic.
 */
final class TfliteVerifier {
    /** What a field slot holds. */
    private enum Kind { SCALAR, STRING, VECTOR, TABLE, TABLE_VECTOR, UNION_TYPE, UNION }

    /** One field slot: its kind, scalar or element width, and the table layout it refers to. */
    private record Field(Kind kind, int width, Layout table) {
        /** Bytes the field occupies inside its table: scalars inline, everything else a uoffset. */
        int slotWidth() {
            return kind == Kind.SCALAR ? width : kind == Kind.UNION_TYPE ? 1 : 4;
        }
    }

    /** A table type: its slots in schema order (slot i is vtable entry i). */
    private record Layout(String name, Field... fields) {
    }

    private static Field scalar(int width) {
        return new Field(Kind.SCALAR, width, null);
    }

    private static Field vector(int elementWidth) {
        return new Field(Kind.VECTOR, elementWidth, null);
    }

    private static final Field STRING = new Field(Kind.STRING, 1, null);
    private static final Field UNION_TYPE = new Field(Kind.UNION_TYPE, 1, null);
    private static final Field UNION = new Field(Kind.UNION, 4, null);

    private static Field table(Layout l) {
        return new Field(Kind.TABLE, 4, l);
    }

    private static Field tables(Layout l) {
        return new Field(Kind.TABLE_VECTOR, 4, l);
    }

    // Layouts of tflite.fbs (slot order = declaration order there).
    private static final Layout QUANTIZATION = new Layout("QuantizationParameters",
            vector(4), vector(4), vector(4), vector(8));
    private static final Layout SPARSITY = new Layout("SparsityParameters", vector(4), vector(4));
    private static final Layout TENSOR = new Layout("Tensor",
            vector(4), scalar(1), scalar(4), STRING, table(QUANTIZATION), scalar(1), table(SPARSITY), vector(4));
    private static final Layout OPERATOR = new Layout("Operator",
            scalar(4), vector(4), vector(4), UNION_TYPE, UNION, vector(1), scalar(1));
    private static final Layout OPERATOR_CODE = new Layout("OperatorCode",
            scalar(1), STRING, scalar(4), scalar(4));
    private static final Layout SUBGRAPH = new Layout("SubGraph",
            tables(TENSOR), vector(4), vector(4), tables(OPERATOR), STRING);
    private static final Layout BUFFER = new Layout("Buffer", vector(1), scalar(8), scalar(8));
    private static final Layout METADATA = new Layout("Metadata", STRING, scalar(4));
    private static final Layout MODEL = new Layout("Model",
            scalar(4), tables(OPERATOR_CODE), tables(SUBGRAPH), STRING, tables(BUFFER), vector(4), tables(METADATA));

    /** Options tables by BuiltinOptions union index; others are left unread by the reader. */
    private static final Map<Integer, Layout> OPTIONS = Map.ofEntries(
            Map.entry(1, new Layout("Conv2DOptions", scalar(1), scalar(4), scalar(4), scalar(1), scalar(4), scalar(4))),
            Map.entry(2, new Layout("DepthwiseConv2DOptions",
                    scalar(1), scalar(4), scalar(4), scalar(4), scalar(1), scalar(4), scalar(4))),
            Map.entry(5, new Layout("Pool2DOptions", scalar(1), scalar(4), scalar(4), scalar(4), scalar(4), scalar(1))),
            Map.entry(8, new Layout("FullyConnectedOptions", scalar(1), scalar(1), scalar(1), scalar(1))),
            Map.entry(9, new Layout("SoftmaxOptions", scalar(4))),
            Map.entry(11, new Layout("AddOptions", scalar(1), scalar(1))),
            Map.entry(17, new Layout("ReshapeOptions", vector(4))),
            Map.entry(21, new Layout("MulOptions", scalar(1))),
            Map.entry(27, new Layout("ReducerOptions", scalar(1))),
            Map.entry(32, new Layout("StridedSliceOptions",
                    scalar(4), scalar(4), scalar(4), scalar(4), scalar(4), scalar(1))),
            Map.entry(37, new Layout("CastOptions", scalar(1), scalar(1))),
            Map.entry(55, new Layout("ShapeOptions", scalar(1))),
            Map.entry(59, new Layout("PackOptions", scalar(4), scalar(4))));

    /** Enough for any real model (hundreds of tensors); bounds work on a hostile file. */
    static final int MAX_TABLES = 1 << 20;

    private final ByteBuffer bb;
    private final int length;
    private int tablesSeen;

    private TfliteVerifier(ByteBuffer bb) {
        this.bb = bb.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        this.length = bb.limit();
    }

    /**
     * Verifies a whole .tflite buffer (position 0 to limit).
     *
     * @throws ModelFormatException naming the table, field slot and byte offset of the first fault
     */
    static void verify(ByteBuffer buffer) throws ModelFormatException {
        TfliteVerifier v = new TfliteVerifier(buffer);
        v.need(0, 8, "file header (root offset + identifier)");
        v.verifyTable(v.reference(0, "root table offset"), MODEL, "Model");
    }

    private void verifyTable(int table, Layout layout, String where) throws ModelFormatException {
        if (++tablesSeen > MAX_TABLES) {
            throw new ModelFormatException("more than " + MAX_TABLES + " tables (at " + where + ", offset " + table + ")");
        }
        need(table, 4, where + " table");
        long vtable = (long) table - bb.getInt(table);
        if (vtable < 0 || vtable + 4 > length) {
            throw new ModelFormatException(where + ": vtable of table at offset " + table + " points to " + vtable
                    + ", outside the file (" + length + " bytes)");
        }
        int vt = (int) vtable;
        int vtSize = Short.toUnsignedInt(bb.getShort(vt));
        int tableSize = Short.toUnsignedInt(bb.getShort(vt + 2));
        if (vtSize < 4 || (vtSize & 1) != 0 || vt + vtSize > length) {
            throw new ModelFormatException(where + ": bad vtable size " + vtSize + " at offset " + vt);
        }
        if (tableSize < 4 || (long) table + tableSize > length) {
            throw new ModelFormatException(where + ": table at offset " + table + " declares " + tableSize
                    + " bytes, beyond the end of the file (" + length + " bytes)");
        }
        int slots = Math.min(layout.fields().length, (vtSize - 4) / 2);
        int unionType = 0;
        for (int i = 0; i < slots; i++) {
            int fieldOffset = bb.getShort(vt + 4 + 2 * i); // signed, as the generated code reads it
            if (fieldOffset == 0) {
                continue;
            }
            Field f = layout.fields()[i];
            String field = where + "." + layout.name() + "[slot " + i + "]";
            if (fieldOffset < 4 || fieldOffset + f.slotWidth() > tableSize) {
                throw new ModelFormatException(field + ": field offset " + fieldOffset + " outside its table ("
                        + tableSize + " bytes) at offset " + table);
            }
            int pos = table + fieldOffset;
            switch (f.kind()) {
                case SCALAR -> { }
                case UNION_TYPE -> unionType = Byte.toUnsignedInt(bb.get(pos));
                case STRING -> verifyString(reference(pos, field), field);
                case VECTOR -> verifyVector(reference(pos, field), f.width(), field);
                case TABLE -> verifyTable(reference(pos, field), f.table(), field);
                case TABLE_VECTOR -> {
                    int vec = reference(pos, field);
                    int n = verifyVector(vec, 4, field);
                    for (int k = 0; k < n; k++) {
                        int elem = vec + 4 + 4 * k;
                        verifyTable(reference(elem, field + "[" + k + "]"), f.table(), field + "[" + k + "]");
                    }
                }
                case UNION -> {
                    int target = reference(pos, field);
                    Layout options = OPTIONS.get(unionType);
                    // Unknown option types are never read, but must still be a table in the file.
                    verifyTable(target, options != null ? options : new Layout("BuiltinOptions#" + unionType), field);
                }
            }
        }
    }

    /** Follows the uoffset stored at {@code pos}; the target must lie inside the file. */
    private int reference(int pos, String where) throws ModelFormatException {
        need(pos, 4, where + " offset");
        long target = pos + Integer.toUnsignedLong(bb.getInt(pos));
        if (target + 4 > length) {
            throw new ModelFormatException(where + ": offset at " + pos + " points to " + target
                    + ", beyond the end of the file (" + length + " bytes)");
        }
        return (int) target;
    }

    /** Checks a vector's length against the remaining bytes; returns the element count. */
    private int verifyVector(int vec, int elementWidth, String where) throws ModelFormatException {
        need(vec, 4, where + " vector length");
        long n = Integer.toUnsignedLong(bb.getInt(vec));
        long bytes = n * elementWidth;
        if (vec + 4L + bytes > length) {
            throw new ModelFormatException(where + ": vector at offset " + vec + " of " + n + " elements ("
                    + bytes + " bytes) runs past the end of the file (" + length + " bytes)");
        }
        return (int) n;
    }

    private void verifyString(int s, String where) throws ModelFormatException {
        int n = verifyVector(s, 1, where);
        if (s + 4L + n >= length || bb.get(s + 4 + n) != 0) {
            throw new ModelFormatException(where + ": string at offset " + s + " is not NUL-terminated");
        }
    }

    private void need(int pos, int bytes, String what) throws ModelFormatException {
        if (pos < 0 || (long) pos + bytes > length) {
            throw new ModelFormatException(what + ": " + bytes + " bytes at offset " + pos
                    + " outside the file (" + length + " bytes)");
        }
    }
}
