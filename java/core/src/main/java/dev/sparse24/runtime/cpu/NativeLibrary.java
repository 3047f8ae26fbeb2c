package dev.sparse24.runtime.cpu;

import org.bytedeco.javacpp.Loader;

import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Loads the native kernels once. When the library cannot load (no build for this platform, a
 * stripped jar), {@link #available()} is false, the reason is logged once at WARNING, and
 * {@link SparseGemm} runs the plain-Java reference instead.
 */
final class NativeLibrary {
    private static final Logger LOG = Logger.getLogger(NativeLibrary.class.getName());
    private static final Isa CPU_ISA;
    private static final String FAILURE;

    static {
        Isa isa = Isa.JAVA;
        String failure = null;
        try {
            Loader.load(NativeSparseGemm.class);
            isa = Isa.fromNativeLevel(NativeSparseGemm.s24_cpu_isa());
            isa = capped(isa, System.getProperty("sparse24.cpu.isa"));
        } catch (LinkageError | RuntimeException e) {
            failure = e.toString();
            LOG.log(Level.WARNING, "Sparse24 native CPU kernels unavailable, using the (2-6x slower) "
                    + "Java reference: " + e);
        }
        CPU_ISA = isa;
        FAILURE = failure;
    }

    private NativeLibrary() {
    }

    /**
     * -Dsparse24.cpu.isa=java|scalar|avx2|avx512 caps the level (whole-program tests of a
     * narrower CPU, or of the Java fallback); it never raises it above what the CPU runs.
     */
    private static Isa capped(Isa cpu, String cap) {
        if (cap == null || cap.isBlank()) {
            return cpu;
        }
        try {
            Isa c = Isa.valueOf(cap.trim().toUpperCase(java.util.Locale.ROOT));
            return c.compareTo(cpu) < 0 ? c : cpu;
        } catch (IllegalArgumentException e) {
            LOG.warning("ignoring -Dsparse24.cpu.isa=" + cap + ": expected java, scalar, avx2 or avx512");
            return cpu;
        }
    }

    /** Whether the native kernels loaded. */
    static boolean available() {
        return FAILURE == null;
    }

    /** Widest ISA the native kernels run here ({@link Isa#JAVA} when they did not load). */
    static Isa cpuIsa() {
        return CPU_ISA;
    }

    /** Why loading failed, or null. */
    static String failure() {
        return FAILURE;
    }
}
