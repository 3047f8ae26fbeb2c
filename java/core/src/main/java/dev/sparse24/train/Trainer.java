package dev.sparse24.train;

import dev.sparse24.nn.Parameter;
import dev.sparse24.nn.Sequential;
import dev.sparse24.tensor.Shape;
import dev.sparse24.tensor.Tensor;

import java.io.PrintStream;
import java.nio.FloatBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A compiled model, as Keras's {@code model.compile(optimizer, loss, metrics=["accuracy"])}:
 * {@link #fit}, {@link #evaluate} and {@link #predict} over in-memory data.
 *
 * <p>Data: {@code x} is a batched tensor [N, ...] matching the model's input shape and
 * {@code y} holds N integer class labels. Accuracy is always reported.
 */
public final class Trainer {
    private final Sequential model;
    private final Optimizer optimizer;
    private final SparseCategoricalCrossentropy loss;
    private PrintStream out = System.out;
    private TrainingProgress progress;

    /** Compiles {@code model} (already built) with an optimizer and a loss. */
    public Trainer(Sequential model, Optimizer optimizer, SparseCategoricalCrossentropy loss) {
        if (!model.isBuilt()) {
            throw new IllegalStateException("model " + model.name() + " must be built before compiling");
        }
        this.model = model;
        this.optimizer = optimizer;
        this.loss = loss;
    }

    /** Where the default progress lines go (default System.out). */
    public Trainer withOutput(PrintStream out) {
        this.out = out;
        return this;
    }

    /**
     * Reports progress to {@code progress} instead of the default chosen by
     * {@link FitOptions#verbose()} (0: nothing, 1 or 2: one line per epoch on the output).
     */
    public Trainer withProgress(TrainingProgress progress) {
        this.progress = progress;
        return this;
    }

    /** The model. */
    public Sequential model() {
        return model;
    }

    /**
     * Trains the model: for each epoch, shuffles the training part (if asked), runs every batch
     * forward (training mode), backward and one optimizer step, then evaluates the validation
     * part (the last {@code validationSplit} of the data) in inference mode.
     *
     * @return per-epoch metrics
     */
    public History fit(Tensor x, int[] y, FitOptions options, Callback... callbacks) {
        int n = checkData(x, y);
        int valCount = (int) Math.floor(n * options.validationSplit());
        int trainCount = n - valCount;
        if (trainCount <= 0) {
            throw new IllegalArgumentException("validationSplit " + options.validationSplit()
                    + " leaves no training samples out of " + n);
        }
        int batch = options.batchSize();
        int steps = (trainCount + batch - 1) / batch;
        int[] order = new int[trainCount];
        for (int i = 0; i < trainCount; i++) {
            order[i] = i;
        }
        Random shuffler = new Random(options.seed());
        List<Parameter> trainable = model.trainableParameters();
        TrainingProgress progress = this.progress != null ? this.progress
                : options.verbose() == 0 ? TrainingProgress.silent() : TrainingProgress.epochLines(out);
        History history = new History();
        int sample = x.size() / n;
        Shape sampleShape = x.shape().dropFirst();
        Tensor xb = null;
        Tensor grad = null;
        int[] yb = new int[batch];
        int globalStep = 0;

        for (Callback c : callbacks) {
            c.onTrainBegin(model);
        }
        for (int epoch = 0; epoch < options.epochs(); epoch++) {
            long t0 = System.nanoTime();
            for (Callback c : callbacks) {
                c.onEpochBegin(epoch);
            }
            if (options.shuffle()) {
                shuffle(order, shuffler);
            }
            progress.beginEpoch(epoch, options.epochs(), steps);
            double lossSum = 0;
            long correct = 0;
            long seen = 0;
            for (int s = 0; s < steps; s++) {
                int from = s * batch;
                int count = Math.min(batch, trainCount - from);
                xb = Tensor.reuse(xb, sampleShape.withBatch(count));
                if (yb.length != count) {
                    yb = new int[count];
                }
                gather(x, y, order, from, count, sample, xb, yb);
                for (Callback c : callbacks) {
                    c.onTrainBatchBegin(globalStep);
                }
                Tensor logits = model.forward(xb, true);
                grad = Tensor.reuse(grad, logits.shape());
                double l = loss.compute(logits, yb, 0, grad);
                if (!Double.isFinite(l)) {
                    throw new ArithmeticException("loss became " + l + " at epoch " + (epoch + 1)
                            + ", step " + (s + 1) + ": lower the learning rate or check the inputs for NaN/Inf");
                }
                int ok = SparseCategoricalCrossentropy.countCorrect(logits, yb, 0);
                model.backward(grad);
                optimizer.step(trainable);
                lossSum += l * count;
                correct += ok;
                seen += count;
                Map<String, Double> batchLogs = new LinkedHashMap<>();
                batchLogs.put("loss", lossSum / seen);
                batchLogs.put("accuracy", (double) correct / seen);
                for (Callback c : callbacks) {
                    c.onTrainBatchEnd(globalStep, batchLogs);
                }
                progress.step(lossSum / seen, (double) correct / seen);
                globalStep++;
            }
            Map<String, Double> logs = new LinkedHashMap<>();
            logs.put("loss", lossSum / seen);
            logs.put("accuracy", (double) correct / seen);
            if (valCount > 0) {
                Evaluation v = evaluateRange(x, y, trainCount, valCount, batch);
                logs.put("val_loss", v.loss());
                logs.put("val_accuracy", v.accuracy());
            }
            for (Callback c : callbacks) {
                c.onEpochEnd(epoch, logs);
            }
            logs.put("seconds", (System.nanoTime() - t0) / 1e9);
            progress.endEpoch(epoch, options.epochs(), logs);
            history.add(logs);
        }
        for (Callback c : callbacks) {
            c.onTrainEnd();
        }
        return history;
    }

    /** Mean loss and accuracy over all of {@code x} in inference mode. */
    public Evaluation evaluate(Tensor x, int[] y, int batchSize) {
        int n = checkData(x, y);
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batchSize must be > 0, given " + batchSize);
        }
        return evaluateRange(x, y, 0, n, batchSize);
    }

    /** The model's outputs for all of {@code x} in inference mode, [N, ...outputShape]. */
    public Tensor predict(Tensor x, int batchSize) {
        return predict(model, x, batchSize);
    }

    /** The outputs of any built model for all of {@code x} in inference mode. */
    public static Tensor predict(Sequential model, Tensor x, int batchSize) {
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batchSize must be > 0, given " + batchSize);
        }
        int n = x.shape().dim(0);
        int sample = n == 0 ? 0 : x.size() / n;
        Tensor result = Tensor.zeros(model.outputShape().withBatch(n));
        int outSample = model.outputShape().size();
        Tensor xb = null;
        for (int from = 0; from < n; from += batchSize) {
            int count = Math.min(batchSize, n - from);
            xb = Tensor.reuse(xb, x.shape().dropFirst().withBatch(count));
            xb.buffer().put(0, x.buffer(), from * sample, count * sample);
            Tensor out = model.forward(xb, false);
            result.buffer().put(from * outSample, out.buffer(), 0, count * outSample);
        }
        return result;
    }

    private Evaluation evaluateRange(Tensor x, int[] y, int from, int count, int batchSize) {
        int sample = x.size() / x.shape().dim(0);
        Tensor xb = null;
        double lossSum = 0;
        long correct = 0;
        for (int s = from; s < from + count; s += batchSize) {
            int c = Math.min(batchSize, from + count - s);
            xb = Tensor.reuse(xb, x.shape().dropFirst().withBatch(c));
            xb.buffer().put(0, x.buffer(), s * sample, c * sample);
            Tensor logits = model.forward(xb, false);
            lossSum += loss.compute(logits, y, s, null) * c;
            correct += SparseCategoricalCrossentropy.countCorrect(logits, y, s);
        }
        return new Evaluation(lossSum / count, (double) correct / count, count);
    }

    private int checkData(Tensor x, int[] y) {
        Shape s = x.shape();
        if (s.rank() < 1 || !s.dropFirst().equals(model.inputShape())) {
            throw new IllegalArgumentException("model " + model.name() + " expects x of shape (N, "
                    + model.inputShape().toString().substring(1) + ", given " + s);
        }
        int n = s.dim(0);
        if (y.length != n) {
            throw new IllegalArgumentException("x has " + n + " samples but y has " + y.length + " labels");
        }
        if (n == 0) {
            throw new IllegalArgumentException("no samples");
        }
        return n;
    }

    private static void gather(Tensor x, int[] y, int[] order, int from, int count, int sample,
                               Tensor xb, int[] yb) {
        FloatBuffer src = x.buffer();
        FloatBuffer dst = xb.buffer();
        for (int i = 0; i < count; i++) {
            int idx = order[from + i];
            dst.put(i * sample, src, idx * sample, sample);
            yb[i] = y[idx];
        }
    }

    private static void shuffle(int[] a, Random r) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }

    @Override
    public String toString() {
        return "Trainer(" + model.name() + ", " + optimizer.getClass().getSimpleName() + ")";
    }
}
