package dev.sparse24.nn;

import dev.sparse24.graph.Padding;
import dev.sparse24.tensor.Shape;
import dev.sparse24.tensor.Tensor;

import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * 2-D convolution over NHWC activations, as Keras's {@code Conv2D} (no dilation, no groups).
 *
 * <p>Parameters: {@code kernel} HWIO {@code [kh, kw, in, out]} (Glorot-uniform with
 * {@code fanIn = kh*kw*in}, {@code fanOut = kh*kw*out}) and, when {@code useBias}, {@code bias}
 * {@code [out]} (zeros).
 *
 * <p>Computation: im2col writes each output pixel's receptive field as one row of a reused
 * matrix {@code cols [N*OH*OW, kh*kw*in]} (tap-major, input channel fastest: the kernel's own
 * flat order), so one GEMM {@code cols x kernel[kh*kw*in, out]} yields the NHWC output directly;
 * bias and activation follow in one fused pass. Backward: {@code dKernel = cols^T dZ},
 * {@code dCols = dZ kernel^T}, then col2im scatters {@code dCols} back onto the input.
 */
public final class Conv2D extends Layer implements KernelLayer {
    /** im2col/col2im move rows through a heap block of about this many floats (256 KiB: stays in L2). */
    private static final int BLOCK_FLOATS = 1 << 16;

    private final int filters;
    private final int kernelH;
    private final int kernelW;
    private final int strideH;
    private final int strideW;
    private final Padding padding;
    private final Activation activation;
    private final boolean useBias;

    // Geometry, fixed by build.
    private int inH;
    private int inW;
    private int inC;
    private int outH;
    private int outW;
    private int fanIn;                // kh*kw*in: the width of a cols row
    private boolean pointwise;        // 1x1, stride 1: cols is the input itself
    private int[] tapRowStart;        // [OH*OW, kh]: offset in a sample of tap (i, tapLo) or -1 when row i is padding
    private int[] tapLo;              // [OH*OW]: first kernel column inside the input
    private int[] tapHi;              // [OH*OW]: one past the last kernel column inside the input

    private Parameter kernel;
    private Parameter bias;
    private FusedLinear linear;

    // Work buffers reused while the batch size stays the same.
    private Tensor cols;              // [N*OH*OW, kh*kw*in]
    private Tensor colsGrad;          // [N*OH*OW, kh*kw*in]
    private Tensor inputGrad;         // [N, H, W, in]
    private float[] inputValues;      // heap copy of the input (N*H*W*in)
    private float[] inputGradValues;  // heap accumulator for col2im (N*H*W*in)
    private float[] block;            // heap block of cols rows

    /**
     * A convolution with every option.
     *
     * @param filters    number of output channels
     * @param kernelH    kernel height
     * @param kernelW    kernel width
     * @param strideH    vertical stride
     * @param strideW    horizontal stride
     * @param padding    SAME or VALID (Keras semantics)
     * @param activation fused activation
     * @param useBias    whether to add a bias per output channel
     */
    public Conv2D(int filters, int kernelH, int kernelW, int strideH, int strideW, Padding padding,
                  Activation activation, boolean useBias) {
        super(null);
        if (filters <= 0 || kernelH <= 0 || kernelW <= 0 || strideH <= 0 || strideW <= 0) {
            throw new IllegalArgumentException("filters, kernel size and strides must be positive, given filters "
                    + filters + ", kernel " + kernelH + "x" + kernelW + ", strides " + strideH + "x" + strideW);
        }
        if (padding == null || activation == null) {
            throw new IllegalArgumentException("padding and activation must be given (use Activation.NONE)");
        }
        this.filters = filters;
        this.kernelH = kernelH;
        this.kernelW = kernelW;
        this.strideH = strideH;
        this.strideW = strideW;
        this.padding = padding;
        this.activation = activation;
        this.useBias = useBias;
    }

    /** A square-kernel convolution with the same stride along both axes and a bias. */
    public Conv2D(int filters, int kernelSize, int stride, Padding padding, Activation activation) {
        this(filters, kernelSize, kernelSize, stride, stride, padding, activation, true);
    }

    /** A square-kernel convolution with stride 1 and a bias, e.g. {@code Conv2D(32, 5, SAME, RELU)}. */
    public Conv2D(int filters, int kernelSize, Padding padding, Activation activation) {
        this(filters, kernelSize, 1, padding, activation);
    }

    /** Keras defaults: stride 1, VALID padding, no activation, bias. */
    public Conv2D(int filters, int kernelSize) {
        this(filters, kernelSize, Padding.VALID, Activation.NONE);
    }

    /** Sets the layer's name (instead of the one Sequential would assign) and returns this layer. */
    public Conv2D named(String name) {
        setName(name);
        return this;
    }

    @Override
    public String typeName() {
        return "Conv2D";
    }

    /** Number of output channels. */
    public int filters() {
        return filters;
    }

    /** Vertical and horizontal stride. */
    public int[] strides() {
        return new int[] {strideH, strideW};
    }

    /** The padding mode. */
    public Padding padding() {
        return padding;
    }

    /** The fused activation. */
    public Activation activation() {
        return activation;
    }

    /** Whether the layer has a bias. */
    public boolean useBias() {
        return useBias;
    }

    @Override
    protected Shape doBuild(Shape inputShape, Random rng) {
        if (inputShape.rank() != 3) {
            throw new IllegalArgumentException("Conv2D expects a per-sample input (height, width, channels), given "
                    + inputShape);
        }
        inH = inputShape.dim(0);
        inW = inputShape.dim(1);
        inC = inputShape.dim(2);
        if (inH == 0 || inW == 0 || inC == 0) {
            throw new IllegalArgumentException("Conv2D input must not be empty, given " + inputShape);
        }
        outH = padding.outputSize(inH, kernelH, strideH);
        outW = padding.outputSize(inW, kernelW, strideW);
        if (outH == 0 || outW == 0) {
            throw new IllegalArgumentException("Conv2D kernel " + kernelH + "x" + kernelW
                    + " does not fit input " + inputShape + " with VALID padding");
        }
        fanIn = kernelH * kernelW * inC;
        pointwise = kernelH == 1 && kernelW == 1 && strideH == 1 && strideW == 1;
        buildTapGeometry();

        Tensor k = Tensor.zeros(kernelH, kernelW, inC, filters);
        GlorotUniform.fill(k, fanIn, kernelH * kernelW * filters, rng);
        kernel = new Parameter("kernel", k, true);
        bias = useBias ? new Parameter("bias", Tensor.zeros(filters), true) : null;
        linear = new FusedLinear(kernel, bias, activation, fanIn, filters);
        cols = colsGrad = inputGrad = null;
        inputValues = inputGradValues = block = null;
        return Shape.of(outH, outW, filters);
    }

    /** Precomputes, per output pixel, which kernel taps fall inside the input. */
    private void buildTapGeometry() {
        int padTop = padding.padBefore(inH, kernelH, strideH);
        int padLeft = padding.padBefore(inW, kernelW, strideW);
        int pixels = outH * outW;
        tapRowStart = new int[pixels * kernelH];
        tapLo = new int[pixels];
        tapHi = new int[pixels];
        for (int oh = 0; oh < outH; oh++) {
            for (int ow = 0; ow < outW; ow++) {
                int p = oh * outW + ow;
                int iw0 = ow * strideW - padLeft;
                int lo = Math.max(0, -iw0);
                int hi = Math.min(kernelW, inW - iw0);
                tapLo[p] = lo;
                tapHi[p] = hi;
                for (int i = 0; i < kernelH; i++) {
                    int ih = oh * strideH - padTop + i;
                    boolean inside = ih >= 0 && ih < inH && lo < hi;
                    tapRowStart[p * kernelH + i] = inside ? (ih * inW + iw0 + lo) * inC : -1;
                }
            }
        }
    }

    @Override
    public Tensor forward(Tensor input, boolean training) {
        checkInput(input);
        int n = input.shape().dim(0);
        Shape outShape = Shape.of(n, outH, outW, filters);
        if (pointwise) {
            cols = input.reshape(n * inH * inW, inC);
        } else {
            cols = Tensor.reuse(cols, Shape.of(n * outH * outW, fanIn));
            im2col(input, n);
        }
        return linear.forward(cols, outShape);
    }

    /** Fills {@link #cols} from the input, a block of rows at a time. */
    private void im2col(Tensor input, int n) {
        int sampleSize = inH * inW * inC;
        float[] x = inputValues = heap(inputValues, n * sampleSize);
        input.buffer().get(0, x);
        int blockRows = Math.max(1, BLOCK_FLOATS / fanIn);
        float[] b = block = heap(block, blockRows * fanIn);
        int pixels = outH * outW;
        int tapRowWidth = kernelW * inC;
        int filled = 0;
        int flushedRows = 0;
        for (int s = 0; s < n; s++) {
            int sampleBase = s * sampleSize;
            for (int p = 0; p < pixels; p++) {
                int rowBase = filled * fanIn;
                int lo = tapLo[p] * inC;
                int hi = tapHi[p] * inC;
                for (int i = 0; i < kernelH; i++) {
                    int dst = rowBase + i * tapRowWidth;
                    int src = tapRowStart[p * kernelH + i];
                    if (src < 0) {
                        Arrays.fill(b, dst, dst + tapRowWidth, 0f);
                        continue;
                    }
                    if (lo > 0) {
                        Arrays.fill(b, dst, dst + lo, 0f);
                    }
                    System.arraycopy(x, sampleBase + src, b, dst + lo, hi - lo);
                    if (hi < tapRowWidth) {
                        Arrays.fill(b, dst + hi, dst + tapRowWidth, 0f);
                    }
                }
                if (++filled == blockRows) {
                    cols.buffer().put(flushedRows * fanIn, b, 0, filled * fanIn);
                    flushedRows += filled;
                    filled = 0;
                }
            }
        }
        if (filled > 0) {
            cols.buffer().put(flushedRows * fanIn, b, 0, filled * fanIn);
        }
    }

    @Override
    public Tensor backward(Tensor gradOutput) {
        if (linear == null || cols == null) {
            throw new IllegalStateException("Conv2D " + name() + ": backward before forward");
        }
        int rows = cols.shape().dim(0);
        if (!propagateInputGradient) {
            linear.backward(gradOutput, cols, null);
            return null;
        }
        int n = rows / (pointwise ? inH * inW : outH * outW);
        Shape inShape = Shape.of(n, inH, inW, inC);
        if (pointwise) {
            inputGrad = Tensor.reuse(inputGrad, inShape);
            linear.backward(gradOutput, cols, inputGrad);
            return inputGrad;
        }
        colsGrad = Tensor.reuse(colsGrad, cols.shape());
        linear.backward(gradOutput, cols, colsGrad);
        inputGrad = Tensor.reuse(inputGrad, inShape);
        col2im(n);
        return inputGrad;
    }

    /** Adds every row of {@link #colsGrad} back onto the input pixels it was copied from. */
    private void col2im(int n) {
        int sampleSize = inH * inW * inC;
        float[] dx = inputGradValues = heap(inputGradValues, n * sampleSize);
        Arrays.fill(dx, 0f);
        int blockRows = Math.max(1, BLOCK_FLOATS / fanIn);
        float[] b = block = heap(block, blockRows * fanIn);
        int pixels = outH * outW;
        int rows = n * pixels;
        int tapRowWidth = kernelW * inC;
        int loaded = 0;     // rows currently in the block
        int next = 0;       // index in the block of the row to process
        int fetchedRows = 0;
        for (int s = 0; s < n; s++) {
            int sampleBase = s * sampleSize;
            for (int p = 0; p < pixels; p++) {
                if (next == loaded) {
                    loaded = Math.min(blockRows, rows - fetchedRows);
                    colsGrad.buffer().get(fetchedRows * fanIn, b, 0, loaded * fanIn);
                    fetchedRows += loaded;
                    next = 0;
                }
                int rowBase = next++ * fanIn;
                int lo = tapLo[p] * inC;
                int len = tapHi[p] * inC - lo;
                for (int i = 0; i < kernelH; i++) {
                    int start = tapRowStart[p * kernelH + i];
                    if (start < 0) {
                        continue;
                    }
                    int dst = sampleBase + start;
                    int src = rowBase + i * tapRowWidth + lo;
                    for (int t = 0; t < len; t++) {
                        dx[dst + t] += b[src + t];
                    }
                }
            }
        }
        inputGrad.buffer().put(0, dx);
    }

    private static float[] heap(float[] current, int size) {
        return current != null && current.length == size ? current : new float[size];
    }

    @Override
    public List<Parameter> parameters() {
        if (kernel == null) {
            return List.of();
        }
        return bias != null ? List.of(kernel, bias) : List.of(kernel);
    }

    @Override
    public Parameter kernel() {
        requireBuilt();
        return kernel;
    }

    @Override
    public Parameter bias() {
        requireBuilt();
        return bias;
    }

    @Override
    public int inputChannels() {
        requireBuilt();
        return inC;
    }

    @Override
    public int outputChannels() {
        return filters;
    }

    @Override
    public int[] kernelSize() {
        return new int[] {kernelH, kernelW};
    }

    @Override
    public Layer asLayer() {
        return this;
    }

    private void requireBuilt() {
        if (kernel == null) {
            throw new IllegalStateException("Conv2D " + name() + " is not built");
        }
    }
}
