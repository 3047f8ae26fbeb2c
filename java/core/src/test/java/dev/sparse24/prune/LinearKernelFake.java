package dev.sparse24.prune;

import dev.sparse24.nn.KernelLayer;
import dev.sparse24.nn.Layer;
import dev.sparse24.nn.Parameter;
import dev.sparse24.tensor.Shape;
import dev.sparse24.tensor.Tensor;

import java.util.List;
import java.util.Random;

/**
 * Test stand-in for Conv2D/Dense: {@code y = flatten(x) . K + b} with plain loops, where K is
 * the kernel as the matrix {@code [fanIn, out]}. With a {@code kh x kw} window it takes inputs
 * {@code (kh, kw, in)} (a VALID conv on an input exactly the window's size) and keeps a
 * rank-4 HWIO kernel; with 1x1 it takes {@code (in,)} and keeps a Dense {@code [in, out]}
 * kernel. Weights start as uniform random values from the build's random source.
 */
final class LinearKernelFake extends Layer implements KernelLayer {
    private final int units;
    private final int kh;
    private final int kw;
    private final String type;
    private Parameter kernel;
    private Parameter bias;
    private int in;
    private Tensor lastInput;

    /** A Dense-like fake with {@code units} outputs. */
    LinearKernelFake(int units) {
        this(units, 1, 1, "Dense");
    }

    /** A conv-like fake with a {@code kh x kw} window, named after {@code type}. */
    LinearKernelFake(int units, int kh, int kw, String type) {
        super(null);
        this.units = units;
        this.kh = kh;
        this.kw = kw;
        this.type = type;
    }

    @Override
    public String typeName() {
        return type;
    }

    @Override
    protected Shape doBuild(Shape inputShape, Random rng) {
        in = inputShape.dim(-1);
        boolean dense = kh == 1 && kw == 1 && inputShape.rank() == 1;
        Shape k = dense ? Shape.of(in, units) : Shape.of(kh, kw, in, units);
        if (!dense && !inputShape.equals(Shape.of(kh, kw, in))) {
            throw new IllegalArgumentException("expected input (" + kh + ", " + kw + ", in), given " + inputShape);
        }
        Tensor kv = Tensor.zeros(k);
        for (int i = 0; i < kv.size(); i++) {
            kv.set(i, (float) (rng.nextDouble() * 2 - 1));
        }
        kernel = new Parameter("kernel", kv, true);
        bias = new Parameter("bias", Tensor.zeros(units), true);
        return dense ? Shape.of(units) : Shape.of(1, 1, units);
    }

    @Override
    public Tensor forward(Tensor input, boolean training) {
        checkInput(input);
        lastInput = input;
        int n = input.shape().dim(0);
        int fanIn = kh * kw * in;
        Tensor out = Tensor.zeros(outputShape().withBatch(n));
        for (int b = 0; b < n; b++) {
            for (int o = 0; o < units; o++) {
                double s = bias.value().get(o);
                for (int f = 0; f < fanIn; f++) {
                    s += input.get(b * fanIn + f) * kernel.value().get(f * units + o);
                }
                out.set(b * units + o, (float) s);
            }
        }
        return out;
    }

    @Override
    public Tensor backward(Tensor gradOutput) {
        int n = gradOutput.shape().dim(0);
        int fanIn = kh * kw * in;
        Tensor gx = Tensor.zeros(lastInput.shape());
        for (int f = 0; f < fanIn; f++) {
            for (int o = 0; o < units; o++) {
                double g = 0;
                for (int b = 0; b < n; b++) {
                    g += lastInput.get(b * fanIn + f) * gradOutput.get(b * units + o);
                    gx.set(b * fanIn + f, gx.get(b * fanIn + f) + gradOutput.get(b * units + o)
                            * kernel.value().get(f * units + o));
                }
                kernel.grad().set(f * units + o, (float) g);
            }
        }
        for (int o = 0; o < units; o++) {
            double g = 0;
            for (int b = 0; b < n; b++) {
                g += gradOutput.get(b * units + o);
            }
            bias.grad().set(o, (float) g);
        }
        return propagateInputGradient ? gx : null;
    }

    @Override
    public List<Parameter> parameters() {
        return kernel == null ? List.of() : List.of(kernel, bias);
    }

    @Override
    public Parameter kernel() {
        return kernel;
    }

    @Override
    public Parameter bias() {
        return bias;
    }

    @Override
    public int inputChannels() {
        return in;
    }

    @Override
    public int outputChannels() {
        return units;
    }

    @Override
    public int[] kernelSize() {
        return new int[] {kh, kw};
    }

    @Override
    public Layer asLayer() {
        return this;
    }
}
