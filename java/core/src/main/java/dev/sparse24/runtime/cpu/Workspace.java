package dev.sparse24.runtime.cpu;

import dev.sparse24.graph.ShapeInference;
import dev.sparse24.tensor.Tensor;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Native buffers of one pass of a plan: every activation that owns storage, for
 * {@code maxBatch} items (as tensors, which the kernels' row-split entry point takes), and one
 * im2col scratch per worker. Used by one pass at a time (see {@link WorkspacePool}).
 */
final class Workspace {
    private final List<Tensor> memory = new ArrayList<>();
    /** The buffer of each activation tensor (views share their root's), null for constants. */
    final FloatBuffer[] base;
    final Tensor[] baseTensors;
    final Frame frame;

    /**
     * @param root          the tensor whose buffer holds tensor t (RESHAPE views), per tensor
     * @param shapes        the activation shapes; tensors without one get no buffer
     * @param scratchFloats floats of each worker's im2col scratch (0: none)
     */
    Workspace(int[] root, ShapeInference shapes, int maxBatch, int workers, long scratchFloats) {
        base = new FloatBuffer[root.length];
        baseTensors = new Tensor[root.length];
        try {
            for (int t = 0; t < base.length; t++) {
                if (root[t] == t && shapes.shape(t) != null) {
                    baseTensors[t] = allocate((long) maxBatch * shapes.sampleSize(t));
                }
            }
            for (int t = 0; t < base.length; t++) {
                if (shapes.shape(t) != null) {
                    baseTensors[t] = baseTensors[root[t]];
                    base[t] = baseTensors[t].buffer();
                }
            }
            FloatBuffer[] scratch = new FloatBuffer[workers];
            for (int p = 0; p < workers && scratchFloats > 0; p++) {
                scratch[p] = allocate(scratchFloats).buffer();
            }
            frame = new Frame(base.length, scratch);
        } catch (RuntimeException | Error e) {
            free();
            throw e;
        }
    }

    private Tensor allocate(long floats) {
        // The executor checked every size against this bound before compiling anything.
        if (floats > Integer.MAX_VALUE) {
            throw new IllegalStateException("a workspace buffer of " + floats + " floats passed the executor's check");
        }
        Tensor t = Tensor.zeros((int) Math.max(floats, 1));
        memory.add(t);
        return t;
    }

    /** Frees the native memory now, not at garbage collection. */
    void free() {
        memory.forEach(t -> t.pointer().close());
        memory.clear();
    }
}
