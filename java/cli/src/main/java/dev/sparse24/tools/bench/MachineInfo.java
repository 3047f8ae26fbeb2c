package dev.sparse24.tools.bench;

import dev.sparse24.runtime.cpu.Isa;
import dev.sparse24.tensor.Blas;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The facts a reader needs to judge the figures: CPU model and the SIMD flags that matter here,
 * cores, the ISA our 2:4 kernels picked, OpenBLAS's kernel core type and configuration as
 * OpenBLAS itself reports them (not just the environment variable asked for), Java, ONNX
 * Runtime's version, the load average (the build machine is shared).
 *
 * @param cpu              CPU model name
 * @param flags            the SIMD flags among avx2, fma, avx512f/bw/vl/vnni, amx present
 * @param cores            logical processors the JVM sees
 * @param isa              our 2:4 kernels' ISA
 * @param openblasCoretype OpenBLAS's core name (its kernel family)
 * @param openblasConfig   OpenBLAS's version and binding
 * @param openblasEnv      OPENBLAS_CORETYPE as set (null when unset: OpenBLAS detects the CPU)
 * @param java             Java runtime version and VM
 * @param onnxruntime      ONNX Runtime Java version
 * @param os               operating system
 */
public record MachineInfo(String cpu, List<String> flags, int cores, String isa, String openblasCoretype,
                          String openblasConfig, String openblasEnv, String java, String onnxruntime, String os) {
    private static final String[] FLAGS = {"sse4_2", "avx", "avx2", "fma", "f16c", "avx512f", "avx512bw", "avx512vl",
            "avx512_vnni", "avx512_bf16", "amx_tile"};

    /** Reads the facts of this machine. */
    static MachineInfo read(String onnxruntimeVersion) {
        Blas.init(1);
        String cpu = "unknown";
        List<String> flags = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name") && cpu.equals("unknown")) {
                    cpu = line.substring(line.indexOf(':') + 1).trim();
                }
                if (line.startsWith("flags") && flags.isEmpty()) {
                    List<String> have = List.of(line.substring(line.indexOf(':') + 1).trim().split("\\s+"));
                    for (String f : FLAGS) {
                        if (have.contains(f)) {
                            flags.add(f);
                        }
                    }
                }
            }
        } catch (IOException e) {
            // Not Linux: the CPU stays "unknown"; the figures are still valid, only less explained.
        }
        return new MachineInfo(cpu, flags, Runtime.getRuntime().availableProcessors(),
                Isa.best().name().toLowerCase(Locale.ROOT), OpenBlasProbe.coreType(),
                OpenBlasProbe.version() + " (JavaCPP " + org.bytedeco.openblas.global.openblas.class.getPackage()
                        .getImplementationVersion() + "), " + Blas.threads() + " thread(s) at start",
                System.getenv("OPENBLAS_CORETYPE"),
                Runtime.version() + " (" + System.getProperty("java.vm.name") + ")", onnxruntimeVersion,
                System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"));
    }

    /** The 1-, 5- and 15-minute load averages, or "unknown". */
    static String loadAverage() {
        try {
            String[] p = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return p[0] + " " + p[1] + " " + p[2];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }
}
