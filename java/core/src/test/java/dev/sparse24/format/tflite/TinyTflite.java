package dev.sparse24.format.tflite;

import com.google.flatbuffers.FlatBufferBuilder;
import dev.sparse24.format.tflite.fb.Buffer;
import dev.sparse24.format.tflite.fb.BuiltinOptions;
import dev.sparse24.format.tflite.fb.FullyConnectedOptions;
import dev.sparse24.format.tflite.fb.Model;
import dev.sparse24.format.tflite.fb.Operator;
import dev.sparse24.format.tflite.fb.OperatorCode;
import dev.sparse24.format.tflite.fb.QuantizationParameters;
import dev.sparse24.format.tflite.fb.SubGraph;
import dev.sparse24.format.tflite.fb.Tensor;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A hand-built .tflite file for reader tests, written with the generated builders directly
 * (not through TfliteWriter) so each field can be set to a bad value: by default one
 * FULLY_CONNECTED {@code y = W x + b} with {@code x [1,4]}, {@code W [2,4]}, {@code b [2]}.
 */
final class TinyTflite {
    static final float[] WEIGHTS = {1, 2, 3, 4, -1, 0.5f, 0, 2};
    static final float[] BIAS = {0.25f, -3};

    String[] names = {"input", "weights", "bias", "output", "t4"};
    int[][] shapes = {{1, 4}, {2, 4}, {2}, {1, 2}, {1, 4}};
    int[] buffers = {0, 1, 2, 0, 0};
    int[] opcodes = {9, 19};            // FULLY_CONNECTED, RELU
    int[] opcodeIndex = {0};
    int[][] opInputs = {{0, 1, 2}};
    int[][] opOutputs = {{3}};
    int[] graphInputs = {0};
    int[] graphOutputs = {3};
    int subgraphs = 1;
    boolean quantizedWeights;
    String identifier = "TFL3";

    byte[] build() {
        FlatBufferBuilder b = new FlatBufferBuilder(1024);
        int[] bufs = new int[3];
        Buffer.startBuffer(b);
        bufs[0] = Buffer.endBuffer(b);
        bufs[1] = buffer(b, WEIGHTS);
        bufs[2] = buffer(b, BIAS);
        int[] tensors = new int[names.length];
        for (int i = 0; i < names.length; i++) {
            int shape = Tensor.createShapeVector(b, shapes[i]);
            int name = b.createString(names[i]);
            int q = 0;
            if (quantizedWeights && i == 1) {
                int scale = QuantizationParameters.createScaleVector(b, new float[]{0.1f});
                int zero = QuantizationParameters.createZeroPointVector(b, new long[]{0});
                q = QuantizationParameters.createQuantizationParameters(b, 0, 0, scale, zero);
            }
            Tensor.startTensor(b);
            Tensor.addShape(b, shape);
            Tensor.addType(b, (byte) 0);
            Tensor.addBuffer(b, buffers[i]);
            Tensor.addName(b, name);
            if (q != 0) {
                Tensor.addQuantization(b, q);
            }
            tensors[i] = Tensor.endTensor(b);
        }
        int[] ops = new int[opInputs.length];
        for (int k = 0; k < ops.length; k++) {
            int options = FullyConnectedOptions.createFullyConnectedOptions(b, (byte) 0, (byte) 0, false, false);
            int in = Operator.createInputsVector(b, opInputs[k]);
            int out = Operator.createOutputsVector(b, opOutputs[k]);
            Operator.startOperator(b);
            Operator.addOpcodeIndex(b, opcodeIndex[k]);
            Operator.addInputs(b, in);
            Operator.addOutputs(b, out);
            if (opcodes[Math.min(opcodeIndex[k], opcodes.length - 1)] == 9) {
                Operator.addBuiltinOptionsType(b, BuiltinOptions.FullyConnectedOptions);
                Operator.addBuiltinOptions(b, options);
            }
            ops[k] = Operator.endOperator(b);
        }
        int[] sgs = new int[subgraphs];
        for (int s = 0; s < subgraphs; s++) {
            sgs[s] = SubGraph.createSubGraph(b, SubGraph.createTensorsVector(b, tensors),
                    SubGraph.createInputsVector(b, graphInputs), SubGraph.createOutputsVector(b, graphOutputs),
                    SubGraph.createOperatorsVector(b, ops), b.createString("main"));
        }
        int[] codes = new int[opcodes.length];
        for (int i = 0; i < codes.length; i++) {
            codes[i] = OperatorCode.createOperatorCode(b, (byte) Math.min(opcodes[i], 127), 0, 1, opcodes[i]);
        }
        int codesVec = Model.createOperatorCodesVector(b, codes);
        int sgVec = Model.createSubgraphsVector(b, sgs);
        int bufVec = Model.createBuffersVector(b, bufs);
        Model.startModel(b);
        Model.addVersion(b, 3);
        Model.addOperatorCodes(b, codesVec);
        Model.addSubgraphs(b, sgVec);
        Model.addBuffers(b, bufVec);
        b.finish(Model.endModel(b), identifier);
        return b.sizedByteArray();
    }

    private static int buffer(FlatBufferBuilder b, float[] values) {
        ByteBuffer bb = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        bb.asFloatBuffer().put(values);
        int data = Buffer.createDataVector(b, bb.array());
        Buffer.startBuffer(b);
        Buffer.addData(b, data);
        return Buffer.endBuffer(b);
    }
}
