package dev.sparse24.runtime.batching;

import dev.sparse24.graph.DType;
import dev.sparse24.runtime.TensorInfo;

import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.List;

/**
 * One runner's gather and scatter memory for {@code capacity} batch items: a direct buffer per
 * model input (of the input's element type) and per output, in native order so the session uses
 * them without copying. Reused from batch to batch by the one thread that owns it.
 */
final class BatchBuffers {
    private final Buffer[] inputs;
    private final FloatBuffer[] outputs;
    private final int[] inputSample;
    private final int[] outputSample;
    final int capacity;

    BatchBuffers(List<TensorInfo> in, List<TensorInfo> out, int capacity) {
        this.capacity = capacity;
        inputs = new Buffer[in.size()];
        inputSample = new int[in.size()];
        for (int k = 0; k < in.size(); k++) {
            inputSample[k] = in.get(k).sampleSize();
            long n = (long) capacity * inputSample[k];
            inputs[k] = in.get(k).dtype() == DType.FLOAT32 ? direct(n * 4).asFloatBuffer() : direct(n);
        }
        outputs = new FloatBuffer[out.size()];
        outputSample = new int[out.size()];
        for (int k = 0; k < out.size(); k++) {
            outputSample[k] = out.get(k).sampleSize();
            outputs[k] = direct((long) capacity * outputSample[k] * 4).asFloatBuffer();
        }
    }

    private static ByteBuffer direct(long bytes) {
        if (bytes > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("batch buffer of " + bytes + " bytes is larger than one buffer holds;"
                    + " lower maxBatch");
        }
        return ByteBuffer.allocateDirect((int) bytes).order(ByteOrder.nativeOrder());
    }

    /** Copies the requests' inputs one after another; returns the input views of {@code samples} items. */
    Buffer[] gather(List<PendingRequest> requests, int samples) {
        Buffer[] views = new Buffer[inputs.length];
        for (int k = 0; k < inputs.length; k++) {
            int at = 0;
            for (PendingRequest r : requests) {
                int n = r.batch * inputSample[k];
                if (inputs[k] instanceof FloatBuffer dst) {
                    dst.put(at, (FloatBuffer) r.inputs[k], r.inputs[k].position(), n);
                } else {
                    ((ByteBuffer) inputs[k]).put(at, (ByteBuffer) r.inputs[k], r.inputs[k].position(), n);
                }
                at += n;
            }
            views[k] = slice(inputs[k], samples * inputSample[k]);
        }
        return views;
    }

    /** The output views for {@code samples} items. */
    FloatBuffer[] outputs(int samples) {
        FloatBuffer[] views = new FloatBuffer[outputs.length];
        for (int k = 0; k < outputs.length; k++) {
            views[k] = outputs[k].slice(0, samples * outputSample[k]);
        }
        return views;
    }

    /** Request {@code r}'s rows of every output, starting at batch item {@code first}. */
    float[][] scatter(PendingRequest r, int first) {
        float[][] result = new float[outputs.length][];
        for (int k = 0; k < outputs.length; k++) {
            result[k] = new float[r.batch * outputSample[k]];
            outputs[k].get(first * outputSample[k], result[k]);
        }
        return result;
    }

    private static Buffer slice(Buffer b, int length) {
        return b instanceof FloatBuffer f ? f.slice(0, length) : ((ByteBuffer) b).slice(0, length);
    }
}
