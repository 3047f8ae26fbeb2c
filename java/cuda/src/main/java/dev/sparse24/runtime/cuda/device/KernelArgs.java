package dev.sparse24.runtime.cuda.device;

import java.util.Arrays;

/**
 * The arguments of one kernel launch in order, each a 64-bit slot with its type: a device
 * pointer, an int, or a float. What cuLaunchKernel's {@code kernelParams} points at, and what
 * the host simulation unpacks by the kernel's signature.
 */
public final class KernelArgs {
    /** Type of one argument. */
    public enum Kind {
        /** A device address (8 bytes). */
        POINTER,
        /** A 32-bit int. */
        INT,
        /** A 32-bit float (its bits in the slot). */
        FLOAT
    }

    private long[] slots = new long[20];
    private Kind[] kinds = new Kind[20];
    private int count;

    /** Appends a device pointer (0 for nullptr). */
    public KernelArgs ptr(long address) {
        return add(address, Kind.POINTER);
    }

    /** Appends an int. */
    public KernelArgs i32(int value) {
        return add(value, Kind.INT);
    }

    /** Appends a float. */
    public KernelArgs f32(float value) {
        return add(Float.floatToRawIntBits(value), Kind.FLOAT);
    }

    private KernelArgs add(long v, Kind k) {
        if (count == slots.length) {
            slots = Arrays.copyOf(slots, count * 2);
            kinds = Arrays.copyOf(kinds, count * 2);
        }
        slots[count] = v;
        kinds[count++] = k;
        return this;
    }

    /** Number of arguments. */
    public int count() {
        return count;
    }

    /** Slot {@code i} (pointer, int sign-extended, or float bits). */
    public long slot(int i) {
        return slots[i];
    }

    /** Kind of argument {@code i}. */
    public Kind kind(int i) {
        return kinds[i];
    }

    /** The slots, exactly {@link #count()} of them (a copy). */
    public long[] slots() {
        return Arrays.copyOf(slots, count);
    }
}
