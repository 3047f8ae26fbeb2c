package dev.sparse24.nn;

import dev.sparse24.tensor.Shape;
import dev.sparse24.tensor.Tensor;

import java.util.List;
import java.util.Random;

/**
 * A fully connected layer, as Keras's {@code Dense}: {@code y = act(x kernel + bias)} on rank-1
 * samples (put a Flatten before it for images).
 *
 * <p>Parameters: {@code kernel [in, units]} (Glorot-uniform) and, when {@code useBias},
 * {@code bias [units]} (zeros). One GEMM forward, two backward (see {@link FusedLinear}).
 */
public final class Dense extends Layer implements KernelLayer {
    private final int units;
    private final Activation activation;
    private final boolean useBias;

    private int inputSize;
    private Parameter kernel;
    private Parameter bias;
    private FusedLinear linear;
    private Tensor lastInput;   // [N, in], read again by backward
    private Tensor inputGrad;   // [N, in], reused

    /**
     * A dense layer.
     *
     * @param units      number of outputs
     * @param activation fused activation
     * @param useBias    whether to add a bias per unit
     */
    public Dense(int units, Activation activation, boolean useBias) {
        super(null);
        if (units <= 0) {
            throw new IllegalArgumentException("Dense units must be positive, given " + units);
        }
        if (activation == null) {
            throw new IllegalArgumentException("activation must be given (use Activation.NONE)");
        }
        this.units = units;
        this.activation = activation;
        this.useBias = useBias;
    }

    /** A dense layer with a bias. */
    public Dense(int units, Activation activation) {
        this(units, activation, true);
    }

    /** A dense layer with a bias and no activation (e.g. logits). */
    public Dense(int units) {
        this(units, Activation.NONE, true);
    }

    /** Sets the layer's name (instead of the one Sequential would assign) and returns this layer. */
    public Dense named(String name) {
        setName(name);
        return this;
    }

    @Override
    public String typeName() {
        return "Dense";
    }

    /** Number of outputs. */
    public int units() {
        return units;
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
        if (inputShape.rank() != 1 || inputShape.dim(0) == 0) {
            throw new IllegalArgumentException("Dense expects a non-empty rank-1 input per sample (add Flatten before it),"
                    + " given " + inputShape);
        }
        inputSize = inputShape.dim(0);
        Tensor k = Tensor.zeros(inputSize, units);
        GlorotUniform.fill(k, inputSize, units, rng);
        kernel = new Parameter("kernel", k, true);
        bias = useBias ? new Parameter("bias", Tensor.zeros(units), true) : null;
        linear = new FusedLinear(kernel, bias, activation, inputSize, units);
        lastInput = inputGrad = null;
        return Shape.of(units);
    }

    @Override
    public Tensor forward(Tensor input, boolean training) {
        checkInput(input);
        lastInput = input;
        return linear.forward(input, Shape.of(input.shape().dim(0), units));
    }

    @Override
    public Tensor backward(Tensor gradOutput) {
        if (lastInput == null) {
            throw new IllegalStateException("Dense " + name() + ": backward before forward");
        }
        if (!propagateInputGradient) {
            linear.backward(gradOutput, lastInput, null);
            return null;
        }
        inputGrad = Tensor.reuse(inputGrad, lastInput.shape());
        linear.backward(gradOutput, lastInput, inputGrad);
        return inputGrad;
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
        return inputSize;
    }

    @Override
    public int outputChannels() {
        return units;
    }

    @Override
    public int[] kernelSize() {
        return new int[] {1, 1};
    }

    @Override
    public Layer asLayer() {
        return this;
    }

    private void requireBuilt() {
        if (kernel == null) {
            throw new IllegalStateException("Dense " + name() + " is not built");
        }
    }
}
