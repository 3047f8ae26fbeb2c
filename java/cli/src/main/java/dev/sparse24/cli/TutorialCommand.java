package dev.sparse24.cli;

import dev.sparse24.prune.Recipe;
import dev.sparse24.runtime.Device;
import dev.sparse24.tools.TutorialRun;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code sparse24 tutorial}: TFMOT's structural-pruning tutorial in Java ({@link TutorialRun}):
 * training with pruning, export to model.s24 and model.tflite, the 2:4 check, the mask pictures
 * and the export on the inference runtime. This class parses the options and picks the
 * progress display (a bar on a terminal, one line per epoch otherwise).
 */
@Command(name = "tutorial", mixinStandardHelpOptions = true,
        description = {"Train the structural-pruning tutorial model on MNIST (2:4 on conv2 and dense1, "
                + "50%% unstructured on conv1), evaluate, strip and report sparsity; export .s24 and .tflite, check 2:4, draw mask pictures.",
                "Writes <out>/model.s24, <out>/model.tflite, <out>/pictures/*.png and <out>/summary.json."})
public final class TutorialCommand implements Callable<Integer> {
    @Option(names = "--epochs", defaultValue = "2", description = "Training epochs (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--batch-size", defaultValue = "128", description = "Batch size (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of initialisation, shuffling and dropout (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--data", paramLabel = "DIR", description = {
            "Directory of four IDX files (raw or .gz): *train-images*, *train-labels*, *t10k-images* (or *test-images*), "
                    + "*t10k-labels* (or *test-labels*). MNIST's own files, or any other set: images [N,H,W] or [N,H,W,C] "
                    + "uint8, labels [N] in 0..K-1; the model adapts to H, W, C and K. Default: MNIST, found or fetched, "
                    + "checked by SHA-256."})
    Path data;

    @Option(names = "--out", defaultValue = "out/tutorial", description = "Output directory (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--limit", defaultValue = "0", description = "Use only the first N training and test images (0: all).")
    int limit;

    @Option(names = "--dense", description = "Train the same model without pruning (the baseline).")
    boolean dense;

    @Option(names = "--threads", defaultValue = "0", description = "OpenBLAS threads (0: all cores).")
    int threads;

    @Option(names = "--validation-split", defaultValue = "0.1", description = "Last fraction of the training data held out (default: ${DEFAULT-VALUE}).")
    double validationSplit;

    @Option(names = "--device", defaultValue = "auto", paramLabel = "DEVICE",
            description = "Device of step 9's 2:4 run: auto, cpu or cuda (default: ${DEFAULT-VALUE}); the dense baseline runs on the CPU.")
    String device;

    @Option(names = "--recipe", defaultValue = "tfmot", paramLabel = "RECIPE",
            description = {"How the 2:4 layers train: tfmot (default: TFMOT's prune_low_magnitude, mask fixed at "
                    + "step 1, constant learning rate), best (dense warm-up, mask re-selection with SR-STE, "
                    + "cosine learning rate; docs/recipes.md), or ingredients as key=value pairs, e.g. "
                    + "warmup=0.1,refresh=100,until=0.5,srste=2e-4,lr=cosine,rate=1e-3 (a leading 'best,' starts "
                    + "from best)."})
    String recipe;

    @Option(names = "--quiet", description = "No progress bars, one line per epoch.")
    boolean quiet;

    @Override
    public Integer call() throws Exception {
        Device dev;
        try {
            dev = Device.valueOf(device.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new UserError("--device must be auto, cpu or cuda, given " + device);
        }
        Recipe r;
        try {
            r = Recipe.parse(recipe);
        } catch (IllegalArgumentException e) {
            throw new UserError("--recipe: " + e.getMessage());
        }
        TutorialRun.Options options = new TutorialRun.Options(epochs, batchSize, seed, data, out, limit, dense,
                threads, validationSplit, quiet, dev, r);
        if (options.problem() != null) {
            throw new UserError(options.problem());
        }
        CommandFiles.requireWritableDirectory(out, "--out");
        return new TutorialRun(options, quiet ? null : TerminalProgress.forOutput(System.out)).run();
    }
}
