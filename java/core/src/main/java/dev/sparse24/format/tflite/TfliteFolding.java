package dev.sparse24.format.tflite;

import dev.sparse24.format.ModelFormatException;
import dev.sparse24.format.tflite.fb.BuiltinOptions;
import dev.sparse24.format.tflite.fb.PackOptions;
import dev.sparse24.format.tflite.fb.StridedSliceOptions;
import dev.sparse24.graph.DType;
import dev.sparse24.graph.OpOptions;
import dev.sparse24.graph.OpType;
import dev.sparse24.graph.Operator;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The converter's plumbing, folded at import: SHAPE / STRIDED_SLICE / PACK computing a
 * RESHAPE's target become int constants, CAST of a graph input to float32 makes the cast output
 * the input, EXPAND_DIMS becomes a RESHAPE, DEQUANTIZE of a float16 constant becomes the
 * decoded float32 constant. Anything else is refused with the operator's index.
 */
final class TfliteFolding {
    // Builtin codes of the plumbing ops folded at import (not in OpType).
    static final int DEQUANTIZE = 6;
    static final int STRIDED_SLICE = 45;
    static final int CAST = 53;
    static final int EXPAND_DIMS = 70;
    static final int SHAPE = 77;
    static final int PACK = 83;
    static final int QUANTIZE = 114;
    static final Map<Integer, String> PLUMBING_NAMES = Map.of(DEQUANTIZE, "DEQUANTIZE",
            STRIDED_SLICE, "STRIDED_SLICE", CAST, "CAST", EXPAND_DIMS, "EXPAND_DIMS", SHAPE, "SHAPE", PACK, "PACK",
            QUANTIZE, "QUANTIZE", 2, "CONCATENATION", 32, "CUSTOM", 39, "TRANSPOSE");
    static final Set<Integer> FOLDED = Set.of(DEQUANTIZE, STRIDED_SLICE, CAST, EXPAND_DIMS,
            SHAPE, PACK);

    private final TfliteTensors tensors;
    private final int[] graphInputs;
    private final String[] names;
    private final int[][] shapes;
    private final DType[] types;
    private final float[][] floats;
    private final int[][] ints;
    private final boolean[] produced;
    /** Graph inputs that are folded input casts: cast output -> the declared input tensor. */
    private final Map<Integer, Integer> castInputs = new HashMap<>();

    /**
     * @param graphInputs the subgraph's inputs; a folded input CAST replaces its entry in place
     */
    TfliteFolding(TfliteTensors tensors, int[] graphInputs) {
        this.tensors = tensors;
        this.graphInputs = graphInputs;
        names = tensors.names;
        shapes = tensors.shapes;
        types = tensors.types;
        floats = tensors.floats;
        ints = tensors.ints;
        produced = tensors.produced;
    }

    /**
     * The tensor a graph input was cast from when the input is a folded input CAST (its name and
     * type are what callers see), else {@code t} itself.
     */
    int declaredInput(int t) {
        return castInputs.getOrDefault(t, t);
    }

    /**
     * Folds one plumbing op ({@link #FOLDED}): its output becomes a known constant, or the
     * input it casts, or (EXPAND_DIMS) the returned RESHAPE.
     *
     * @return the op to keep in the graph, or null when the op folded away
     */
    Operator fold(int k, int builtin, dev.sparse24.format.tflite.fb.Operator op, int[] in, int[] out,
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
                    // Input cast (e.g. uint8 pixels to float): the graph input becomes the cast's output,
                    // keeping the input's name and declared type; the runtime takes values of that type
                    // and converts them exactly as CAST does (every op computes in float32).
                    if (types[x] != DType.FLOAT32 && types[x] != DType.UINT8 && types[x] != DType.INT8) {
                        throw new ModelFormatException(where + ": graph input " + x + " (" + names[x] + ") is "
                                + tensors.typeName(x) + "; only uint8, int8 or float32 inputs can be cast to float32");
                    }
                    for (int g = 0; g < graphInputs.length; g++) {
                        if (graphInputs[g] == x) {
                            graphInputs[g] = o;
                            castInputs.put(o, x);
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
                tensors.requireFloatActivation(o, where);
                if (!produced[x]) {
                    throw new ModelFormatException(where + " reads tensor " + x + " (" + names[x]
                            + ") before any operator produces it");
                }
                produced[o] = true;
                return new Operator(OpType.RESHAPE, new int[]{x}, new int[]{o},
                        OpOptions.reshape(TfliteOptions.checkTarget(target, where)));
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
            default -> throw new ModelFormatException("unsupported op " + TfliteImport.opName(builtin, null) + " at operator " + k
                    + ", producing tensor " + o + " (" + names[o] + ")");
        }
        return null;
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
                ? (StridedSliceOptions) TfliteOptions.optionsTable(op, BuiltinOptions.StridedSliceOptions, new StridedSliceOptions(), where)
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
            PackOptions o = (PackOptions) TfliteOptions.optionsTable(op, BuiltinOptions.PackOptions, new PackOptions(), where);
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
}
