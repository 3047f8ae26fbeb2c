package dev.sparse24.server;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import dev.sparse24.graph.DType;
import dev.sparse24.runtime.TensorInfo;

import java.io.IOException;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses and checks an Open Inference Protocol inference request body against a model:
 * {@code {"id", "parameters", "inputs": [{"name", "shape", "datatype", "parameters", "data"}],
 * "outputs": [{"name", "parameters"}]}}, with {@code data} flat or nested, row-major, and Triton's
 * binary tensor data extension ({@code Inference-Header-Content-Length} bytes of JSON, then each
 * input with a {@code binary_data_size} parameter as little-endian bytes, in the order of the JSON
 * inputs). Every problem is a {@link ProtocolException} with status 400 saying which tensor and
 * what was expected; nothing is allocated beyond what the body itself holds. Thread-safe.
 */
public final class InferRequestParser {
    private static final int MAX_DEPTH = 32;

    private final JsonFactory json = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNestingDepth(MAX_DEPTH).maxNumberLength(400).maxStringLength(1 << 20).build())
            .build();

    /** One input object as it came, before the checks against the model. */
    private static final class RawInput {
        String name;
        long[] shape;
        String datatype;
        Long binarySize;
        double[] data;
        int count;
    }

    /**
     * @param inputs       the model's inputs
     * @param outputs      the model's outputs
     * @param body         the whole request body
     * @param headerLength the {@code Inference-Header-Content-Length} header's value, or -1 when
     *                     absent (then the body is all JSON)
     * @throws ProtocolException (400) on anything malformed or not matching the model
     */
    public InferRequest parse(List<TensorInfo> inputs, List<TensorInfo> outputs, byte[] body, long headerLength) {
        if (headerLength > body.length) {
            throw ProtocolException.badRequest("Inference-Header-Content-Length " + headerLength
                    + " is larger than the body (" + body.length + " bytes)");
        }
        int jsonLength = headerLength < 0 ? body.length : (int) headerLength;
        String id = null;
        boolean binaryOutput = false;
        List<RawInput> raw = new ArrayList<>();
        List<String> outNames = null;
        List<Boolean> outBinary = new ArrayList<>();
        try (JsonParser p = json.createParser(body, 0, jsonLength)) {
            expect(p.nextToken(), JsonToken.START_OBJECT, "the request must be a JSON object");
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken t = p.nextToken();
                switch (field) {
                    case "id" -> {
                        expect(t, JsonToken.VALUE_STRING, "\"id\" must be a string");
                        id = p.getText();
                    }
                    case "parameters" -> {
                        Object v = parameters(p, t, "request").get("binary_data_output");
                        binaryOutput = bool(v, "request parameter binary_data_output");
                    }
                    case "inputs" -> {
                        expect(t, JsonToken.START_ARRAY, "\"inputs\" must be an array");
                        while (p.nextToken() != JsonToken.END_ARRAY) {
                            raw.add(input(p));
                        }
                    }
                    case "outputs" -> {
                        expect(t, JsonToken.START_ARRAY, "\"outputs\" must be an array");
                        outNames = new ArrayList<>();
                        while (p.nextToken() != JsonToken.END_ARRAY) {
                            requestedOutput(p, outNames, outBinary);
                        }
                    }
                    default -> p.skipChildren();       // fields of other extensions are not ours to refuse
                }
            }
            if (p.nextToken() != null) {
                throw ProtocolException.badRequest("content after the request's JSON object");
            }
        } catch (JsonProcessingException e) {
            // Jackson's message names its source ("REDACTED"); the client needs what and where only.
            String what = e.getOriginalMessage().replaceAll("\\s*\\(start marker at \\[Source:.*?\\]\\)", "");
            throw ProtocolException.badRequest("malformed JSON: " + what
                    + (e.getLocation() == null ? "" : " at byte " + e.getLocation().getByteOffset()));
        } catch (IOException e) {
            throw ProtocolException.badRequest("unreadable request: " + e.getMessage());
        }
        return check(inputs, outputs, raw, outNames, outBinary, binaryOutput, id, body, jsonLength, headerLength >= 0);
    }

    private RawInput input(JsonParser p) throws IOException {
        expect(p.currentToken(), JsonToken.START_OBJECT, "each input must be an object");
        RawInput in = new RawInput();
        boolean dataSeen = false;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken t = p.nextToken();
            switch (field) {
                case "name" -> {
                    expect(t, JsonToken.VALUE_STRING, "input \"name\" must be a string");
                    in.name = p.getText();
                }
                case "datatype" -> {
                    expect(t, JsonToken.VALUE_STRING, "input \"datatype\" must be a string");
                    in.datatype = p.getText();
                }
                case "shape" -> in.shape = shape(p, t);
                case "parameters" -> {
                    Object size = parameters(p, t, "input").get("binary_data_size");
                    if (size != null) {
                        if (!(size instanceof Long l) || l < 0) {
                            throw ProtocolException.badRequest("binary_data_size must be a non-negative integer, given "
                                    + size);
                        }
                        in.binarySize = l;
                    }
                }
                case "data" -> {
                    dataSeen = true;
                    in.data = new double[64];
                    in.count = 0;
                    data(p, t, in, 0);
                }
                default -> p.skipChildren();
            }
        }
        if (in.name == null) {
            throw ProtocolException.badRequest("an input has no \"name\"");
        }
        if (!dataSeen) {
            in.data = null;
        }
        return in;
    }

    private static long[] shape(JsonParser p, JsonToken t) throws IOException {
        expect(t, JsonToken.START_ARRAY, "input \"shape\" must be an array of integers");
        long[] s = new long[8];
        int n = 0;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            if (t != JsonToken.VALUE_NUMBER_INT || p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
                throw ProtocolException.badRequest("input \"shape\" must be an array of integers");
            }
            if (n == s.length) {
                if (n >= MAX_DEPTH) {
                    throw ProtocolException.badRequest("input \"shape\" has more than " + MAX_DEPTH + " dimensions");
                }
                s = Arrays.copyOf(s, n * 2);
            }
            s[n++] = p.getLongValue();
        }
        return Arrays.copyOf(s, n);
    }

    /** Flattens nested arrays of numbers (or booleans) into {@code in.data}, row-major. */
    private static void data(JsonParser p, JsonToken t, RawInput in, int depth) throws IOException {
        if (t != JsonToken.START_ARRAY) {
            throw ProtocolException.badRequest("input '" + name(in) + "': \"data\" must be an array");
        }
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            double v;
            switch (t) {
                case START_ARRAY -> {
                    data(p, t, in, depth + 1);
                    continue;
                }
                case VALUE_NUMBER_FLOAT -> v = p.getDoubleValue();
                case VALUE_NUMBER_INT -> {
                    v = p.getDoubleValue();
                    if (v == 0 && p.getText().startsWith("-")) {
                        v = -0.0;               // "-0" is IEEE negative zero, as a float literal would be
                    }
                }
                case VALUE_TRUE -> v = 1;
                case VALUE_FALSE -> v = 0;
                default -> throw ProtocolException.badRequest("input '" + name(in)
                        + "': \"data\" must hold numbers, given " + p.getText());
            }
            if (in.count == in.data.length) {
                in.data = Arrays.copyOf(in.data, in.count * 2);
            }
            in.data[in.count++] = v;
        }
    }

    private static String name(RawInput in) {
        return in.name == null ? "(unnamed)" : in.name;
    }

    private static void requestedOutput(JsonParser p, List<String> names, List<Boolean> binary) throws IOException {
        expect(p.currentToken(), JsonToken.START_OBJECT, "each requested output must be an object");
        String name = null;
        boolean bin = false;
        boolean binGiven = false;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken t = p.nextToken();
            if (field.equals("name")) {
                expect(t, JsonToken.VALUE_STRING, "output \"name\" must be a string");
                name = p.getText();
            } else if (field.equals("parameters")) {
                Object v = parameters(p, t, "output").get("binary_data");
                binGiven = v != null;
                bin = bool(v, "output parameter binary_data");
            } else {
                p.skipChildren();
            }
        }
        if (name == null) {
            throw ProtocolException.badRequest("a requested output has no \"name\"");
        }
        names.add(name);
        binary.add(binGiven ? bin : null);
    }

    /** A parameters object: scalar values kept (Long, Double, Boolean, String), nested ones skipped. */
    private static Map<String, Object> parameters(JsonParser p, JsonToken t, String where) throws IOException {
        expect(t, JsonToken.START_OBJECT, where + " \"parameters\" must be an object");
        Map<String, Object> m = new HashMap<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String key = p.currentName();
            JsonToken v = p.nextToken();
            switch (v) {
                case VALUE_NUMBER_INT -> m.put(key, p.getNumberType() == JsonParser.NumberType.BIG_INTEGER
                        ? (Object) p.getDoubleValue() : (Object) p.getLongValue());
                case VALUE_NUMBER_FLOAT -> m.put(key, p.getDoubleValue());
                case VALUE_TRUE -> m.put(key, Boolean.TRUE);
                case VALUE_FALSE -> m.put(key, Boolean.FALSE);
                case VALUE_STRING -> m.put(key, p.getText());
                default -> p.skipChildren();
            }
        }
        return m;
    }

    private static boolean bool(Object v, String what) {
        if (v == null) {
            return false;
        }
        if (!(v instanceof Boolean b)) {
            throw ProtocolException.badRequest(what + " must be a boolean, given " + v);
        }
        return b;
    }

    private static void expect(JsonToken got, JsonToken want, String message) {
        if (got != want) {
            throw ProtocolException.badRequest(message);
        }
    }

    private static InferRequest check(List<TensorInfo> inputs, List<TensorInfo> outputs, List<RawInput> raw,
                                      List<String> outNames, List<Boolean> outBinary, boolean binaryOutput, String id,
                                      byte[] body, int jsonLength, boolean binaryAllowed) {
        if (raw.size() != inputs.size()) {
            throw ProtocolException.badRequest("the model takes " + inputs.size() + " input(s) " + names(inputs)
                    + ", given " + raw.size());
        }
        Buffer[] buffers = new Buffer[inputs.size()];
        int batch = -1;
        int binaryAt = jsonLength;
        for (RawInput in : raw) {
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
            if (in.binarySize != null) {
                if (in.data != null) {
                    throw ProtocolException.badRequest("input '" + in.name + "' has both \"data\" and binary_data_size");
                }
                if (!binaryAllowed) {
                    throw ProtocolException.badRequest("input '" + in.name
                            + "' has binary_data_size but the request has no Inference-Header-Content-Length");
                }
                long bytes = count * type.bytes();
                if (in.binarySize != bytes) {
                    throw ProtocolException.badRequest("input '" + in.name + "': shape " + Arrays.toString(in.shape)
                            + " of " + type + " is " + bytes + " bytes, binary_data_size is " + in.binarySize);
                }
                if (bytes > body.length - binaryAt) {
                    throw ProtocolException.badRequest("input '" + in.name + "': binary_data_size " + bytes
                            + " but only " + (body.length - binaryAt) + " bytes of binary data are left");
                }
                buffers[k] = fromBinary(info.dtype(), body, binaryAt, (int) bytes);
                binaryAt += (int) bytes;
            } else {
                if (in.data == null) {
                    throw ProtocolException.badRequest("input '" + in.name + "' has neither \"data\" nor binary_data_size");
                }
                if (in.count != count) {
                    throw ProtocolException.badRequest("input '" + in.name + "': shape " + Arrays.toString(in.shape)
                            + " holds " + count + " values, \"data\" has " + in.count);
                }
                buffers[k] = fromJson(info.dtype(), in);
            }
        }
        if (binaryAt != body.length) {
            throw ProtocolException.badRequest((body.length - binaryAt) + " bytes of binary data after the inputs' "
                    + "binary_data_size");
        }
        return new InferRequest(id, buffers, batch, requested(outputs, outNames, outBinary, binaryOutput));
    }

    private static int batchOf(RawInput in, TensorInfo info) {
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
        // The data or binary section has to hold batch x sampleSize values, so a batch past the
        // body's size fails the length check; past an int it cannot be a real request.
        if (in.shape[0] > Integer.MAX_VALUE / Math.max(1, info.sampleSize())) {
            throw ProtocolException.badRequest("input '" + in.name + "': batch " + in.shape[0] + " is too large");
        }
        return (int) in.shape[0];
    }

    private static Buffer fromBinary(DType t, byte[] body, int at, int bytes) {
        ByteBuffer b = ByteBuffer.wrap(body, at, bytes).slice();
        if (t == DType.FLOAT32) {
            // Copied into native order once, so the batcher's gather is a plain bulk copy.
            FloatBuffer f = FloatBuffer.allocate(bytes / 4);
            f.put(b.order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer());
            return f.flip();
        }
        return b;
    }

    private static Buffer fromJson(DType t, RawInput in) {
        if (t == DType.FLOAT32) {
            float[] f = new float[in.count];
            for (int i = 0; i < in.count; i++) {
                f[i] = (float) in.data[i];
            }
            return FloatBuffer.wrap(f);
        }
        int lo = t == DType.UINT8 ? 0 : -128;
        int hi = t == DType.UINT8 ? 255 : 127;
        byte[] b = new byte[in.count];
        for (int i = 0; i < in.count; i++) {
            double v = in.data[i];
            if (v != Math.rint(v) || v < lo || v > hi) {
                throw ProtocolException.badRequest("input '" + in.name + "': value " + v + " at " + i + " is not a "
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
            Boolean b = binary.get(i);
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
