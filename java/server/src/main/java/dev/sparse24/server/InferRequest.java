package dev.sparse24.server;

import java.nio.Buffer;
import java.util.List;

/**
 * A checked inference request, ready for {@link dev.sparse24.runtime.batching.BatchingSession#submit}.
 *
 * @param id      the request's {@code id}, echoed in the response; null when absent
 * @param inputs  one buffer per model input, in the model's order: a FloatBuffer for FP32, a
 *                ByteBuffer for UINT8/INT8, {@code batch * sampleSize} values each
 * @param batch   the batch dimension shared by every input
 * @param outputs the outputs to return, in the order to return them
 */
public record InferRequest(String id, Buffer[] inputs, int batch, List<Output> outputs) {
    /**
     * One output to return.
     *
     * @param index  the model output's index
     * @param binary whether it goes back as binary data (binary tensor data extension) or JSON
     */
    public record Output(int index, boolean binary) {
    }
}
