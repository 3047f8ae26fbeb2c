package dev.sparse24.format.tflite;

import dev.sparse24.format.AtomicFiles;
import com.google.flatbuffers.FlatBufferBuilder;
import dev.sparse24.format.tflite.fb.AddOptions;
import dev.sparse24.format.tflite.fb.Buffer;
import dev.sparse24.format.tflite.fb.BuiltinOptions;
import dev.sparse24.format.tflite.fb.CastOptions;
import dev.sparse24.format.tflite.fb.Conv2DOptions;
import dev.sparse24.format.tflite.fb.DepthwiseConv2DOptions;
import dev.sparse24.format.tflite.fb.FullyConnectedOptions;
import dev.sparse24.format.tflite.fb.Metadata;
import dev.sparse24.format.tflite.fb.Model;
import dev.sparse24.format.tflite.fb.MulOptions;
import dev.sparse24.format.tflite.fb.OperatorCode;
import dev.sparse24.format.tflite.fb.Pool2DOptions;
import dev.sparse24.format.tflite.fb.ReducerOptions;
import dev.sparse24.format.tflite.fb.ReshapeOptions;
import dev.sparse24.format.tflite.fb.SoftmaxOptions;
import dev.sparse24.format.tflite.fb.SubGraph;
import dev.sparse24.graph.DType;
import dev.sparse24.graph.Graph;
import dev.sparse24.graph.GraphTensor;
import dev.sparse24.graph.OpOptions;
import dev.sparse24.graph.OpType;
import dev.sparse24.graph.Operator;
import dev.sparse24.graph.Padding;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a {@link Graph} as a TensorFlow Lite flatbuffer the way the TF converter lays one out:
 * identifier TFL3, schema version 3, {@code buffers[0]} empty (shared by all activations), one
 * buffer per constant (data 16-byte aligned), CONV_2D filters {@code [out, h, w, in]},
 * FULLY_CONNECTED weights {@code [out, in]}, activations fused into the op's options, RESHAPE
 * with both a constant shape input and {@code new_shape} options.
 *
 * <p>2:4-compressed weights are written dense-with-zeros: TFLite's own sparsity encoding cannot
 * express 2:4 (docs/tflite-notes.md), and TensorFlow's tools must be able to read the file.
 * The graph's metadata goes into {@code Model.metadata} entries (name + UTF-8 buffer).
 *
 * <p>Activation shapes are written with batch 1 in {@code shape} and -1 in
 * {@code shape_signature}, as the converter does for a Keras model with an unknown batch.
 */
public final class TfliteWriter {
    private TfliteWriter() {
    }

    /**
     * Writes {@code graph} to {@code file} atomically ({@link AtomicFiles}): a failed or killed
     * write leaves the old file (or none), never a part.
     */
    public static void write(Graph graph, Path file) throws IOException {
        AtomicFiles.write(file, toBytes(graph));
    }

    /**
     * The .tflite bytes of {@code graph}.
     *
     * @throws IllegalArgumentException when the graph holds something TFLite cannot express here
     *                                  (e.g. a tensor type without a TFLite code)
     */
    public static byte[] toBytes(Graph graph) {
        FlatBufferBuilder b = new FlatBufferBuilder(1 << 16);
        List<GraphTensor> tensors = new ArrayList<>(graph.tensors());
        List<Operator> ops = new ArrayList<>();
        // A uint8/int8 graph input is written as the converter writes one: the input tensor of its
        // type and a CAST to a float32 tensor that the operators read (the reader folds it back).
        int[] subgraphInputs = graph.inputs();
        List<int[]> casts = new ArrayList<>(); // {input, float copy, input type code}
        for (int g = 0; g < subgraphInputs.length; g++) {
            GraphTensor in = graph.tensor(subgraphInputs[g]);
            if (in.dtype() != DType.FLOAT32) {
                int floatCopy = subgraphInputs[g];
                tensors.set(floatCopy, GraphTensor.activation(in.name() + "/cast", in.shape(), DType.FLOAT32));
                tensors.add(in);
                subgraphInputs[g] = tensors.size() - 1;
                casts.add(new int[]{subgraphInputs[g], floatCopy, in.dtype().tfliteCode()});
            }
        }
        // RESHAPE gets its target as an int32 constant input too, as the converter writes it.
        for (Operator op : graph.operators()) {
            if (op.type() == OpType.RESHAPE && op.inputs().length == 1) {
                int[] target = writtenTarget(op.options().newShape());
                tensors.add(GraphTensor.intConstant(graph.tensor(op.input(0)).name() + "/shape",
                        new int[]{target.length}, target));
                ops.add(new Operator(op.type(), new int[]{op.input(0), tensors.size() - 1}, op.outputs(),
                        OpOptions.reshape(target)));
            } else {
                ops.add(op);
            }
        }

        // Buffers: 0 is the empty one; each constant then gets its own.
        List<Integer> bufferOffsets = new ArrayList<>();
        Buffer.startBuffer(b);
        bufferOffsets.add(Buffer.endBuffer(b));
        int[] tensorBuffer = new int[tensors.size()];
        for (int i = 0; i < tensors.size(); i++) {
            byte[] data = constantBytes(tensors.get(i));
            if (data != null) {
                tensorBuffer[i] = bufferOffsets.size();
                bufferOffsets.add(buffer(b, data));
            }
        }
        Map<String, Integer> metadataBuffers = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : graph.metadata().entrySet()) {
            metadataBuffers.put(e.getKey(), bufferOffsets.size());
            bufferOffsets.add(buffer(b, e.getValue().getBytes(StandardCharsets.UTF_8)));
        }

        int[] tensorOffsets = new int[tensors.size()];
        for (int i = 0; i < tensors.size(); i++) {
            tensorOffsets[i] = tensor(b, tensors.get(i), tensorBuffer[i]);
        }

        // Builtin codes in first-use order; the input casts run first.
        List<Integer> codes = new ArrayList<>();
        int[] opOffsets = new int[casts.size() + ops.size()];
        for (int k = 0; k < casts.size(); k++) {
            int[] c = casts.get(k);
            if (!codes.contains(TfliteFolding.CAST)) {
                codes.add(TfliteFolding.CAST);
            }
            opOffsets[k] = cast(b, c[0], c[1], (byte) c[2], codes.indexOf(TfliteFolding.CAST));
        }
        for (int k = 0; k < ops.size(); k++) {
            Operator op = ops.get(k);
            int code = op.type().tfliteCode();
            if (!codes.contains(code)) {
                codes.add(code);
            }
            opOffsets[casts.size() + k] = operator(b, op, codes.indexOf(code));
        }
        int[] codeOffsets = new int[codes.size()];
        for (int i = 0; i < codes.size(); i++) {
            int code = codes.get(i);
            // Old readers look only at the deprecated byte, new ones at builtin_code: fill both.
            codeOffsets[i] = OperatorCode.createOperatorCode(b, (byte) Math.min(code, 127), 0, 1, code);
        }

        int sgTensors = SubGraph.createTensorsVector(b, tensorOffsets);
        int sgInputs = SubGraph.createInputsVector(b, subgraphInputs);
        int sgOutputs = SubGraph.createOutputsVector(b, graph.outputs());
        int sgOps = SubGraph.createOperatorsVector(b, opOffsets);
        int sgName = b.createString("main");
        int subgraph = SubGraph.createSubGraph(b, sgTensors, sgInputs, sgOutputs, sgOps, sgName);

        int[] metadataOffsets = new int[metadataBuffers.size()];
        int m = 0;
        for (Map.Entry<String, Integer> e : metadataBuffers.entrySet()) {
            metadataOffsets[m++] = Metadata.createMetadata(b, b.createString(e.getKey()), e.getValue());
        }
        int codesVec = Model.createOperatorCodesVector(b, codeOffsets);
        int subgraphs = Model.createSubgraphsVector(b, new int[]{subgraph});
        int description = b.createString(graph.metadata().getOrDefault("producer", "Sparse24"));
        int buffers = Model.createBuffersVector(b, bufferOffsets.stream().mapToInt(Integer::intValue).toArray());
        int metadata = Model.createMetadataVector(b, metadataOffsets);
        Model.startModel(b);
        Model.addVersion(b, TfliteReader.SCHEMA_VERSION);
        Model.addOperatorCodes(b, codesVec);
        Model.addSubgraphs(b, subgraphs);
        Model.addDescription(b, description);
        Model.addBuffers(b, buffers);
        Model.addMetadata(b, metadata);
        Model.finishModelBuffer(b, Model.endModel(b));
        return b.sizedByteArray();
    }

    /** dim 0 is the batch in the graph's RESHAPE; TFLite gets -1 there so any batch works. */
    private static int[] writtenTarget(int[] target) {
        int[] t = target.clone();
        boolean otherUnknown = false;
        for (int d = 1; d < t.length; d++) {
            otherUnknown |= t[d] < 0;
        }
        if (!otherUnknown && t.length > 1) {
            t[0] = -1;
        }
        return t;
    }

    private static int buffer(FlatBufferBuilder b, byte[] data) {
        // The schema's force_align: 16 is not applied by the generated Java; align by hand so
        // that runtimes can map float data in place.
        b.startVector(1, data.length, 16);
        for (int i = data.length - 1; i >= 0; i--) {
            b.putByte(data[i]);
        }
        int vec = b.endVector();
        Buffer.startBuffer(b);
        Buffer.addData(b, vec);
        return Buffer.endBuffer(b);
    }

    private static byte[] constantBytes(GraphTensor t) {
        if (!t.isConstant()) {
            return null;
        }
        if (t.dtype() == DType.INT32) {
            int[] v = t.intValues();
            ByteBuffer bb = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
            bb.asIntBuffer().put(v);
            return bb.array();
        }
        float[] v = t.floatValues();
        ByteBuffer bb = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        bb.asFloatBuffer().put(v);
        return bb.array();
    }

    private static int tensor(FlatBufferBuilder b, GraphTensor t, int buffer) {
        int[] shape = t.shape();
        int signature = 0;
        if (!t.isConstant() && shape.length > 0 && shape[0] < 0) {
            int[] sig = shape.clone();
            shape[0] = 1;
            signature = dev.sparse24.format.tflite.fb.Tensor.createShapeSignatureVector(b, sig);
        } else if (!t.isConstant() && shape.length > 0) {
            int[] sig = shape.clone();
            sig[0] = -1;
            signature = dev.sparse24.format.tflite.fb.Tensor.createShapeSignatureVector(b, sig);
        }
        int shapeVec = dev.sparse24.format.tflite.fb.Tensor.createShapeVector(b, shape);
        int name = b.createString(t.name());
        dev.sparse24.format.tflite.fb.Tensor.startTensor(b);
        dev.sparse24.format.tflite.fb.Tensor.addShape(b, shapeVec);
        dev.sparse24.format.tflite.fb.Tensor.addType(b, (byte) t.dtype().tfliteCode());
        dev.sparse24.format.tflite.fb.Tensor.addBuffer(b, buffer);
        dev.sparse24.format.tflite.fb.Tensor.addName(b, name);
        if (signature != 0) {
            dev.sparse24.format.tflite.fb.Tensor.addShapeSignature(b, signature);
        }
        return dev.sparse24.format.tflite.fb.Tensor.endTensor(b);
    }

    /** A CAST from a graph input of type {@code inType} to its float32 copy. */
    private static int cast(FlatBufferBuilder b, int input, int output, byte inType, int opcodeIndex) {
        int options = CastOptions.createCastOptions(b, inType, (byte) DType.FLOAT32.tfliteCode());
        int inputs = dev.sparse24.format.tflite.fb.Operator.createInputsVector(b, new int[]{input});
        int outputs = dev.sparse24.format.tflite.fb.Operator.createOutputsVector(b, new int[]{output});
        dev.sparse24.format.tflite.fb.Operator.startOperator(b);
        dev.sparse24.format.tflite.fb.Operator.addOpcodeIndex(b, opcodeIndex);
        dev.sparse24.format.tflite.fb.Operator.addInputs(b, inputs);
        dev.sparse24.format.tflite.fb.Operator.addOutputs(b, outputs);
        dev.sparse24.format.tflite.fb.Operator.addBuiltinOptionsType(b, BuiltinOptions.CastOptions);
        dev.sparse24.format.tflite.fb.Operator.addBuiltinOptions(b, options);
        return dev.sparse24.format.tflite.fb.Operator.endOperator(b);
    }

    private static int operator(FlatBufferBuilder b, Operator op, int opcodeIndex) {
        OpOptions o = op.options();
        byte activation = (byte) o.activation().tfliteCode();
        byte padding = (byte) (o.padding() == Padding.SAME ? 0 : 1);
        byte optionsType;
        int options;
        switch (op.type()) {
            case CONV_2D -> {
                optionsType = BuiltinOptions.Conv2DOptions;
                options = Conv2DOptions.createConv2DOptions(b, padding, o.strideW(), o.strideH(), activation,
                        o.dilationW(), o.dilationH());
            }
            case DEPTHWISE_CONV_2D -> {
                optionsType = BuiltinOptions.DepthwiseConv2DOptions;
                options = DepthwiseConv2DOptions.createDepthwiseConv2DOptions(b, padding, o.strideW(), o.strideH(),
                        o.depthMultiplier(), activation, o.dilationW(), o.dilationH());
            }
            case AVERAGE_POOL_2D, MAX_POOL_2D -> {
                optionsType = BuiltinOptions.Pool2DOptions;
                options = Pool2DOptions.createPool2DOptions(b, padding, o.strideW(), o.strideH(), o.filterW(),
                        o.filterH(), activation);
            }
            case FULLY_CONNECTED -> {
                optionsType = BuiltinOptions.FullyConnectedOptions;
                options = FullyConnectedOptions.createFullyConnectedOptions(b, activation, (byte) 0, false, false);
            }
            case SOFTMAX -> {
                optionsType = BuiltinOptions.SoftmaxOptions;
                options = SoftmaxOptions.createSoftmaxOptions(b, o.beta());
            }
            case ADD -> {
                optionsType = BuiltinOptions.AddOptions;
                options = AddOptions.createAddOptions(b, activation, true);
            }
            case MUL -> {
                optionsType = BuiltinOptions.MulOptions;
                options = MulOptions.createMulOptions(b, activation);
            }
            case MEAN -> {
                optionsType = BuiltinOptions.ReducerOptions;
                options = ReducerOptions.createReducerOptions(b, o.keepDims());
            }
            case RESHAPE -> {
                optionsType = BuiltinOptions.ReshapeOptions;
                options = ReshapeOptions.createReshapeOptions(b,
                        ReshapeOptions.createNewShapeVector(b, o.newShape()));
            }
            default -> {
                // RELU, RELU6, LOGISTIC, TANH: no options table.
                optionsType = BuiltinOptions.NONE;
                options = 0;
            }
        }
        int inputs = dev.sparse24.format.tflite.fb.Operator.createInputsVector(b, op.inputs());
        int outputs = dev.sparse24.format.tflite.fb.Operator.createOutputsVector(b, op.outputs());
        dev.sparse24.format.tflite.fb.Operator.startOperator(b);
        dev.sparse24.format.tflite.fb.Operator.addOpcodeIndex(b, opcodeIndex);
        dev.sparse24.format.tflite.fb.Operator.addInputs(b, inputs);
        dev.sparse24.format.tflite.fb.Operator.addOutputs(b, outputs);
        if (optionsType != BuiltinOptions.NONE) {
            dev.sparse24.format.tflite.fb.Operator.addBuiltinOptionsType(b, optionsType);
            dev.sparse24.format.tflite.fb.Operator.addBuiltinOptions(b, options);
        }
        return dev.sparse24.format.tflite.fb.Operator.endOperator(b);
    }

}
