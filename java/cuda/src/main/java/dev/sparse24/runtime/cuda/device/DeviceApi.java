package dev.sparse24.runtime.cuda.device;

import dev.sparse24.runtime.HalfPrecision;

import java.nio.ByteBuffer;

/**
 * The one narrow door from the CUDA executor to a device: memory, copies, kernel launches by
 * name, synchronisation and a dense GEMM. Two implementations: the real driver over
 * org.bytedeco:cuda ({@code driver.CudaDriverDevice}) and the host simulation of the same
 * kernel sources ({@code sim.SimDevice}). Callers validate every size before calling; an
 * implementation turns every failed status into a {@link DeviceException} naming the call.
 *
 * <p>Addresses are device addresses as {@code long}. Thread-safe, except that one
 * {@link Stream} is used by one thread at a time.
 */
public interface DeviceApi extends AutoCloseable {
    /** What the device is (name, compute capability, SMs, memory). */
    DeviceInfo info();

    /**
     * Allocates {@code bytes} of device memory (256-byte aligned).
     *
     * @throws DeviceException when the device is out of memory (the message says how much was asked)
     */
    long allocate(long bytes);

    /** Frees an address {@link #allocate} returned; 0 is ignored. */
    void free(long address);

    /**
     * A host buffer of {@code bytes} for staging copies, page-locked on the real device
     * (cudaMallocHost: asynchronous copies from pageable memory are staged through a driver
     * buffer and do not overlap), native byte order. Free it with {@link #freeHost}.
     *
     * @throws DeviceException when it cannot be allocated
     */
    ByteBuffer allocateHost(long bytes);

    /** Frees a buffer {@link #allocateHost} returned; null is ignored. */
    void freeHost(ByteBuffer buffer);

    /** A new stream (and, on the real device, its cuBLAS handle). */
    Stream openStream();

    /** Copies {@code bytes} from the start of direct buffer {@code src} to {@code dst}, in stream order. */
    void copyToDevice(Stream stream, long dst, ByteBuffer src, long bytes);

    /** Copies {@code bytes} from {@code src} to the start of direct buffer {@code dst}, in stream order. */
    void copyToHost(Stream stream, ByteBuffer dst, long src, long bytes);

    /**
     * Launches the fatbin's kernel {@code name} (its extern "C" symbol) in stream order.
     *
     * @throws DeviceException when the kernel is unknown or the launch fails
     */
    void launch(Stream stream, String name, LaunchShape shape, KernelArgs args);

    /**
     * Y = X W^T in fp32: W [m, k] row-major ({@code precision}), X [n, ldx] ({@code precision}),
     * Y [n, ldy] fp32. cuBLAS on the real device, a reference kernel in the simulation.
     */
    void denseGemm(Stream stream, HalfPrecision precision, int m, int n, int k, long w, long x, int ldx,
                   long y, int ldy);

    /** What {@link #denseGemm} runs on, for descriptions ("cuBLAS"). */
    default String denseGemmName() {
        return "cuBLAS";
    }

    /** Waits until everything issued to {@code stream} has completed (and reports its errors). */
    void synchronize(Stream stream);

    /** The most blocks an element-wise (grid-stride) kernel should be given here. */
    int elementwiseBlocks();

    /** Releases the device (module, handles); idempotent. */
    @Override
    void close();

    /** An ordered queue of device work. */
    interface Stream extends AutoCloseable {
        @Override
        void close();
    }
}
