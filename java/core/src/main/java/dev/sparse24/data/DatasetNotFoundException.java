package dev.sparse24.data;

import java.io.IOException;

/**
 * A data set's files are in none of the places searched and could not be fetched. The message
 * lists the places searched, why fetching did not happen or failed, and which files to put where.
 */
public class DatasetNotFoundException extends IOException {
    private static final long serialVersionUID = 1L;

    /** An error with the full explanation as its message. */
    public DatasetNotFoundException(String message) {
        super(message);
    }

    /** An error with the full explanation as its message, caused by a failed fetch. */
    public DatasetNotFoundException(String message, Throwable cause) {
        super(message, cause);
    }
}
