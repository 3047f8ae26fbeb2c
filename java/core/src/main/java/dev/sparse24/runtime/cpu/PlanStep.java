package dev.sparse24.runtime.cpu;

/** One operator of a compiled plan, run for a batch on a frame's buffers. */
interface PlanStep {
    /** Computes the step's output for items [0, batch) of the frame. */
    void run(Frame frame, int batch);

    /** Scratch floats this step needs for a pass of {@code maxBatch} items (im2col tiles). */
    default long scratchFloats(int maxBatch) {
        return 0;
    }

    /** Frees native memory the step owns; idempotent. */
    default void close() {
    }
}
