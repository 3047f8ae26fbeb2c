package dev.sparse24.runtime.cuda.device;

/** A device call failed; the message names the call and the CUDA error (e.g. "cudaMalloc(...): cudaErrorMemoryAllocation"). */
public class DeviceException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final boolean outOfMemory;

    /** A failure of {@code call} with {@code error}. */
    public DeviceException(String call, String error, boolean outOfMemory) {
        super(call + " failed: " + error);
        this.outOfMemory = outOfMemory;
    }

    /** Whether the failure was a lack of device memory. */
    public boolean outOfMemory() {
        return outOfMemory;
    }
}
