package dev.sparse24.prune;

import dev.sparse24.nn.KernelLayer;
import dev.sparse24.nn.Layer;
import dev.sparse24.nn.Parameter;
import dev.sparse24.nn.Sequential;
import dev.sparse24.sparse.MagnitudeMask;
import dev.sparse24.sparse.NmMask;
import dev.sparse24.sparse.NmPattern;
import dev.sparse24.sparse.TfLiteLayout;
import dev.sparse24.tensor.Shape;
import dev.sparse24.tensor.Tensor;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A wrapper that prunes the kernel of a Conv2D or Dense layer, as TFMOT's
 * {@code PruneLowMagnitude}.
 *
 * <p>It adds three non-trainable parameters after the inner layer's own: {@code mask} (the
 * kernel's shape, initially ones), {@code threshold} (scalar) and {@code pruning_step}
 * (scalar, initially -1). Every training {@link #forward}:
 * <ol>
 *   <li>{@code pruning_step += 1}; it must then be at least 1, which only happens when the
 *       {@link UpdatePruningStep} callback set it before the batch (else
 *       {@link IllegalStateException}, as TFMOT fails without the callback);</li>
 *   <li>the mask is recomputed when due: for m-by-n exactly once, at step 1, from the weights
 *       as they are before the first optimizer step, in TFLite orientation (groups along the
 *       input channels); for a schedule when {@link PruningSchedule#shouldPrune} says so, by
 *       magnitude over the whole kernel;</li>
 *   <li>{@code kernel <- kernel * mask}.</li>
 * </ol>
 * An inference forward only applies the mask (TFMOT's {@code weights = weights * mask} runs on
 * every call; with an all-ones mask before training it changes nothing). {@link #backward}
 * is the inner layer's: pruned weights get gradients, the optimizer revives them a little, and
 * the next forward (or {@link UpdatePruningStep} at epoch end) zeroes them again.
 *
 * <p>Beyond TFMOT, m-by-n parameters may carry a {@link MaskSchedule} and an SR-STE decay
 * ({@link PruningParams#withMaskSchedule}, {@link PruningParams#withSrSte}). Before the
 * schedule's first step the layer trains dense (mask all ones). While a later selection is still
 * due, the layer trains <em>straight through</em>: the kernel parameter keeps the dense weights
 * between steps, a training forward computes with {@code dense * mask} (the dense values wait in
 * a copy), and {@link #backward} puts the dense weights back before the optimizer step, so that
 * pruned weights keep learning from the masked network's gradient and can win their group at the
 * next selection; with SR-STE's {@code lambda > 0} the pruned weights' gradients also get
 * {@code lambda * w}. Inference forwards in that phase compute with {@code dense * mask} too, and
 * restore the dense weights after. Once no selection is due any more the layer zeroes its pruned
 * weights and trains as TFMOT's; {@link #finish} (called by {@link UpdatePruningStep} at train end
 * and by {@link Pruning#strip}) does that early when training stops before.
 *
 * <p>Naming: the wrapper is {@code prune_low_magnitude_<inner name>}. Inside a
 * {@link Sequential} an unnamed inner layer gets its Keras name in sequence with the other
 * layers (a wrapped Conv2D is still a {@code conv2d}, {@code conv2d_1}, ...).
 *
 * <p>Where TFMOT is silent: an m-by-n pattern cannot prune a layer with {@code in <= n - m}
 * input channels (every group is a row of at most {@code n - m} values). Building such a layer
 * logs a warning naming it, or throws {@link IllegalArgumentException} when the parameters are
 * strict.
 */
public final class PruneLowMagnitude extends Layer implements Sequential.InnerNamed {
    /** Prefix of the wrapper's name, as Keras derives it from the class name. */
    public static final String NAME_PREFIX = "prune_low_magnitude_";

    /** What a training forward without {@link UpdatePruningStep} fails with (TFMOT's words). */
    public static final String MISSING_CALLBACK_MESSAGE = "PruneLowMagnitude wrapper requires the "
            + "UpdatePruningStep callback to be provided during training. Please add it as a callback to "
            + "your fit call.";

    /** The step is kept in a float32 parameter: integers are exact up to 2^24. */
    private static final long MAX_STEP = 1L << 24;

    private static final System.Logger LOG = System.getLogger(PruneLowMagnitude.class.getName());

    private final KernelLayer layer;
    private final PruningParams params;
    private String explicitName;
    private Parameter mask;
    private Parameter threshold;
    private Parameter pruningStep;
    /** Whether the last training forward trained straight through (the kernel holds dense weights). */
    private boolean straightThrough;
    /** The dense kernel while the kernel parameter holds {@code dense * mask}; null otherwise. */
    private float[] denseKernel;
    /** Reused copies (dense, masked), so that straight-through steps allocate nothing per step. */
    private float[] denseScratch;
    private float[] maskedScratch;

    /**
     * Wraps {@code layer} (built or not; a built layer keeps its weights).
     *
     * @throws NullPointerException when an argument is null
     */
    public PruneLowMagnitude(KernelLayer layer, PruningParams params) {
        super(null);
        if (layer == null || params == null) {
            throw new NullPointerException("layer and params must not be null");
        }
        this.layer = layer;
        this.params = params;
    }

    /** {@code prune_low_magnitude_<inner name>}, an explicitly set name, or null while the inner has none. */
    @Override
    public String name() {
        if (explicitName != null) {
            return explicitName;
        }
        String inner = layer.asLayer().name();
        return inner == null ? null : NAME_PREFIX + inner;
    }

    /** Gives the wrapper a name of its own instead of the one derived from the inner layer. */
    @Override
    public void setName(String name) {
        this.explicitName = name;
        super.setName(name);
    }

    /** {@code PruneLowMagnitude}, as Keras's summary shows it. */
    @Override
    public String typeName() {
        return "PruneLowMagnitude";
    }

    /** The wrapped layer (what Sequential names). */
    @Override
    public Layer inner() {
        return layer.asLayer();
    }

    /** The wrapped layer as a kernel layer. */
    public KernelLayer kernelLayer() {
        return layer;
    }

    /** How this layer is pruned. */
    public PruningParams params() {
        return params;
    }

    @Override
    protected Shape doBuild(Shape inputShape, Random rng) {
        Layer inner = layer.asLayer();
        Shape out;
        if (inner.isBuilt()) {
            if (!inner.inputShape().equals(inputShape)) {
                throw new IllegalArgumentException("layer " + inner.name() + " is built for input "
                        + inner.inputShape() + ", given " + inputShape);
            }
            out = inner.outputShape();
        } else {
            // Same random stream the unwrapped layer would get: same initial weights.
            out = inner.build(inputShape, rng);
        }
        checkPatternCanPrune();
        Shape kernelShape = layer.kernel().shape();
        Tensor ones = Tensor.zeros(kernelShape);
        ones.fill(1f);
        mask = new Parameter("mask", ones, false);
        threshold = new Parameter("threshold", Tensor.zeros(Shape.of()), false);
        pruningStep = new Parameter("pruning_step", Tensor.zeros(Shape.of()), false);
        pruningStep.value().set(0, -1f);
        return out;
    }

    private void checkPatternCanPrune() {
        NmPattern pattern = params.pattern();
        if (pattern == null || layer.inputChannels() > pattern.kept()) {
            return;
        }
        String message = name() + ": " + pattern + " pruning cannot prune a layer with " + layer.inputChannels()
                + " input channel(s): groups run along the input channels and keep up to " + pattern.kept()
                + " values, so nothing is pruned (use an unstructured schedule for this layer)";
        if (params.isStrict()) {
            throw new IllegalArgumentException(message + " [strict]");
        }
        LOG.log(System.Logger.Level.WARNING, message);
    }

    @Override
    public Tensor forward(Tensor input, boolean training) {
        requireBuilt();
        if (!training) {
            if (straightThrough && denseKernel == null) {
                // Between straight-through steps the kernel holds dense weights: compute with the
                // masked ones and give the dense back, so that validation sees the sparse network.
                maskKernelKeepingDense();
                try {
                    return layer.asLayer().forward(input, false);
                } finally {
                    restoreDenseKernel();
                }
            }
            if (denseKernel == null) {
                applyMask();
            }
            return layer.asLayer().forward(input, false);
        }
        long step = pruningStep() + 1;
        if (step < 1) {
            // Not persisted, so that every training call without the callback fails alike.
            throw new IllegalStateException(name() + ": " + MISSING_CALLBACK_MESSAGE);
        }
        setPruningStep(step);
        // A training forward whose backward never ran left the masked kernel in place.
        restoreDenseKernel();
        if (!params.isStructured()) {
            if (params.schedule().shouldPrune(step)) {
                updateMask(step);
            }
            applyMask();
            return layer.asLayer().forward(input, true);
        }
        MaskSchedule when = params.maskSchedule();
        if (when.selectsAt(step)) {
            updateMask(step);
        }
        straightThrough = when.changesAfter(step);
        if (!straightThrough) {
            denseScratch = null;   // the masks are final: TFMOT's hard mask from here on
            maskedScratch = null;
            applyMask();
        } else if (!when.denseAt(step)) {
            maskKernelKeepingDense();
        }
        // else: dense warm-up, the mask is still all ones
        return layer.asLayer().forward(input, true);
    }

    /** Keeps the dense kernel in {@link #denseKernel} and writes {@code dense * mask} into the kernel. */
    private void maskKernelKeepingDense() {
        FloatBuffer w = layer.kernel().value().buffer();
        FloatBuffer m = mask.value().buffer();
        int n = mask.size();
        if (denseScratch == null) {
            denseScratch = new float[n];
            maskedScratch = new float[n];
        }
        float[] dense = denseScratch;
        float[] masked = maskedScratch;
        w.get(0, dense, 0, n);
        m.get(0, masked, 0, n);
        for (int i = 0; i < n; i++) {
            masked[i] *= dense[i];
        }
        w.put(0, masked, 0, n);
        denseKernel = dense;
    }

    /** Puts the dense kernel back after {@link #maskKernelKeepingDense}; nothing when none is kept. */
    private void restoreDenseKernel() {
        if (denseKernel != null) {
            layer.kernel().value().buffer().put(0, denseKernel, 0, denseKernel.length);
            denseKernel = null;
        }
    }

    private void updateMask(long step) {
        Tensor kernel = layer.kernel().value();
        if (params.isStructured()) {
            int[] k = layer.kernelSize();
            Tensor tflite = TfLiteLayout.fromKeras(kernel, k[0], k[1], layer.inputChannels(),
                    layer.outputChannels());
            TfLiteLayout.toKeras(NmMask.compute(tflite, params.pattern()), mask.value());
            // TFMOT stores an arbitrary threshold for m-by-n; ours stays 0.
        } else {
            MagnitudeMask m = MagnitudeMask.compute(kernel, params.schedule().sparsity(step));
            mask.value().copyFrom(m.mask());
            threshold.value().set(0, m.threshold());
        }
    }

    /**
     * {@code kernel <- kernel * mask}. {@link UpdatePruningStep} calls it at each epoch end, so
     * the weights are sparse after the epoch's last optimizer step.
     */
    public void applyMask() {
        requireBuilt();
        FloatBuffer w = layer.kernel().value().buffer();
        FloatBuffer m = mask.value().buffer();
        for (int i = 0, n = mask.size(); i < n; i++) {
            w.put(i, w.get(i) * m.get(i));
        }
    }

    /**
     * The inner layer's backward. When the forward trained straight through, the dense kernel
     * is then put back (the optimizer updates it, pruned weights included) and, with SR-STE, the
     * pruned weights' gradients get {@code lambda * w}.
     */
    @Override
    public Tensor backward(Tensor gradOutput) {
        Tensor gradInput = layer.asLayer().backward(gradOutput);
        float[] dense = denseKernel;
        if (dense != null) {
            restoreDenseKernel();
            double lambda = params.srSteDecay();
            if (lambda > 0) {
                FloatBuffer g = layer.kernel().grad().buffer();
                FloatBuffer m = mask.value().buffer();
                float l = (float) lambda;
                for (int i = 0; i < dense.length; i++) {
                    if (m.get(i) == 0f) {
                        g.put(i, g.get(i) + l * dense[i]);
                    }
                }
            }
        }
        return gradInput;
    }

    /**
     * What {@link UpdatePruningStep} does at each epoch end: {@link #applyMask} (TFMOT's), except
     * while training straight through, where the kernel's dense weights must survive.
     */
    public void endEpoch() {
        requireBuilt();
        if (!straightThrough) {
            applyMask();
        }
    }

    /**
     * Ends training: the pruned weights are zeroed for good ({@code kernel <- kernel * mask}) and
     * straight-through training stops. Idempotent; {@link UpdatePruningStep} calls it at train
     * end and {@link Pruning#strip} before removing the wrapper. Training again resumes the mask
     * schedule from the wrapper's step, with the pruned weights at zero.
     */
    public void finish() {
        requireBuilt();
        restoreDenseKernel();
        straightThrough = false;
        denseScratch = null;
        maskedScratch = null;
        applyMask();
    }

    /** Whether the layer is training straight through (kernel holds dense weights between steps). */
    public boolean isStraightThrough() {
        return straightThrough;
    }

    /** The inner layer's parameters, then {@code mask}, {@code threshold}, {@code pruning_step}. */
    @Override
    public List<Parameter> parameters() {
        List<Parameter> all = new ArrayList<>(layer.asLayer().parameters());
        if (mask != null) {
            all.add(mask);
            all.add(threshold);
            all.add(pruningStep);
        }
        return all;
    }

    /** Applies to the inner layer too (it computes the input gradient). */
    @Override
    public void setPropagateInputGradient(boolean on) {
        super.setPropagateInputGradient(on);
        layer.asLayer().setPropagateInputGradient(on);
    }

    /** The current pruning step: -1 before training, then the number of the last training batch (from 1). */
    public long pruningStep() {
        requireBuilt();
        return (long) pruningStep.value().get(0);
    }

    /**
     * Sets the pruning step ({@link UpdatePruningStep} sets it before each batch; the next
     * training forward adds one).
     *
     * @throws IllegalArgumentException when {@code step} is outside [-1, 2^24] (the float32
     *                                  parameter holds integers exactly only up to 2^24)
     */
    public void setPruningStep(long step) {
        requireBuilt();
        if (step < -1 || step > MAX_STEP) {
            throw new IllegalArgumentException("pruning step must be in [-1, " + MAX_STEP + "], given " + step);
        }
        pruningStep.value().set(0, (float) step);
    }

    /** The mask parameter (Keras layout, the kernel's shape). */
    public Parameter mask() {
        requireBuilt();
        return mask;
    }

    /** The threshold parameter: the last magnitude threshold (0 for m-by-n). */
    public Parameter threshold() {
        requireBuilt();
        return threshold;
    }

    private void requireBuilt() {
        if (mask == null) {
            throw new IllegalStateException("layer " + name() + " is not built");
        }
    }
}
