package dev.sparse24.format.s24;

import dev.sparse24.format.AtomicFiles;
import com.google.flatbuffers.FlatBufferBuilder;
import dev.sparse24.format.ModelMetadata;
import dev.sparse24.format.s24.fb.ElementType;
import dev.sparse24.format.s24.fb.KeyValue;
import dev.sparse24.format.s24.fb.LayerPruning;
import dev.sparse24.format.s24.fb.Model;
import dev.sparse24.format.s24.fb.Operator;
import dev.sparse24.format.s24.fb.Tensor;
import dev.sparse24.format.s24.fb.TwoFourWeights;
import dev.sparse24.graph.DType;
import dev.sparse24.graph.Graph;
import dev.sparse24.graph.GraphTensor;
import dev.sparse24.graph.OpOptions;
import dev.sparse24.graph.Padding;
import dev.sparse24.sparse.CompressedWeights;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Writes a {@link Graph} as a .s24 file (schema {@code java/core/src/main/fbs/s24.fbs}, described in
 * {@code docs/format.md}): 2:4 weights as kept values + 4-bit metadata, other constants dense,
 * pruning parameters and training summary in their own fields.
 */
public final class S24Writer {
    /** The file identifier at bytes 4..8. */
    public static final String FILE_IDENTIFIER = "S24M";
    /** The format version this code writes (and the newest it reads). */
    public static final int FORMAT_VERSION = 1;
    /** Alignment of every data vector, so readers may map values in place. */
    static final int DATA_ALIGNMENT = 16;

    private S24Writer() {
    }

    /** The .s24 bytes of {@code graph}. */
    public static byte[] toBytes(Graph graph) {
        FlatBufferBuilder b = new FlatBufferBuilder(1 << 16);
        int n = graph.tensors().size();
        int[] tensors = new int[n];
        for (int i = 0; i < n; i++) {
            tensors[i] = tensor(b, graph.tensor(i));
        }
        int tensorsVec = Model.createTensorsVector(b, tensors);
        int[] ops = new int[graph.operators().size()];
        for (int k = 0; k < ops.length; k++) {
            ops[k] = operator(b, graph.operators().get(k));
        }
        int opsVec = Model.createOperatorsVector(b, ops);
        int inputs = Model.createInputsVector(b, graph.inputs());
        int outputs = Model.createOutputsVector(b, graph.outputs());

        int producer = 0;
        int summary = 0;
        List<Integer> pruning = new ArrayList<>();
        List<Integer> others = new ArrayList<>();
        for (Map.Entry<String, String> e : graph.metadata().entrySet()) {
            String key = e.getKey();
            String value = e.getValue() == null ? "" : e.getValue();
            ModelMetadata.LayerPruning p = ModelMetadata.parsePruning(key, value);
            if (key.equals(ModelMetadata.PRODUCER) && producer == 0) {
                producer = b.createString(value);
            } else if (key.equals(ModelMetadata.TRAINING_SUMMARY) && summary == 0) {
                summary = b.createString(value);
            } else if (p != null) {
                pruning.add(layerPruning(b, p));
            } else {
                int k = b.createString(key);
                int v = b.createString(value);
                others.add(KeyValue.createKeyValue(b, k, v));
            }
        }
        int pruningVec = pruning.isEmpty() ? 0 : Model.createPruningVector(b, ints(pruning));
        int othersVec = others.isEmpty() ? 0 : Model.createMetadataVector(b, ints(others));

        Model.startModel(b);
        Model.addFormatVersion(b, FORMAT_VERSION);
        if (producer != 0) {
            Model.addProducer(b, producer);
        }
        Model.addTensors(b, tensorsVec);
        Model.addOperators(b, opsVec);
        Model.addInputs(b, inputs);
        Model.addOutputs(b, outputs);
        if (pruningVec != 0) {
            Model.addPruning(b, pruningVec);
        }
        if (summary != 0) {
            Model.addTrainingSummary(b, summary);
        }
        if (othersVec != 0) {
            Model.addMetadata(b, othersVec);
        }
        Model.finishModelBuffer(b, Model.endModel(b));
        return b.sizedByteArray();
    }

    /**
     * Writes {@code graph} to {@code path} atomically ({@link AtomicFiles}): a failed or killed
     * write leaves the old file (or none), never a part.
     */
    public static void write(Graph graph, Path path) throws IOException {
        AtomicFiles.write(path, toBytes(graph));
    }

    private static int[] ints(List<Integer> l) {
        return l.stream().mapToInt(Integer::intValue).toArray();
    }

    private static int layerPruning(FlatBufferBuilder b, ModelMetadata.LayerPruning p) {
        int layer = b.createString(p.layer());
        int kind = b.createString(p.kind());
        int schedule = p.schedule() == null ? 0 : b.createString(p.schedule());
        LayerPruning.startLayerPruning(b);
        LayerPruning.addLayer(b, layer);
        LayerPruning.addKind(b, kind);
        LayerPruning.addM(b, p.m());
        LayerPruning.addN(b, p.n());
        LayerPruning.addTargetSparsity(b, p.targetSparsity());
        if (schedule != 0) {
            LayerPruning.addSchedule(b, schedule);
        }
        LayerPruning.addStrict(b, p.strict());
        return LayerPruning.endLayerPruning(b);
    }

    /** Element type code in the file for a graph dtype. */
    static byte elementType(DType t) {
        switch (t) {
            case FLOAT32: return ElementType.FLOAT32;
            case FLOAT16: return ElementType.FLOAT16;
            case BFLOAT16: return ElementType.BFLOAT16;
            case INT8: return ElementType.INT8;
            case UINT8: return ElementType.UINT8;
            case INT32: return ElementType.INT32;
            case INT64: return ElementType.INT64;
            default: throw new IllegalArgumentException("no .s24 element type for " + t);
        }
    }

    /** A byte vector aligned to {@link #DATA_ALIGNMENT} (the generated helper aligns to 1). */
    private static int alignedBytes(FlatBufferBuilder b, ByteBuffer data) {
        int len = data.remaining();
        b.startVector(1, len, DATA_ALIGNMENT);
        for (int i = len - 1; i >= 0; i--) {
            b.putByte(data.get(data.position() + i));
        }
        return b.endVector();
    }

    private static ByteBuffer le(int bytes) {
        return ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static int tensor(FlatBufferBuilder b, GraphTensor t) {
        int data = 0;
        int twoFour = 0;
        if (t.isCompressed()) {
            CompressedWeights w = t.compressedValues();
            float[] values = w.values();
            ByteBuffer vb = le(values.length * 4);
            vb.asFloatBuffer().put(values);
            int valuesVec = alignedBytes(b, vb);
            int[] meta = w.metadata();
            b.startVector(4, meta.length, DATA_ALIGNMENT);
            for (int i = meta.length - 1; i >= 0; i--) {
                b.putInt(meta[i]);
            }
            int metaVec = b.endVector();
            TwoFourWeights.startTwoFourWeights(b);
            TwoFourWeights.addRows(b, w.rows());
            TwoFourWeights.addCols(b, w.cols());
            TwoFourWeights.addPaddedCols(b, w.paddedCols());
            TwoFourWeights.addValueType(b, ElementType.FLOAT32);
            TwoFourWeights.addValues(b, valuesVec);
            TwoFourWeights.addMetadata(b, metaVec);
            twoFour = TwoFourWeights.endTwoFourWeights(b);
        } else if (t.denseValues() != null) {
            float[] values = t.denseValues().toArray();
            ByteBuffer vb = le(values.length * 4);
            vb.asFloatBuffer().put(values);
            data = alignedBytes(b, vb);
        } else if (t.intValues() != null) {
            int[] values = t.intValues();
            ByteBuffer vb = le(values.length * 4);
            vb.asIntBuffer().put(values);
            data = alignedBytes(b, vb);
        }
        int name = b.createString(t.name());
        int shape = Tensor.createShapeVector(b, t.shape());
        Tensor.startTensor(b);
        Tensor.addName(b, name);
        Tensor.addShape(b, shape);
        Tensor.addType(b, elementType(t.dtype()));
        if (data != 0) {
            Tensor.addData(b, data);
        }
        if (twoFour != 0) {
            Tensor.addTwoFour(b, twoFour);
        }
        return Tensor.endTensor(b);
    }

    private static int operator(FlatBufferBuilder b, dev.sparse24.graph.Operator op) {
        OpOptions o = op.options();
        int inputs = Operator.createInputsVector(b, op.inputs());
        int outputs = Operator.createOutputsVector(b, op.outputs());
        int newShape = o.newShape() == null ? 0 : Operator.createNewShapeVector(b, o.newShape());
        Operator.startOperator(b);
        Operator.addOpcode(b, S24OpCodes.toFile(op.type()));
        Operator.addInputs(b, inputs);
        Operator.addOutputs(b, outputs);
        Operator.addPadding(b, o.padding() == Padding.SAME ? dev.sparse24.format.s24.fb.Padding.SAME
                : dev.sparse24.format.s24.fb.Padding.VALID);
        Operator.addStrideH(b, o.strideH());
        Operator.addStrideW(b, o.strideW());
        Operator.addDilationH(b, o.dilationH());
        Operator.addDilationW(b, o.dilationW());
        Operator.addFilterH(b, o.filterH());
        Operator.addFilterW(b, o.filterW());
        Operator.addDepthMultiplier(b, o.depthMultiplier());
        Operator.addActivation(b, o.activation().tfliteCode());
        Operator.addBeta(b, o.beta());
        Operator.addKeepDims(b, o.keepDims());
        if (newShape != 0) {
            Operator.addNewShape(b, newShape);
        }
        return Operator.endOperator(b);
    }
}
