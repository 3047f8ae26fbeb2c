package dev.sparse24.format.onnx;

/**
 * A graph that cannot be written as ONNX: the message names the operator (its index and type)
 * or the tensor, and why. Checked, because it is a property of the user's model, not a bug.
 */
public final class OnnxExportException extends Exception {
    private static final long serialVersionUID = 1L;

    /** An export failure described by {@code message}. */
    public OnnxExportException(String message) {
        super(message);
    }

    /** An export failure described by {@code message}, caused by {@code cause}. */
    public OnnxExportException(String message, Throwable cause) {
        super(message, cause);
    }
}
