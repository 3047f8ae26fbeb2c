package dev.sparse24.format;

import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * Writes a file so that readers (and a crash) see either the old content or the new, never a
 * part: the bytes go to a temporary file in the same directory ({@code .<name>.<random>.tmp}),
 * are forced to disk ({@link FileChannel#force}), and the temporary file is renamed over the
 * target ({@link StandardCopyOption#ATOMIC_MOVE}, replacing it). On any failure the temporary
 * file is removed and the target is untouched.
 *
 * <p>Why: writing in place means that a process killed mid-write leaves a truncated file under
 * the final name, and one killed while overwriting a good file leaves a 0-byte file. The same
 * directory matters: a rename is atomic only within one file system.
 *
 * <p>A target that is a symbolic link is resolved first, so the file it points to is replaced
 * (as writing through the link did) and the link stays. An existing target's POSIX permissions
 * are carried over to the new file.
 */
public final class AtomicFiles {
    private static final SecureRandom RANDOM = new SecureRandom();

    /** What to write: called once with a buffered stream into the temporary file. */
    @FunctionalInterface
    public interface Content {
        /** Writes the file's content to {@code out}; closing {@code out} only flushes it. */
        void writeTo(OutputStream out) throws IOException;
    }

    private AtomicFiles() {
    }

    /** Atomically replaces (or creates) {@code target} with {@code bytes}. */
    public static void write(Path target, byte[] bytes) throws IOException {
        write(target, out -> out.write(bytes));
    }

    /**
     * Atomically replaces (or creates) {@code target} with what {@code content} writes.
     *
     * @throws IOException when the temporary file cannot be created, written, forced or renamed,
     *                     or {@code content} fails; the target then keeps its old content (or
     *                     stays absent) and no temporary file is left
     */
    public static void write(Path target, Content content) throws IOException {
        Path file = resolve(target);
        Path dir = file.getParent();
        Path tmp = dir.resolve("." + file.getFileName() + "." + HexFormat.of().formatHex(randomBytes()) + ".tmp");
        boolean done = false;
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                OutputStream out = new BufferedOutputStream(Channels.newOutputStream(ch), 1 << 16);
                content.writeTo(new FlushOnClose(out));
                out.flush();
                ch.force(true);
            }
            copyPermissions(file, tmp);
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("cannot replace " + file + " atomically (" + e.getMessage() + ")", e);
            }
            done = true;
            forceDirectory(dir);
        } finally {
            if (!done) {
                Files.deleteIfExists(tmp);
            }
        }
    }

    /** The absolute target; a symbolic link's destination when it has one. */
    private static Path resolve(Path target) throws IOException {
        Path abs = target.toAbsolutePath().normalize();
        if (Files.isSymbolicLink(abs) && Files.exists(abs)) {
            abs = abs.toRealPath();
        }
        if (abs.getParent() == null) {
            throw new IOException(target + " names no file (it is a root)");
        }
        return abs;
    }

    private static void copyPermissions(Path from, Path to) throws IOException {
        PosixFileAttributeView src = Files.getFileAttributeView(from, PosixFileAttributeView.class);
        PosixFileAttributeView dst = Files.getFileAttributeView(to, PosixFileAttributeView.class);
        if (src != null && dst != null && Files.exists(from)) {
            dst.setPermissions(src.readAttributes().permissions());
        }
    }

    /** Makes the rename itself durable; best effort (not every platform can open a directory). */
    private static void forceDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // The file's content is already on disk; only the rename's durability is at stake.
        }
    }

    /** Keeps the channel open when {@link Content} closes its stream: it still has to be forced. */
    private static final class FlushOnClose extends FilterOutputStream {
        FlushOnClose(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
            out.flush();
        }
    }

    private static byte[] randomBytes() {
        byte[] b = new byte[6];
        RANDOM.nextBytes(b);
        return b;
    }
}
