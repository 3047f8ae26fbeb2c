package dev.sparse24.train;

import dev.sparse24.nn.Sequential;

import java.util.Map;

/**
 * Hooks into {@code fit}, as Keras callbacks. Steps count batches from 0 within the whole fit;
 * epochs count from 0. {@code logs} hold metric names such as {@code loss}, {@code accuracy},
 * {@code val_loss}, {@code val_accuracy}.
 */
public interface Callback {
    /** Called once before the first epoch. */
    default void onTrainBegin(Sequential model) {
    }

    /** Called at the start of each epoch. */
    default void onEpochBegin(int epoch) {
    }

    /** Called before each training batch's forward pass. */
    default void onTrainBatchBegin(int batch) {
    }

    /** Called after each training batch's optimizer step. */
    default void onTrainBatchEnd(int batch, Map<String, Double> logs) {
    }

    /** Called at the end of each epoch, after validation. */
    default void onEpochEnd(int epoch, Map<String, Double> logs) {
    }

    /** Called once after the last epoch. */
    default void onTrainEnd() {
    }
}
