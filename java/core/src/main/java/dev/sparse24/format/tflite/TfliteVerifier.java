package dev.sparse24.format.tflite;

import dev.sparse24.format.FlatBufferVerifier;
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
 * <p>The generic checks (vtables, offsets, vector and string extents, depth and table limits)
 * are {@link FlatBufferVerifier}'s; this class supplies tflite.fbs's layout (which slot holds
 * what) and one check the generated Java needs on top: vtable entries below 32768.
 */
final class TfliteVerifier {
    /** What a field slot holds. */
    private enum Kind { SCALAR, STRING, VECTOR, TABLE, TABLE_VECTOR, UNION }

    /** One field: its name, kind, scalar or element width, and the table layout it refers to. */
    private record Field(String name, Kind kind, int width, Layout table) {
    }

    /** A table type: its fields in schema order (a union takes two slots, type then value). */
    private record Layout(String name, Field... fields) {
    }

    private static Field scalar(String name, int width) {
        return new Field(name, Kind.SCALAR, width, null);
    }

    private static Field vector(String name, int elementWidth) {
        return new Field(name, Kind.VECTOR, elementWidth, null);
    }

    private static Field string(String name) {
        return new Field(name, Kind.STRING, 1, null);
    }

    private static Field table(String name, Layout l) {
        return new Field(name, Kind.TABLE, 4, l);
    }

    private static Field tables(String name, Layout l) {
        return new Field(name, Kind.TABLE_VECTOR, 4, l);
    }

    private static Field union(String name) {
        return new Field(name, Kind.UNION, 4, null);
    }

    // Layouts of tflite.fbs (field order = slot order there).
    private static final Layout QUANTIZATION = new Layout("QuantizationParameters",
            vector("min", 4), vector("max", 4), vector("scale", 4), vector("zero_point", 8));
    private static final Layout SPARSITY = new Layout("SparsityParameters",
            vector("traversal_order", 4), vector("block_map", 4));
    private static final Layout TENSOR = new Layout("Tensor",
            vector("shape", 4), scalar("type", 1), scalar("buffer", 4), string("name"),
            table("quantization", QUANTIZATION), scalar("is_variable", 1), table("sparsity", SPARSITY),
            vector("shape_signature", 4));
    private static final Layout OPERATOR = new Layout("Operator",
            scalar("opcode_index", 4), vector("inputs", 4), vector("outputs", 4), union("builtin_options"),
            vector("custom_options", 1), scalar("custom_options_format", 1));
    private static final Layout OPERATOR_CODE = new Layout("OperatorCode",
            scalar("deprecated_builtin_code", 1), string("custom_code"), scalar("version", 4),
            scalar("builtin_code", 4));
    private static final Layout SUBGRAPH = new Layout("SubGraph",
            tables("tensors", TENSOR), vector("inputs", 4), vector("outputs", 4), tables("operators", OPERATOR),
            string("name"));
    private static final Layout BUFFER = new Layout("Buffer",
            vector("data", 1), scalar("offset", 8), scalar("size", 8));
    private static final Layout METADATA = new Layout("Metadata", string("name"), scalar("buffer", 4));
    private static final Layout MODEL = new Layout("Model",
            scalar("version", 4), tables("operator_codes", OPERATOR_CODE), tables("subgraphs", SUBGRAPH),
            string("description"), tables("buffers", BUFFER), vector("metadata_buffer", 4),
            tables("metadata", METADATA));

    private static Layout options(String name, Field... fields) {
        return new Layout(name, fields);
    }

    private static Field i32(String name) {
        return scalar(name, 4);
    }

    private static Field i8(String name) {
        return scalar(name, 1);
    }

    /** Options tables by BuiltinOptions union index; other option types are never read. */
    private static final Map<Integer, Layout> OPTIONS = Map.ofEntries(
            Map.entry(1, options("Conv2DOptions", i8("padding"), i32("stride_w"), i32("stride_h"),
                    i8("fused_activation_function"), i32("dilation_w_factor"), i32("dilation_h_factor"))),
            Map.entry(2, options("DepthwiseConv2DOptions", i8("padding"), i32("stride_w"), i32("stride_h"),
                    i32("depth_multiplier"), i8("fused_activation_function"), i32("dilation_w_factor"),
                    i32("dilation_h_factor"))),
            Map.entry(5, options("Pool2DOptions", i8("padding"), i32("stride_w"), i32("stride_h"),
                    i32("filter_width"), i32("filter_height"), i8("fused_activation_function"))),
            Map.entry(8, options("FullyConnectedOptions", i8("fused_activation_function"), i8("weights_format"),
                    i8("keep_num_dims"), i8("asymmetric_quantize_inputs"))),
            Map.entry(9, options("SoftmaxOptions", i32("beta"))),
            Map.entry(11, options("AddOptions", i8("fused_activation_function"), i8("pot_scale_int16"))),
            Map.entry(17, options("ReshapeOptions", vector("new_shape", 4))),
            Map.entry(21, options("MulOptions", i8("fused_activation_function"))),
            Map.entry(27, options("ReducerOptions", i8("keep_dims"))),
            Map.entry(32, options("StridedSliceOptions", i32("begin_mask"), i32("end_mask"), i32("ellipsis_mask"),
                    i32("new_axis_mask"), i32("shrink_axis_mask"), i8("offset"))),
            Map.entry(37, options("CastOptions", i8("in_data_type"), i8("out_data_type"))),
            Map.entry(55, options("ShapeOptions", i8("out_type"))),
            Map.entry(59, options("PackOptions", i32("values_count"), i32("axis"))));

    private final ByteBuffer bb;

    private TfliteVerifier(ByteBuffer bb) {
        this.bb = bb.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Verifies a whole .tflite buffer (position 0 to limit) with {@link FlatBufferVerifier}, walking
     * every field of tflite.fbs that the reader reads.
     *
     * @throws ModelFormatException naming the path (e.g. Model.subgraphs[0].tensors[3].shape) and
     *                              byte offset of the first fault
     */
    static void verify(ByteBuffer buffer) throws ModelFormatException {
        FlatBufferVerifier v = new FlatBufferVerifier(buffer);
        new TfliteVerifier(buffer).walk(v.root("Model", TfliteReader.FILE_IDENTIFIER), MODEL);
    }

    private void walk(FlatBufferVerifier.Table t, Layout layout) throws ModelFormatException {
        int slot = 0;
        for (Field f : layout.fields()) {
            String name = f.name();
            requireSignedFieldOffset(t, slot, name);
            switch (f.kind()) {
                case SCALAR -> t.scalar(slot, name, f.width());
                case STRING -> t.string(slot, name);
                case VECTOR -> t.vector(slot, name, f.width());
                case TABLE -> {
                    FlatBufferVerifier.Table sub = t.table(slot, name);
                    if (sub != null) {
                        walk(sub, f.table());
                    }
                }
                case TABLE_VECTOR -> {
                    FlatBufferVerifier.Table[] subs = t.tables(slot, name);
                    if (subs != null) {
                        for (FlatBufferVerifier.Table sub : subs) {
                            walk(sub, f.table());
                        }
                    }
                }
                case UNION -> {
                    requireSignedFieldOffset(t, slot + 1, name);
                    FlatBufferVerifier.Union u = t.union(slot, name);
                    // Unknown option types are never read, but must still be a sound table.
                    Layout options = u == null ? null : OPTIONS.get(u.type());
                    if (options != null) {
                        walk(u.value(), options);
                    }
                    slot++; // a union takes two slots: type, then value
                }
            }
            slot++;
        }
    }

    /**
     * The generated Java reads vtable entries as signed shorts: an entry of 32768 or more points
     * before the table there, although it is a valid unsigned offset. Refuse such files.
     */
    private void requireSignedFieldOffset(FlatBufferVerifier.Table t, int slot, String name)
            throws ModelFormatException {
        int pos = t.position();
        int vt = pos - bb.getInt(pos);
        int vtSize = bb.getShort(vt);
        int entry = 4 + 2 * slot;
        if (vtSize > 0 && entry + 2 <= vtSize && bb.getShort(vt + entry) < 0) {
            throw t.fail(name, "field offset " + Short.toUnsignedInt(bb.getShort(vt + entry))
                    + " beyond 32767, which the generated accessors read as negative");
        }
    }
}
