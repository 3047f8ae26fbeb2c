package dev.sparse24.ops;

import dev.sparse24.graph.FusedActivation;

/**
 * DEPTHWISE_CONV_2D on NHWC images: output channel {@code ch * M + m} reads input channel
 * {@code ch} through filter {@code [1, KH, KW, C*M]}; taps outside the image are skipped (they
 * read zeros), sums run over taps in row-major order, then bias, then the fused activation.
 */
public final class DepthwiseConvolution {
    private DepthwiseConvolution() {
    }

    /**
     * @param weights {@code [KH, KW, OC]} values (the filter without its leading 1)
     * @param bias    {@code OC} values, or null
     */
    public static void run(ConvGeometry g, float[] weights, float[] bias, FusedActivation act,
                           float[] in, int inOffset, float[] out, int outOffset, int images) {
        int oc = g.oc();
        int c = g.c();
        int multiplier = oc / c;
        for (int b = 0; b < images; b++) {
            int src = inOffset + b * g.inputSize();
            for (int oy = 0; oy < g.oh(); oy++) {
                for (int ox = 0; ox < g.ow(); ox++) {
                    int dst = outOffset + b * g.outputSize() + (oy * g.ow() + ox) * oc;
                    for (int fo = 0; fo < oc; fo++) {
                        int ch = fo / multiplier;
                        float acc = 0f;
                        for (int i = 0; i < g.kh(); i++) {
                            int iy = oy * g.sh() + i * g.dh() - g.padTop();
                            if (iy < 0 || iy >= g.h()) {
                                continue;
                            }
                            for (int j = 0; j < g.kw(); j++) {
                                int ix = ox * g.sw() + j * g.dw() - g.padLeft();
                                if (ix >= 0 && ix < g.w()) {
                                    acc += in[src + (iy * g.w() + ix) * c + ch] * weights[(i * g.kw() + j) * oc + fo];
                                }
                            }
                        }
                        out[dst + fo] = act.apply(acc + (bias != null ? bias[fo] : 0f));
                    }
                }
            }
        }
    }
}
