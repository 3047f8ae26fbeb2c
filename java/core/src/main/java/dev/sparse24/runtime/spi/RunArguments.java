package dev.sparse24.runtime.spi;

import dev.sparse24.graph.Graph;

import java.nio.FloatBuffer;

/**
 * The argument check every {@link Executor#run} makes before touching native or device memory:
 * one buffer per graph input and output, each input holding exactly {@code batch} samples and
 * each output room for them, outputs writable. One definition, so the CPU and CUDA executors
 * refuse the same calls with the same messages.
 */
public final class RunArguments {
    private RunArguments() {
    }

    /**
     * @param graph        the executor's graph (names for the messages)
     * @param inputs       the graph's input tensor indices
     * @param inputSample  floats per batch item of each input
     * @param outputs      the graph's output tensor indices
     * @param outputSample floats per batch item of each output
     * @throws IllegalArgumentException naming the buffer, what was expected and what was given
     */
    public static void check(Graph graph, int[] inputs, int[] inputSample, int[] outputs, int[] outputSample,
                             FloatBuffer[] in, int batch, FloatBuffer[] out) {
        if (batch < 0) {
            throw new IllegalArgumentException("batch must be >= 0, given " + batch);
        }
        if (in == null || in.length != inputs.length) {
            throw new IllegalArgumentException("expected " + inputs.length + " input buffers, given "
                    + (in == null ? "null" : in.length));
        }
        if (out == null || out.length != outputs.length) {
            throw new IllegalArgumentException("expected " + outputs.length + " output buffers, given "
                    + (out == null ? "null" : out.length));
        }
        for (int k = 0; k < in.length; k++) {
            long need = (long) batch * inputSample[k];
            if (in[k] == null || in[k].remaining() != need) {
                throw new IllegalArgumentException("input " + k + " (" + graph.tensor(inputs[k]).name() + "): expected "
                        + batch + " x " + inputSample[k] + " = " + need + " floats, given "
                        + (in[k] == null ? "null" : in[k].remaining()));
            }
        }
        for (int k = 0; k < out.length; k++) {
            long need = (long) batch * outputSample[k];
            if (out[k] == null || out[k].remaining() < need) {
                throw new IllegalArgumentException("output " + k + " (" + graph.tensor(outputs[k]).name()
                        + "): expected room for " + batch + " x " + outputSample[k] + " = " + need + " floats, given "
                        + (out[k] == null ? "null" : out[k].remaining()));
            }
            if (out[k].isReadOnly()) {
                throw new IllegalArgumentException("output " + k + ": expected a writable buffer, given a read-only one");
            }
        }
    }
}
