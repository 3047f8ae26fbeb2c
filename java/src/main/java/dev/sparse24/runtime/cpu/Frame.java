package dev.sparse24.runtime.cpu;

import java.nio.FloatBuffer;

/**
 * The buffers one pass of a plan reads and writes: a view per graph tensor (activations only,
 * each starting at batch item 0) and the im2col scratch. A frame belongs to one pass at a
 * time, which is what makes concurrent runs safe.
 */
final class Frame {
    final FloatBuffer[] values;
    final FloatBuffer scratch;

    Frame(int tensors, FloatBuffer scratch) {
        this.values = new FloatBuffer[tensors];
        this.scratch = scratch;
    }

    /** A view of {@code count} floats of {@code b} from {@code offset}, position 0. */
    static FloatBuffer slice(FloatBuffer b, int offset, int count) {
        return b.duplicate().position(offset).limit(offset + count).slice();
    }
}
