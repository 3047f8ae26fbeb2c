package dev.sparse24.runtime.spi;

/**
 * Whether a backend can run here, and if not, why (for the user: "no libcuda.so.1", "compute
 * capability 7.5, needs 8.0", ...).
 *
 * @param available whether {@link BackendProvider#open} may be called
 * @param reason    when not available, why; when available, what was found (device name)
 */
public record Availability(boolean available, String reason) {
    /** Checks the reason is there. */
    public Availability {
        if (reason == null || reason.isBlank()) {
            throw new IllegalArgumentException("an availability needs a reason");
        }
    }

    /** Available, with what was found. */
    public static Availability yes(String found) {
        return new Availability(true, found);
    }

    /** Not available, for {@code reason}. */
    public static Availability no(String reason) {
        return new Availability(false, reason);
    }
}
