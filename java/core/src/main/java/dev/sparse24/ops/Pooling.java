package dev.sparse24.ops;

import dev.sparse24.graph.FusedActivation;

import java.util.Arrays;

/**
 * MAX_POOL_2D and AVERAGE_POOL_2D on NHWC images: padded cells are ignored (the average divides
 * by the cells inside the image), max propagates NaN ({@link Math#max}), the fused activation
 * is applied to each result.
 */
public final class Pooling {
    private Pooling() {
    }

    /**
     * Pools {@code images} images from {@code in[inOffset...]} into {@code out[outOffset...]}.
     * Only the window cells inside the input are visited: a window far larger than the input
     * (legal in a file) costs the cells it covers, not its area.
     */
    public static void pool(boolean max, PoolGeometry g, FusedActivation act, float[] in, int inOffset,
                            float[] out, int outOffset, int images) {
        int c = g.c();
        float[] acc = new float[c];
        for (int b = 0; b < images; b++) {
            int src = inOffset + b * g.inputSize();
            for (int oy = 0; oy < g.oh(); oy++) {
                int y0 = Math.max(oy * g.sh() - g.padTop(), 0);
                int y1 = Math.min(oy * g.sh() - g.padTop() + g.fh(), g.h());
                for (int ox = 0; ox < g.ow(); ox++) {
                    int x0 = Math.max(ox * g.sw() - g.padLeft(), 0);
                    int x1 = Math.min(ox * g.sw() - g.padLeft() + g.fw(), g.w());
                    int count = Math.max(y1 - y0, 0) * Math.max(x1 - x0, 0);
                    Arrays.fill(acc, max ? Float.NEGATIVE_INFINITY : 0f);
                    for (int iy = y0; iy < y1; iy++) {
                        for (int ix = x0; ix < x1; ix++) {
                            int base = src + (iy * g.w() + ix) * c;
                            if (max) {
                                for (int ch = 0; ch < c; ch++) {
                                    acc[ch] = Math.max(acc[ch], in[base + ch]);
                                }
                            } else {
                                for (int ch = 0; ch < c; ch++) {
                                    acc[ch] += in[base + ch];
                                }
                            }
                        }
                    }
                    int d = outOffset + b * g.outputSize() + (oy * g.ow() + ox) * c;
                    for (int ch = 0; ch < c; ch++) {
                        out[d + ch] = act.apply(max ? acc[ch] : count == 0 ? 0f : acc[ch] / count);
                    }
                }
            }
        }
    }
}
