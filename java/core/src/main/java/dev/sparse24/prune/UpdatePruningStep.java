package dev.sparse24.prune;

import dev.sparse24.nn.Layer;
import dev.sparse24.nn.Sequential;
import dev.sparse24.train.Callback;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The callback that drives pruning, as TFMOT's {@code UpdatePruningStep}: training a model
 * with {@link PruneLowMagnitude} layers without it fails.
 *
 * <p>Before each training batch it sets every wrapper's pruning step, so that the batch's
 * forward (which adds one) runs at steps 1, 2, 3, ...; at each epoch end it applies the masks
 * again, since the epoch's last optimizer step revived pruned weights.
 *
 * <p>TFMOT starts the count at the optimizer's iteration count; this callback continues each
 * wrapper's own count instead (0 for a new wrapper), which is the same for a fresh model and
 * lets a wrapper added to an already trained model still get its m-by-n mask at its step 1.
 * One instance serves one model at a time; {@link #onTrainBegin} (re)collects the wrappers.
 */
public final class UpdatePruningStep implements Callback {
    private final List<PruneLowMagnitude> wrappers = new ArrayList<>();
    private final List<Long> startSteps = new ArrayList<>();
    private long batches;
    private boolean started;

    /** Collects the model's wrappers and where each one's step count resumes. */
    @Override
    public void onTrainBegin(Sequential model) {
        wrappers.clear();
        startSteps.clear();
        for (Layer l : model.layers()) {
            if (l instanceof PruneLowMagnitude) {
                PruneLowMagnitude w = (PruneLowMagnitude) l;
                wrappers.add(w);
                startSteps.add(Math.max(w.pruningStep(), 0));
            }
        }
        batches = 0;
        started = true;
    }

    /** Sets each wrapper's step to its start plus the batches done in this fit. */
    @Override
    public void onTrainBatchBegin(int batch) {
        if (!started) {
            throw new IllegalStateException("UpdatePruningStep.onTrainBatchBegin called before onTrainBegin");
        }
        for (int i = 0; i < wrappers.size(); i++) {
            wrappers.get(i).setPruningStep(startSteps.get(i) + batches);
        }
        batches++;
    }

    /**
     * Re-applies every mask, so the epoch's weights are sparse ({@link PruneLowMagnitude#endEpoch}:
     * not for a layer still training straight through).
     */
    @Override
    public void onEpochEnd(int epoch, Map<String, Double> logs) {
        for (PruneLowMagnitude w : wrappers) {
            w.endEpoch();
        }
    }

    /** Zeroes every pruned weight for good ({@link PruneLowMagnitude#finish}). */
    @Override
    public void onTrainEnd() {
        for (PruneLowMagnitude w : wrappers) {
            w.finish();
        }
    }

    /** The wrappers found by the last {@link #onTrainBegin} (unmodifiable). */
    public List<PruneLowMagnitude> wrappers() {
        return List.copyOf(wrappers);
    }
}
