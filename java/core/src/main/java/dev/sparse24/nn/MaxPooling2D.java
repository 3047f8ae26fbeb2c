package dev.sparse24.nn;

import dev.sparse24.graph.Padding;
import dev.sparse24.tensor.Shape;
import dev.sparse24.tensor.Tensor;

import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * 2-D max pooling over NHWC activations, per channel, as Keras's {@code MaxPooling2D}.
 *
 * <p>With SAME padding the padded cells never win (they count as -infinity). The winner of each
 * output (the first maximum in scan order on ties) is remembered, and backward routes the
 * output gradient to it; overlapping windows (stride smaller than the pool) add up.
 *
 * <p>Forward works one output row at a time: it copies the input rows under it to the heap, then
 * for each window cell gathers that cell of every window in the row ({@code OW * C} values) and
 * updates maxima and winners in one long, branch-free loop that vectorises.
 */
public final class MaxPooling2D extends Layer {
    private final int poolH;
    private final int poolW;
    private final int strideH;
    private final int strideW;
    private final Padding padding;

    private int inH;
    private int inW;
    private int channels;
    private int outH;
    private int outW;
    private int padTop;
    private int padLeft;

    // Winner of each output: its cell in the window (i * poolW + j), as a float so that the
    // forward loop stays all-float and vectorises.
    private float[] winner;
    private final int[] cellRow;    // window cell index -> row within the window (avoids a division per element)
    private final int[] cellColumn; // window cell index -> column within the window
    private float[] cellValues;     // [OW * C]: one window cell gathered for a whole output row
    private float[] rowMax;         // [OW * C]: running maxima of an output row
    private float[] rowWinner;      // [OW * C]: winners of an output row
    private float[] rowGrad;        // [OW * C]: output gradient of one row
    private float[] windowRows;     // [poolH, W * C]: the input rows under one output row
    private float[] sampleGrad;     // [H * W * C]: input gradient of one sample
    private Tensor output;
    private Tensor inputGrad;
    private int lastBatch = -1;

    /**
     * A max pooling layer.
     *
     * @param poolH   window height
     * @param poolW   window width
     * @param strideH vertical stride
     * @param strideW horizontal stride
     * @param padding SAME or VALID
     */
    public MaxPooling2D(int poolH, int poolW, int strideH, int strideW, Padding padding) {
        super(null);
        if (poolH <= 0 || poolW <= 0 || strideH <= 0 || strideW <= 0) {
            throw new IllegalArgumentException("pool size and strides must be positive, given pool "
                    + poolH + "x" + poolW + ", strides " + strideH + "x" + strideW);
        }
        if (padding == null) {
            throw new IllegalArgumentException("padding must be given");
        }
        this.poolH = poolH;
        this.poolW = poolW;
        this.strideH = strideH;
        this.strideW = strideW;
        this.padding = padding;
        this.cellRow = new int[poolH * poolW];
        this.cellColumn = new int[poolH * poolW];
        for (int cell = 0; cell < cellRow.length; cell++) {
            cellRow[cell] = cell / poolW;
            cellColumn[cell] = cell % poolW;
        }
    }

    /** A square pool whose stride equals the pool size, e.g. {@code MaxPooling2D(2, Padding.SAME)}. */
    public MaxPooling2D(int pool, Padding padding) {
        this(pool, pool, pool, pool, padding);
    }

    /** Keras defaults: 2x2 pool, stride 2, VALID padding. */
    public MaxPooling2D() {
        this(2, Padding.VALID);
    }

    /** Sets the layer's name (instead of the one Sequential would assign) and returns this layer. */
    public MaxPooling2D named(String name) {
        setName(name);
        return this;
    }

    @Override
    public String typeName() {
        return "MaxPooling2D";
    }

    /** Window height and width. */
    public int[] poolSize() {
        return new int[] {poolH, poolW};
    }

    /** Vertical and horizontal stride. */
    public int[] strides() {
        return new int[] {strideH, strideW};
    }

    /** The padding mode. */
    public Padding padding() {
        return padding;
    }

    @Override
    protected Shape doBuild(Shape inputShape, Random rng) {
        if (inputShape.rank() != 3 || inputShape.size() == 0) {
            throw new IllegalArgumentException("MaxPooling2D expects a non-empty per-sample input (height, width, channels),"
                    + " given " + inputShape);
        }
        inH = inputShape.dim(0);
        inW = inputShape.dim(1);
        channels = inputShape.dim(2);
        outH = padding.outputSize(inH, poolH, strideH);
        outW = padding.outputSize(inW, poolW, strideW);
        if (outH == 0 || outW == 0) {
            throw new IllegalArgumentException("MaxPooling2D pool " + poolH + "x" + poolW
                    + " does not fit input " + inputShape + " with VALID padding");
        }
        padTop = padding.padBefore(inH, poolH, strideH);
        padLeft = padding.padBefore(inW, poolW, strideW);
        cellValues = new float[outW * channels];
        rowMax = new float[outW * channels];
        rowGrad = new float[outW * channels];
        rowWinner = new float[outW * channels];
        windowRows = new float[Math.min(poolH, inH) * inW * channels];
        sampleGrad = new float[inH * inW * channels];
        lastBatch = -1;
        output = inputGrad = null;
        return Shape.of(outH, outW, channels);
    }

    @Override
    public Tensor forward(Tensor input, boolean training) {
        checkInput(input);
        int n = input.shape().dim(0);
        int c = channels;
        if (n != lastBatch) {
            winner = new float[n * outH * outW * c];
            lastBatch = n;
        }
        output = Tensor.reuse(output, Shape.of(n, outH, outW, c));
        FloatBuffer in = input.buffer();
        FloatBuffer out = output.buffer();
        float[] rows = windowRows;
        float[] cell = cellValues;
        float[] best = rowMax;
        int inRowLength = inW * c;
        int rowLength = outW * c;
        for (int s = 0; s < n; s++) {
            for (int oh = 0; oh < outH; oh++) {
                int o = (s * outH + oh) * rowLength;
                int top = oh * strideH - padTop;
                int firstRow = Math.max(top, 0);
                int endRow = Math.min(top + poolH, inH);
                // The input rows under this output row, in one bulk copy: input row h is at (h - firstRow).
                in.get(((s * inH) + firstRow) * inRowLength, rows, 0, (endRow - firstRow) * inRowLength);
                // Start from each window's first input cell (starting from -infinity would make
                // -inf - -inf = NaN in the comparison below where padding comes first).
                for (int ow = 0; ow < outW; ow++) {
                    int left = ow * strideW - padLeft;
                    int firstColumn = Math.max(left, 0);
                    System.arraycopy(rows, firstColumn * c, best, ow * c, c);
                    Arrays.fill(rowWinner, ow * c, ow * c + c, (firstRow - top) * poolW + firstColumn - left);
                }
                for (int h = firstRow; h < endRow; h++) {
                    int rowStart = (h - firstRow) * inRowLength;
                    for (int j = 0; j < poolW; j++) {
                        // Gather cell (h, j) of every window of this output row; padding is -inf.
                        for (int ow = 0; ow < outW; ow++) {
                            int w = ow * strideW - padLeft + j;
                            if (w >= 0 && w < inW) {
                                System.arraycopy(rows, rowStart + w * c, cell, ow * c, c);
                            } else {
                                Arrays.fill(cell, ow * c, ow * c + c, Float.NEGATIVE_INFINITY);
                            }
                        }
                        updateMaxima(cell, best, rowWinner, rowLength, (h - top) * poolW + j);
                    }
                }
                out.put(o, best, 0, rowLength);
                System.arraycopy(rowWinner, 0, winner, o, rowLength);
            }
        }
        return output;
    }

    /**
     * Takes the cell's values into the running maxima of one output row and, where a value is
     * strictly greater (so on ties the first cell in scan order keeps the win), records the cell.
     * Branch-free so that it vectorises (an if on random data mispredicts half the time): a
     * positive difference of two floats is at least 2^-149, which the two scalings lift to at
     * least 1, so {@code greater} is exactly 0 or 1.
     */
    private static void updateMaxima(float[] cell, float[] best, float[] win, int length, float cellIndex) {
        // Row-sized arrays indexed from 0: with an offset into the big winner array C2 does not
        // vectorise this loop (measured 7x slower).
        for (int t = 0; t < length; t++) {
            float v = cell[t];
            float b = best[t];
            float greater = Math.min(Math.max(v - b, 0f) * 0x1p126f * 0x1p24f, 1f);
            win[t] += (cellIndex - win[t]) * greater;
            best[t] = Math.max(b, v);
        }
    }

    @Override
    public Tensor backward(Tensor gradOutput) {
        if (output == null) {
            throw new IllegalStateException("MaxPooling2D " + name() + ": backward before forward");
        }
        if (!gradOutput.shape().equals(output.shape())) {
            throw new IllegalArgumentException("gradient of the output must have shape " + output.shape()
                    + ", given " + gradOutput.shape());
        }
        if (!propagateInputGradient) {
            return null;
        }
        int c = channels;
        inputGrad = Tensor.reuse(inputGrad, Shape.of(lastBatch, inH, inW, c));
        FloatBuffer dy = gradOutput.buffer();
        float[] g = rowGrad;
        float[] dx = sampleGrad;
        float[] win = winner;
        int rowLength = outW * c;
        for (int s = 0; s < lastBatch; s++) {
            Arrays.fill(dx, 0f);
            for (int oh = 0; oh < outH; oh++) {
                int o = (s * outH + oh) * rowLength;
                dy.get(o, g, 0, rowLength);
                int top = oh * strideH - padTop;
                for (int ow = 0, t = 0; ow < outW; ow++) {
                    int left = ow * strideW - padLeft;
                    for (int k = 0; k < c; k++, t++) {
                        int cellIndex = (int) win[o + t];
                        // Clamped: only NaN or -inf inputs could name a padding cell.
                        int h = Math.min(Math.max(top + cellRow[cellIndex], 0), inH - 1);
                        int w = Math.min(Math.max(left + cellColumn[cellIndex], 0), inW - 1);
                        dx[(h * inW + w) * c + k] += g[t];   // adds up where windows overlap
                    }
                }
            }
            inputGrad.buffer().put(s * dx.length, dx);
        }
        return inputGrad;
    }

    @Override
    public List<Parameter> parameters() {
        return List.of();
    }
}
