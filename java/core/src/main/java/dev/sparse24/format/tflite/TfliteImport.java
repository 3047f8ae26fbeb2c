package dev.sparse24.format.tflite;

import dev.sparse24.format.ModelFormatException;
import dev.sparse24.format.tflite.fb.Model;
import dev.sparse24.format.tflite.fb.SubGraph;
import dev.sparse24.graph.DType;
import dev.sparse24.graph.Graph;
import dev.sparse24.graph.GraphTensor;
import dev.sparse24.graph.OpOptions;
import dev.sparse24.graph.OpType;
import dev.sparse24.graph.Operator;
import dev.sparse24.sparse.CompressedWeights;
import dev.sparse24.sparse.NmPattern;
import dev.sparse24.tensor.Tensor;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One import of a verified TFLite model: walks the operators in order (checking each kept op's
 * inputs and outputs, folding the plumbing through {@link TfliteFolding}, decoding options
 * through {@link TfliteOptions}), then assembles the {@link Graph} from the tensors the kept
 * ops, inputs and outputs use, renumbered, with 2:4 conv/FC weights stored compressed.
 */
final class TfliteImport {
    private final Model model;
    private final SubGraph sg;
    private final TfliteTensors tensors;
    private final String[] names;
    private final int[][] shapes;
    private final DType[] types;
    private final float[][] floats;
    private final int[][] ints;
    private final boolean[] produced;
    private final TfliteOptions optionDecoder;
    private final List<Operator> kept = new ArrayList<>();
    private int[] graphInputs;
    private TfliteFolding folding;

    /** Checks the schema version and the single subgraph, and decodes the tensors. */
    TfliteImport(Model model) throws ModelFormatException {
        this.model = model;
        if (model.version() != TfliteReader.SCHEMA_VERSION) {
            throw new ModelFormatException("TFLite schema version " + Integer.toUnsignedString((int) model.version())
                    + ", only version " + TfliteReader.SCHEMA_VERSION + " is supported");
        }
        if (model.subgraphsLength() != 1) {
            throw new ModelFormatException("model has " + model.subgraphsLength()
                    + " subgraphs, only single-subgraph models are supported");
        }
        sg = model.subgraphs(0);
        tensors = new TfliteTensors(model, sg);
        names = tensors.names;
        shapes = tensors.shapes;
        types = tensors.types;
        floats = tensors.floats;
        ints = tensors.ints;
        produced = tensors.produced;
        optionDecoder = new TfliteOptions(tensors);
    }

    /** Imports the operators and assembles the graph. */
    Graph run() throws ModelFormatException {
        int[] declared = sg.inputsVector() == null ? new int[0] : TfliteTensors.toArray(sg.inputsLength(), sg::inputs);
        graphInputs = tensors.indices(declared, "subgraph inputs");
        folding = new TfliteFolding(tensors, graphInputs);
        for (int in : graphInputs) {
            if (floats[in] != null || ints[in] != null) {
                throw new ModelFormatException("graph input " + in + " (" + names[in] + ") has constant data");
            }
            produced[in] = true;
        }
        for (int k = 0; k < sg.operatorsLength(); k++) {
            readOperator(k);
        }
        int[] outputs = tensors.indices(TfliteTensors.toArray(sg.outputsLength(), sg::outputs), "subgraph outputs");
        for (int i = 0; i < graphInputs.length; i++) {
            if (types[graphInputs[i]] != DType.FLOAT32) {
                throw new ModelFormatException("graph input " + graphInputs[i] + " (" + names[graphInputs[i]]
                        + ") is " + tensors.typeName(graphInputs[i]) + "; only float32 inputs (or ones CAST to float32) "
                        + "are supported");
            }
        }
        return assemble(outputs);
    }

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
        int[] in = tensors.indices(TfliteTensors.toArray(op.inputsLength(), op::inputs), "operator " + k + " inputs");
        int[] out = tensors.indices(TfliteTensors.toArray(op.outputsLength(), op::outputs), "operator " + k + " outputs");
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
        if (type == null && !TfliteFolding.FOLDED.contains(builtin)) {
            throw new ModelFormatException("unsupported op " + opName + " at operator " + k + ", producing " + target);
        }
        if (type == null) {
            Operator folded = folding.fold(k, builtin, op, in, out, where);
            if (folded != null) {
                kept.add(folded);
            }
            return;
        }
        // Tensors read by a kept op must exist by now; constants count as available.
        requireInputs(in, type, where);
        OpOptions options = optionDecoder.of(type, op, in, where);
        int[] inputs = in;
        if (type == OpType.RESHAPE) {
            inputs = new int[]{in[0]};
        }
        for (int o : out) {
            tensors.requireFloatActivation(o, where);
            produced[o] = true;
        }
        kept.add(new Operator(type, inputs, out, options));
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
                            + expectRank + (w >= 0 ? ", tensor " + w + " (" + names[w] + ") is " + tensors.describe(w) : ""));
                }
                if (in.length > 2 && in[2] >= 0) {
                    int b = in[2];
                    if (floats[b] == null || floats[b].length != shapes[w][type == OpType.DEPTHWISE_CONV_2D ? 3 : 0]) {
                        throw new ModelFormatException(where + ": bias (input 2) tensor " + b + " (" + names[b]
                                + ") must be a float constant with one value per output channel, is " + tensors.describe(b));
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
                        + ") is " + tensors.typeName(t) + ", only float32 is supported");
            }
        }
    }

    // ---- assembly ------------------------------------------------------------------------

    /** Builds the graph from the tensors the kept ops, inputs and outputs use, renumbered. */
    private Graph assemble(int[] outputs) throws ModelFormatException {
        int[] newIndex = new int[tensors.count];
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
                int declared = folding.declaredInput(graphInputs[g]);
                if (declared != graphInputs[g]) {
                    // A folded input CAST: callers see the declared input (its name, its type).
                    tensors.set(ins[g], GraphTensor.activation(names[declared], shapes[graphInputs[g]], types[declared]));
                }
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

    /** A float constant; a conv/FC weight holding 2:4 along its last dimension is compressed. */
    static GraphTensor floatConstant(String name, int[] shape, float[] values, OpType weightOf) {
        if (weightOf != null && values.length > 0) {
            int rows = shape[0];
            int cols = values.length / Math.max(rows, 1);
            boolean groupsInsideTaps = weightOf == OpType.FULLY_CONNECTED || shape[shape.length - 1] % 4 == 0;
            if (rows > 0 && groupsInsideTaps && NmPattern.TWO_FOUR.isHeldBy(values, rows, cols)) {
                return GraphTensor.compressed(name, shape, CompressedWeights.compress(values, rows, cols));
            }
        }
        return GraphTensor.constant(name, shape, Tensor.of(values, values.length));
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

    /** An op's name for messages: the OpType, a plumbing op's name, CUSTOM(code) or BUILTIN_n. */
    static String opName(int builtin, String custom) {
        if (builtin == 32) {
            return "CUSTOM(" + custom + ")";
        }
        OpType t = OpType.fromTfliteCode(builtin);
        if (t != null) {
            return t.name();
        }
        return TfliteFolding.PLUMBING_NAMES.getOrDefault(builtin, "BUILTIN_" + builtin);
    }
}
