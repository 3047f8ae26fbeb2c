package dev.sparse24.runtime.cuda.device;

/**
 * Grid, block and dynamic shared memory of one kernel launch.
 *
 * @param gridX       blocks along x (>= 1)
 * @param gridY       blocks along y (>= 1)
 * @param gridZ       blocks along z (>= 1)
 * @param block       threads per block, a multiple of 32 (1-D blocks only)
 * @param sharedBytes dynamic shared memory per block
 */
public record LaunchShape(int gridX, int gridY, int gridZ, int block, int sharedBytes) {
    /** Checks the shape. */
    public LaunchShape {
        if (gridX < 1 || gridY < 1 || gridZ < 1 || block < 32 || block > 1024 || block % 32 != 0 || sharedBytes < 0) {
            throw new IllegalArgumentException("bad launch shape: grid (" + gridX + ", " + gridY + ", " + gridZ
                    + "), block " + block + ", shared " + sharedBytes);
        }
    }

    /** A 1-D grid of {@code blocks} x {@code block} threads without shared memory. */
    public static LaunchShape linear(int blocks, int block) {
        return new LaunchShape(blocks, 1, 1, block, 0);
    }
}
