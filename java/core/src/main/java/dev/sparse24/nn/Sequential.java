package dev.sparse24.nn;

import dev.sparse24.tensor.Shape;
import dev.sparse24.tensor.Tensor;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * A linear stack of layers, as Keras's {@code Sequential}: build, forward, backward, summary.
 *
 * <p>Training loops live in {@code dev.sparse24.train}; this class only chains layers. Layers
 * without an explicit name get Keras-style names ({@code conv2d}, {@code conv2d_1}, ...).
 */
public final class Sequential {
    private final String name;
    private final List<Layer> layers = new ArrayList<>();
    private Shape inputShape;

    /** A model named {@code name} with the given layers. */
    public Sequential(String name, Layer... layers) {
        this.name = name;
        for (Layer l : layers) {
            add(l);
        }
    }

    /** A model named {@code sequential}. */
    public Sequential(Layer... layers) {
        this("sequential", layers);
    }

    /** Appends a layer (before {@link #build}). */
    public Sequential add(Layer layer) {
        if (inputShape != null) {
            throw new IllegalStateException("model " + name + " is already built");
        }
        layers.add(layer);
        return this;
    }

    /** The model's name. */
    public String name() {
        return name;
    }

    /**
     * Builds every layer for a per-sample input shape (e.g. 28, 28, 1), initialising weights from
     * {@code seed}: the same seed gives the same weights.
     */
    public Sequential build(Shape inputShape, long seed) {
        assignNames();
        Random root = new Random(seed);
        Shape s = inputShape;
        for (Layer l : layers) {
            // One stream per layer, so that adding a layer does not change the others' weights.
            s = l.build(s, new Random(root.nextLong()));
        }
        this.inputShape = inputShape;
        if (!layers.isEmpty()) {
            layers.get(0).setPropagateInputGradient(false);
        }
        return this;
    }

    /**
     * A layer that wraps another and takes its name from it, as Keras wrappers do
     * ({@code prune_low_magnitude_conv2d} wraps {@code conv2d}). Sequential names the inner
     * layer in sequence with the model's other layers, so a wrapped Conv2D still counts as a
     * {@code conv2d}; the wrapper derives its own name from the inner one.
     */
    public interface InnerNamed {
        /** The wrapped layer, which Sequential names when it has no name. */
        Layer inner();
    }

    /** The layer that receives an assigned name: the inner layer of a wrapper, else the layer. */
    private static Layer namedPart(Layer l) {
        return l instanceof InnerNamed ? ((InnerNamed) l).inner() : l;
    }

    private void assignNames() {
        Map<String, Integer> used = new HashMap<>();
        for (Layer l : layers) {
            if (l.name() != null) {
                used.merge(l.name(), 1, Integer::sum);
            }
            Layer inner = namedPart(l);
            if (inner != l && inner.name() != null) {
                used.merge(inner.name(), 1, Integer::sum);
            }
        }
        Map<String, Integer> next = new HashMap<>();
        for (Layer l : layers) {
            Layer target = namedPart(l);
            if (target.name() == null) {
                String base = keras(target.typeName());
                String candidate;
                do {
                    int k = next.merge(base, 1, Integer::sum) - 1;
                    candidate = k == 0 ? base : base + "_" + k;
                } while (used.containsKey(candidate));
                used.put(candidate, 1);
                target.setName(candidate);
            }
        }
    }

    /** Keras's name for a class: Conv2D -> conv2d, MaxPooling2D -> max_pooling2d, ReLU -> re_lu. */
    static String keras(String typeName) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < typeName.length(); i++) {
            char c = typeName.charAt(i);
            boolean upper = Character.isUpperCase(c);
            if (upper && i > 0) {
                char prev = typeName.charAt(i - 1);
                boolean nextLower = i + 1 < typeName.length() && Character.isLowerCase(typeName.charAt(i + 1));
                if (Character.isLowerCase(prev) || (Character.isUpperCase(prev) && nextLower)) {
                    b.append('_');
                }
            }
            b.append(Character.toLowerCase(c));
        }
        return b.toString().toLowerCase(Locale.ROOT);
    }

    /** Whether {@link #build} has run. */
    public boolean isBuilt() {
        return inputShape != null;
    }

    /** Per-sample input shape. */
    public Shape inputShape() {
        requireBuilt();
        return inputShape;
    }

    /** Per-sample output shape. */
    public Shape outputShape() {
        requireBuilt();
        return layers.isEmpty() ? inputShape : layers.get(layers.size() - 1).outputShape();
    }

    /** The layers, in order (unmodifiable view). */
    public List<Layer> layers() {
        return Collections.unmodifiableList(layers);
    }

    /**
     * Replaces layer {@code i} by an already built layer with the same input and output shapes
     * (used to wrap layers for pruning and to strip the wrappers again).
     */
    public void replace(int i, Layer replacement) {
        Layer old = layers.get(i);
        if (!replacement.isBuilt() || !replacement.outputShape().equals(old.outputShape())
                || !replacement.inputShape().equals(old.inputShape())) {
            throw new IllegalArgumentException("replacement for " + old.name()
                    + " must be built with input " + old.inputShape() + " and output " + old.outputShape());
        }
        replacement.setPropagateInputGradient(i != 0);
        layers.set(i, replacement);
    }

    /** Runs every layer on a batch. */
    public Tensor forward(Tensor input, boolean training) {
        requireBuilt();
        Tensor x = input;
        for (Layer l : layers) {
            x = l.forward(x, training);
        }
        return x;
    }

    /** Back-propagates the loss gradient with respect to the output of the last forward. */
    public void backward(Tensor gradOutput) {
        Tensor g = gradOutput;
        for (int i = layers.size() - 1; i >= 0; i--) {
            g = layers.get(i).backward(g);
        }
    }

    /** Every parameter of every layer, in layer order. */
    public List<Parameter> parameters() {
        List<Parameter> all = new ArrayList<>();
        for (Layer l : layers) {
            all.addAll(l.parameters());
        }
        return all;
    }

    /** The trainable parameters (what optimizers update). */
    public List<Parameter> trainableParameters() {
        List<Parameter> t = new ArrayList<>();
        for (Parameter p : parameters()) {
            if (p.trainable()) {
                t.add(p);
            }
        }
        return t;
    }

    /** Total number of scalars in all parameters. */
    public long countParams() {
        return parameters().stream().mapToLong(Parameter::size).sum();
    }

    /** Number of trainable scalars. */
    public long countTrainableParams() {
        return trainableParameters().stream().mapToLong(Parameter::size).sum();
    }

    /** A table like Keras's {@code model.summary()}: name (type), output shape, parameters. */
    public String summary() {
        requireBuilt();
        int w1 = 28;
        for (Layer l : layers) {
            w1 = Math.max(w1, l.name().length() + l.typeName().length() + 6);
        }
        int w2 = 22;
        int w3 = 12;
        String rule = "_".repeat(w1 + w2 + w3);
        StringBuilder b = new StringBuilder();
        b.append("Model: \"").append(name).append("\"\n").append(rule).append('\n');
        b.append(String.format(Locale.ROOT, "%-" + w1 + "s%-" + w2 + "s%" + w3 + "s%n",
                " Layer (type)", "Output Shape", "Param #"));
        b.append("=".repeat(w1 + w2 + w3)).append('\n');
        for (int i = 0; i < layers.size(); i++) {
            Layer l = layers.get(i);
            long n = l.parameters().stream().mapToLong(Parameter::size).sum();
            b.append(String.format(Locale.ROOT, "%-" + w1 + "s%-" + w2 + "s%," + w3 + "d%n",
                    " " + l.name() + " (" + l.typeName() + ")",
                    batchedShape(l.outputShape()), n));
            if (i + 1 < layers.size()) {
                b.append('\n');
            }
        }
        long total = countParams();
        long trainable = countTrainableParams();
        b.append("=".repeat(w1 + w2 + w3)).append('\n');
        b.append(String.format(Locale.ROOT, "Total params: %,d%n", total));
        b.append(String.format(Locale.ROOT, "Trainable params: %,d%n", trainable));
        b.append(String.format(Locale.ROOT, "Non-trainable params: %,d%n", total - trainable));
        b.append(rule).append('\n');
        return b.toString();
    }

    /** Keras's text for a batched output shape: {@code (None, 7, 7, 64)}, {@code (None, 10)}. */
    private static String batchedShape(Shape perSample) {
        StringBuilder b = new StringBuilder("(None");
        for (int d : perSample.dims()) {
            b.append(", ").append(d);
        }
        return b.append(')').toString();
    }

    private void requireBuilt() {
        if (inputShape == null) {
            throw new IllegalStateException("model " + name + " is not built: call build(inputShape, seed)");
        }
    }
}
