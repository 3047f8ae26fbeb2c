package dev.sparse24.server;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.sparse24.runtime.TensorInfo;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * Writes an Open Inference Protocol inference response: {@code {"model_name", "model_version",
 * "id", "outputs": [{"name", "datatype", "shape", "data"}]}}, outputs asked for as binary carry
 * {@code "parameters": {"binary_data_size": n}} instead of data and follow the JSON as
 * little-endian bytes (Triton's binary tensor data extension). Floats are written in their
 * shortest round-trip form, so a JSON client reads back the exact float32 values.
 */
public final class InferResponseWriter {
    private static final JsonFactory JSON = new JsonFactory();

    /**
     * A response body and, when it has binary parts, the length of its JSON header.
     *
     * @param body       the bytes to send
     * @param jsonLength the value of the {@code Inference-Header-Content-Length} header, or -1 when
     *                   the body is all JSON
     */
    public record Body(byte[] body, int jsonLength) {
    }

    private InferResponseWriter() {
    }

    /**
     * @param modelName the model's name
     * @param version   the model's version
     * @param request   the request (id, which outputs, binary or JSON)
     * @param outputs   the model's outputs
     * @param results   one array per model output, {@code batch * sampleSize} floats each
     */
    public static Body write(String modelName, String version, InferRequest request, List<TensorInfo> outputs,
                             float[][] results) {
        ByteArrayOutputStream json = new ByteArrayOutputStream(256 + 16 * results[0].length);
        int binaryBytes = 0;
        try (JsonGenerator g = JSON.createGenerator(json)) {
            g.writeStartObject();
            g.writeStringField("model_name", modelName);
            g.writeStringField("model_version", version);
            if (request.id() != null) {
                g.writeStringField("id", request.id());
            }
            g.writeArrayFieldStart("outputs");
            for (InferRequest.Output o : request.outputs()) {
                TensorInfo info = outputs.get(o.index());
                float[] values = results[o.index()];
                g.writeStartObject();
                g.writeStringField("name", info.name());
                g.writeStringField("datatype", Datatype.FP32.name());
                g.writeArrayFieldStart("shape");
                int[] shape = info.shape();
                g.writeNumber(request.batch());
                for (int d = 1; d < shape.length; d++) {
                    g.writeNumber(shape[d]);
                }
                g.writeEndArray();
                if (o.binary()) {
                    g.writeObjectFieldStart("parameters");
                    g.writeNumberField("binary_data_size", values.length * 4);
                    g.writeEndObject();
                    binaryBytes += values.length * 4;
                } else {
                    g.writeArrayFieldStart("data");
                    for (float v : values) {
                        g.writeNumber(v);
                    }
                    g.writeEndArray();
                }
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);         // a ByteArrayOutputStream does not fail
        }
        if (binaryBytes == 0) {
            return new Body(json.toByteArray(), -1);
        }
        int jsonLength = json.size();
        ByteBuffer all = ByteBuffer.allocate(jsonLength + binaryBytes).order(ByteOrder.LITTLE_ENDIAN);
        all.put(json.toByteArray());
        for (InferRequest.Output o : request.outputs()) {
            if (o.binary()) {
                all.asFloatBuffer().put(results[o.index()]);
                all.position(all.position() + results[o.index()].length * 4);
            }
        }
        return new Body(all.array(), jsonLength);
    }

    /** {@code {"error": message}}. */
    public static byte[] error(String message) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(64);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("error", message == null ? "internal error" : message);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
