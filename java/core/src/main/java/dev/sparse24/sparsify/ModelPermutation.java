package dev.sparse24.sparsify;

import dev.sparse24.nn.BatchNormalization;
import dev.sparse24.nn.Conv2D;
import dev.sparse24.nn.Dense;
import dev.sparse24.nn.Dropout;
import dev.sparse24.nn.Flatten;
import dev.sparse24.nn.KernelLayer;
import dev.sparse24.nn.Layer;
import dev.sparse24.nn.MaxPooling2D;
import dev.sparse24.nn.Parameter;
import dev.sparse24.nn.ReLU;
import dev.sparse24.nn.Sequential;
import dev.sparse24.sparse.TfLiteLayout;
import dev.sparse24.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Applies ASP's channel permutation to a built, unwrapped {@link Sequential}: for each layer to
 * be pruned 2:4 whose input comes from another kernel layer through channel-wise layers only
 * (MaxPooling2D, ReLU, Dropout, BatchNormalization, and a Flatten before a Dense), the
 * permutation of {@link ChannelPermutation#search} reorders the consumer's input channels and,
 * consistently, the producer's output channels (kernel rows and bias) and every BatchNorm
 * parameter between them. Max pooling, ReLU and dropout act channel by channel, and a Flatten
 * of {@code [H, W, C]} moves channel c at every position together, so the model computes the
 * same function, up to float rounding of the reordered sums.
 *
 * <p>A layer fed by the data (the first kernel layer) or by a producer whose output channels are
 * not a multiple of 4 is left in its order; {@link Applied#permuted} says which.
 */
public final class ModelPermutation {
    private ModelPermutation() {
    }

    /**
     * What happened to one consumer layer.
     *
     * @param layer         the consumer's name
     * @param producer      the producer's name, or null when the input comes from the data or cannot be permuted
     * @param channels      the consumer's input channels C (per position)
     * @param totalMagnitude sum of |w| of the consumer's kernel
     * @param keptIdentity  magnitude 2:4 keeps in the original order
     * @param keptPermuted  magnitude 2:4 keeps after the permutation (= keptIdentity when not permuted)
     * @param permutation   {@code perm[j]} = original channel at position j (identity when not permuted)
     * @param note          why it was not permuted, or null
     */
    public record Applied(String layer, String producer, int channels, double totalMagnitude, double keptIdentity,
                          double keptPermuted, int[] permutation, String note) {
        /** Whether the channels were reordered (the search found something better than the identity). */
        public boolean permuted() {
            return producer != null;
        }
    }

    /**
     * Searches and applies the permutation of every layer named in {@code twoFourLayers}.
     *
     * @param model         built, without pruning wrappers; modified in place
     * @param twoFourLayers names of the kernel layers that will be pruned 2:4
     * @param restarts      random restarts of each search after the identity
     * @param seed          seed of the restarts
     * @param search        false: only measure what the identity keeps (no permutation)
     */
    public static List<Applied> apply(Sequential model, Set<String> twoFourLayers, int restarts, long seed,
                                      boolean search) {
        List<Layer> layers = model.layers();
        List<Applied> result = new ArrayList<>();
        for (int j = 0; j < layers.size(); j++) {
            Layer l = layers.get(j);
            if (!(l instanceof KernelLayer consumer) || !twoFourLayers.contains(l.name())) {
                continue;
            }
            float[] w = tflite(consumer).toArray();
            int in = consumer.inputChannels();
            // Walk back through channel-wise layers to the producer.
            int i = j - 1;
            boolean flatten = false;
            List<BatchNormalization> norms = new ArrayList<>();
            while (i >= 0 && isChannelWise(layers.get(i))) {
                if (layers.get(i) instanceof Flatten) {
                    if (flatten || !(l instanceof Dense)) {
                        break;
                    }
                    flatten = true;
                }
                if (layers.get(i) instanceof BatchNormalization bn) {
                    norms.add(bn);
                }
                i--;
            }
            KernelLayer producer = null;
            String note = null;
            if (i < 0) {
                note = "its input is the data";
            } else if (!(layers.get(i) instanceof KernelLayer k)) {
                note = "its input comes through " + layers.get(i).name() + " (" + layers.get(i).typeName()
                        + "), which a permutation cannot pass";
            } else if (k.outputChannels() % ChannelPermutation.GROUP != 0 || in % k.outputChannels() != 0) {
                note = "its producer " + k.asLayer().name() + " has " + k.outputChannels()
                        + " output channels, not a multiple of 4";
            } else {
                producer = k;
            }
            int channels = producer != null ? producer.outputChannels() : in;
            int rows = w.length / channels;
            double total = 0;
            for (float v : w) {
                total += Math.abs(v);
            }
            double keptIdentity = channels % 4 == 0 ? ChannelPermutation.keptMagnitude(w, rows, channels) : Double.NaN;
            if (producer == null || !search) {
                result.add(new Applied(l.name(), null, channels, total, keptIdentity, keptIdentity,
                        ChannelPermutation.identity(channels), producer == null ? note : "permutation off"));
                continue;
            }
            int[] perm = ChannelPermutation.search(w, rows, channels, restarts, seed + j);
            double keptPermuted = ChannelPermutation.keptMagnitude(w, rows, channels, perm);
            permuteColumns(consumer, w, rows, channels, perm);
            permuteOutputs(producer, perm);
            for (BatchNormalization bn : norms) {
                for (Parameter p : bn.parameters()) {
                    p.value().copyFrom(permuted(p.value().toArray(), perm, 1));
                }
            }
            result.add(new Applied(l.name(), producer.asLayer().name(), channels, total, keptIdentity, keptPermuted,
                    perm, null));
        }
        return result;
    }

    private static boolean isChannelWise(Layer l) {
        return l instanceof MaxPooling2D || l instanceof ReLU || l instanceof Dropout || l instanceof BatchNormalization
                || l instanceof Flatten;
    }

    /** Consumer: column j of the [rows, C] view takes original column perm[j]. */
    private static void permuteColumns(KernelLayer k, float[] w, int rows, int cols, int[] perm) {
        float[] out = new float[w.length];
        for (int r = 0; r < rows; r++) {
            int base = r * cols;
            for (int j = 0; j < cols; j++) {
                out[base + j] = w[base + perm[j]];
            }
        }
        Tensor t = tflite(k);
        t.copyFrom(out);
        TfLiteLayout.toKeras(t, k.kernel().value());
    }

    /** Producer: output row j (and bias j) takes original row perm[j]. */
    private static void permuteOutputs(KernelLayer k, int[] perm) {
        Tensor t = tflite(k);
        int out = k.outputChannels();
        t.copyFrom(permuted(t.toArray(), perm, t.size() / out));
        TfLiteLayout.toKeras(t, k.kernel().value());
        Layer l = k.asLayer();
        Parameter bias = l instanceof Conv2D c && c.useBias() ? c.bias() : l instanceof Dense d && d.useBias()
                ? d.bias() : null;
        if (bias != null) {
            bias.value().copyFrom(permuted(bias.value().toArray(), perm, 1));
        }
    }

    /** Blocks of {@code block} values reordered: block j takes original block perm[j]. */
    private static float[] permuted(float[] v, int[] perm, int block) {
        float[] out = new float[v.length];
        for (int j = 0; j < perm.length; j++) {
            System.arraycopy(v, perm[j] * block, out, j * block, block);
        }
        return out;
    }

    /** The kernel in TFLite orientation ([out, kh, kw, in] or [out, in]), a copy. */
    static Tensor tflite(KernelLayer k) {
        int[] s = k.kernelSize();
        return TfLiteLayout.fromKeras(k.kernel().value(), s[0], s[1], k.inputChannels(), k.outputChannels());
    }
}
