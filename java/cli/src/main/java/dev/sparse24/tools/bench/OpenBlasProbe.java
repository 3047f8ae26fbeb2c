package dev.sparse24.tools.bench;

import org.bytedeco.javacpp.Loader;
import org.bytedeco.openblas.global.openblas;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which kernel family OpenBLAS runs here, as OpenBLAS itself says it: a dynamic-arch build picks
 * its kernels when it loads and prints the choice ("Core: Haswell") only with
 * {@code OPENBLAS_VERBOSE=2}, which must be set before the library loads - so a child JVM (same
 * class path, same OPENBLAS_CORETYPE) loads it and the parent reads the line. The JavaCPP
 * bindings do not map {@code openblas_get_corename}, which would say it in process.
 */
public final class OpenBlasProbe {
    private static final Pattern CORE = Pattern.compile("Core:\\s*(\\S+)");

    private OpenBlasProbe() {
    }

    /** Loads OpenBLAS (the child's whole job; OpenBLAS prints its core as it loads). */
    public static void main(String[] args) {
        Loader.load(openblas.class);
        openblas.blas_set_num_threads(1);
    }

    /** The core OpenBLAS reports, or "unknown (why)". */
    static String coreType() {
        try {
            Path java = Path.of(System.getProperty("java.home"), "bin", "java");
            ProcessBuilder pb = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
                    OpenBlasProbe.class.getName()).redirectErrorStream(true);
            pb.environment().put("OPENBLAS_VERBOSE", "2");
            Process p = pb.start();
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            try (InputStream in = p.getInputStream()) {
                in.transferTo(buf);
            }
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return "unknown (the probe did not finish)";
            }
            Matcher m = CORE.matcher(buf.toString(StandardCharsets.UTF_8));
            return m.find() ? m.group(1) : "unknown (OpenBLAS printed no core)";
        } catch (Exception e) {
            return "unknown (" + e.getMessage() + ")";
        }
    }

    /** The OpenBLAS version of the bindings. */
    static String version() {
        return openblas.OPENBLAS_VERSION.trim();
    }
}
