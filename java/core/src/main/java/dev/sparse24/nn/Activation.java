package dev.sparse24.nn;

/**
 * An activation fused into Conv2D or Dense (Keras's {@code activation=} argument).
 *
 * <p>Only the activations the layers implement are listed; a new one (e.g. RELU6, which TFLite
 * also fuses) needs its forward and derivative in the fused bias/activation pass
 * ({@code FusedLinear}) before it is added here.
 */
public enum Activation {
    /** Identity: Keras {@code "linear"} (or no activation). */
    NONE("linear"),
    /** {@code max(x, 0)}; its derivative at 0 is taken as 0, as TensorFlow does. */
    RELU("relu");

    private final String kerasName;

    Activation(String kerasName) {
        this.kerasName = kerasName;
    }

    /** The name Keras uses in layer configs, e.g. {@code relu}. */
    public String kerasName() {
        return kerasName;
    }
}
