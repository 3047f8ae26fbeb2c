package dev.sparse24.runtime;

import dev.sparse24.runtime.cpu.CpuExecutor;
import dev.sparse24.runtime.cpu.Isa;
import dev.sparse24.runtime.spi.Availability;
import dev.sparse24.runtime.spi.BackendProvider;
import dev.sparse24.runtime.spi.Executor;

import java.nio.FloatBuffer;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Picks the executor of a session: Device.CPU -> {@link CpuExecutor}; Device.CUDA -> the CUDA
 * {@link BackendProvider} on the class path, or {@link BackendUnavailableException} with the
 * reason; Device.AUTO -> CUDA when it can be used, else the CPU, the reason logged once and kept
 * in the session's description.
 */
final class BackendSelection {
    private static final System.Logger LOG = System.getLogger(InferenceSession.class.getName());
    private static final AtomicBoolean AUTO_LOGGED = new AtomicBoolean();

    /** The chosen executor and the device it runs on. */
    record Chosen(Executor executor, Device device) {
    }

    private BackendSelection() {
    }

    static Chosen open(SparseModel model, SessionOptions options) {
        return switch (options.device()) {
            case CPU -> new Chosen(cpu(model, options, null), Device.CPU);
            case CUDA -> new Chosen(provider(Device.CUDA, options).open(model, options), Device.CUDA);
            case AUTO -> auto(model, options);
        };
    }

    private static Chosen auto(SparseModel model, SessionOptions options) {
        String reason;
        try {
            BackendProvider p = provider(Device.CUDA, options);
            return new Chosen(p.open(model, options), Device.CUDA);
        } catch (BackendUnavailableException e) {
            reason = e.reason();
        }
        Executor cpu = cpu(model, options, "CUDA not used: " + reason);
        if (AUTO_LOGGED.compareAndSet(false, true)) {
            LOG.log(System.Logger.Level.INFO, "Device.AUTO runs on the CPU: " + reason);
        }
        return new Chosen(cpu, Device.CPU);
    }

    /** The provider for {@code device} that says it is available, or the exception saying why not. */
    private static BackendProvider provider(Device device, SessionOptions options) {
        String reason = "no " + device + " backend on the class path (add dev.sparse24:sparse24-cuda)";
        try {
            for (BackendProvider p : ServiceLoader.load(BackendProvider.class, BackendSelection.class.getClassLoader())) {
                if (p.device() != device) {
                    continue;
                }
                Availability a = p.probe(options);
                if (a.available()) {
                    return p;
                }
                reason = a.reason();
            }
        } catch (ServiceConfigurationError e) {
            reason = "the " + device + " backend could not be loaded: " + e.getMessage();
        }
        throw new BackendUnavailableException(device, reason);
    }

    private static Executor cpu(SparseModel model, SessionOptions options, String note) {
        CpuExecutor cpu = new CpuExecutor(model.graph(), options.effectiveThreads(), options.maxBatch(),
                options.maxWorkspaces(), options.profiling(), Isa.best());
        return new Executor() {
            @Override
            public void run(FloatBuffer[] in, int batch, FloatBuffer[] out) {
                cpu.run(in, batch, out);
            }

            @Override
            public boolean isClosed() {
                return cpu.isClosed();
            }

            @Override
            public String description() {
                return note == null ? cpu.description() : cpu.description() + " (" + note + ")";
            }

            @Override
            public void close() {
                cpu.close();
            }
        };
    }
}
