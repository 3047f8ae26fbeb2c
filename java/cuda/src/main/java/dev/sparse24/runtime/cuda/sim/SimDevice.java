package dev.sparse24.runtime.cuda.sim;

import dev.sparse24.runtime.HalfPrecision;
import dev.sparse24.runtime.cuda.device.DeviceApi;
import dev.sparse24.runtime.cuda.device.DeviceException;
import dev.sparse24.runtime.cuda.device.DeviceInfo;
import dev.sparse24.runtime.cuda.device.KernelArgs;
import dev.sparse24.runtime.cuda.device.LaunchShape;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.Pointer;

import java.nio.ByteBuffer;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@link DeviceApi} over the host simulation of our kernels (cuda/host_sim): the same .cu
 * sources on CPU threads, one per CUDA thread. "Device memory" is host memory, copies are
 * memcpy, everything is synchronous (a stream only orders what one thread issues anyway), and
 * the dense GEMM is the scalar kernel {@code s24_dense_gemm_reference_*} instead of cuBLAS.
 * Slow (every CUDA thread is a std::thread): for tests and CI, not for speed.
 *
 * <p>Besides what the kernels check (undefined metadata, misaligned cp.async), this device
 * checks that every address passed to it lies in memory it allocated, so an executor bug is an
 * exception here rather than a corrupted heap.
 */
public final class SimDevice implements DeviceApi {
    /** Element-wise kernels get at most this many blocks: each block is 64 CPU threads here. */
    private static final int ELEMENTWISE_BLOCKS = 2;
    private static final Throwable LOAD_FAILURE = load();
    private final java.util.concurrent.atomic.AtomicInteger liveHostBuffers = new java.util.concurrent.atomic.AtomicInteger();

    private final Set<Long> live = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    private static Throwable load() {
        try {
            Loader.load(SimNative.class);
            return null;
        } catch (Throwable t) {  // UnsatisfiedLinkError, or JavaCPP's own exceptions
            return t;
        }
    }

    /** Null when the simulation library loads here, else why it does not. */
    public static String unavailableReason() {
        return LOAD_FAILURE == null ? null : "the host simulation library does not load: " + LOAD_FAILURE;
    }

    /**
     * Opens the simulation.
     *
     * @throws IllegalStateException when its library does not load ({@link #unavailableReason()})
     */
    public SimDevice() {
        if (LOAD_FAILURE != null) {
            throw new IllegalStateException(unavailableReason(), LOAD_FAILURE);
        }
    }

    @Override
    public DeviceInfo info() {
        // Compute capability 8.0 semantics (mma.sp as on sm_80+); 4 "SMs" keep split-K in play.
        return new DeviceInfo("CUDA host simulation", 8, 0, 4, Runtime.getRuntime().maxMemory());
    }

    @Override
    public long allocate(long bytes) {
        requireOpen();
        if (bytes < 0) {
            throw new IllegalArgumentException("negative allocation: " + bytes);
        }
        long p = SimNative.s24sim_alloc(bytes);
        if (p == 0) {
            throw new DeviceException("s24sim_alloc(" + bytes + ")", "out of host memory", true);
        }
        live.add(p);
        return p;
    }

    @Override
    public void free(long address) {
        if (address != 0 && live.remove(address)) {
            SimNative.s24sim_free(address);
        }
    }

    /** Allocations not yet freed (what a leak or a per-run allocation would grow). */
    public int liveAllocations() {
        return live.size();
    }

    @Override
    public Stream openStream() {
        requireOpen();
        return () -> { };
    }

    /** Host staging buffers: plain direct buffers here (nothing to pin), counted for leak tests. */
    @Override
    public ByteBuffer allocateHost(long bytes) {
        requireOpen();
        if (bytes < 0) {
            throw new IllegalArgumentException("negative host allocation: " + bytes);
        }
        liveHostBuffers.incrementAndGet();
        return ByteBuffer.allocateDirect(Math.toIntExact(Math.max(bytes, 1))).order(java.nio.ByteOrder.nativeOrder());
    }

    @Override
    public void freeHost(ByteBuffer buffer) {
        if (buffer != null) {
            liveHostBuffers.decrementAndGet();
        }
    }

    /** Host buffers allocated and not yet freed (tests: a closed session leaves none). */
    public int liveHostBuffers() {
        return liveHostBuffers.get();
    }

    @Override
    public void copyToDevice(Stream stream, long dst, ByteBuffer src, long bytes) {
        requireHost(src, bytes);
        requireDevice(dst, "copyToDevice");
        SimNative.s24sim_copy(dst, new Pointer(src).address(), bytes);
    }

    @Override
    public void copyToHost(Stream stream, ByteBuffer dst, long src, long bytes) {
        requireHost(dst, bytes);
        requireDevice(src, "copyToHost");
        SimNative.s24sim_copy(new Pointer(dst).address(), src, bytes);
    }

    @Override
    public void launch(Stream stream, String name, LaunchShape s, KernelArgs args) {
        requireOpen();
        int rc = SimNative.s24sim_launch(name, s.gridX(), s.gridY(), s.gridZ(), s.block(), s.sharedBytes(),
                args.slots(), args.count());
        if (rc == -1) {
            throw new DeviceException("launch " + name, "no such kernel in the simulation", false);
        }
        if (rc == -2) {
            throw new DeviceException("launch " + name, args.count() + " arguments do not match the kernel", false);
        }
    }

    @Override
    public void denseGemm(Stream stream, HalfPrecision precision, int m, int n, int k, long w, long x, int ldx,
                          long y, int ldy) {
        KernelArgs a = new KernelArgs().ptr(w).ptr(x).i32(ldx).ptr(y).i32(ldy).i32(m).i32(n).i32(k);
        launch(stream, "s24_dense_gemm_reference_" + precision.kernelName(), LaunchShape.linear(ELEMENTWISE_BLOCKS, 64), a);
    }

    @Override
    public String denseGemmName() {
        return "the reference GEMM kernel";
    }

    @Override
    public void synchronize(Stream stream) {
        requireOpen();
    }

    @Override
    public int elementwiseBlocks() {
        return ELEMENTWISE_BLOCKS;
    }

    @Override
    public void close() {
        closed = true;
        for (Long p : live) {
            free(p);
        }
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("the simulated device is closed");
        }
    }

    private void requireDevice(long address, String call) {
        requireOpen();
        if (!live.contains(address)) {
            throw new IllegalArgumentException(call + ": 0x" + Long.toHexString(address)
                    + " is not an allocation of this device");
        }
    }

    private static void requireHost(ByteBuffer b, long bytes) {
        if (!b.isDirect() || bytes < 0 || bytes > b.capacity()) {
            throw new IllegalArgumentException("expected a direct buffer of at least " + bytes + " bytes, given " + b);
        }
    }
}
