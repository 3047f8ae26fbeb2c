package dev.sparse24.nn;

import dev.sparse24.tensor.Shape;
import dev.sparse24.tensor.Tensor;

import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;

/**
 * Inverted dropout (Keras's {@code Dropout}): in training each element is zeroed with
 * probability {@code rate} and the survivors are scaled by {@code 1 / (1 - rate)}, so that
 * inference is the identity.
 *
 * <p>Masks come from a private random stream seeded at build time, from the explicit seed when
 * one was given, else from the build {@link Random}: the same model seed gives the same
 * sequence of masks.
 */
public final class Dropout extends Layer {
    private final double rate;
    private final Long seed;

    private SplittableRandom masks;
    private float[] mask;         // 0 or 1/(1-rate) per element of the last training forward
    private float[] values;
    private Tensor output;
    private Tensor inputGrad;
    private boolean lastWasDropout;
    private boolean forwardSeen;

    /** Dropout whose masks are seeded from the build random source. */
    public Dropout(double rate) {
        this(rate, null);
    }

    /** Dropout whose masks are seeded from {@code seed} (Keras's {@code seed} argument). */
    public Dropout(double rate, long seed) {
        this(rate, Long.valueOf(seed));
    }

    private Dropout(double rate, Long seed) {
        super(null);
        if (!(rate >= 0 && rate < 1)) {
            throw new IllegalArgumentException("dropout rate must be in [0, 1), given " + rate);
        }
        this.rate = rate;
        this.seed = seed;
    }

    /** Sets the layer's name (instead of the one Sequential would assign) and returns this layer. */
    public Dropout named(String name) {
        setName(name);
        return this;
    }

    @Override
    public String typeName() {
        return "Dropout";
    }

    /** The fraction of elements dropped in training. */
    public double rate() {
        return rate;
    }

    @Override
    protected Shape doBuild(Shape inputShape, Random rng) {
        // Draw from rng even with an explicit seed, so that a layer's seed never shifts the others' streams.
        long drawn = rng.nextLong();
        masks = new SplittableRandom(seed != null ? seed : drawn);
        mask = values = null;
        output = inputGrad = null;
        forwardSeen = false;
        return inputShape;
    }

    @Override
    public Tensor forward(Tensor input, boolean training) {
        checkInput(input);
        forwardSeen = true;
        lastWasDropout = training && rate > 0;
        if (!lastWasDropout) {
            return input;
        }
        int n = input.size();
        if (mask == null || mask.length != n) {
            mask = new float[n];
            values = new float[n];
        }
        float scale = (float) (1.0 / (1.0 - rate));
        float[] m = mask;
        for (int i = 0; i < n; i++) {
            m[i] = masks.nextDouble() < rate ? 0f : scale;
        }
        float[] v = values;
        input.buffer().get(0, v);
        for (int i = 0; i < n; i++) {
            v[i] *= m[i];
        }
        output = Tensor.reuse(output, input.shape());
        output.buffer().put(0, v);
        return output;
    }

    @Override
    public Tensor backward(Tensor gradOutput) {
        if (!forwardSeen) {
            throw new IllegalStateException("Dropout " + name() + ": backward before forward");
        }
        if (!propagateInputGradient) {
            return null;
        }
        if (!lastWasDropout) {
            return gradOutput;
        }
        if (gradOutput.size() != mask.length) {
            throw new IllegalArgumentException("gradient of the output must have shape " + output.shape()
                    + ", given " + gradOutput.shape());
        }
        float[] g = values;
        gradOutput.buffer().get(0, g);
        for (int i = 0; i < g.length; i++) {
            g[i] *= mask[i];
        }
        inputGrad = Tensor.reuse(inputGrad, gradOutput.shape());
        inputGrad.buffer().put(0, g);
        return inputGrad;
    }

    @Override
    public List<Parameter> parameters() {
        return List.of();
    }
}
