package dev.sparse24.cli;

/**
 * A mistake of the user's (a bad option value, a missing or unreadable file, a malformed
 * input): {@link UserErrorHandler} prints its message as one line, {@code <command>: message},
 * and the command exits with {@link #EXIT_CODE}, no stack trace.
 */
final class UserError extends RuntimeException {
    /** The exit status of every user error (picocli uses the same for usage errors). */
    static final int EXIT_CODE = 2;

    UserError(String message) {
        super(message);
    }

    UserError(String message, Throwable cause) {
        super(message, cause);
    }
}
