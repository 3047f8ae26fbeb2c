package dev.sparse24.train;

/**
 * Settings of {@link Trainer#fit}, named as Keras's {@code fit} arguments.
 *
 * @param batchSize       samples per gradient step (> 0)
 * @param epochs          passes over the training part of the data (> 0)
 * @param validationSplit fraction in [0, 1) held out for validation: the LAST samples of the
 *                        arrays, taken before shuffling (as Keras)
 * @param shuffle         whether the training samples are shuffled before each epoch
 * @param seed            seed of the shuffling
 * @param verbose         0 silent, 1 a progress bar per epoch (where the caller supplies one through
 *                        {@link Trainer#withProgress}; otherwise as 2), 2 one line per epoch
 */
public record FitOptions(int batchSize, int epochs, double validationSplit, boolean shuffle, long seed, int verbose) {
    /** Validates the values. */
    public FitOptions {
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batchSize must be > 0, given " + batchSize);
        }
        if (epochs <= 0) {
            throw new IllegalArgumentException("epochs must be > 0, given " + epochs);
        }
        if (!(validationSplit >= 0 && validationSplit < 1)) {
            throw new IllegalArgumentException("validationSplit must be in [0, 1), given " + validationSplit);
        }
        if (verbose < 0 || verbose > 2) {
            throw new IllegalArgumentException("verbose must be 0, 1 or 2, given " + verbose);
        }
    }

    /** Keras's defaults: batch 32, 1 epoch, no validation, shuffled (seed 0), progress bars. */
    public static FitOptions defaults() {
        return new FitOptions(32, 1, 0.0, true, 0L, 1);
    }

    /** A copy with another batch size. */
    public FitOptions withBatchSize(int v) {
        return new FitOptions(v, epochs, validationSplit, shuffle, seed, verbose);
    }

    /** A copy with another epoch count. */
    public FitOptions withEpochs(int v) {
        return new FitOptions(batchSize, v, validationSplit, shuffle, seed, verbose);
    }

    /** A copy with another validation split. */
    public FitOptions withValidationSplit(double v) {
        return new FitOptions(batchSize, epochs, v, shuffle, seed, verbose);
    }

    /** A copy with shuffling on or off. */
    public FitOptions withShuffle(boolean v) {
        return new FitOptions(batchSize, epochs, validationSplit, v, seed, verbose);
    }

    /** A copy with another shuffling seed. */
    public FitOptions withSeed(long v) {
        return new FitOptions(batchSize, epochs, validationSplit, shuffle, v, verbose);
    }

    /** A copy with another verbosity. */
    public FitOptions withVerbose(int v) {
        return new FitOptions(batchSize, epochs, validationSplit, shuffle, seed, v);
    }
}
