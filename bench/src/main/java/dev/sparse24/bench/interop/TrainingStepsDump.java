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
import dev.sparse24.nn.Padding;
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
 * <p>Usage: {@code TrainingStepsDump OUT_DIR MNIST_DIR [STEPS=400] [DROPOUT=0.0] [SEED=1] [pruned]}.
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
        int n = Math.min(steps * 128, d.trainCount());
        Tensor x = Tensor.of(Arrays.copyOf(d.trainImages().toArray(), n * 784), n, 28, 28, 1);
        int[] y = Arrays.copyOf(d.trainLabels(), n);
        Trainer trainer = new Trainer(model, new Adam(), new SparseCategoricalCrossentropy(true));
        try (PrintWriter csv = new PrintWriter(Files.newBufferedWriter(out.resolve("steps.csv")))) {
            csv.println("step,running_loss,running_accuracy");
            trainer.fit(x, y, FitOptions.defaults().withBatchSize(128).withEpochs(1).withValidationSplit(0)
                    .withShuffle(false).withVerbose(0), new UpdatePruningStep(), new Callback() {
                        @Override
                        public void onTrainBatchEnd(int batch, Map<String, Double> logs) {
                            csv.printf(Locale.ROOT, "%d,%.7f,%.6f%n", batch, logs.get("loss"), logs.get("accuracy"));
                        }
                    });
        }
        dump(model, out.resolve("after"));
        Evaluation test = trainer.evaluate(d.testImages(), d.testLabels(), 500);
        Files.writeString(out.resolve("test.txt"), String.format(Locale.ROOT, "%.6f %.4f%n", test.loss(), test.accuracy()));
        System.out.println("wrote " + out + ": " + n / 128 + " steps, test " + test);
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
