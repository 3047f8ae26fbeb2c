package dev.sparse24.runtime;

/**
 * Thrown when a session asks for a device that cannot be used here (its backend is missing,
 * its libraries do not load, or no suitable hardware is present). The message says why.
 */
public final class BackendUnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final Device device;
    private final String reason;

    /** A failure to provide {@code device}, for {@code reason}. */
    public BackendUnavailableException(Device device, String reason) {
        super(device + " backend unavailable: " + reason);
        this.device = device;
        this.reason = reason;
    }

    /** Why the device cannot be used (the message without the device prefix). */
    public String reason() {
        return reason;
    }

    /** The device that was asked for. */
    public Device device() {
        return device;
    }
}
