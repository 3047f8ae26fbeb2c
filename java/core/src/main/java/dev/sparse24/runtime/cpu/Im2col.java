package dev.sparse24.runtime.cpu;

import dev.sparse24.ops.ConvGeometry;
import org.bytedeco.javacpp.FloatPointer;

import java.nio.FloatBuffer;

/**
 * The im2col patch rows of an NHWC convolution (channel fastest within a tap, matching the
 * filter's {@code [O, KH, KW, C]} rows): in C ({@code s24_im2col}, conv_helpers.h) when the
 * native library is used, else its Java twin. Row r is output pixel r of the batch, K =
 * kh * kw * c floats.
 */
final class Im2col {
    private final int h, w, c, kh, kw, oh, ow, strideH, strideW, dilationH, dilationW, padTop, padLeft;
    private final int k;
    private final boolean nativeHelpers;

    Im2col(ConvGeometry g, boolean nativeHelpers) {
        // Unpacked once: the loops below read these per tap.
        h = g.h();
        w = g.w();
        c = g.c();
        kh = g.kh();
        kw = g.kw();
        oh = g.oh();
        ow = g.ow();
        strideH = g.sh();
        strideW = g.sw();
        dilationH = g.dh();
        dilationW = g.dw();
        padTop = g.padTop();
        padLeft = g.padLeft();
        k = kh * kw * c;
        this.nativeHelpers = nativeHelpers;
    }

    /** Patch rows [r0, r0 + n) of the im2col matrix into {@code dst} (row-major [n, K]). */
    void rows(FloatBuffer x, int r0, int n, FloatBuffer dst) {
        if (!nativeHelpers) {
            rowsJava(x, r0, n, dst);
            return;
        }
        int perImage = oh * ow;
        int imageSize = h * w * c;
        int lastImage = (r0 + n - 1) / perImage;
        // Bounds checked here, where a mistake is an exception and not a crash.
        if ((long) (lastImage + 1) * imageSize > x.capacity() || (long) n * k > dst.capacity() || r0 < 0 || n < 1) {
            throw new IllegalStateException("im2col rows [" + r0 + ", " + (r0 + n) + ") outside the buffers");
        }
        NativeSparseGemm.s24_im2col(new FloatPointer(Frame.slice(x, 0, (lastImage + 1) * imageSize)), h, w, c, kh, kw,
                oh, ow, strideH, strideW, dilationH, dilationW, padTop, padLeft, r0, n,
                new FloatPointer(Frame.slice(dst, 0, n * k)));
    }

    /**
     * The Java twin of conv_helpers.h's s24_im2col (fallback, and the tests' reference). Built in
     * a heap array from a heap copy of the input images the rows span, then stored with one bulk
     * copy: a first layer has one channel, so a tap row is a handful of floats, and a bulk copy
     * per handful into a direct buffer costs more than the copy itself.
     */
    private void rowsJava(FloatBuffer x, int r0, int n, FloatBuffer dst) {
        int perImage = oh * ow;
        int imageSize = h * w * c;
        int firstImage = r0 / perImage;
        int lastImage = (r0 + n - 1) / perImage;
        float[] src = IMAGES.get().floats((lastImage - firstImage + 1) * imageSize);
        x.get(firstImage * imageSize, src, 0, (lastImage - firstImage + 1) * imageSize);
        float[] t = ROWS.get().floats(n * k);
        for (int r = 0; r < n; r++) {
            int row = r0 + r;
            int b = row / perImage - firstImage;
            int yx = row % perImage;
            int oy = yx / ow;
            int ox = yx % ow;
            int d = r * k;
            int x0 = ox * strideW - padLeft;
            for (int i = 0; i < kh; i++) {
                int iy = oy * strideH + i * dilationH - padTop;
                if (iy < 0 || iy >= h) {
                    fill(t, d, kw * c);
                } else if (dilationW == 1) {
                    // The taps of one filter row are adjacent in the input: one copy for all of
                    // them that lie inside, zeros for those hanging over the left or right edge.
                    int jLo = Math.max(0, -x0);
                    int jHi = Math.max(jLo, Math.min(kw, w - x0));
                    fill(t, d, jLo * c);
                    copy(src, ((b * h + iy) * w + x0 + jLo) * c, t, d + jLo * c, (jHi - jLo) * c);
                    fill(t, d + jHi * c, (kw - jHi) * c);
                } else {
                    for (int j = 0; j < kw; j++) {
                        int ix = x0 + j * dilationW;
                        if (ix < 0 || ix >= w) {
                            fill(t, d + j * c, c);
                        } else {
                            copy(src, ((b * h + iy) * w + ix) * c, t, d + j * c, c);
                        }
                    }
                }
                d += kw * c;
            }
        }
        dst.put(0, t, 0, n * k);
    }

    // Short spans (a one-channel layer's 5-float tap rows) by plain loops: the JIT's arraycopy and
    // fill stubs cost more per call than copying a handful of floats.
    private static void copy(float[] src, int from, float[] dst, int to, int len) {
        if (len < 32) {
            for (int i = 0; i < len; i++) {
                dst[to + i] = src[from + i];
            }
        } else {
            System.arraycopy(src, from, dst, to, len);
        }
    }

    private static void fill(float[] dst, int from, int len) {
        for (int i = 0; i < len; i++) {
            dst[from + i] = 0f;
        }
    }

    /** Per-thread heap copies of the Java twin (kept between runs: steady state allocates nothing). */
    private static final ThreadLocal<HeapScratch> IMAGES = ThreadLocal.withInitial(HeapScratch::new);
    private static final ThreadLocal<HeapScratch> ROWS = ThreadLocal.withInitial(HeapScratch::new);
}
