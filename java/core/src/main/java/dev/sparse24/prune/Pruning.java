package dev.sparse24.prune;

import dev.sparse24.nn.KernelLayer;
import dev.sparse24.nn.Layer;
import dev.sparse24.nn.Sequential;
import dev.sparse24.sparse.SparsityReport;
import dev.sparse24.sparse.TfLiteLayout;
import dev.sparse24.tensor.Tensor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;

/**
 * Entry points of TFMOT's {@code tfmot.sparsity.keras}: wrap layers for pruning, strip the
 * wrappers after training, report the sparsity reached.
 *
 * <pre>
 *   Sequential model = new Sequential(
 *       Pruning.pruneLowMagnitude(new Conv2D(...), PruningParams.unstructured(new ConstantSparsity(0.5, 0))),
 *       new MaxPooling2D(...),
 *       Pruning.pruneLowMagnitude(new Conv2D(...), PruningParams.twoByFour()), ...);
 *   // fit with new UpdatePruningStep() among the callbacks, then:
 *   Pruning.strip(model);
 * </pre>
 */
public final class Pruning {
    private Pruning() {
    }

    /**
     * Wraps a layer for pruning, for building a model (Keras's {@code prune_low_magnitude(layer)}).
     *
     * @throws IllegalArgumentException when the layer has no kernel to prune or is already wrapped
     */
    public static PruneLowMagnitude pruneLowMagnitude(Layer layer, PruningParams params) {
        return new PruneLowMagnitude(requirePrunable(layer), params);
    }

    /**
     * Wraps the prunable layers of a built model in place, keeping their weights (TFMOT's
     * {@code prune_low_magnitude(model)}, without the clone). {@code paramsPerLayer} is asked
     * for every Conv2D/Dense-like layer that is not wrapped yet and returns its parameters, or
     * null to leave it unpruned.
     *
     * @return {@code model}
     * @throws IllegalArgumentException when the model is not built
     */
    public static Sequential pruneLowMagnitude(Sequential model, Function<Layer, PruningParams> paramsPerLayer) {
        if (!model.isBuilt()) {
            throw new IllegalArgumentException("model " + model.name() + " must be built before its layers are"
                    + " wrapped (or wrap the layers when building it)");
        }
        List<Layer> layers = model.layers();
        for (int i = 0; i < layers.size(); i++) {
            Layer l = layers.get(i);
            if (!(l instanceof KernelLayer)) {
                continue;
            }
            PruningParams params = paramsPerLayer.apply(l);
            if (params != null) {
                PruneLowMagnitude wrapper = new PruneLowMagnitude((KernelLayer) l, params);
                // The inner layer is built, so build() only adds the pruning variables.
                wrapper.build(l.inputShape(), new Random(0));
                model.replace(i, wrapper);
            }
        }
        return model;
    }

    /** Wraps every prunable layer of a built model with the same parameters; see above. */
    public static Sequential pruneLowMagnitude(Sequential model, PruningParams params) {
        return pruneLowMagnitude(model, l -> params);
    }

    /**
     * Replaces each wrapper by its inner layer, in place (TFMOT's {@code strip_pruning}). The
     * weights keep their zeros: {@link PruneLowMagnitude#finish} applies each mask once more
     * (a no-op after {@link UpdatePruningStep}'s train end) and ends straight-through training.
     *
     * @return {@code model}
     */
    public static Sequential strip(Sequential model) {
        List<Layer> layers = model.layers();
        for (int i = 0; i < layers.size(); i++) {
            if (layers.get(i) instanceof PruneLowMagnitude) {
                PruneLowMagnitude w = (PruneLowMagnitude) layers.get(i);
                if (w.isBuilt()) {
                    w.finish();
                }
                model.replace(i, w.inner());
            }
        }
        return model;
    }

    /**
     * The sparsity of every kernel of a model, in TFLite orientation: wrapped layers with their
     * pattern (m:n checked group by group; unstructured labelled with the final sparsity),
     * plain Conv2D/Dense-like layers as {@code none}.
     */
    public static SparsityReport sparsityReport(Sequential model) {
        return sparsityReport(model, plan(model));
    }

    /**
     * How each wrapped layer of {@code model} is pruned, by inner layer name, in layer order.
     * Take it before {@link #strip}: stripping removes the wrappers and with them this
     * knowledge, which the sparsity report and exported files still need (TFMOT loses it).
     */
    public static Map<String, PruningParams> plan(Sequential model) {
        Map<String, PruningParams> plan = new LinkedHashMap<>();
        for (Layer l : model.layers()) {
            if (l instanceof PruneLowMagnitude) {
                PruneLowMagnitude w = (PruneLowMagnitude) l;
                plan.put(w.inner().name(), w.params());
            }
        }
        return plan;
    }

    /**
     * Per-layer sparsity of every kernel layer of a (possibly stripped) model, each checked
     * against the pruning in {@code plan} (keyed by inner layer name, see {@link #plan}):
     * m-by-n layers report whether every group holds the pattern.
     */
    public static SparsityReport sparsityReport(Sequential model, Map<String, PruningParams> plan) {
        List<SparsityReport.Entry> entries = new ArrayList<>();
        for (Layer l : model.layers()) {
            KernelLayer k = l instanceof PruneLowMagnitude ? ((PruneLowMagnitude) l).kernelLayer()
                    : l instanceof KernelLayer ? (KernelLayer) l : null;
            if (k == null) {
                continue;
            }
            Tensor tflite = tfLiteKernel(k);
            PruningParams p = plan.get(k.asLayer().name());
            if (p == null) {
                entries.add(SparsityReport.Entry.unpruned(l.name(), tflite));
            } else if (p.isStructured()) {
                entries.add(SparsityReport.Entry.checked(l.name(), tflite, p.pattern()));
            } else {
                entries.add(SparsityReport.Entry.unstructured(l.name(), tflite, p.schedule().finalSparsity()));
            }
        }
        return new SparsityReport(entries);
    }

    private static Tensor tfLiteKernel(KernelLayer k) {
        int[] size = k.kernelSize();
        return TfLiteLayout.fromKeras(k.kernel().value(), size[0], size[1], k.inputChannels(), k.outputChannels());
    }

    private static KernelLayer requirePrunable(Layer layer) {
        if (layer instanceof PruneLowMagnitude) {
            throw new IllegalArgumentException("layer " + layer.name() + " is already wrapped for pruning");
        }
        if (!(layer instanceof KernelLayer)) {
            throw new IllegalArgumentException("cannot prune layer " + layer.name() + " (" + layer.typeName()
                    + "): expected a layer with a kernel (Conv2D, Dense)");
        }
        return (KernelLayer) layer;
    }
}
