package dev.sparse24.runtime.cuda.sim;

import org.bytedeco.javacpp.annotation.Platform;

/**
 * JNI binding of {@code cuda/host_sim/sim_device.h}: the kernels of {@code cuda/*.cu} compiled
 * for the CPU, built by JavaCPP's Builder during the Maven build into {@code libjniSimNative.so}
 * beside this class. Nothing here checks its arguments: {@link SimDevice} only passes sizes
 * the executor validated; the simulation aborts the process on an undefined mma.sp metadata
 * code or a misaligned cp.async, as a checker should.
 */
@Platform(include = "host_sim/sim_device.h")
final class SimNative {
    private SimNative() {
    }

    /** Launches a kernel by name; 0, -1 unknown kernel, -2 wrong argument count. */
    static native int s24sim_launch(String name, int gx, int gy, int gz, int block, int smem, long[] args, int nargs);

    /** 256-byte aligned host memory standing in for device memory, or 0. */
    static native long s24sim_alloc(long bytes);

    static native void s24sim_free(long address);

    static native void s24sim_copy(long dst, long src, long bytes);
}
