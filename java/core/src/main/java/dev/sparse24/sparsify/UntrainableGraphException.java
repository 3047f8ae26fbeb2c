package dev.sparse24.sparsify;

/**
 * A graph holds an op, option or topology that {@link GraphToLayers} cannot turn into trainable
 * layers; the message names the op (index and type) and why.
 */
public class UntrainableGraphException extends Exception {
    private static final long serialVersionUID = 1L;

    /** An error whose message names the op and the reason. */
    public UntrainableGraphException(String message) {
        super(message);
    }
}
