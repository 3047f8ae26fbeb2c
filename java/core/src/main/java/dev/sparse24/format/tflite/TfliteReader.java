package dev.sparse24.format.tflite;

import dev.sparse24.format.ModelFormatException;
import dev.sparse24.format.tflite.fb.BuiltinOptions;
import dev.sparse24.format.tflite.fb.Conv2DOptions;
import dev.sparse24.format.tflite.fb.DepthwiseConv2DOptions;
import dev.sparse24.format.tflite.fb.FullyConnectedOptions;
import dev.sparse24.format.tflite.fb.Model;
import dev.sparse24.format.tflite.fb.MulOptions;
import dev.sparse24.format.tflite.fb.AddOptions;
import dev.sparse24.format.tflite.fb.PackOptions;
import dev.sparse24.format.tflite.fb.Pool2DOptions;
import dev.sparse24.format.tflite.fb.QuantizationParameters;
import dev.sparse24.format.tflite.fb.ReducerOptions;
import dev.sparse24.format.tflite.fb.ReshapeOptions;
import dev.sparse24.format.tflite.fb.SoftmaxOptions;
import dev.sparse24.format.tflite.fb.StridedSliceOptions;
import dev.sparse24.format.tflite.fb.SubGraph;
import dev.sparse24.graph.DType;
import dev.sparse24.graph.FusedActivation;
import dev.sparse24.graph.Graph;
import dev.sparse24.graph.GraphTensor;
import dev.sparse24.graph.OpOptions;
import dev.sparse24.graph.OpType;
import dev.sparse24.graph.Operator;
import dev.sparse24.graph.Padding;
import dev.sparse24.sparse.CompressedWeights;
import dev.sparse24.tensor.Tensor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a TensorFlow Lite flatbuffer (float32 models) into a {@link Graph}.
 *
 * <p>Supported: one subgraph; the ops of {@link OpType}; and the converter's plumbing, folded at
 * import: SHAPE / STRIDED_SLICE / PACK computing a RESHAPE's target (folded to a static
 * reshape), CAST of a graph input to float32 (the cast output becomes the input),
 * EXPAND_DIMS (a reshape), DEQUANTIZE of float16 constant weights (decoded to float32).
 * Quantized tensors, TFLite's own sparse tensors, several subgraphs and other ops are refused
 * with a {@link ModelFormatException} naming the op, its index and the tensor.
 *
 * <p>RESHAPE in the graph keeps dimension 0 as the batch (see {@code ReferenceEvaluator}): a
 * folded shape's first entry is the file's batch (usually 1) and is replaced by the run's.
 *
 * <p>CONV_2D filters with {@code in % 4 == 0} and FULLY_CONNECTED weights that hold 2:4 along
 * their last dimension are stored compressed ({@link GraphTensor#compressed}).
 *
 * <p>Bad files: the whole buffer is verified first ({@link TfliteVerifier} over
 * {@code FlatBufferVerifier}), then every index,
 * shape and buffer size is checked as it is read; no runtime exception escapes.
 */
public final class TfliteReader {
    /** The file identifier at bytes 4..8. */
    public static final String FILE_IDENTIFIER = "TFL3";
    /** The only schema version read (buffers in Model.buffers). */
    public static final int SCHEMA_VERSION = 3;
    /** Largest tensor (elements) accepted: bounds what a file can make a runtime allocate. */
    public static final long MAX_ELEMENTS = 1L << 28;

    // Builtin codes of the plumbing ops folded at import (not in OpType).
    private static final int DEQUANTIZE = 6;
    private static final int STRIDED_SLICE = 45;
    private static final int CAST = 53;
    private static final int EXPAND_DIMS = 70;
    private static final int SHAPE = 77;
    private static final int PACK = 83;
    private static final int QUANTIZE = 114;
    private static final Map<Integer, String> PLUMBING_NAMES = Map.of(DEQUANTIZE, "DEQUANTIZE",
            STRIDED_SLICE, "STRIDED_SLICE", CAST, "CAST", EXPAND_DIMS, "EXPAND_DIMS", SHAPE, "SHAPE", PACK, "PACK",
            QUANTIZE, "QUANTIZE", 2, "CONCATENATION", 32, "CUSTOM", 39, "TRANSPOSE");
    private static final java.util.Set<Integer> FOLDED = java.util.Set.of(DEQUANTIZE, STRIDED_SLICE, CAST, EXPAND_DIMS,
            SHAPE, PACK);

    private TfliteReader() {
    }

    /**
     * Reads a .tflite file.
     *
     * @throws IOException          when the file cannot be read
     * @throws ModelFormatException when it is not a valid, supported float32 TFLite model
     */
    public static Graph read(Path file) throws IOException, ModelFormatException {
        long size = Files.size(file);
        if (size > Integer.MAX_VALUE - 8) {
            throw new ModelFormatException(file + ": " + size + " bytes, more than a flatbuffer can address");
        }
        try {
            return read(Files.readAllBytes(file));
        } catch (ModelFormatException e) {
            throw new ModelFormatException(file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads a .tflite model from memory.
     *
     * @throws ModelFormatException when it is not a valid, supported float32 TFLite model
     */
    public static Graph read(byte[] bytes) throws ModelFormatException {
        if (bytes.length < 8) {
            throw new ModelFormatException("truncated: " + bytes.length + " bytes, a TFLite file has at least 8");
        }
        String id = new String(bytes, 4, 4, StandardCharsets.ISO_8859_1);
        if (!id.equals(FILE_IDENTIFIER)) {
            throw new ModelFormatException("not a TFLite file: identifier at offset 4 is \"" + printable(id)
                    + "\", expected \"" + FILE_IDENTIFIER + "\"");
        }
        ByteBuffer bb = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        TfliteVerifier.verify(bb);
        try {
            return new Import(Model.getRootAsModel(bb)).run();
        } catch (RuntimeException e) {
            // The verifier covers what the accessors read; this is the net for anything it missed.
            throw new ModelFormatException("malformed TFLite file: " + e, e);
        }
    }

    private static String printable(String s) {
        StringBuilder b = new StringBuilder();
        for (char c : s.toCharArray()) {
            b.append(c >= 32 && c < 127 ? String.valueOf(c) : String.format("\\x%02x", (int) c));
        }
        return b.toString();
    }

    /** One import: the file's tensors, what is known of their values, and the ops kept. */
    private static final class Import {
        private final Model model;
        private final SubGraph sg;
        private final int tensorCount;
        private final String[] names;
        private final int[][] shapes;
        private final DType[] types;
        private final int[] rawTypes;
        private final float[][] floats;   // float constants (file data or folded)
        private final int[][] ints;       // int constants (file data or folded)
        private final boolean[] produced; // written by a kept op or a graph input
        private final List<Operator> kept = new ArrayList<>();
        private final List<Integer> keptIndex = new ArrayList<>();
        private int[] graphInputs;

        Import(Model model) throws ModelFormatException {
            this.model = model;
            if (model.version() != SCHEMA_VERSION) {
                throw new ModelFormatException("TFLite schema version " + Integer.toUnsignedString((int) model.version())
                        + ", only version " + SCHEMA_VERSION + " is supported");
            }
            if (model.subgraphsLength() != 1) {
                throw new ModelFormatException("model has " + model.subgraphsLength()
                        + " subgraphs, only single-subgraph models are supported");
            }
            sg = model.subgraphs(0);
            tensorCount = sg.tensorsLength();
            names = new String[tensorCount];
            shapes = new int[tensorCount][];
            types = new DType[tensorCount];
            rawTypes = new int[tensorCount];
            floats = new float[tensorCount][];
            ints = new int[tensorCount][];
            produced = new boolean[tensorCount];
        }

        Graph run() throws ModelFormatException {
            for (int i = 0; i < tensorCount; i++) {
                readTensor(i);
            }
            graphInputs = indices(sg.inputsVector() == null ? new int[0] : toArray(sg.inputsLength(), sg::inputs),
                    "subgraph inputs");
            for (int in : graphInputs) {
                if (floats[in] != null || ints[in] != null) {
                    throw new ModelFormatException("graph input " + in + " (" + names[in] + ") has constant data");
                }
                produced[in] = true;
            }
            for (int k = 0; k < sg.operatorsLength(); k++) {
                readOperator(k);
            }
            int[] outputs = indices(toArray(sg.outputsLength(), sg::outputs), "subgraph outputs");
            for (int i = 0; i < graphInputs.length; i++) {
                if (types[graphInputs[i]] != DType.FLOAT32) {
                    throw new ModelFormatException("graph input " + graphInputs[i] + " (" + names[graphInputs[i]]
                            + ") is " + typeName(graphInputs[i]) + "; only float32 inputs (or ones CAST to float32) "
                            + "are supported");
                }
            }
            return assemble(outputs);
        }

        // ---- tensors -------------------------------------------------------------------------

        private void readTensor(int i) throws ModelFormatException {
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
                if (elements > MAX_ELEMENTS) {
                    throw new ModelFormatException("tensor " + i + " (" + name + "): shape " + Arrays.toString(
                            Arrays.copyOf(shape, d + 1)) + "... has more than " + MAX_ELEMENTS + " elements");
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
                        v[k] = halfToFloat(data.getShort(2 * k));
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

        private String typeName(int i) {
            return types[i] != null ? types[i].name() : "TensorType " + rawTypes[i];
        }

        // ---- operators -----------------------------------------------------------------------

        private void readOperator(int k) throws ModelFormatException {
            dev.sparse24.format.tflite.fb.Operator op = sg.operators(k);
            long opcodeIndex = op.opcodeIndex() & 0xffffffffL;
            if (opcodeIndex >= model.operatorCodesLength()) {
                throw new ModelFormatException("operator " + k + ": opcode index " + opcodeIndex + " outside [0, "
                        + model.operatorCodesLength() + ")");
            }
            dev.sparse24.format.tflite.fb.OperatorCode code = model.operatorCodes((int) opcodeIndex);
            // Old converters store codes < 127 only in the deprecated byte; newer ones set both.
            int builtin = Math.max(code.builtinCode(), code.deprecatedBuiltinCode());
            int[] in = indices(toArray(op.inputsLength(), op::inputs), "operator " + k + " inputs");
            int[] out = indices(toArray(op.outputsLength(), op::outputs), "operator " + k + " outputs");
            String opName = opName(builtin, code.customCode());
            String where = "operator " + k + " (" + opName + ")";
            if (out.length == 0) {
                throw new ModelFormatException(where + " has no outputs");
            }
            for (int o : out) {
                if (o < 0) {
                    throw new ModelFormatException(where + ": output tensor index -1");
                }
            }
            String target = "tensor " + out[0] + " (" + names[out[0]] + ")";
            OpType type = OpType.fromTfliteCode(builtin);
            if (type == null && !FOLDED.contains(builtin)) {
                throw new ModelFormatException("unsupported op " + opName + " at operator " + k + ", producing " + target);
            }
            if (type == null) {
                fold(k, builtin, op, in, out, where);
                return;
            }
            // Tensors read by a kept op must exist by now; constants count as available.
            requireInputs(in, type, where);
            OpOptions options = options(type, op, in, where);
            int[] inputs = in;
            if (type == OpType.RESHAPE) {
                inputs = new int[]{in[0]};
            }
            for (int o : out) {
                requireFloatActivation(o, where);
                produced[o] = true;
            }
            kept.add(new Operator(type, inputs, out, options));
            keptIndex.add(k);
        }

        private void requireInputs(int[] in, OpType type, String where) throws ModelFormatException {
            int needed = switch (type) {
                case CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED, ADD, MUL, MEAN -> 2;
                default -> 1;
            };
            if (in.length < needed) {
                throw new ModelFormatException(where + ": " + in.length + " inputs, needs at least " + needed);
            }
            if (in[0] < 0) {
                throw new ModelFormatException(where + ": input 0 is absent");
            }
            switch (type) {
                case CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED -> {
                    int w = in[1];
                    int expectRank = type == OpType.FULLY_CONNECTED ? 2 : 4;
                    if (w < 0 || floats[w] == null || shapes[w].length != expectRank) {
                        throw new ModelFormatException(where + ": weights (input 1) must be a float constant of rank "
                                + expectRank + (w >= 0 ? ", tensor " + w + " (" + names[w] + ") is " + describe(w) : ""));
                    }
                    if (in.length > 2 && in[2] >= 0) {
                        int b = in[2];
                        if (floats[b] == null || floats[b].length != shapes[w][type == OpType.DEPTHWISE_CONV_2D ? 3 : 0]) {
                            throw new ModelFormatException(where + ": bias (input 2) tensor " + b + " (" + names[b]
                                    + ") must be a float constant with one value per output channel, is " + describe(b));
                        }
                    }
                    for (int x = 3; x < in.length; x++) {
                        if (in[x] >= 0) {
                            throw new ModelFormatException(where + ": unexpected input " + x);
                        }
                    }
                }
                case MEAN -> {
                    if (in[1] < 0 || ints[in[1]] == null) {
                        throw new ModelFormatException(where + ": axes (input 1) must be an int constant");
                    }
                }
                default -> { }
            }
            int dataInputs = switch (type) {
                case ADD, MUL -> 2;
                default -> 1;
            };
            for (int x = 0; x < dataInputs; x++) {
                int t = in[x];
                if (t < 0) {
                    throw new ModelFormatException(where + ": input " + x + " is absent");
                }
                if (ints[t] != null || types[t] != DType.FLOAT32 && floats[t] == null) {
                    throw new ModelFormatException(where + ": input " + x + " tensor " + t + " (" + names[t]
                            + ") is " + typeName(t) + ", only float32 is supported");
                }
            }
        }

        private String describe(int t) {
            return (floats[t] != null ? "a float constant" : ints[t] != null ? "an int constant" : "an activation")
                    + " of shape " + Arrays.toString(shapes[t]);
        }

        private void requireFloatActivation(int o, String where) throws ModelFormatException {
            if (floats[o] != null || ints[o] != null || produced[o]) {
                throw new ModelFormatException(where + " writes tensor " + o + " (" + names[o]
                        + "), which is a constant, a graph input or already written");
            }
            if (types[o] != DType.FLOAT32) {
                throw new ModelFormatException(where + ": output tensor " + o + " (" + names[o] + ") is "
                        + typeName(o) + ", only float32 is supported");
            }
        }

        private OpOptions options(OpType type, dev.sparse24.format.tflite.fb.Operator op, int[] in, String where)
                throws ModelFormatException {
            int optionsType = Byte.toUnsignedInt(op.builtinOptionsType());
            switch (type) {
                case CONV_2D -> {
                    Conv2DOptions o = (Conv2DOptions) optionsTable(op, BuiltinOptions.Conv2DOptions, new Conv2DOptions(), where);
                    return OpOptions.conv(padding(o.padding(), where), positive(o.strideH(), "stride_h", where),
                            positive(o.strideW(), "stride_w", where), positive(o.dilationHFactor(), "dilation_h", where),
                            positive(o.dilationWFactor(), "dilation_w", where), activation(o.fusedActivationFunction(), where));
                }
                case DEPTHWISE_CONV_2D -> {
                    DepthwiseConv2DOptions o = (DepthwiseConv2DOptions) optionsTable(op,
                            BuiltinOptions.DepthwiseConv2DOptions, new DepthwiseConv2DOptions(), where);
                    // depth_multiplier is informational (the evaluator derives it from the shapes);
                    // some converters leave it 0.
                    int multiplier = Math.max(o.depthMultiplier(), 1);
                    return OpOptions.depthwise(padding(o.padding(), where), positive(o.strideH(), "stride_h", where),
                            positive(o.strideW(), "stride_w", where), positive(o.dilationHFactor(), "dilation_h", where),
                            positive(o.dilationWFactor(), "dilation_w", where), multiplier,
                            activation(o.fusedActivationFunction(), where));
                }
                case AVERAGE_POOL_2D, MAX_POOL_2D -> {
                    Pool2DOptions o = (Pool2DOptions) optionsTable(op, BuiltinOptions.Pool2DOptions, new Pool2DOptions(), where);
                    return OpOptions.pool(padding(o.padding(), where), positive(o.strideH(), "stride_h", where),
                            positive(o.strideW(), "stride_w", where), positive(o.filterHeight(), "filter_height", where),
                            positive(o.filterWidth(), "filter_width", where), activation(o.fusedActivationFunction(), where));
                }
                case FULLY_CONNECTED -> {
                    if (optionsType == 0) {
                        return OpOptions.activation(FusedActivation.NONE);
                    }
                    FullyConnectedOptions o = (FullyConnectedOptions) optionsTable(op,
                            BuiltinOptions.FullyConnectedOptions, new FullyConnectedOptions(), where);
                    if (o.weightsFormat() != 0) {
                        throw new ModelFormatException(where + ": shuffled weights format " + o.weightsFormat()
                                + " is not supported");
                    }
                    return OpOptions.activation(activation(o.fusedActivationFunction(), where));
                }
                case ADD -> {
                    if (optionsType == 0) {
                        return OpOptions.activation(FusedActivation.NONE);
                    }
                    AddOptions o = (AddOptions) optionsTable(op, BuiltinOptions.AddOptions, new AddOptions(), where);
                    return OpOptions.activation(activation(o.fusedActivationFunction(), where));
                }
                case MUL -> {
                    if (optionsType == 0) {
                        return OpOptions.activation(FusedActivation.NONE);
                    }
                    MulOptions o = (MulOptions) optionsTable(op, BuiltinOptions.MulOptions, new MulOptions(), where);
                    return OpOptions.activation(activation(o.fusedActivationFunction(), where));
                }
                case SOFTMAX -> {
                    if (optionsType == 0) {
                        return OpOptions.softmax(1f);
                    }
                    SoftmaxOptions o = (SoftmaxOptions) optionsTable(op, BuiltinOptions.SoftmaxOptions, new SoftmaxOptions(), where);
                    float beta = o.beta();
                    if (!(beta > 0) || Float.isInfinite(beta)) {
                        throw new ModelFormatException(where + ": softmax beta " + beta + " must be positive and finite");
                    }
                    return OpOptions.softmax(beta);
                }
                case MEAN -> {
                    boolean keep = false;
                    if (optionsType != 0) {
                        keep = ((ReducerOptions) optionsTable(op, BuiltinOptions.ReducerOptions, new ReducerOptions(), where))
                                .keepDims();
                    }
                    for (int axis : ints[in[1]]) {
                        int r = shapes[in[0]].length;
                        if (axis < -r || axis >= r || axis == 0 || axis == -r) {
                            throw new ModelFormatException(where + ": mean axis " + axis + " must be a non-batch axis of rank "
                                    + r);
                        }
                    }
                    return OpOptions.mean(keep);
                }
                case RESHAPE -> {
                    return OpOptions.reshape(reshapeTarget(op, in, where));
                }
                default -> {
                    return OpOptions.NONE;
                }
            }
        }

        private int[] reshapeTarget(dev.sparse24.format.tflite.fb.Operator op, int[] in, String where)
                throws ModelFormatException {
            int[] target = null;
            if (in.length > 1 && in[1] >= 0) {
                if (ints[in[1]] == null) {
                    throw new ModelFormatException(where + ": the new shape (input 1, tensor " + in[1] + " " + names[in[1]]
                            + ") is computed at run time from something other than static shapes");
                }
                target = ints[in[1]];
            } else if (Byte.toUnsignedInt(op.builtinOptionsType()) == BuiltinOptions.ReshapeOptions) {
                ReshapeOptions o = (ReshapeOptions) optionsTable(op, BuiltinOptions.ReshapeOptions, new ReshapeOptions(), where);
                if (o.newShapeLength() > 0) {
                    target = toArray(o.newShapeLength(), o::newShape);
                }
            }
            if (target == null) {
                target = shapes[op.outputs(0)];
            }
            return checkTarget(target, where);
        }

        private int[] checkTarget(int[] target, String where) throws ModelFormatException {
            int unknown = 0;
            if (target.length == 0 || target.length > 8) {
                throw new ModelFormatException(where + ": reshape target " + Arrays.toString(target)
                        + " must have rank 1 to 8");
            }
            for (int d : target) {
                if (d < -1 || d == -1 && ++unknown > 1 || d > MAX_ELEMENTS) {
                    throw new ModelFormatException(where + ": reshape target " + Arrays.toString(target) + " is invalid");
                }
            }
            return target.clone();
        }

        private com.google.flatbuffers.Table optionsTable(dev.sparse24.format.tflite.fb.Operator op, int expected,
                                                          com.google.flatbuffers.Table table, String where)
                throws ModelFormatException {
            int actual = Byte.toUnsignedInt(op.builtinOptionsType());
            if (actual != expected) {
                throw new ModelFormatException(where + ": builtin options of type " + actual + ", expected "
                        + table.getClass().getSimpleName() + " (" + expected + ")");
            }
            if (op.builtinOptions(table) == null) {
                throw new ModelFormatException(where + ": builtin options " + table.getClass().getSimpleName() + " missing");
            }
            return table;
        }

        private Padding padding(byte code, String where) throws ModelFormatException {
            return switch (code) {
                case 0 -> Padding.SAME;
                case 1 -> Padding.VALID;
                default -> throw new ModelFormatException(where + ": unknown padding " + code);
            };
        }

        private int positive(int v, String what, String where) throws ModelFormatException {
            if (v < 1 || v > 1 << 16) {
                throw new ModelFormatException(where + ": " + what + " = " + v + " (must be in [1, 65536])");
            }
            return v;
        }

        private FusedActivation activation(byte code, String where) throws ModelFormatException {
            FusedActivation a = FusedActivation.fromTfliteCode(code);
            if (a == null) {
                throw new ModelFormatException(where + ": unsupported fused activation " + code);
            }
            return a;
        }

        // ---- plumbing folded at import --------------------------------------------------------

        private void fold(int k, int builtin, dev.sparse24.format.tflite.fb.Operator op, int[] in, int[] out,
                          String where) throws ModelFormatException {
            int o = out[0];
            if (floats[o] != null || ints[o] != null || produced[o]) {
                throw new ModelFormatException(where + " writes tensor " + o + " (" + names[o]
                        + "), which is a constant, a graph input or already written");
            }
            if (in.length == 0 || in[0] < 0) {
                throw new ModelFormatException(where + ": missing input 0");
            }
            int x = in[0];
            switch (builtin) {
                case SHAPE -> {
                    if (!produced[x] && floats[x] == null && ints[x] == null) {
                        throw new ModelFormatException(where + " reads tensor " + x + " (" + names[x]
                                + ") before any operator produces it");
                    }
                    int[] s = shapes[x].clone();
                    for (int d : s) {
                        if (d < 0) {
                            throw new ModelFormatException(where + ": shape of tensor " + x + " (" + names[x]
                                    + ") is dynamic " + Arrays.toString(s));
                        }
                    }
                    ints[o] = s;
                }
                case STRIDED_SLICE -> ints[o] = stridedSlice(op, in, where);
                case PACK -> ints[o] = pack(op, in, where);
                case CAST -> {
                    if (ints[x] != null && types[o] == DType.INT32) {
                        ints[o] = ints[x].clone();
                    } else if (Arrays.stream(graphInputs).anyMatch(g -> g == x) && types[o] == DType.FLOAT32
                            && Arrays.equals(shapes[x], shapes[o])) {
                        // Input cast (e.g. uint8 pixels to float): callers pass the float values.
                        for (int g = 0; g < graphInputs.length; g++) {
                            if (graphInputs[g] == x) {
                                graphInputs[g] = o;
                            }
                        }
                        produced[o] = true;
                    } else {
                        throw new ModelFormatException("unsupported op CAST at " + where.replace(" (CAST)", "")
                                + ", producing tensor " + o + " (" + names[o] + "): only a cast of a graph input to float32"
                                + " or of an int constant is supported");
                    }
                }
                case EXPAND_DIMS -> {
                    if (in.length < 2 || in[1] < 0 || ints[in[1]] == null || ints[in[1]].length != 1) {
                        throw new ModelFormatException(where + ": axis (input 1) must be a one-value int constant");
                    }
                    if (floats[x] != null || ints[x] != null) {
                        throw new ModelFormatException(where + ": EXPAND_DIMS of a constant is not supported");
                    }
                    int r = shapes[x].length;
                    int axis = ints[in[1]][0];
                    if (axis < 0) {
                        axis += r + 1;
                    }
                    if (axis < 1 || axis > r) {
                        throw new ModelFormatException(where + ": axis " + ints[in[1]][0] + " must not be the batch "
                                + "axis and within rank " + (r + 1));
                    }
                    int[] target = new int[r + 1];
                    for (int d = 0, s = 0; d <= r; d++) {
                        target[d] = d == axis ? 1 : shapes[x][s++];
                    }
                    requireFloatActivation(o, where);
                    if (!produced[x]) {
                        throw new ModelFormatException(where + " reads tensor " + x + " (" + names[x]
                                + ") before any operator produces it");
                    }
                    produced[o] = true;
                    kept.add(new Operator(OpType.RESHAPE, new int[]{x}, new int[]{o},
                            OpOptions.reshape(checkTarget(target, where))));
                    keptIndex.add(k);
                }
                case DEQUANTIZE -> {
                    if (floats[x] == null || types[o] != DType.FLOAT32) {
                        throw new ModelFormatException("unsupported op DEQUANTIZE at operator " + k + ", producing tensor "
                                + o + " (" + names[o] + "): only float16 constants can be dequantized");
                    }
                    if (!Arrays.equals(shapes[x], shapes[o])) {
                        throw new ModelFormatException(where + ": output shape " + Arrays.toString(shapes[o])
                                + " differs from input shape " + Arrays.toString(shapes[x]));
                    }
                    floats[o] = floats[x];
                }
                default -> throw new ModelFormatException("unsupported op " + opName(builtin, null) + " at operator " + k
                        + ", producing tensor " + o + " (" + names[o] + ")");
            }
        }

        private int[] stridedSlice(dev.sparse24.format.tflite.fb.Operator op, int[] in, String where)
                throws ModelFormatException {
            if (in.length < 4) {
                throw new ModelFormatException(where + ": needs 4 inputs, has " + in.length);
            }
            for (int x = 0; x < 4; x++) {
                if (in[x] < 0 || ints[in[x]] == null) {
                    throw new ModelFormatException("unsupported op STRIDED_SLICE at " + where.replace(" (STRIDED_SLICE)", "")
                            + ": input " + x + " is not a static int value (only shape arithmetic is folded)");
                }
            }
            int[] x = ints[in[0]];
            if (shapes[in[0]].length != 1 || ints[in[1]].length != 1 || ints[in[2]].length != 1 || ints[in[3]].length != 1) {
                throw new ModelFormatException(where + ": only 1-D slices of shape vectors are folded");
            }
            StridedSliceOptions o = Byte.toUnsignedInt(op.builtinOptionsType()) == BuiltinOptions.StridedSliceOptions
                    ? (StridedSliceOptions) optionsTable(op, BuiltinOptions.StridedSliceOptions, new StridedSliceOptions(), where)
                    : null;
            int beginMask = o == null ? 0 : o.beginMask();
            int endMask = o == null ? 0 : o.endMask();
            int shrink = o == null ? 0 : o.shrinkAxisMask();
            if (o != null && (o.ellipsisMask() != 0 || o.newAxisMask() != 0 || o.offset())) {
                throw new ModelFormatException(where + ": ellipsis/new-axis/offset masks are not supported");
            }
            int n = x.length;
            int stride = ints[in[3]][0];
            if (stride == 0) {
                throw new ModelFormatException(where + ": stride 0");
            }
            int begin = ints[in[1]][0];
            int end = ints[in[2]][0];
            if ((shrink & 1) != 0) {
                int i = begin < 0 ? begin + n : begin;
                if (i < 0 || i >= n) {
                    throw new ModelFormatException(where + ": index " + begin + " outside a vector of " + n);
                }
                return new int[]{x[i]};
            }
            begin = (beginMask & 1) != 0 ? (stride > 0 ? 0 : n - 1) : clampIndex(begin, n, stride);
            end = (endMask & 1) != 0 ? (stride > 0 ? n : -1) : clampIndex(end, n, stride);
            List<Integer> r = new ArrayList<>();
            for (int i = begin; stride > 0 ? i < end : i > end; i += stride) {
                r.add(x[i]);
            }
            return r.stream().mapToInt(Integer::intValue).toArray();
        }

        private static int clampIndex(int i, int n, int stride) {
            if (i < 0) {
                i += n;
            }
            return stride > 0 ? Math.max(0, Math.min(i, n)) : Math.max(-1, Math.min(i, n - 1));
        }

        private int[] pack(dev.sparse24.format.tflite.fb.Operator op, int[] in, String where) throws ModelFormatException {
            if (Byte.toUnsignedInt(op.builtinOptionsType()) == BuiltinOptions.PackOptions) {
                PackOptions o = (PackOptions) optionsTable(op, BuiltinOptions.PackOptions, new PackOptions(), where);
                if (o.axis() != 0) {
                    throw new ModelFormatException(where + ": only PACK along axis 0 is folded, axis " + o.axis());
                }
            }
            int[] r = new int[in.length];
            for (int x = 0; x < in.length; x++) {
                if (in[x] < 0 || ints[in[x]] == null || ints[in[x]].length != 1) {
                    throw new ModelFormatException("unsupported op PACK at " + where.replace(" (PACK)", "") + ": input " + x
                            + " is not a static int scalar (only shape arithmetic is folded)");
                }
                r[x] = ints[in[x]][0];
            }
            return r;
        }

        // ---- assembly ------------------------------------------------------------------------

        /** Builds the graph from the tensors the kept ops, inputs and outputs use, renumbered. */
        private Graph assemble(int[] outputs) throws ModelFormatException {
            int[] newIndex = new int[tensorCount];
            Arrays.fill(newIndex, -1);
            List<GraphTensor> tensors = new ArrayList<>();
            Map<Integer, OpType> weightOf = new HashMap<>();
            for (Operator op : kept) {
                if (op.type() == OpType.CONV_2D || op.type() == OpType.FULLY_CONNECTED) {
                    weightOf.put(op.input(1), op.type());
                }
            }
            for (int out : outputs) {
                if (!produced[out]) {
                    throw new ModelFormatException("graph output " + out + " (" + names[out] + ") is never produced");
                }
            }
            int[] ins = graphInputs.clone();
            List<Operator> ops = new ArrayList<>();
            try {
                for (int g = 0; g < ins.length; g++) {
                    ins[g] = renumber(graphInputs[g], newIndex, tensors, weightOf);
                }
                for (Operator op : kept) {
                    int[] oi = op.inputs();
                    for (int x = 0; x < oi.length; x++) {
                        oi[x] = oi[x] < 0 ? -1 : renumber(oi[x], newIndex, tensors, weightOf);
                    }
                    int[] oo = op.outputs();
                    for (int x = 0; x < oo.length; x++) {
                        oo[x] = renumber(oo[x], newIndex, tensors, weightOf);
                    }
                    ops.add(new Operator(op.type(), oi, oo, op.options()));
                }
                int[] outs = outputs.clone();
                for (int x = 0; x < outs.length; x++) {
                    outs[x] = renumber(outputs[x], newIndex, tensors, weightOf);
                }
                return new Graph(tensors, ops, ins, outs, metadata());
            } catch (IllegalArgumentException e) {
                // Graph's own validation: ops reading tensors before they are produced (cycles), etc.
                throw new ModelFormatException("invalid graph: " + e.getMessage(), e);
            }
        }

        private int renumber(int t, int[] newIndex, List<GraphTensor> tensors, Map<Integer, OpType> weightOf) {
            if (newIndex[t] >= 0) {
                return newIndex[t];
            }
            int[] shape = shapes[t];
            GraphTensor g;
            if (floats[t] != null) {
                g = floatConstant(names[t], shape, floats[t], weightOf.get(t));
            } else if (ints[t] != null) {
                g = GraphTensor.intConstant(names[t], shape, ints[t]);
            } else {
                g = GraphTensor.activation(names[t], shape, DType.FLOAT32);
            }
            newIndex[t] = tensors.size();
            tensors.add(g);
            return newIndex[t];
        }

        private Map<String, String> metadata() {
            Map<String, String> m = new LinkedHashMap<>();
            m.put("source_format", "tflite");
            if (model.description() != null) {
                m.put("tflite.description", model.description());
            }
            for (int i = 0; i < model.metadataLength(); i++) {
                dev.sparse24.format.tflite.fb.Metadata md = model.metadata(i);
                long b = md.buffer() & 0xffffffffL;
                if (md.name() == null || b >= model.buffersLength()) {
                    continue;
                }
                ByteBuffer data = model.buffers((int) b).dataAsByteBuffer();
                String text = data == null ? "" : textOrNull(data);
                if (text != null) {
                    m.putIfAbsent(md.name(), text);
                }
            }
            return m;
        }

        private int[] indices(int[] values, String where) throws ModelFormatException {
            for (int v : values) {
                if (v < -1 || v >= tensorCount) {
                    throw new ModelFormatException(where + ": tensor index " + v + " outside [0, " + tensorCount + ")");
                }
            }
            return values;
        }
    }

    /** A float constant; a conv/FC weight holding 2:4 along its last dimension is compressed. */
    static GraphTensor floatConstant(String name, int[] shape, float[] values, OpType weightOf) {
        if (weightOf != null && values.length > 0) {
            int rows = shape[0];
            int cols = values.length / Math.max(rows, 1);
            boolean groupsInsideTaps = weightOf == OpType.FULLY_CONNECTED || shape[shape.length - 1] % 4 == 0;
            if (rows > 0 && groupsInsideTaps && holdsTwoFour(values, rows, cols)) {
                return GraphTensor.compressed(name, shape, CompressedWeights.compress(values, rows, cols));
            }
        }
        return GraphTensor.constant(name, shape, Tensor.of(values, values.length));
    }

    /** Whether every group of 4 consecutive columns of each row has at most 2 non-zeros. */
    static boolean holdsTwoFour(float[] w, int rows, int cols) {
        for (int r = 0; r < rows; r++) {
            for (int g = 0; g < cols; g += 4) {
                int nz = 0;
                for (int c = g; c < Math.min(g + 4, cols); c++) {
                    if (w[r * cols + c] != 0f) {
                        nz++;
                    }
                }
                if (nz > 2) {
                    return false;
                }
            }
        }
        return true;
    }

    private static String textOrNull(ByteBuffer data) {
        byte[] b = new byte[data.remaining()];
        data.duplicate().get(b);
        int n = b.length;
        while (n > 0 && b[n - 1] == 0) {
            n--;
        }
        try {
            String s = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(b, 0, n)).toString();
            for (char c : s.toCharArray()) {
                if (c < 32 && c != '\n' && c != '\t') {
                    return null;
                }
            }
            return s;
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    private static String opName(int builtin, String custom) {
        if (builtin == 32) {
            return "CUSTOM(" + custom + ")";
        }
        OpType t = OpType.fromTfliteCode(builtin);
        if (t != null) {
            return t.name();
        }
        return PLUMBING_NAMES.getOrDefault(builtin, "BUILTIN_" + builtin);
    }

    private interface IntAt {
        int at(int i);
    }

    private static int[] toArray(int n, IntAt f) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
            a[i] = f.at(i);
        }
        return a;
    }

    /** IEEE 754 binary16 to float (Float.float16ToFloat arrived after Java 17). */
    static float halfToFloat(short h) {
        int bits = h & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1f;
        int mant = bits & 0x3ff;
        if (exp == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        }
        if (exp == 0) {
            float v = mant * 0x1p-24f;
            return sign != 0 ? -v : v;
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }
}
