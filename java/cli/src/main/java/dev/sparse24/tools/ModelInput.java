package dev.sparse24.tools;

import dev.sparse24.graph.DType;
import dev.sparse24.runtime.InferenceSession;
import dev.sparse24.runtime.TensorInfo;

import java.util.Arrays;

/**
 * The samples a command feeds a single-input model, held in the type the input declares: floats
 * for a FLOAT32 input, bytes for UINT8 and INT8 (a model that casts raw pixels itself must get
 * the pixels, not pixels / 255 - that scores like chance, not like the model).
 */
public final class ModelInput {
    private final TensorInfo info;
    private final float[] floats;
    private final byte[] bytes;
    private final int items;

    private ModelInput(TensorInfo info, float[] floats, byte[] bytes, int length) {
        int sample = info.sampleSize();
        if (length == 0 || length % sample != 0) {
            throw new IllegalArgumentException("the input holds " + length + " values, not a positive multiple of "
                    + sample + " (one " + info + ")");
        }
        this.info = info;
        this.floats = floats;
        this.bytes = bytes;
        this.items = length / sample;
    }

    /**
     * Values given as numbers (a float file, text): used as they are for a FLOAT32 input; for a
     * UINT8/INT8 input each must be a whole number in the type's range.
     *
     * @throws IllegalArgumentException naming the first value that does not fit, and where
     */
    public static ModelInput ofValues(TensorInfo in, float[] values) {
        if (in.dtype() == DType.FLOAT32) {
            return new ModelInput(in, values, null, values.length);
        }
        int lo = in.dtype() == DType.UINT8 ? 0 : -128;
        int hi = in.dtype() == DType.UINT8 ? 255 : 127;
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            float v = values[i];
            if (!(v >= lo && v <= hi) || v != Math.rint(v)) {
                throw new IllegalArgumentException("value " + i + " (" + v + ") does not fit input " + in.name()
                        + ", which is " + in.dtype() + ": whole numbers " + lo + " to " + hi);
            }
            b[i] = (byte) (int) v;
        }
        return new ModelInput(in, null, b, b.length);
    }

    /** Raw bytes, one per value, for a UINT8/INT8 input. */
    public static ModelInput ofBytes(TensorInfo in, byte[] raw) {
        if (in.dtype() == DType.FLOAT32) {
            throw new IllegalArgumentException("input " + in.name() + " is FLOAT32: give float32 values, not bytes");
        }
        return new ModelInput(in, null, raw, raw.length);
    }

    /**
     * 8-bit grey pixels (MNIST's): as they are for a UINT8 input, {@code / 255} for a FLOAT32 one
     * (what the tutorial's models are trained on).
     *
     * @throws IllegalArgumentException for an INT8 input (no unambiguous mapping of pixels to it)
     */
    public static ModelInput ofPixels(TensorInfo in, byte[] pixels) {
        switch (in.dtype()) {
            case UINT8:
                return new ModelInput(in, null, pixels.clone(), pixels.length);
            case FLOAT32: {
                float[] x = new float[pixels.length];
                for (int i = 0; i < x.length; i++) {
                    x[i] = (pixels[i] & 0xFF) / 255f;
                }
                return new ModelInput(in, x, null, x.length);
            }
            default:
                throw new IllegalArgumentException("input " + in.name() + " is " + in.dtype()
                        + ": pixels are fed to FLOAT32 inputs (/ 255) or UINT8 inputs (as they are) only");
        }
    }

    /** Samples held. */
    public int items() {
        return items;
    }

    /** The input fed. */
    public TensorInfo info() {
        return info;
    }

    /** Samples [from, from + count) as their own input (copied), so that running it copies nothing. */
    public ModelInput range(int from, int count) {
        int sample = info.sampleSize();
        return floats != null
                ? new ModelInput(info, Arrays.copyOfRange(floats, from * sample, (from + count) * sample), null, count * sample)
                : new ModelInput(info, null, Arrays.copyOfRange(bytes, from * sample, (from + count) * sample), count * sample);
    }

    /** Runs {@code count} samples from sample {@code from}: the session's outputs for them. */
    public float[] run(InferenceSession session, int from, int count) {
        int sample = info.sampleSize();
        if (floats != null) {
            return session.run(from == 0 && count == items ? floats
                    : Arrays.copyOfRange(floats, from * sample, (from + count) * sample), count);
        }
        return session.run(from == 0 && count == items ? bytes
                : Arrays.copyOfRange(bytes, from * sample, (from + count) * sample), count);
    }
}
