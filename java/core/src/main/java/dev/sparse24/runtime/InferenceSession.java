package dev.sparse24.runtime;

import dev.sparse24.runtime.spi.Executor;

import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;

/**
 * A model compiled for one device, ready to run batches. Made by
 * {@link SparseModel#newSession(SessionOptions)}.
 *
 * <ul>
 *   <li>Inputs and outputs are row-major (NHWC for images), batch first: an input of shape
 *       {@code [-1, 28, 28, 1]} takes {@code batch * 784} values. Outputs are float32. Each input
 *       takes the type it declares ({@link TensorInfo#dtype()}): floats for FLOAT32, bytes for
 *       UINT8 (0-255) and INT8 (-128-127), which are converted to float32 exactly, as the model's
 *       input cast does. Floats given to a byte input (or bytes to a float one) are refused:
 *       scaled floats given for raw pixels are a silent accuracy loss, not a run.</li>
 *   <li>{@link #run} is thread-safe: concurrent calls use separate scratch memory.</li>
 *   <li>Direct {@link FloatBuffer}s in native byte order are used in place, without copies.</li>
 *   <li>NaN and infinities in inputs are not checked: they propagate as IEEE float arithmetic
 *       does (a NaN pixel gives NaN outputs wherever it reaches a sum; max pooling and ReLU
 *       follow their comparisons).</li>
 *   <li>Interrupts: a run whose thread is interrupted before or during it (e.g.
 *       {@code Future.cancel(true)}, {@code shutdownNow}) stops within about one layer and throws
 *       {@link java.util.concurrent.CancellationException} (cause: {@link InterruptedException}),
 *       only after every worker of that run has stopped; the thread's interrupt status stays set,
 *       the outputs are left partly written, and the session stays usable.</li>
 *   <li>{@link #close()} waits for runs in flight, frees the native memory (packed weights,
 *       workspaces) and is idempotent; any call after it throws {@link IllegalStateException}.</li>
 * </ul>
 */
public final class InferenceSession implements AutoCloseable {
    private final SparseModel model;
    private final SessionOptions options;
    private final Executor executor;
    private final Device device;

    InferenceSession(SparseModel model, SessionOptions options) {
        if (options == null) {
            throw new IllegalArgumentException("options must not be null");
        }
        this.model = model;
        this.options = options;
        BackendSelection.Chosen chosen = BackendSelection.open(model, options);
        this.executor = chosen.executor();
        this.device = chosen.device();
    }

    /** The device that runs this session (never AUTO). */
    public Device device() {
        return device;
    }

    /** What runs, in words: device, kernels, threads (e.g. for logs). */
    public String description() {
        return executor.description();
    }

    /** The options the session was made with. */
    public SessionOptions options() {
        return options;
    }

    /** The model. */
    public SparseModel model() {
        return model;
    }

    /**
     * Runs a single-input, single-output model.
     *
     * @param input {@code batch * inputSize} floats, batch first
     * @return {@code batch * outputSize} floats
     * @throws IllegalArgumentException when the model has several inputs or outputs, the batch is
     *                                  negative, the input length is not {@code batch} times the
     *                                  input size, or the output would not fit one array (all
     *                                  checked before anything is allocated)
     * @throws IllegalStateException    after {@link #close()}
     */
    public float[] run(float[] input, int batch) {
        requireSingle();
        TypedInputs.requireFloat(model.inputs());
        if (input == null) {
            throw new IllegalArgumentException("input must not be null");
        }
        if (executor.isClosed()) {
            throw new IllegalStateException("session is closed");
        }
        if (batch < 0) {
            throw new IllegalArgumentException("batch must be >= 0, given " + batch);
        }
        long need = (long) batch * model.inputs().get(0).sampleSize();
        if (input.length != need) {
            throw new IllegalArgumentException("input: expected " + batch + " x " + model.inputs().get(0).sampleSize()
                    + " = " + need + " floats, given " + input.length);
        }
        long outSize = TypedInputs.outputFloats(model, batch);
        float[] out = new float[(int) outSize];
        run(FloatBuffer.wrap(input), batch, FloatBuffer.wrap(out));
        return out;
    }

    /**
     * Runs a single-input, single-output model on buffers, read and written from their positions
     * (which are not changed). Direct buffers in native order are used without copies.
     *
     * @param input  exactly {@code batch * inputSize} floats remaining
     * @param output room for {@code batch * outputSize} floats
     */
    public void run(FloatBuffer input, int batch, FloatBuffer output) {
        requireSingle();
        run(new FloatBuffer[]{input}, batch, new FloatBuffer[]{output});
    }

    /**
     * Runs a single-input, single-output model whose input is UINT8 or INT8.
     *
     * @param input {@code batch * inputSize} bytes, batch first (UINT8: 0-255 as {@code b & 0xff})
     * @return {@code batch * outputSize} floats
     * @throws IllegalArgumentException when the input is not UINT8/INT8, or on a wrong length or
     *                                  batch (checked before anything is allocated)
     */
    public float[] run(byte[] input, int batch) {
        requireSingle();
        if (input == null) {
            throw new IllegalArgumentException("input must not be null");
        }
        if (executor.isClosed()) {
            throw new IllegalStateException("session is closed");
        }
        TensorInfo in = model.inputs().get(0);
        if (in.dtype() == dev.sparse24.graph.DType.FLOAT32) {
            throw new IllegalArgumentException("input " + in.name() + " is declared FLOAT32: pass floats, not bytes");
        }
        long outSize = TypedInputs.outputFloats(model, batch);
        if (input.length != (long) batch * in.sampleSize()) {
            throw new IllegalArgumentException("input: expected " + batch + " x " + in.sampleSize() + " = "
                    + (long) batch * in.sampleSize() + " bytes, given " + input.length);
        }
        float[] out = new float[(int) outSize];
        run(new Buffer[]{ByteBuffer.wrap(input)}, batch, new FloatBuffer[]{FloatBuffer.wrap(out)});
        return out;
    }

    /**
     * Runs a model with inputs of any declared type: a {@link FloatBuffer} for each FLOAT32 input,
     * a {@link ByteBuffer} (one byte per value) for each UINT8 or INT8 input, read from their
     * positions (which are not changed).
     *
     * @throws IllegalArgumentException on a wrong count, buffer type, size or batch (the message
     *                                  names the input, its type, expected and given)
     * @throws IllegalStateException    after {@link #close()}
     */
    public void run(Buffer[] inputs, int batch, FloatBuffer[] outputs) {
        if (executor.isClosed()) {
            throw new IllegalStateException("session is closed");
        }
        executor.run(TypedInputs.toFloat(model.inputs(), inputs, batch), batch, outputs);
    }

    /**
     * Runs a model with any number of inputs and outputs, all FLOAT32 (use
     * {@link #run(Buffer[], int, FloatBuffer[])} for UINT8/INT8 inputs).
     *
     * @param inputs  one buffer per {@link SparseModel#inputs()} entry, in order
     * @param batch   batch items (dimension 0) in every input
     * @param outputs one buffer per {@link SparseModel#outputs()} entry, in order
     * @throws IllegalArgumentException on a wrong count or size (the message gives expected and given)
     * @throws IllegalStateException    after {@link #close()}
     * @throws java.util.concurrent.CancellationException when the thread is interrupted before or
     *                                  during the run (see the class comment)
     */
    public void run(FloatBuffer[] inputs, int batch, FloatBuffer[] outputs) {
        TypedInputs.requireFloat(model.inputs());
        executor.run(inputs, batch, outputs);
    }

    private void requireSingle() {
        if (model.inputs().size() != 1 || model.outputs().size() != 1) {
            throw new IllegalArgumentException("expected a model with 1 input and 1 output for this call, given "
                    + model.inputs().size() + " inputs and " + model.outputs().size()
                    + " outputs; use run(FloatBuffer[], int, FloatBuffer[])");
        }
    }

    /** Waits for runs in flight, then frees the session's native memory; idempotent. */
    @Override
    public void close() {
        executor.close();
    }

    @Override
    public String toString() {
        return "InferenceSession[" + description() + "]";
    }
}
