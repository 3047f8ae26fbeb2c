package dev.sparse24.server;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.sparse24.runtime.InferenceSession;
import dev.sparse24.runtime.TensorInfo;
import dev.sparse24.runtime.batching.BatchingSession;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/** One model the server serves: its session, its batcher and its metadata response. */
final class ServedModel {
    static final String VERSION = "1";

    final String name;
    final InferenceSession session;
    final BatchingSession batcher;
    final byte[] metadata;
    volatile boolean ready = true;

    ServedModel(String name, InferenceSession session, BatchingSession batcher) {
        this.name = name;
        this.session = session;
        this.batcher = batcher;
        this.metadata = metadata(name, session);
    }

    List<TensorInfo> inputs() {
        return session.model().inputs();
    }

    List<TensorInfo> outputs() {
        return session.model().outputs();
    }

    /** {@code {"name", "versions", "platform", "inputs": [{"name", "datatype", "shape"}], "outputs"}}, batch -1. */
    private static byte[] metadata(String name, InferenceSession session) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(512);
        try (JsonGenerator g = new JsonFactory().createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("name", name);
            g.writeArrayFieldStart("versions");
            g.writeString(VERSION);
            g.writeEndArray();
            g.writeStringField("platform", "sparse24");
            tensors(g, "inputs", session.model().inputs());
            tensors(g, "outputs", session.model().outputs());
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static void tensors(JsonGenerator g, String field, List<TensorInfo> tensors) throws IOException {
        g.writeArrayFieldStart(field);
        for (TensorInfo t : tensors) {
            g.writeStartObject();
            g.writeStringField("name", t.name());
            g.writeStringField("datatype", Datatype.of(t.dtype()).name());
            g.writeArrayFieldStart("shape");
            for (int d : t.shape()) {
                g.writeNumber(d);            // dimension 0 is -1: any batch
            }
            g.writeEndArray();
            g.writeEndObject();
        }
        g.writeEndArray();
    }
}
