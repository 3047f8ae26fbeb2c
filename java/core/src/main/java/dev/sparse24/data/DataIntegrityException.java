package dev.sparse24.data;

import java.io.IOException;

/**
 * A data file parsed correctly but is not the file it should be: its SHA-256 differs from the
 * published digest, or its dimensions or counts do not match its companion file. The message
 * names the file and the expected and actual values.
 */
public class DataIntegrityException extends IOException {
    private static final long serialVersionUID = 1L;

    /** An error with a message that names the file and expected versus actual. */
    public DataIntegrityException(String message) {
        super(message);
    }
}
