package dev.sparse24.server;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import dev.sparse24.runtime.TensorInfo;
import dev.sparse24.server.grpc.v2.InferTensorContents;
import dev.sparse24.server.grpc.v2.ModelInferRequest;

import java.util.ArrayList;
import java.util.List;

/**
 * Reads a KServe v2 gRPC {@code ModelInferRequest} into a checked {@link InferRequest}: inputs as
 * typed {@code contents} (FP32 in {@code fp32_contents}, UINT8 in {@code uint_contents}, INT8 in
 * {@code int_contents}, ... as the protocol assigns them) or as {@code raw_input_contents}
 * (little-endian, one entry per input, in the order of the inputs). Outputs go back raw when the
 * inputs came raw, typed otherwise. The checks against the model are {@link InferRequestCheck}'s,
 * the same as for REST; every problem is a 400 {@link ProtocolException} (INVALID_ARGUMENT).
 * Stateless and thread-safe.
 */
final class GrpcRequestReader {
    /** Nesting a ModelInferRequest needs is 4 deep; protobuf's default of 100 is more than a request needs. */
    private static final int RECURSION_LIMIT = 16;

    private GrpcRequestReader() {
    }

    /** Parses the bytes of a ModelInferRequest; see {@link #parse(MessageLite, byte[])}. */
    static ModelInferRequest parse(byte[] message) {
        return parse(ModelInferRequest.getDefaultInstance(), message);
    }

    /**
     * Parses the bytes of a request message of {@code prototype}'s type. The parsed {@code bytes}
     * fields (raw contents) share {@code message}'s array instead of copying it, so it must not
     * change afterwards.
     *
     * @throws ProtocolException (400) when the bytes are not such a message
     */
    @SuppressWarnings("unchecked")
    static <M extends MessageLite> M parse(M prototype, byte[] message) {
        CodedInputStream in = CodedInputStream.newInstance(message);
        in.enableAliasing(true);
        in.setRecursionLimit(RECURSION_LIMIT);
        try {
            M r = (M) prototype.getParserForType().parseFrom(in);
            in.checkLastTagWas(0);
            return r;
        } catch (InvalidProtocolBufferException e) {
            throw ProtocolException.badRequest("malformed " + prototype.getClass().getSimpleName() + ": "
                    + e.getMessage());
        }
    }

    /**
     * @param inputs  the model's inputs
     * @param outputs the model's outputs
     * @param r       the request (its model name and version are the caller's to check)
     * @throws ProtocolException (400) on anything not matching the model
     */
    static InferRequest read(List<TensorInfo> inputs, List<TensorInfo> outputs, ModelInferRequest r) {
        int rawCount = r.getRawInputContentsCount();
        boolean raw = rawCount > 0;
        if (raw && rawCount != r.getInputsCount()) {
            throw ProtocolException.badRequest("raw_input_contents has " + rawCount + " entries, the request has "
                    + r.getInputsCount() + " inputs (one entry per input, in their order)");
        }
        List<InferRequestCheck.Input> given = new ArrayList<>(r.getInputsCount());
        for (int i = 0; i < r.getInputsCount(); i++) {
            ModelInferRequest.InferInputTensor t = r.getInputs(i);
            InferRequestCheck.Input in = new InferRequestCheck.Input(t.getName());
            in.datatype = t.getDatatype().isEmpty() ? null : t.getDatatype();
            long[] shape = new long[t.getShapeCount()];
            for (int d = 0; d < shape.length; d++) {
                shape[d] = t.getShape(d);
            }
            in.shape = shape;
            if (raw) {
                if (t.hasContents()) {
                    throw ProtocolException.badRequest("input '" + t.getName() + "' has contents but the request has "
                            + "raw_input_contents: give every input one way");
                }
                in.raw = r.getRawInputContents(i).asReadOnlyByteBuffer();
            } else if (t.hasContents()) {
                in.values = values(in.datatype, t.getContents());
            }
            given.add(in);
        }
        List<String> names = new ArrayList<>(r.getOutputsCount());
        for (ModelInferRequest.InferRequestedOutputTensor o : r.getOutputsList()) {
            names.add(o.getName());
        }
        return InferRequestCheck.check(inputs, outputs, given, InferRequestCheck.GRPC,
                r.getId().isEmpty() ? null : r.getId(), names, null, raw);
    }

    /**
     * The typed values in the field the protocol gives {@code datatype}; values in other fields
     * are a problem (told after the datatype check). An unknown datatype reads as no values (the
     * check then names the datatype).
     */
    private static InferRequestCheck.Values values(String datatype, InferTensorContents c) {
        String field;
        InferRequestCheck.Values v;
        int filled;
        Datatype type = datatype == null ? null : Datatype.parse(datatype);
        if (type == null) {
            return null;
        }
        switch (type) {
            case FP32 -> {
                field = "fp32_contents";
                filled = c.getFp32ContentsCount();
                v = values(filled, c::getFp32Contents);
            }
            case FP64 -> {
                field = "fp64_contents";
                filled = c.getFp64ContentsCount();
                v = values(filled, c::getFp64Contents);
            }
            case UINT8, UINT16, UINT32 -> {
                field = "uint_contents";
                filled = c.getUintContentsCount();
                v = values(filled, i -> Integer.toUnsignedLong(c.getUintContents(i)));
            }
            case INT8, INT16, INT32 -> {
                field = "int_contents";
                filled = c.getIntContentsCount();
                v = values(filled, c::getIntContents);
            }
            case INT64 -> {
                field = "int64_contents";
                filled = c.getInt64ContentsCount();
                v = values(filled, c::getInt64Contents);
            }
            case UINT64 -> {
                field = "uint64_contents";
                filled = c.getUint64ContentsCount();
                v = values(filled, i -> (double) c.getUint64Contents(i));
            }
            case BOOL -> {
                field = "bool_contents";
                filled = c.getBoolContentsCount();
                v = values(filled, i -> c.getBoolContents(i) ? 1 : 0);
            }
            default -> {
                // FP16, BF16, BYTES have no typed field this server reads: raw_input_contents only.
                field = null;
                filled = 0;
                v = null;
            }
        }
        int total = c.getFp32ContentsCount() + c.getFp64ContentsCount() + c.getUintContentsCount()
                + c.getIntContentsCount() + c.getInt64ContentsCount() + c.getUint64ContentsCount()
                + c.getBoolContentsCount() + c.getBytesContentsCount();
        if (total != filled) {
            String problem = type + " values go in " + (field == null ? "raw_input_contents" : field)
                    + ", the contents hold " + (total - filled) + " values in other fields";
            return misplaced(problem);
        }
        return v;
    }

    private static InferRequestCheck.Values misplaced(String problem) {
        return new InferRequestCheck.Values() {
            @Override
            public int count() {
                return 0;
            }

            @Override
            public double get(int i) {
                throw new IndexOutOfBoundsException(i);
            }

            @Override
            public String problem() {
                return problem;
            }
        };
    }

    private interface ValueAt {
        double at(int i);
    }

    private static InferRequestCheck.Values values(int count, ValueAt at) {
        return new InferRequestCheck.Values() {
            @Override
            public int count() {
                return count;
            }

            @Override
            public double get(int i) {
                return at.at(i);
            }
        };
    }
}
