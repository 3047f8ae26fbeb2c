package dev.sparse24.server;

import dev.sparse24.graph.DType;
import dev.sparse24.runtime.TensorInfo;

import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Checks the inputs of an inference request against a model and builds the {@link InferRequest}
 * the batcher takes: the part both bindings of the Open Inference Protocol share (REST's JSON
 * {@code data} and binary extension, gRPC's typed {@code contents} and {@code raw_input_contents}).
 * Every problem is a 400 {@link ProtocolException} saying which tensor and what was expected, so a
 * request that passes can never fail a batch on its shape or type.
 */
final class InferRequestCheck {
    /**
     * How a protocol names a tensor's typed values and its raw bytes, for error messages.
     *
     * @param values the typed values ({@code "data"}, {@code contents})
     * @param raw    the raw bytes ({@code binary_data_size}, {@code raw_input_contents})
     */
    record Names(String values, String raw) {
    }

    static final Names JSON = new Names("\"data\"", "binary_data_size");
    static final Names GRPC = new Names("contents", "raw_input_contents");

    /** An input's typed values, row-major, read as doubles (exact for float32 and 32-bit integers). */
    interface Values {
        /** How many values. */
        int count();

        /** Value {@code i}. */
        double get(int i);

        /**
         * What is wrong with how the values were given (e.g. in another datatype's field), told
         * once the datatype and shape have passed; null when nothing is.
         */
        default String problem() {
            return null;
        }
    }

    /** One input as the request gave it, before any check. */
    static final class Input {
        /** The tensor's name (never null). */
        String name;
        /** Its shape; null when the request gave none. */
        long[] shape;
        /** Its datatype string; null when the request gave none. */
        String datatype;
        /** Little-endian bytes of the whole tensor (binary extension, raw contents), or null. */
        ByteBuffer raw;
        /** Typed values, or null. */
        Values values;

        Input(String name) {
            this.name = name;
        }
    }

    /** Values of a JSON {@code data} array: the first {@code count} of {@code data}. */
    record ArrayValues(double[] data, int count) implements Values {
        @Override
        public double get(int i) {
            return data[i];
        }
    }

    private InferRequestCheck() {
    }

    /**
     * @param inputs        the model's inputs
     * @param outputs       the model's outputs
     * @param given         the request's inputs, in its order
     * @param names         how the protocol names values and raw bytes
     * @param id            the request's id, or null
     * @param outNames      the outputs asked for, or null / empty for all
     * @param outBinary     per output asked for: binary, JSON, or null for {@code binaryDefault}
     * @param binaryDefault whether outputs go back binary unless said otherwise
     */
    static InferRequest check(List<TensorInfo> inputs, List<TensorInfo> outputs, List<Input> given, Names names,
                              String id, List<String> outNames, List<Boolean> outBinary, boolean binaryDefault) {
        if (given.size() != inputs.size()) {
            throw ProtocolException.badRequest("the model takes " + inputs.size() + " input(s) " + names(inputs)
                    + ", given " + given.size());
        }
        Buffer[] buffers = new Buffer[inputs.size()];
        int batch = -1;
        for (Input in : given) {
            int k = indexOf(inputs, in.name);
            if (k < 0) {
                throw ProtocolException.badRequest("unknown input '" + in.name + "'; the model takes " + names(inputs));
            }
            if (buffers[k] != null) {
                throw ProtocolException.badRequest("input '" + in.name + "' given twice");
            }
            TensorInfo info = inputs.get(k);
            if (in.datatype == null) {
                throw ProtocolException.badRequest("input '" + in.name + "' has no \"datatype\"");
            }
            Datatype type = Datatype.parse(in.datatype);
            if (type == null) {
                throw ProtocolException.badRequest("input '" + in.name + "': unknown datatype '" + in.datatype + "'");
            }
            Datatype want = Datatype.of(info.dtype());
            if (type != want) {
                throw ProtocolException.badRequest("input '" + in.name + "': datatype " + type + ", the model takes "
                        + want);
            }
            int b = batchOf(in, info);
            if (batch >= 0 && b != batch) {
                throw ProtocolException.badRequest("input '" + in.name + "': batch " + b + ", other inputs have " + batch);
            }
            batch = b;
            long count = (long) b * info.sampleSize();
            if (in.raw != null) {
                long bytes = count * type.bytes();
                if (in.raw.remaining() != bytes) {
                    throw ProtocolException.badRequest("input '" + in.name + "': shape " + Arrays.toString(in.shape)
                            + " of " + type + " is " + bytes + " bytes, " + names.raw() + " is " + in.raw.remaining());
                }
                buffers[k] = fromBinary(info.dtype(), in.raw);
            } else {
                if (in.values == null) {
                    throw ProtocolException.badRequest("input '" + in.name + "' has neither " + names.values() + " nor "
                            + names.raw());
                }
                if (in.values.problem() != null) {
                    throw ProtocolException.badRequest("input '" + in.name + "': " + in.values.problem());
                }
                if (in.values.count() != count) {
                    throw ProtocolException.badRequest("input '" + in.name + "': shape " + Arrays.toString(in.shape)
                            + " holds " + count + " values, " + names.values() + " has " + in.values.count());
                }
                buffers[k] = fromValues(info.dtype(), in.name, in.values);
            }
        }
        return new InferRequest(id, buffers, batch, requested(outputs, outNames, outBinary, binaryDefault));
    }

    private static int batchOf(Input in, TensorInfo info) {
        int[] model = info.shape();
        if (in.shape == null) {
            throw ProtocolException.badRequest("input '" + in.name + "' has no \"shape\"");
        }
        boolean match = in.shape.length == model.length && in.shape[0] >= 1;
        for (int d = 1; match && d < model.length; d++) {
            match = in.shape[d] == model[d];
        }
        if (!match) {
            throw ProtocolException.badRequest("input '" + in.name + "': shape " + Arrays.toString(in.shape)
                    + " does not match the model's " + Arrays.toString(model) + " (-1: any batch >= 1)");
        }
        // The values or bytes have to hold batch x sampleSize elements, so a batch past the
        // request's size fails the length check; past an int it cannot be a real request.
        if (in.shape[0] > Integer.MAX_VALUE / Math.max(1, info.sampleSize())) {
            throw ProtocolException.badRequest("input '" + in.name + "': batch " + in.shape[0] + " is too large");
        }
        return (int) in.shape[0];
    }

    private static Buffer fromBinary(DType t, ByteBuffer raw) {
        ByteBuffer b = raw.slice();
        if (t == DType.FLOAT32) {
            // Copied into native order once, so the batcher's gather is a plain bulk copy.
            FloatBuffer f = FloatBuffer.allocate(b.remaining() / 4);
            f.put(b.order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer());
            return f.flip();
        }
        return b;
    }

    private static Buffer fromValues(DType t, String name, Values values) {
        int n = values.count();
        if (t == DType.FLOAT32) {
            float[] f = new float[n];
            for (int i = 0; i < n; i++) {
                f[i] = (float) values.get(i);
            }
            return FloatBuffer.wrap(f);
        }
        int lo = t == DType.UINT8 ? 0 : -128;
        int hi = t == DType.UINT8 ? 255 : 127;
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            double v = values.get(i);
            if (v != Math.rint(v) || v < lo || v > hi) {
                throw ProtocolException.badRequest("input '" + name + "': value " + v + " at " + i + " is not a "
                        + Datatype.of(t) + " (" + lo + ".." + hi + ")");
            }
            b[i] = (byte) (int) v;
        }
        return ByteBuffer.wrap(b);
    }

    private static List<InferRequest.Output> requested(List<TensorInfo> outputs, List<String> names,
                                                       List<Boolean> binary, boolean binaryDefault) {
        List<InferRequest.Output> r = new ArrayList<>();
        if (names == null || names.isEmpty()) {
            for (int k = 0; k < outputs.size(); k++) {
                r.add(new InferRequest.Output(k, binaryDefault));
            }
            return r;
        }
        for (int i = 0; i < names.size(); i++) {
            int k = indexOf(outputs, names.get(i));
            if (k < 0) {
                throw ProtocolException.badRequest("unknown output '" + names.get(i) + "'; the model has "
                        + names(outputs));
            }
            Boolean b = binary == null ? null : binary.get(i);
            r.add(new InferRequest.Output(k, b == null ? binaryDefault : b));
        }
        return r;
    }

    private static int indexOf(List<TensorInfo> tensors, String name) {
        for (int k = 0; k < tensors.size(); k++) {
            if (tensors.get(k).name().equals(name)) {
                return k;
            }
        }
        return -1;
    }

    private static String names(List<TensorInfo> tensors) {
        List<String> n = new ArrayList<>();
        for (TensorInfo t : tensors) {
            n.add(t.name());
        }
        return n.toString();
    }
}
