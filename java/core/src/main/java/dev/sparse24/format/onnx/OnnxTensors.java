package dev.sparse24.format.onnx;

import com.google.protobuf.ByteString;
import dev.sparse24.format.onnx.OnnxProto.TensorProto;
import dev.sparse24.format.onnx.OnnxProto.TensorShapeProto;
import dev.sparse24.format.onnx.OnnxProto.TypeProto;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * ONNX tensor and type messages, and the weight re-layouts the export needs (TFLite's
 * {@code [O, KH, KW, C]} filters to ONNX's {@code [O, C, KH, KW]}). Pure functions.
 */
final class OnnxTensors {
    /** The symbolic name of the batch dimension in the model's inputs and outputs. */
    static final String BATCH = "N";

    private OnnxTensors() {
    }

    /** A float32 initializer; the values go to raw_data (little-endian), ONNX's compact form. */
    static TensorProto floats(String name, long[] dims, float[] values) {
        ByteBuffer b = ByteBuffer.allocate(Math.multiplyExact(values.length, 4)).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        return TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT_VALUE)
                .addAllDims(boxed(dims)).setRawData(ByteString.copyFrom(b.array())).build();
    }

    /** An int64 initializer (shapes, as Reshape takes them). */
    static TensorProto int64s(String name, long[] dims, long[] values) {
        ByteBuffer b = ByteBuffer.allocate(Math.multiplyExact(values.length, 8)).order(ByteOrder.LITTLE_ENDIAN);
        b.asLongBuffer().put(values);
        return TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.INT64_VALUE)
                .addAllDims(boxed(dims)).setRawData(ByteString.copyFrom(b.array())).build();
    }

    /** A float32 tensor type whose dimension 0 is the symbolic batch and the rest {@code shape[1:]}. */
    static TypeProto batchedFloatType(int[] shape) {
        return batchedType(shape, TensorProto.DataType.FLOAT_VALUE);
    }

    /** A tensor type of ONNX element type {@code elemType}, dimension 0 the symbolic batch. */
    static TypeProto batchedType(int[] shape, int elemType) {
        TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
        for (int d = 0; d < shape.length; d++) {
            TensorShapeProto.Dimension.Builder dim = TensorShapeProto.Dimension.newBuilder();
            if (d == 0) {
                dim.setDimParam(BATCH);
            } else {
                dim.setDimValue(shape[d]);
            }
            s.addDim(dim);
        }
        return TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder()
                .setElemType(elemType).setShape(s)).build();
    }

    /**
     * A conv filter {@code [O, KH, KW, C]} (TFLite) as {@code [O, C, KH, KW]} (ONNX). A 2:4
     * pattern along C in the source is the same pattern along C here: each (o, kh, kw) keeps its
     * groups of four input channels, which is the layout TensorRT's sparse convolutions check.
     */
    static float[] filterToOihw(float[] w, int o, int kh, int kw, int c) {
        float[] r = new float[w.length];
        for (int f = 0; f < o; f++) {
            for (int i = 0; i < kh; i++) {
                for (int j = 0; j < kw; j++) {
                    for (int ch = 0; ch < c; ch++) {
                        r[((f * c + ch) * kh + i) * kw + j] = w[((f * kh + i) * kw + j) * c + ch];
                    }
                }
            }
        }
        return r;
    }

    /** A depthwise filter {@code [1, KH, KW, C*M]} (TFLite) as {@code [C*M, 1, KH, KW]} (ONNX, group C). */
    static float[] depthwiseToOihw(float[] w, int kh, int kw, int channelsOut) {
        float[] r = new float[w.length];
        for (int i = 0; i < kh; i++) {
            for (int j = 0; j < kw; j++) {
                for (int f = 0; f < channelsOut; f++) {
                    r[(f * kh + i) * kw + j] = w[(i * kw + j) * channelsOut + f];
                }
            }
        }
        return r;
    }

    /** Values of shape {@code [n, h, w, c]} reordered to {@code [n, c, h, w]}. */
    static float[] nhwcToNchw(float[] v, int n, int h, int w, int c) {
        float[] r = new float[v.length];
        for (int b = 0; b < n; b++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    for (int ch = 0; ch < c; ch++) {
                        r[((b * c + ch) * h + y) * w + x] = v[((b * h + y) * w + x) * c + ch];
                    }
                }
            }
        }
        return r;
    }

    static long[] longs(int... v) {
        long[] r = new long[v.length];
        for (int i = 0; i < v.length; i++) {
            r[i] = v[i];
        }
        return r;
    }

    private static Iterable<Long> boxed(long[] v) {
        java.util.List<Long> l = new java.util.ArrayList<>(v.length);
        for (long x : v) {
            l.add(x);
        }
        return l;
    }
}
