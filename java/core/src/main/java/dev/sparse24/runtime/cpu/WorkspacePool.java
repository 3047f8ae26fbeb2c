package dev.sparse24.runtime.cpu;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * The workspaces of one executor, at most {@code capacity} of them, made on demand and reused
 * most-recently-released first (its buffers are the likeliest still in cache). A caller that
 * finds none free waits; only a run's calling thread ever waits here (pool workers use the
 * workspaces their run's caller took for them), so a wait never holds up a worker another run
 * needs.
 */
final class WorkspacePool {
    private final Supplier<Workspace> factory;
    private final int capacity;
    private final ArrayDeque<Workspace> idle = new ArrayDeque<>();
    private final List<Workspace> all = new ArrayList<>();
    private int reserved;   // made or being made

    /** @param capacity the most workspaces ever made (>= 1) */
    WorkspacePool(Supplier<Workspace> factory, int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be >= 1, given " + capacity);
        }
        this.factory = factory;
        this.capacity = capacity;
    }

    /**
     * The cap when the session does not set one: max(threads, available processors) - as many
     * passes as can compute at once; more would only hold memory while waiting for a core.
     */
    static int defaultCapacity(int threads) {
        return Math.max(threads, Runtime.getRuntime().availableProcessors());
    }

    int capacity() {
        return capacity;
    }

    /**
     * A free workspace, made if fewer than the cap exist, else the next one released. An
     * interrupt while waiting stops {@code control} and throws {@link RunControl.Stopped} (the
     * interrupt status stays set); nothing was taken.
     */
    Workspace acquire(RunControl control) {
        synchronized (this) {
            while (idle.isEmpty() && reserved >= capacity) {
                try {
                    wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    control.interrupt();
                    throw new RunControl.Stopped();
                }
            }
            if (!idle.isEmpty()) {
                return idle.pop();
            }
            reserved++;
        }
        return make();
    }

    /** A free workspace (made if under the cap), or null without waiting. */
    Workspace tryAcquire() {
        synchronized (this) {
            if (!idle.isEmpty()) {
                return idle.pop();
            }
            if (reserved >= capacity) {
                return null;
            }
            reserved++;
        }
        return make();
    }

    // Allocated outside the lock: other callers keep releasing and taking meanwhile.
    private Workspace make() {
        try {
            Workspace ws = factory.get();
            synchronized (this) {
                all.add(ws);
            }
            return ws;
        } catch (RuntimeException | Error e) {
            synchronized (this) {
                reserved--;
                notify();
            }
            throw e;
        }
    }

    /** Gives {@code ws} back (its pass and every worker of it have finished). */
    synchronized void release(Workspace ws) {
        idle.push(ws);
        notify();
    }

    /** Workspaces made so far (at most the cap). */
    synchronized int created() {
        return all.size();
    }

    /** Frees every workspace; only when none is in use (the executor's write lock). */
    synchronized void freeAll() {
        all.forEach(Workspace::free);
        all.clear();
        idle.clear();
        reserved = 0;
    }
}
