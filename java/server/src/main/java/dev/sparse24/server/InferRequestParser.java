package dev.sparse24.server;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import dev.sparse24.runtime.TensorInfo;

import java.io.IOException;
import java.nio.ByteBuffer;
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

    /**
     * Gives each input with a {@code binary_data_size} its bytes of the binary section (in the order
     * of the JSON inputs), then leaves every other check to {@link InferRequestCheck}.
     */
    private static InferRequest check(List<TensorInfo> inputs, List<TensorInfo> outputs, List<RawInput> raw,
                                      List<String> outNames, List<Boolean> outBinary, boolean binaryOutput, String id,
                                      byte[] body, int jsonLength, boolean binaryAllowed) {
        List<InferRequestCheck.Input> given = new ArrayList<>(raw.size());
        int binaryAt = jsonLength;
        for (RawInput r : raw) {
            InferRequestCheck.Input in = new InferRequestCheck.Input(r.name);
            in.shape = r.shape;
            in.datatype = r.datatype;
            if (r.binarySize != null) {
                if (r.data != null) {
                    throw ProtocolException.badRequest("input '" + r.name + "' has both \"data\" and binary_data_size");
                }
                if (!binaryAllowed) {
                    throw ProtocolException.badRequest("input '" + r.name
                            + "' has binary_data_size but the request has no Inference-Header-Content-Length");
                }
                if (r.binarySize > body.length - binaryAt) {
                    throw ProtocolException.badRequest("input '" + r.name + "': binary_data_size " + r.binarySize
                            + " but only " + (body.length - binaryAt) + " bytes of binary data are left");
                }
                in.raw = ByteBuffer.wrap(body, binaryAt, (int) (long) r.binarySize);
                binaryAt += (int) (long) r.binarySize;
            } else if (r.data != null) {
                in.values = new InferRequestCheck.ArrayValues(r.data, r.count);
            }
            given.add(in);
        }
        if (binaryAt != body.length) {
            throw ProtocolException.badRequest((body.length - binaryAt) + " bytes of binary data after the inputs' "
                    + "binary_data_size");
        }
        return InferRequestCheck.check(inputs, outputs, given, InferRequestCheck.JSON, id, outNames, outBinary,
                binaryOutput);
    }
}
