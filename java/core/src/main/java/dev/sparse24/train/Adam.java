package dev.sparse24.train;

import dev.sparse24.nn.Parameter;

import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Adam as Keras implements it (defaults lr 1e-3, beta1 0.9, beta2 0.999, epsilon 1e-7):
 * <pre>
 *   t += 1
 *   m = beta1 m + (1 - beta1) g
 *   v = beta2 v + (1 - beta2) g^2
 *   w -= lr * sqrt(1 - beta2^t) / (1 - beta1^t) * m / (sqrt(v) + epsilon)
 * </pre>
 * Keras folds the bias corrections into the step size, so epsilon is added to the
 * uncorrected sqrt(v) ("epsilon hat" of the paper); we do the same to train the same way.
 */
public final class Adam implements Optimizer {
    private final LearningRateSchedule learningRate;
    private final double beta1;
    private final double beta2;
    private final float epsilon;
    private final Map<Parameter, State> state = new IdentityHashMap<>();
    private long iterations;
    // Scratch copies of one parameter's value and gradient: plain float[] loops are several
    // times faster than element-wise access to the direct buffers, and the bulk copies are cheap.
    private float[] wScratch = new float[0];
    private float[] gScratch = new float[0];

    private static final class State {
        final float[] m;
        final float[] v;

        State(int n) {
            m = new float[n];
            v = new float[n];
        }
    }

    /** Adam with Keras's defaults. */
    public Adam() {
        this(1e-3f, 0.9, 0.999, 1e-7f);
    }

    /** Adam with the given learning rate and Keras's other defaults. */
    public Adam(float learningRate) {
        this(learningRate, 0.9, 0.999, 1e-7f);
    }

    /** Adam with a learning-rate schedule and Keras's other defaults. */
    public Adam(LearningRateSchedule learningRate) {
        this(learningRate, 0.9, 0.999, 1e-7f);
    }

    /**
     * @param learningRate step size, > 0
     * @param beta1        first-moment decay in [0, 1)
     * @param beta2        second-moment decay in [0, 1)
     * @param epsilon      added to sqrt(v), > 0
     */
    public Adam(float learningRate, double beta1, double beta2, float epsilon) {
        this(LearningRateSchedule.constant(learningRate), beta1, beta2, epsilon);
    }

    /**
     * @param learningRate step size per update (evaluated at the iterations done so far, as Keras)
     * @param beta1        first-moment decay in [0, 1)
     * @param beta2        second-moment decay in [0, 1)
     * @param epsilon      added to sqrt(v), > 0
     */
    public Adam(LearningRateSchedule learningRate, double beta1, double beta2, float epsilon) {
        if (learningRate == null) {
            throw new NullPointerException("learning rate schedule must not be null");
        }
        if (!(beta1 >= 0 && beta1 < 1)) {
            throw new IllegalArgumentException("beta1 must be in [0, 1), given " + beta1);
        }
        if (!(beta2 >= 0 && beta2 < 1)) {
            throw new IllegalArgumentException("beta2 must be in [0, 1), given " + beta2);
        }
        if (!(epsilon > 0)) {
            throw new IllegalArgumentException("epsilon must be > 0, given " + epsilon);
        }
        this.learningRate = learningRate;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.epsilon = epsilon;
    }

    @Override
    public void step(List<Parameter> params) {
        float lr = learningRate.rate(iterations);
        if (!(lr >= 0) || !Float.isFinite(lr)) {
            throw new IllegalStateException("learning rate schedule " + learningRate + " gave " + lr + " at step "
                    + iterations + ": expected a finite value >= 0");
        }
        iterations++;
        double t = iterations;
        float lrT = (float) (lr * Math.sqrt(1 - Math.pow(beta2, t)) / (1 - Math.pow(beta1, t)));
        float b1 = (float) beta1;
        float b2 = (float) beta2;
        float c1 = 1f - b1;
        float c2 = 1f - b2;
        for (Parameter p : params) {
            if (!p.trainable()) {
                continue;
            }
            int n = p.size();
            State s = state.computeIfAbsent(p, k -> new State(n));
            if (wScratch.length < n) {
                wScratch = new float[n];
                gScratch = new float[n];
            }
            float[] w = wScratch;
            float[] g = gScratch;
            float[] m = s.m;
            float[] v = s.v;
            p.value().buffer().get(0, w, 0, n);
            p.grad().buffer().get(0, g, 0, n);
            for (int i = 0; i < n; i++) {
                float gi = g[i];
                float mi = b1 * m[i] + c1 * gi;
                float vi = b2 * v[i] + c2 * gi * gi;
                m[i] = mi;
                v[i] = vi;
                w[i] -= lrT * mi / ((float) Math.sqrt(vi) + epsilon);
            }
            p.value().buffer().put(0, w, 0, n);
        }
    }

    /** The learning-rate schedule. */
    public LearningRateSchedule learningRate() {
        return learningRate;
    }

    @Override
    public long iterations() {
        return iterations;
    }
}
