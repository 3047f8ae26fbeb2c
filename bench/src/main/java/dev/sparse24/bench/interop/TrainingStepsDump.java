package dev.sparse24.bench.interop;

import dev.sparse24.data.Mnist;
import dev.sparse24.data.MnistDataset;
import dev.sparse24.nn.Activation;
import dev.sparse24.nn.BatchNormalization;
import dev.sparse24.nn.Conv2D;
import dev.sparse24.nn.Dense;
import dev.sparse24.nn.Dropout;
import dev.sparse24.nn.Flatten;
import dev.sparse24.nn.MaxPooling2D;
import dev.sparse24.graph.Padding;
import dev.sparse24.nn.Parameter;
import dev.sparse24.nn.ReLU;
import dev.sparse24.nn.Layer;
import dev.sparse24.nn.Sequential;
import dev.sparse24.prune.ConstantSparsity;
import dev.sparse24.prune.Pruning;
import dev.sparse24.prune.PruningParams;
import dev.sparse24.prune.UpdatePruningStep;
import dev.sparse24.tensor.Shape;
import dev.sparse24.tensor.Tensor;
import dev.sparse24.train.Adam;
import dev.sparse24.train.Callback;
import dev.sparse24.train.Evaluation;
import dev.sparse24.train.FitOptions;
import dev.sparse24.train.History;
import dev.sparse24.train.SparseCategoricalCrossentropy;
import dev.sparse24.train.Trainer;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;

/**
 * Trains the tutorial's model (unpruned, or pruned as the tutorial prunes it; dropout rate as
 * given) for STEPS batches of 128 in file
 * order (no shuffling, no validation split) and writes what a Keras run from the same starting
 * point must reproduce: the initial and final parameters ({@code init/NN_name.f32},
 * {@code after/NN_name.f32}, raw little-endian float32 in Keras's get_weights() order), the
 * running loss after every step ({@code steps.csv}) and the test loss and accuracy
 * ({@code test.txt}). {@code bench/interop/keras_step_compare.py} replays it in Keras.
 *
 * <p>Usage: {@code TrainingStepsDump OUT_DIR MNIST_DIR [STEPS=400] [DROPOUT=0.0] [SEED=1] [pruned|dense] [EPOCHS=0]}.
 * EPOCHS = 0: STEPS batches in file order, no validation. EPOCHS > 0: the tutorial's pipeline
 * instead (validation split 0.1, EPOCHS epochs, one fit per epoch on the training part in a
 * seeded permutation that is written to {@code perm_E.i32} for the Keras replay).
 * With {@code pruned}, conv1 is pruned by ConstantSparsity(0.5, 0) and conv2 and dense1 by 2:4
 * (with the UpdatePruningStep callback); the dumped parameters are the inner layers' (Keras's
 * get_weights() of the stripped model) and {@code masks/NN_name.f32} holds the final masks.
 */
public final class TrainingStepsDump {
    private TrainingStepsDump() {
    }

    public static void main(String[] args) throws IOException {
        Path out = Path.of(args[0]);
        Path mnistDir = Path.of(args[1]);
        int steps = args.length > 2 ? Integer.parseInt(args[2]) : 400;
        double dropout = args.length > 3 ? Double.parseDouble(args[3]) : 0.0;
        long seed = args.length > 4 ? Long.parseLong(args[4]) : 1;
        boolean pruned = args.length > 5 && args[5].equals("pruned");
        int epochs = args.length > 6 ? Integer.parseInt(args[6]) : 0;
        Layer conv1 = new Conv2D(32, 5, Padding.SAME, Activation.RELU);
        Layer conv2 = new Conv2D(64, 5, Padding.SAME, Activation.NONE);
        Layer dense1 = new Dense(1024, Activation.RELU);
        if (pruned) {
            conv1 = Pruning.pruneLowMagnitude(conv1, PruningParams.unstructured(new ConstantSparsity(0.5, 0)));
            conv2 = Pruning.pruneLowMagnitude(conv2, PruningParams.twoByFour());
            dense1 = Pruning.pruneLowMagnitude(dense1, PruningParams.twoByFour());
        }
        Sequential model = new Sequential("keras_compare",
                conv1, new MaxPooling2D(2, Padding.SAME),
                conv2, new BatchNormalization(), new ReLU(),
                new MaxPooling2D(2, Padding.SAME), new Flatten(), dense1,
                new Dropout(dropout), new Dense(10)).build(Shape.of(28, 28, 1), seed);
        dump(model, out.resolve("init"));
        MnistDataset d = Mnist.loadFrom(mnistDir, Mnist.NO_LIMIT);
        Trainer trainer = new Trainer(model, new Adam(), new SparseCategoricalCrossentropy(true));
        UpdatePruningStep pruningStep = new UpdatePruningStep();
        try (PrintWriter csv = new PrintWriter(Files.newBufferedWriter(out.resolve("steps.csv")))) {
            csv.println("step,running_loss,running_accuracy");
            Callback log = new Callback() {
                @Override
                public void onTrainBatchEnd(int batch, Map<String, Double> logs) {
                    csv.printf(Locale.ROOT, "%d,%.7f,%.6f%n", batch, logs.get("loss"), logs.get("accuracy"));
                }
            };
            if (epochs == 0) {
                int n = Math.min(steps * 128, d.trainCount());
                Tensor x = Tensor.of(Arrays.copyOf(d.trainImages().toArray(), n * 784), n, 28, 28, 1);
                int[] y = Arrays.copyOf(d.trainLabels(), n);
                trainer.fit(x, y, FitOptions.defaults().withBatchSize(128).withEpochs(1).withValidationSplit(0)
                        .withShuffle(false).withVerbose(0), pruningStep, log);
            } else {
                // The tutorial's pipeline with a recorded order: per epoch, the first 90% in a
                // permutation written to perm_E.i32, the last 10% held out for validation.
                float[] all = d.trainImages().toArray();
                int[] labels = d.trainLabels();
                int n = d.trainCount();
                int train = n - (int) Math.floor(n * 0.1);
                java.util.Random shuffler = new java.util.Random(seed);
                for (int e = 0; e < epochs; e++) {
                    int[] perm = new int[n];
                    for (int i = 0; i < n; i++) {
                        perm[i] = i;
                    }
                    for (int i = train - 1; i > 0; i--) {
                        int j = shuffler.nextInt(i + 1);
                        int t = perm[i];
                        perm[i] = perm[j];
                        perm[j] = t;
                    }
                    float[] xe = new float[n * 784];
                    int[] ye = new int[n];
                    ByteBuffer pb = ByteBuffer.allocate(4 * n).order(ByteOrder.LITTLE_ENDIAN);
                    for (int i = 0; i < n; i++) {
                        System.arraycopy(all, perm[i] * 784, xe, i * 784, 784);
                        ye[i] = labels[perm[i]];
                        pb.putInt(perm[i]);
                    }
                    Files.write(out.resolve("perm_" + e + ".i32"), pb.array());
                    History h = trainer.fit(Tensor.of(xe, n, 28, 28, 1), ye, FitOptions.defaults().withBatchSize(128)
                            .withEpochs(1).withValidationSplit(0.1).withShuffle(false).withVerbose(0), pruningStep, log);
                    System.out.println("epoch " + (e + 1) + ": " + h);
                }
            }
        }
        dump(model, out.resolve("after"));
        Evaluation test = trainer.evaluate(d.testImages(), d.testLabels(), 500);
        Files.writeString(out.resolve("test.txt"), String.format(Locale.ROOT, "%.6f %.4f%n", test.loss(), test.accuracy()));
        System.out.println("wrote " + out + ", test " + test);
    }

    /** The pruning wrappers' own parameters, which Keras's stripped model does not have. */
    private static final java.util.Set<String> PRUNING_STATE = java.util.Set.of("mask", "threshold", "pruning_step");

    private static void dump(Sequential model, Path dir) throws IOException {
        Files.createDirectories(dir);
        Path masks = dir.resolveSibling("masks");
        int i = 0;
        int m = 0;
        for (Parameter p : model.parameters()) {
            if (PRUNING_STATE.contains(p.name())) {
                if (p.name().equals("mask") && dir.getFileName().toString().equals("after")) {
                    Files.createDirectories(masks);
                    write(p, masks.resolve(String.format(Locale.ROOT, "%02d_mask.f32", m++)));
                }
                continue;
            }
            write(p, dir.resolve(String.format(Locale.ROOT, "%02d_%s.f32", i++, p.name())));
        }
    }

    private static void write(Parameter p, Path file) throws IOException {
        float[] v = p.value().toArray();
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(v);
        Files.write(file, b.array());
    }
}
