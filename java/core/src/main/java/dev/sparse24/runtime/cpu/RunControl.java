package dev.sparse24.runtime.cpu;

import java.util.concurrent.CancellationException;

/**
 * The stop signal of one run, shared by all its workers. The caller's interrupt (seen at a
 * checkpoint on the caller's own thread, or while it waits for its workers) or a failing part
 * stops the run; every part checks before it starts and every chunk between steps, so an
 * interrupted run ends after the step each worker is in - and only then does the caller throw,
 * so no worker still touches the run's buffers when the workspace goes back to the pool.
 */
final class RunControl {
    private final Thread caller;
    private volatile boolean stopped;
    private volatile boolean interrupted;

    RunControl(Thread caller) {
        this.caller = caller;
    }

    /** Stops the run because a part failed (the failure itself is what the caller throws). */
    void stop() {
        stopped = true;
    }

    /** Stops the run because its caller was interrupted. */
    void interrupt() {
        interrupted = true;
        stopped = true;
    }

    /** Whether parts not yet started should skip their work. */
    boolean stopped() {
        return stopped;
    }

    /**
     * Throws {@link Stopped} when the run is stopped; on the caller's thread, an interrupt status
     * stops it (read, not cleared: the caller keeps it). Pool threads' own status is never read.
     */
    void checkpoint() {
        if (!stopped && Thread.currentThread() == caller && caller.isInterrupted()) {
            interrupt();
        }
        if (stopped) {
            throw new Stopped();
        }
    }

    /**
     * What the caller throws for a stopped run once all its workers are done: the documented
     * {@link CancellationException} with an {@link InterruptedException} as cause, the caller's
     * interrupt status set again (waiting may have cleared it).
     */
    CancellationException cancellation() {
        Thread.currentThread().interrupt();
        CancellationException e = new CancellationException("the run was interrupted; its workers have stopped");
        e.initCause(new InterruptedException("interrupted during InferenceSession.run"));
        return e;
    }

    /** Whether the caller's interrupt (not a failure) stopped the run. */
    boolean interrupted() {
        return interrupted;
    }

    /** Unwinds a stopped part; never escapes the executor (no stack trace: it is not an error). */
    static final class Stopped extends RuntimeException {
        Stopped() {
            super("run stopped", null, false, false);
        }
    }
}
