package dev.sparse24.cli;

import dev.sparse24.sparsify.UntrainableGraphException;
import dev.sparse24.tools.SparsifyRun;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code sparse24 sparsify MODEL}: one-shot 2:4 of a trained dense model with fine-tuning
 * ({@link SparsifyRun}, on {@code dev.sparse24.sparsify}). This class parses the options and
 * turns a model that cannot be trained into a one-line error naming the op.
 */
@Command(name = "sparsify", mixinStandardHelpOptions = true,
        description = {"One-shot 2:4 of a trained dense model, then fine-tuning with the masks fixed (as NVIDIA's ASP):"
                + " import MODEL (.tflite or .s24) as trainable layers, give 2:4 to every Conv2D/Dense whose input channels"
                + " are a multiple of 4 (the others are named in a warning), search and apply the input-channel"
                + " permutation that keeps the most magnitude, prune by magnitude, fine-tune, export.",
                "Prints the test accuracy dense, one-shot without and with the permutation, and after fine-tuning.",
                "Writes <out>/model.s24, <out>/model.tflite and <out>/summary.json."})
public final class SparsifyCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL", description = "The trained dense model: a converter-made .tflite or"
            + " Sparse24's own (tutorial --dense).")
    Path model;

    @Option(names = "--data", paramLabel = "DIR", description = {"Directory of four IDX files (raw or .gz): *train-images*,"
            + " *train-labels*, *t10k-images* (or *test-images*), *t10k-labels* (or *test-labels*); MNIST's or any"
            + " other set (images [N,H,W] or [N,H,W,C] uint8 matching MODEL's input, labels 0..K-1).",
            "Default: MNIST, found or fetched, checked by SHA-256."})
    Path data;

    @Option(names = "--out", defaultValue = "out/sparsify", description = "Output directory (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--epochs", defaultValue = "1", description = "Fine-tuning epochs; 0 exports the one-shot model (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--batch-size", defaultValue = "128", description = "Batch size (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--learning-rate", defaultValue = "1e-4", description = "Adam's learning rate for fine-tuning (default: ${DEFAULT-VALUE}).")
    float learningRate;

    @Option(names = "--validation-split", defaultValue = "0", description = "Last fraction of the training data held out (default: ${DEFAULT-VALUE}).")
    double validationSplit;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of shuffling and the permutation search (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--limit", defaultValue = "0", description = "Use only the first N training and test images (0: all).")
    int limit;

    @Option(names = "--no-permutation", description = "Keep every layer's channel order (no ASP permutation search).")
    boolean noPermutation;

    @Option(names = "--restarts", defaultValue = "0", description = "Random restarts of each permutation search after the one from the identity (default: ${DEFAULT-VALUE}).")
    int restarts;

    @Option(names = "--threads", defaultValue = "0", description = "OpenBLAS threads (0: all cores).")
    int threads;

    @Option(names = "--quiet", description = "No progress bars, one line per epoch.")
    boolean quiet;

    @Override
    public Integer call() throws Exception {
        SparsifyRun.Options options = new SparsifyRun.Options(model, data, out, epochs, batchSize, learningRate,
                validationSplit, seed, limit, !noPermutation, restarts, threads, quiet);
        if (options.problem() != null) {
            throw new UserError(options.problem());
        }
        CommandFiles.requireReadableFile(model, "MODEL");
        CommandFiles.requireWritableDirectory(out, "--out");
        try {
            return new SparsifyRun(options, quiet ? null : TerminalProgress.forOutput(System.out)).run();
        } catch (UntrainableGraphException e) {
            throw new UserError(model + ": " + e.getMessage());
        }
    }
}
