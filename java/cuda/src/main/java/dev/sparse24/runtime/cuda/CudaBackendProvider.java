package dev.sparse24.runtime.cuda;

import dev.sparse24.runtime.BackendUnavailableException;
import dev.sparse24.runtime.Device;
import dev.sparse24.runtime.SessionOptions;
import dev.sparse24.runtime.SparseModel;
import dev.sparse24.runtime.cuda.device.DeviceApi;
import dev.sparse24.runtime.cuda.device.DeviceException;
import dev.sparse24.runtime.cuda.driver.CudaDriverDevice;
import dev.sparse24.runtime.cuda.sim.SimDevice;
import dev.sparse24.runtime.spi.Availability;
import dev.sparse24.runtime.spi.BackendProvider;
import dev.sparse24.runtime.spi.Executor;

/**
 * Device.CUDA for the core runtime (registered in META-INF/services). On a real GPU through
 * {@link CudaDriverDevice}; with {@code SPARSE24_CUDA_SIM=1} in the environment or
 * {@code -Dsparse24.cuda.sim=true}, on the host simulation of the same kernels
 * ({@link SimDevice}) instead, so that the whole GPU executor runs - slowly - without a GPU.
 */
public final class CudaBackendProvider implements BackendProvider {
    /** Whether Device.CUDA means the host simulation in this process. */
    public static boolean simulationRequested() {
        return "1".equals(System.getenv("SPARSE24_CUDA_SIM")) || Boolean.getBoolean("sparse24.cuda.sim");
    }

    @Override
    public Device device() {
        return Device.CUDA;
    }

    @Override
    public String name() {
        return simulationRequested() ? "CUDA (host simulation)" : "CUDA";
    }

    @Override
    public Availability probe(SessionOptions options) {
        if (simulationRequested()) {
            String why = SimDevice.unavailableReason();
            return why == null ? Availability.yes("host simulation") : Availability.no(why);
        }
        return CudaDriverDevice.probe(options.deviceIndex());
    }

    @Override
    public Executor open(SparseModel model, SessionOptions options) {
        Availability a = probe(options);
        if (!a.available()) {
            throw new BackendUnavailableException(Device.CUDA, a.reason());
        }
        DeviceApi device;
        String label;
        try {
            if (simulationRequested()) {
                device = new SimDevice();
                label = "CUDA host simulation (SPARSE24_CUDA_SIM)";
            } else {
                device = new CudaDriverDevice(options.deviceIndex());
                label = "CUDA " + device.info();
            }
        } catch (RuntimeException e) {
            throw new BackendUnavailableException(Device.CUDA, e.getMessage());
        }
        try {
            return new CudaExecutor(model.graph(), device, label, options.precision(), options.maxBatch());
        } catch (UnsupportedOperationException e) {
            device.close();
            throw new BackendUnavailableException(Device.CUDA, "the CUDA backend does not run " + e.getMessage() + " yet");
        } catch (DeviceException e) {
            device.close();
            throw new BackendUnavailableException(Device.CUDA, (e.outOfMemory() ? "out of device memory: " : "")
                    + e.getMessage());
        }
    }
}
