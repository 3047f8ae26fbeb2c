package dev.sparse24.format.tflite;

import dev.sparse24.format.ModelFormatException;
import dev.sparse24.format.tflite.fb.AddOptions;
import dev.sparse24.format.tflite.fb.BuiltinOptions;
import dev.sparse24.format.tflite.fb.Conv2DOptions;
import dev.sparse24.format.tflite.fb.DepthwiseConv2DOptions;
import dev.sparse24.format.tflite.fb.FullyConnectedOptions;
import dev.sparse24.format.tflite.fb.MulOptions;
import dev.sparse24.format.tflite.fb.Pool2DOptions;
import dev.sparse24.format.tflite.fb.ReducerOptions;
import dev.sparse24.format.tflite.fb.ReshapeOptions;
import dev.sparse24.format.tflite.fb.SoftmaxOptions;
import dev.sparse24.graph.FusedActivation;
import dev.sparse24.graph.OpOptions;
import dev.sparse24.graph.OpType;
import dev.sparse24.graph.Padding;

import java.util.Arrays;

/**
 * Decodes the builtin options of the TFLite ops the graph keeps into {@link OpOptions}:
 * padding, strides, dilations, pool sizes, fused activations, softmax beta, mean axes and
 * reshape targets, each checked (unknown codes and out-of-range values are a
 * {@link ModelFormatException} naming the operator).
 */
final class TfliteOptions {
    private final String[] names;
    private final int[][] shapes;
    private final int[][] ints;

    TfliteOptions(TfliteTensors tensors) {
        names = tensors.names;
        shapes = tensors.shapes;
        ints = tensors.ints;
    }

    /**
     * The graph options of a kept op, from its builtin options table (defaults where the
     * converter left the table out), every value range-checked.
     */
    OpOptions of(OpType type, dev.sparse24.format.tflite.fb.Operator op, int[] in, String where)
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
                target = TfliteTensors.toArray(o.newShapeLength(), o::newShape);
            }
        }
        if (target == null) {
            target = shapes[op.outputs(0)];
        }
        return checkTarget(target, where);
    }

    /** A RESHAPE target checked: rank 1 to 8, at most one -1, no absurd size; a copy. */
    static int[] checkTarget(int[] target, String where) throws ModelFormatException {
        int unknown = 0;
        if (target.length == 0 || target.length > 8) {
            throw new ModelFormatException(where + ": reshape target " + Arrays.toString(target)
                    + " must have rank 1 to 8");
        }
        for (int d : target) {
            if (d < -1 || d == -1 && ++unknown > 1 || d > TfliteReader.MAX_ELEMENTS) {
                throw new ModelFormatException(where + ": reshape target " + Arrays.toString(target) + " is invalid");
            }
        }
        return target.clone();
    }

    /** Reads the op's builtin options into {@code table}, checking that they are of the {@code expected} type. */
    static com.google.flatbuffers.Table optionsTable(dev.sparse24.format.tflite.fb.Operator op, int expected,
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

    static Padding padding(byte code, String where) throws ModelFormatException {
        return switch (code) {
            case 0 -> Padding.SAME;
            case 1 -> Padding.VALID;
            default -> throw new ModelFormatException(where + ": unknown padding " + code);
        };
    }

    static int positive(int v, String what, String where) throws ModelFormatException {
        if (v < 1 || v > 1 << 16) {
            throw new ModelFormatException(where + ": " + what + " = " + v + " (must be in [1, 65536])");
        }
        return v;
    }

    static FusedActivation activation(byte code, String where) throws ModelFormatException {
        FusedActivation a = FusedActivation.fromTfliteCode(code);
        if (a == null) {
            throw new ModelFormatException(where + ": unsupported fused activation " + code);
        }
        return a;
    }
}
