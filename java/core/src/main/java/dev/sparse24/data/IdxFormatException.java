package dev.sparse24.data;

import java.io.IOException;

/**
 * A file is not a well-formed IDX file of unsigned bytes: wrong magic, unsupported data type or
 * rank, a header that claims more data than the file can hold, truncated data or trailing bytes.
 * The message names the file and what was expected versus found.
 */
public class IdxFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    /** An error with a message that already names the file. */
    public IdxFormatException(String message) {
        super(message);
    }

    /** An error with a message that already names the file, caused by a lower-level failure. */
    public IdxFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
