package dev.sparse24.nn;

import dev.sparse24.tensor.Shape;
import dev.sparse24.tensor.Tensor;

import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Batch normalization over the last axis (channels), as Keras's {@code BatchNormalization}.
 *
 * <p>Parameters, in Keras order: {@code gamma} (ones), {@code beta} (zeros), and the
 * non-trainable {@code moving_mean} (zeros) and {@code moving_variance} (ones), each of shape
 * {@code [C]}.
 *
 * <p>Training: mean and (biased) variance per channel over every other axis of the batch,
 * {@code y = gamma (x - mean) / sqrt(var + epsilon) + beta}, and
 * {@code moving = moving * momentum + batch * (1 - momentum)}. Inference: the moving
 * statistics instead. Backward goes through the batch statistics (or, after an inference
 * forward, through the fixed moving ones). All passes are chunked (see {@link ChannelChunks});
 * backward recomputes {@code x-hat} from the input rather than storing it.
 */
public final class BatchNormalization extends Layer {
    private final double momentum;
    private final double epsilon;

    private int channels;
    private Parameter gamma;
    private Parameter beta;
    private Parameter movingMean;
    private Parameter movingVariance;

    private ChannelChunks chunks;
    private float[] work;            // one chunk of x or dy
    private float[] work2;           // one chunk of x (backward)
    private float[] meanTile;        // per-channel vectors repeated to chunk length
    private float[] invStdTile;
    private float[] scaleTile;
    private float[] shiftTile;
    private float[] partialA;        // chunk-shaped float partial sums
    private float[] partialB;
    private double[] mean;           // statistics last used (batch or moving)
    private double[] variance;
    private double[] inverseStd;
    private double[] scaleValues;    // gamma * invstd per channel
    private double[] gradSums;       // per-channel sums of dy, then their means
    private double[] gradXhatSums;   // per-channel sums of dy * xhat, then their means
    private boolean lastUsedBatchStatistics;
    private Tensor lastInput;        // read again by backward
    private Tensor output;
    private Tensor inputGrad;

    /** Keras defaults: momentum 0.99, epsilon 1e-3. */
    public BatchNormalization() {
        this(0.99, 1e-3);
    }

    /**
     * A batch normalization layer.
     *
     * @param momentum weight of the old moving statistics in each update, in [0, 1]
     * @param epsilon  added to the variance before the square root, positive
     */
    public BatchNormalization(double momentum, double epsilon) {
        super(null);
        if (!(momentum >= 0 && momentum <= 1)) {
            throw new IllegalArgumentException("momentum must be in [0, 1], given " + momentum);
        }
        if (!(epsilon > 0)) {
            throw new IllegalArgumentException("epsilon must be positive, given " + epsilon);
        }
        this.momentum = momentum;
        this.epsilon = epsilon;
    }

    /** Sets the layer's name (instead of the one Sequential would assign) and returns this layer. */
    public BatchNormalization named(String name) {
        setName(name);
        return this;
    }

    @Override
    public String typeName() {
        return "BatchNormalization";
    }

    /** The moving-average momentum. */
    public double momentum() {
        return momentum;
    }

    /** The variance epsilon. */
    public double epsilon() {
        return epsilon;
    }

    @Override
    protected Shape doBuild(Shape inputShape, Random rng) {
        if (inputShape.rank() == 0 || inputShape.dim(-1) == 0) {
            throw new IllegalArgumentException("BatchNormalization needs a non-empty channel (last) axis, given "
                    + inputShape);
        }
        channels = inputShape.dim(-1);
        Tensor ones = Tensor.zeros(channels);
        ones.fill(1f);
        gamma = new Parameter("gamma", ones, true);
        beta = new Parameter("beta", Tensor.zeros(channels), true);
        movingMean = new Parameter("moving_mean", Tensor.zeros(channels), false);
        Tensor varianceOnes = Tensor.zeros(channels);
        varianceOnes.fill(1f);
        movingVariance = new Parameter("moving_variance", varianceOnes, false);

        chunks = new ChannelChunks(channels);
        int len = chunks.length();
        work = new float[len];
        work2 = new float[len];
        meanTile = new float[len];
        invStdTile = new float[len];
        scaleTile = new float[len];
        shiftTile = new float[len];
        partialA = new float[len];
        partialB = new float[len];
        mean = new double[channels];
        variance = new double[channels];
        inverseStd = new double[channels];
        scaleValues = new double[channels];
        gradSums = new double[channels];
        gradXhatSums = new double[channels];
        lastInput = output = inputGrad = null;
        return inputShape;
    }

    @Override
    public Tensor forward(Tensor input, boolean training) {
        checkInput(input);
        int n = input.size();
        int rows = n / channels;
        lastInput = input;
        if (training) {
            batchStatistics(input.buffer(), n);
            updateMovingStatistics(rows);
        } else {
            for (int k = 0; k < channels; k++) {
                mean[k] = movingMean.value().get(k);
                variance[k] = movingVariance.value().get(k);
            }
        }
        for (int k = 0; k < channels; k++) {
            inverseStd[k] = 1.0 / Math.sqrt(variance[k] + epsilon);
        }
        lastUsedBatchStatistics = training;
        chunks.tile(mean, meanTile);
        chunks.tile(inverseStd, invStdTile);
        float[] g = gamma.value().toArray();
        double[] scale = scaleValues;
        for (int k = 0; k < channels; k++) {
            scale[k] = g[k] * inverseStd[k];
        }
        chunks.tile(scale, scaleTile);
        chunks.tile(beta.value().toArray(), shiftTile);

        // y = (x - mean) * (gamma * invstd) + beta; (x - mean) first: x * scale - mean * scale would
        // cancel catastrophically when |mean| >> std.
        output = Tensor.reuse(output, input.shape());
        FloatBuffer in = input.buffer();
        FloatBuffer out = output.buffer();
        float[] x = work;
        float[] m = meanTile;
        float[] s = scaleTile;
        float[] b = shiftTile;
        for (int base = 0; base < n; base += x.length) {
            int len = Math.min(x.length, n - base);
            in.get(base, x, 0, len);
            for (int t = 0; t < len; t++) {
                x[t] = (x[t] - m[t]) * s[t] + b[t];
            }
            out.put(base, x, 0, len);
        }
        return output;
    }

    /** Per-channel mean and biased variance, two-pass (one pass loses digits to cancellation). */
    private void batchStatistics(FloatBuffer in, int n) {
        int rows = n / channels;
        float[] x = work;
        float[] partial = partialA;
        Arrays.fill(mean, 0.0);
        Arrays.fill(partial, 0f);
        int sinceFold = 0;
        for (int base = 0; base < n; base += x.length) {
            int len = Math.min(x.length, n - base);
            in.get(base, x, 0, len);
            for (int t = 0; t < len; t++) {
                partial[t] += x[t];
            }
            if (++sinceFold == ChannelChunks.CHUNKS_PER_FOLD) {
                chunks.fold(partial, mean);
                sinceFold = 0;
            }
        }
        chunks.fold(partial, mean);
        for (int k = 0; k < channels; k++) {
            mean[k] /= rows;
        }
        chunks.tile(mean, meanTile);
        float[] m = meanTile;
        Arrays.fill(variance, 0.0);
        sinceFold = 0;
        for (int base = 0; base < n; base += x.length) {
            int len = Math.min(x.length, n - base);
            in.get(base, x, 0, len);
            for (int t = 0; t < len; t++) {
                float d = x[t] - m[t];
                partial[t] += d * d;
            }
            if (++sinceFold == ChannelChunks.CHUNKS_PER_FOLD) {
                chunks.fold(partial, variance);
                sinceFold = 0;
            }
        }
        chunks.fold(partial, variance);
        for (int k = 0; k < channels; k++) {
            variance[k] /= rows;
        }
    }

    private void updateMovingStatistics(int rows) {
        // The moving variance takes the unbiased (Bessel-corrected) batch variance, as TF's fused
        // batch norm (what Keras uses for 4-D NHWC inputs) does; normalising uses the biased one.
        double bessel = rows > 1 ? rows / (rows - 1.0) : 1.0;
        Tensor mm = movingMean.value();
        Tensor mv = movingVariance.value();
        for (int k = 0; k < channels; k++) {
            mm.set(k, (float) (mm.get(k) * momentum + mean[k] * (1 - momentum)));
            mv.set(k, (float) (mv.get(k) * momentum + variance[k] * bessel * (1 - momentum)));
        }
    }

    @Override
    public Tensor backward(Tensor gradOutput) {
        if (output == null) {
            throw new IllegalStateException("BatchNormalization " + name() + ": backward before forward");
        }
        if (!gradOutput.shape().equals(output.shape())) {
            throw new IllegalArgumentException("gradient of the output must have shape " + output.shape()
                    + ", given " + gradOutput.shape());
        }
        int c = channels;
        int n = output.size();
        int rows = n / c;
        FloatBuffer dyBuf = gradOutput.buffer();
        FloatBuffer xBuf = lastInput.buffer();
        float[] dy = work;
        float[] x = work2;
        float[] m = meanTile;
        float[] inv = invStdTile;

        // Pass 1: dbeta = sum(dy), dgamma = sum(dy * xhat), xhat = (x - mean) * invstd.
        double[] sumDy = gradSums;
        double[] sumDyXhat = gradXhatSums;
        Arrays.fill(sumDy, 0.0);
        Arrays.fill(sumDyXhat, 0.0);
        float[] pDy = partialA;
        float[] pDyXhat = partialB;
        Arrays.fill(pDy, 0f);
        Arrays.fill(pDyXhat, 0f);
        int sinceFold = 0;
        for (int base = 0; base < n; base += dy.length) {
            int len = Math.min(dy.length, n - base);
            dyBuf.get(base, dy, 0, len);
            xBuf.get(base, x, 0, len);
            for (int t = 0; t < len; t++) {
                float d = dy[t];
                pDy[t] += d;
                pDyXhat[t] += d * ((x[t] - m[t]) * inv[t]);
            }
            if (++sinceFold == ChannelChunks.CHUNKS_PER_FOLD) {
                chunks.fold(pDy, sumDy);
                chunks.fold(pDyXhat, sumDyXhat);
                sinceFold = 0;
            }
        }
        chunks.fold(pDy, sumDy);
        chunks.fold(pDyXhat, sumDyXhat);
        for (int k = 0; k < c; k++) {
            beta.grad().set(k, (float) sumDy[k]);
            gamma.grad().set(k, (float) sumDyXhat[k]);
        }
        if (!propagateInputGradient) {
            return null;
        }

        // Pass 2: dx = gamma * invstd * (dy - mean(dy) - xhat * mean(dy * xhat)); with fixed
        // (moving) statistics the mean and variance do not depend on x, so both means drop out.
        // Reuses the sum arrays for the means.
        double[] meanDy = sumDy;
        double[] meanDyXhat = sumDyXhat;
        for (int k = 0; k < c; k++) {
            meanDy[k] = lastUsedBatchStatistics ? sumDy[k] / rows : 0.0;
            meanDyXhat[k] = lastUsedBatchStatistics ? sumDyXhat[k] / rows : 0.0;
        }
        float[] mDy = pDy;
        float[] mDyXhat = pDyXhat;
        chunks.tile(meanDy, mDy);
        chunks.tile(meanDyXhat, mDyXhat);
        float[] s = scaleTile;
        inputGrad = Tensor.reuse(inputGrad, output.shape());
        FloatBuffer dxBuf = inputGrad.buffer();
        for (int base = 0; base < n; base += dy.length) {
            int len = Math.min(dy.length, n - base);
            dyBuf.get(base, dy, 0, len);
            xBuf.get(base, x, 0, len);
            for (int t = 0; t < len; t++) {
                float xhat = (x[t] - m[t]) * inv[t];
                dy[t] = s[t] * (dy[t] - mDy[t] - xhat * mDyXhat[t]);
            }
            dxBuf.put(base, dy, 0, len);
        }
        return inputGrad;
    }

    @Override
    public List<Parameter> parameters() {
        if (gamma == null) {
            return List.of();
        }
        return List.of(gamma, beta, movingMean, movingVariance);
    }
}
