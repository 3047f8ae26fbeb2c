package dev.sparse24.format;

/**
 * A model file (.s24 or .tflite) is malformed, corrupt, or uses something Sparse24 does not
 * support. The message says what and where: byte offset, table, tensor name or operator index.
 */
public class ModelFormatException extends Exception {
    private static final long serialVersionUID = 1L;

    /** An error with a message saying what and where. */
    public ModelFormatException(String message) {
        super(message);
    }

    /** An error with a message and the exception that revealed it. */
    public ModelFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
