package dev.sparse24.nn;

import java.util.Arrays;

/**
 * Geometry and per-channel helpers for element-wise passes over large channel-last tensors.
 *
 * <p>Why chunks: copying a whole activation (12.8 MB for the tutorial's first conv) to a heap
 * array, looping, and copying back triples the memory traffic, and element-wise access to a
 * direct buffer does not vectorise. So passes move {@link #length()} floats at a time through
 * small heap arrays that stay in L1/L2. A chunk holds whole rows of {@code channels} values,
 * so a per-channel vector repeated to chunk length ({@link #tile}) lines up with every chunk:
 * the inner loops run over the whole chunk instead of over a short channel row.
 */
final class ChannelChunks {
    /** Target chunk size in floats (32 KiB). */
    private static final int TARGET_FLOATS = 8192;
    /** Chunks whose float partial sums are added before folding them into double totals. */
    static final int CHUNKS_PER_FOLD = 32;

    private final int channels;
    private final int length;

    /** Chunks of whole rows of {@code channels} values, about 8192 floats each. */
    ChannelChunks(int channels) {
        this.channels = channels;
        this.length = channels * Math.max(1, TARGET_FLOATS / channels);
    }

    /** Floats per chunk (a multiple of the channel count). */
    int length() {
        return length;
    }

    /** Channels per row. */
    int channels() {
        return channels;
    }

    /** {@code perChannel} repeated to chunk length, written into {@code tile}. */
    void tile(float[] perChannel, float[] tile) {
        for (int i = 0; i < length; i += channels) {
            System.arraycopy(perChannel, 0, tile, i, channels);
        }
    }

    /** {@code perChannel} (double) repeated to chunk length as floats, written into {@code tile}. */
    void tile(double[] perChannel, float[] tile) {
        for (int i = 0; i < length; i++) {
            tile[i] = (float) perChannel[i % channels];
        }
    }

    /** Adds the chunk-shaped partial sums into per-channel {@code totals} and clears them. */
    void fold(float[] partial, double[] totals) {
        for (int i = 0; i < length; i += channels) {
            for (int c = 0; c < channels; c++) {
                totals[c] += partial[i + c];
            }
        }
        Arrays.fill(partial, 0f);
    }
}
