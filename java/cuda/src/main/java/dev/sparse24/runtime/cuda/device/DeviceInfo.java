package dev.sparse24.runtime.cuda.device;

/**
 * What a device is.
 *
 * @param name        the device's name (e.g. "NVIDIA H200", "host simulation")
 * @param major       compute capability, major
 * @param minor       compute capability, minor
 * @param smCount     streaming multiprocessors (sizes the split-K choice)
 * @param memoryBytes total device memory
 */
public record DeviceInfo(String name, int major, int minor, int smCount, long memoryBytes) {
    /** E.g. "NVIDIA H200 (sm_90, 132 SMs, 140 GiB)". */
    @Override
    public String toString() {
        return name + " (sm_" + major + minor + ", " + smCount + " SMs, " + (memoryBytes >> 30) + " GiB)";
    }
}
