package dev.sparse24.train;

import dev.sparse24.nn.Parameter;

import java.nio.FloatBuffer;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Stochastic gradient descent with optional (heavy-ball) momentum, as Keras's {@code SGD}:
 * {@code v = momentum * v - lr * g; w += v} (plain {@code w -= lr * g} when momentum is 0).
 */
public final class Sgd implements Optimizer {
    private final float learningRate;
    private final float momentum;
    private final Map<Parameter, float[]> velocity = new IdentityHashMap<>();
    private long iterations;

    /** Plain SGD with Keras's default learning rate 0.01. */
    public Sgd() {
        this(0.01f, 0f);
    }

    /**
     * @param learningRate step size, > 0
     * @param momentum     in [0, 1)
     */
    public Sgd(float learningRate, float momentum) {
        if (!(learningRate > 0) || !Float.isFinite(learningRate)) {
            throw new IllegalArgumentException("learning rate must be a finite value > 0, given " + learningRate);
        }
        if (!(momentum >= 0 && momentum < 1)) {
            throw new IllegalArgumentException("momentum must be in [0, 1), given " + momentum);
        }
        this.learningRate = learningRate;
        this.momentum = momentum;
    }

    @Override
    public void step(List<Parameter> params) {
        iterations++;
        for (Parameter p : params) {
            if (!p.trainable()) {
                continue;
            }
            FloatBuffer w = p.value().buffer();
            FloatBuffer g = p.grad().buffer();
            int n = p.size();
            if (momentum == 0f) {
                for (int i = 0; i < n; i++) {
                    w.put(i, w.get(i) - learningRate * g.get(i));
                }
            } else {
                float[] v = velocity.computeIfAbsent(p, k -> new float[n]);
                for (int i = 0; i < n; i++) {
                    v[i] = momentum * v[i] - learningRate * g.get(i);
                    w.put(i, w.get(i) + v[i]);
                }
            }
        }
    }

    @Override
    public long iterations() {
        return iterations;
    }
}
