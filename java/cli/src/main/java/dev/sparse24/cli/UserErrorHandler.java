package dev.sparse24.cli;

import dev.sparse24.format.ModelFormatException;
import dev.sparse24.runtime.BackendUnavailableException;
import picocli.CommandLine;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

/**
 * Turns what a command throws into the CLI's answer. User errors - {@link UserError}, bad
 * files ({@link ModelFormatException}, the data package's IOExceptions) and the file system's
 * refusals (no such file, permission denied, not a directory) - become one line on stderr,
 * {@code <command>: what and where}, and exit status 2; a device that cannot be used
 * ({@link BackendUnavailableException}) exits 3. Anything else is a bug in Sparse24 and keeps
 * picocli's stack trace and exit status 1.
 */
final class UserErrorHandler implements CommandLine.IExecutionExceptionHandler {
    /** Exit status when the requested device cannot be used. */
    static final int EXIT_BACKEND_UNAVAILABLE = 3;

    @Override
    public int handleExecutionException(Exception e, CommandLine commandLine, CommandLine.ParseResult parseResult)
            throws Exception {
        int exit;
        String message;
        if (e instanceof BackendUnavailableException) {
            exit = EXIT_BACKEND_UNAVAILABLE;
            message = e.getMessage();
        } else {
            message = describe(e);
            if (message == null) {
                throw e;
            }
            exit = UserError.EXIT_CODE;
        }
        commandLine.getErr().println(commandLine.getCommandName() + ": " + oneLine(message));
        commandLine.getErr().flush();
        return exit;
    }

    /** The user-facing line for {@code e}, or null when {@code e} is not a user error. */
    static String describe(Throwable e) {
        if (e instanceof UserError || e instanceof ModelFormatException) {
            return e.getMessage();
        }
        if (e instanceof FileSystemException f) {
            return describe(f);
        }
        if (e instanceof IOException) {
            // An I/O failure other than the file system's typed ones (a bad IDX or gzip file, a
            // full disk): the environment's or the input's, not a bug; its message says which.
            return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
        }
        return null;
    }

    private static String describe(FileSystemException f) {
        String file = f.getFile();
        if (f instanceof NoSuchFileException) {
            return "no such file: " + file + (f.getReason() != null ? " (" + f.getReason() + ")" : "");
        }
        if (f instanceof AccessDeniedException) {
            return "permission denied: " + file;
        }
        if (f instanceof NotDirectoryException) {
            return "not a directory: " + file;
        }
        if (f instanceof FileAlreadyExistsException) {
            return file + " exists and is not a directory";
        }
        return file + (f.getOtherFile() != null ? " -> " + f.getOtherFile() : "") + ": "
                + (f.getReason() != null ? f.getReason() : f.getClass().getSimpleName());
    }

    /** Multi-line messages (MNIST not found lists where it looked) stay whole; others are one line already. */
    private static String oneLine(String message) {
        return message == null ? "(no message)" : message.strip();
    }
}
