package dev.sparse24.format.s24;

import dev.sparse24.format.FlatBufferVerifier;
import dev.sparse24.format.ModelFormatException;
import dev.sparse24.format.ModelMetadata;
import dev.sparse24.format.s24.fb.ElementType;
import dev.sparse24.format.s24.fb.KeyValue;
import dev.sparse24.format.s24.fb.LayerPruning;
import dev.sparse24.format.s24.fb.Model;
import dev.sparse24.format.s24.fb.Operator;
import dev.sparse24.format.s24.fb.Tensor;
import dev.sparse24.format.s24.fb.TwoFourWeights;
import dev.sparse24.graph.DType;
import dev.sparse24.graph.FusedActivation;
import dev.sparse24.graph.Graph;
import dev.sparse24.graph.GraphTensor;
import dev.sparse24.graph.OpOptions;
import dev.sparse24.graph.OpType;
import dev.sparse24.graph.Padding;
import dev.sparse24.sparse.CompressedWeights;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a .s24 file into a {@link Graph}. Untrusted input is safe to pass: the whole buffer is
 * first walked by {@link FlatBufferVerifier} (every offset, vector and string in bounds), then
 * read through the generated accessors with every size checked against the bytes actually
 * present before anything is allocated; any failure is a {@link ModelFormatException} naming
 * the byte offset or the path ({@code Model.tensors[3].two_four.metadata}) and tensor.
 */
public final class S24Reader {
    private S24Reader() {
    }

    /** Reads a .s24 file. */
    public static Graph read(Path path) throws IOException, ModelFormatException {
        long size = Files.size(path);
        if (size > Integer.MAX_VALUE - 8) {
            throw new ModelFormatException(path + ": " + size + " bytes is larger than a FlatBuffer can be (2 GiB)");
        }
        try {
            return read(ByteBuffer.wrap(Files.readAllBytes(path)));
        } catch (ModelFormatException e) {
            throw new ModelFormatException(path + ": " + e.getMessage(), e);
        }
    }

    /** Reads .s24 bytes. */
    public static Graph read(byte[] bytes) throws ModelFormatException {
        return read(ByteBuffer.wrap(bytes));
    }

    /** Reads the .s24 file in {@code buffer}'s position..limit (the buffer is not modified). */
    public static Graph read(ByteBuffer buffer) throws ModelFormatException {
        ByteBuffer bb = buffer.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        verify(bb);
        try {
            return build(Model.getRootAsModel(bb.duplicate()));
        } catch (ModelFormatException e) {
            throw e;
        } catch (RuntimeException e) {
            // The verifier should leave none of these; if one slips through it is still a bad file.
            throw new ModelFormatException("corrupt .s24 file: " + e, e);
        }
    }

    /** The structural pass: every table, vector and string the reader touches, in bounds. */
    static void verify(ByteBuffer bb) throws ModelFormatException {
        FlatBufferVerifier v = new FlatBufferVerifier(bb);
        FlatBufferVerifier.Table m = v.root("Model", S24Writer.FILE_IDENTIFIER);
        long version = Integer.toUnsignedLong(m.int32(0, "format_version", 0));
        if (version < 1 || version > S24Writer.FORMAT_VERSION) {
            throw m.fail("format_version", "format version " + version + " is not one this reader knows (1.."
                    + S24Writer.FORMAT_VERSION + ")");
        }
        m.string(1, "producer");
        FlatBufferVerifier.Table[] tensors = m.tables(2, "tensors");
        if (tensors != null) {
            for (FlatBufferVerifier.Table t : tensors) {
                t.string(0, "name");
                t.vector(1, "shape", 4);
                t.scalar(2, "type", 1);
                t.vector(3, "data", 1);
                FlatBufferVerifier.Table w = t.table(4, "two_four");
                if (w != null) {
                    w.scalar(0, "rows", 4);
                    w.scalar(1, "cols", 4);
                    w.scalar(2, "padded_cols", 4);
                    w.scalar(3, "value_type", 1);
                    w.vector(4, "values", 1);
                    w.vector(5, "metadata", 4);
                }
            }
        }
        FlatBufferVerifier.Table[] ops = m.tables(3, "operators");
        if (ops != null) {
            for (FlatBufferVerifier.Table o : ops) {
                o.scalar(0, "opcode", 1);
                o.vector(1, "inputs", 4);
                o.vector(2, "outputs", 4);
                o.scalar(3, "padding", 1);
                String[] ints = {"stride_h", "stride_w", "dilation_h", "dilation_w", "filter_h", "filter_w",
                        "depth_multiplier"};
                for (int i = 0; i < ints.length; i++) {
                    o.scalar(4 + i, ints[i], 4);
                }
                o.scalar(11, "activation", 1);
                o.scalar(12, "beta", 4);
                o.scalar(13, "keep_dims", 1);
                o.vector(14, "new_shape", 4);
            }
        }
        m.vector(4, "inputs", 4);
        m.vector(5, "outputs", 4);
        FlatBufferVerifier.Table[] pruning = m.tables(6, "pruning");
        if (pruning != null) {
            for (FlatBufferVerifier.Table p : pruning) {
                p.string(0, "layer");
                p.string(1, "kind");
                p.scalar(2, "m", 4);
                p.scalar(3, "n", 4);
                p.scalar(4, "target_sparsity", 4);
                p.string(5, "schedule");
                p.scalar(6, "strict", 1);
            }
        }
        m.string(7, "training_summary");
        FlatBufferVerifier.Table[] meta = m.tables(8, "metadata");
        if (meta != null) {
            for (FlatBufferVerifier.Table kv : meta) {
                kv.string(0, "key");
                kv.string(1, "value");
            }
        }
    }

    private static Graph build(Model model) throws ModelFormatException {
        int n = model.tensorsLength();
        List<GraphTensor> tensors = new ArrayList<>(n);
        Tensor t = new Tensor();
        for (int i = 0; i < n; i++) {
            tensors.add(tensor(model.tensors(t, i), i));
        }
        int nOps = model.operatorsLength();
        List<dev.sparse24.graph.Operator> ops = new ArrayList<>(nOps);
        Operator o = new Operator();
        for (int k = 0; k < nOps; k++) {
            ops.add(operator(model.operators(o, k), k, n));
        }
        int[] inputs = indices("Model.inputs", model.inputsAsByteBuffer(), model.inputsLength(), n, false);
        int[] outputs = indices("Model.outputs", model.outputsAsByteBuffer(), model.outputsLength(), n, false);

        Map<String, String> metadata = new LinkedHashMap<>();
        if (model.producer() != null) {
            metadata.put(ModelMetadata.PRODUCER, model.producer());
        }
        LayerPruning p = new LayerPruning();
        for (int i = 0; i < model.pruningLength(); i++) {
            model.pruning(p, i);
            if (p.layer() == null || p.kind() == null) {
                throw new ModelFormatException("Model.pruning[" + i + "]: layer or kind missing");
            }
            ModelMetadata.LayerPruning lp = new ModelMetadata.LayerPruning(p.layer(), p.kind(), p.m(), p.n(),
                    p.targetSparsity(), p.schedule(), p.strict());
            metadata.put(ModelMetadata.PRUNING_PREFIX + p.layer(), lp.text());
        }
        if (model.trainingSummary() != null) {
            metadata.put(ModelMetadata.TRAINING_SUMMARY, model.trainingSummary());
        }
        KeyValue kv = new KeyValue();
        for (int i = 0; i < model.metadataLength(); i++) {
            model.metadata(kv, i);
            if (kv.key() == null) {
                throw new ModelFormatException("Model.metadata[" + i + "].key: missing");
            }
            metadata.put(kv.key(), kv.value() == null ? "" : kv.value());
        }
        try {
            return new Graph(tensors, ops, inputs, outputs, metadata);
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException("Model.operators: " + e.getMessage(), e);
        }
    }

    private static int[] indices(String path, ByteBuffer raw, int length, int tensorCount, boolean allowAbsent)
            throws ModelFormatException {
        int[] out = new int[length];
        if (length > 0) {
            raw.slice().order(ByteOrder.LITTLE_ENDIAN).asIntBuffer().get(out);
        }
        for (int j = 0; j < length; j++) {
            if ((out[j] < 0 || out[j] >= tensorCount) && !(allowAbsent && out[j] == -1)) {
                throw new ModelFormatException(path + "[" + j + "]: tensor index " + out[j] + " outside [0, "
                        + tensorCount + ")");
            }
        }
        return out;
    }

    private static DType dtype(byte code) {
        switch (code) {
            case ElementType.FLOAT32: return DType.FLOAT32;
            case ElementType.FLOAT16: return DType.FLOAT16;
            case ElementType.BFLOAT16: return DType.BFLOAT16;
            case ElementType.INT8: return DType.INT8;
            case ElementType.UINT8: return DType.UINT8;
            case ElementType.INT32: return DType.INT32;
            case ElementType.INT64: return DType.INT64;
            default: return null;
        }
    }

    private static GraphTensor tensor(Tensor t, int i) throws ModelFormatException {
        String where = "Model.tensors[" + i + "]";
        String name = t.name();
        if (name == null) {
            throw new ModelFormatException(where + ".name: missing");
        }
        where += " (" + name + ")";
        int[] shape = new int[t.shapeLength()];
        if (shape.length > 0) {
            t.shapeAsByteBuffer().slice().order(ByteOrder.LITTLE_ENDIAN).asIntBuffer().get(shape);
        }
        DType dtype = dtype(t.type());
        if (dtype == null) {
            throw new ModelFormatException(where + ".type: unknown element type " + t.type());
        }
        TwoFourWeights w = t.twoFour();
        boolean hasData = t.dataAsByteBuffer() != null;
        if (w == null && !hasData) {
            for (int d : shape) {
                if (d < -1) {
                    throw new ModelFormatException(where + ".shape: dimension " + d + " in " + Arrays.toString(shape));
                }
            }
            return GraphTensor.activation(name, shape, dtype);
        }
        if (w != null && hasData) {
            throw new ModelFormatException(where + ": has both dense data and 2:4 weights");
        }
        long count = 1;
        for (int d : shape) {
            if (d < 0) {
                throw new ModelFormatException(where + ".shape: constant with dimension " + d + " in "
                        + Arrays.toString(shape));
            }
            count *= d;
            if (count > Integer.MAX_VALUE) {
                throw new ModelFormatException(where + ".shape: " + Arrays.toString(shape) + " has more than 2^31 elements");
            }
        }
        if (w != null) {
            return compressed(w, name, shape, dtype, where);
        }
        ByteBuffer data = t.dataAsByteBuffer().slice().order(ByteOrder.LITTLE_ENDIAN);
        if (dtype != DType.FLOAT32 && dtype != DType.INT32) {
            throw new ModelFormatException(where + ": dense constants of type " + dtype + " are not supported yet");
        }
        if (data.remaining() != count * 4) {
            throw new ModelFormatException(where + ".data: " + data.remaining() + " bytes, shape "
                    + Arrays.toString(shape) + " of " + dtype + " needs " + count * 4);
        }
        if (dtype == DType.INT32) {
            int[] v = new int[(int) count];
            data.asIntBuffer().get(v);
            return GraphTensor.intConstant(name, shape, v);
        }
        float[] v = new float[(int) count];
        data.asFloatBuffer().get(v);
        return GraphTensor.constant(name, shape, dev.sparse24.tensor.Tensor.of(v, shape));
    }

    private static GraphTensor compressed(TwoFourWeights w, String name, int[] shape, DType dtype, String where)
            throws ModelFormatException {
        where += ".two_four";
        if (dtype != DType.FLOAT32 || w.valueType() != ElementType.FLOAT32) {
            throw new ModelFormatException(where + ": only FLOAT32 2:4 values are supported yet (tensor type "
                    + dtype + ", value type " + w.valueType() + ")");
        }
        if (shape.length < 2) {
            throw new ModelFormatException(where + ": a 2:4 weight needs rank >= 2, shape " + Arrays.toString(shape));
        }
        long rest = 1;
        for (int d = 1; d < shape.length; d++) {
            rest *= shape[d];
        }
        long rows = w.rows();
        long cols = w.cols();
        if (rows != shape[0] || cols != rest) {
            throw new ModelFormatException(where + ": matrix [" + rows + ", " + cols + "] does not match shape "
                    + Arrays.toString(shape) + " (expected [" + shape[0] + ", " + rest + "])");
        }
        long padded = (cols + 3) & ~3L;
        if (w.paddedCols() != padded) {
            throw new ModelFormatException(where + ".padded_cols: " + w.paddedCols() + ", expected " + padded);
        }
        ByteBuffer values = w.valuesAsByteBuffer();
        ByteBuffer meta = w.metadataAsByteBuffer();
        long wantValues = rows * (padded / 2);
        long haveValues = values == null ? 0 : values.remaining();
        if (haveValues != wantValues * 4) {
            throw new ModelFormatException(where + ".values: " + haveValues + " bytes, [" + rows + ", " + cols
                    + "] needs " + wantValues * 4);
        }
        long wantWords = (rows * (padded / 4) + 7) / 8;
        long haveWords = meta == null ? 0 : meta.remaining() / 4;
        if (haveWords != wantWords) {
            throw new ModelFormatException(where + ".metadata: " + haveWords + " words, [" + rows + ", " + cols
                    + "] needs " + wantWords);
        }
        float[] v = new float[(int) wantValues];
        if (v.length > 0) {
            values.slice().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(v);
        }
        int[] m = new int[(int) wantWords];
        if (m.length > 0) {
            meta.slice().order(ByteOrder.LITTLE_ENDIAN).asIntBuffer().get(m);
        }
        try {
            return GraphTensor.compressed(name, shape, CompressedWeights.of((int) rows, (int) cols, v, m));
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(where + ": " + e.getMessage(), e);
        }
    }

    private static dev.sparse24.graph.Operator operator(Operator o, int k, int tensorCount)
            throws ModelFormatException {
        String where = "Model.operators[" + k + "]";
        OpType type = S24OpCodes.fromFile(o.opcode());
        if (type == null) {
            throw new ModelFormatException(where + ".opcode: unknown operator code " + o.opcode());
        }
        where += " (" + type + ")";
        int[] inputs = indices(where + ".inputs", o.inputsAsByteBuffer(), o.inputsLength(), tensorCount, true);
        int[] outputs = indices(where + ".outputs", o.outputsAsByteBuffer(), o.outputsLength(), tensorCount, false);
        Padding padding;
        switch (o.padding()) {
            case dev.sparse24.format.s24.fb.Padding.SAME: padding = Padding.SAME; break;
            case dev.sparse24.format.s24.fb.Padding.VALID: padding = Padding.VALID; break;
            default: throw new ModelFormatException(where + ".padding: unknown value " + o.padding());
        }
        FusedActivation act = FusedActivation.fromTfliteCode(o.activation());
        if (act == null) {
            throw new ModelFormatException(where + ".activation: unknown value " + o.activation());
        }
        int[] pos = {o.strideH(), o.strideW(), o.dilationH(), o.dilationW(), o.filterH(), o.filterW(),
                o.depthMultiplier()};
        String[] names = {"stride_h", "stride_w", "dilation_h", "dilation_w", "filter_h", "filter_w",
                "depth_multiplier"};
        for (int i = 0; i < pos.length; i++) {
            if (pos[i] < 1) {
                throw new ModelFormatException(where + "." + names[i] + ": " + pos[i] + " must be >= 1");
            }
        }
        int[] newShape = null;
        if (o.newShapeAsByteBuffer() != null) {
            newShape = new int[o.newShapeLength()];
            if (newShape.length > 0) {
                o.newShapeAsByteBuffer().slice().order(ByteOrder.LITTLE_ENDIAN).asIntBuffer().get(newShape);
            }
        }
        OpOptions options = new OpOptions(padding, pos[0], pos[1], pos[2], pos[3], pos[4], pos[5], pos[6], act,
                o.beta(), o.keepDims(), newShape);
        return new dev.sparse24.graph.Operator(type, inputs, outputs, options);
    }
}
