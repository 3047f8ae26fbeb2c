package dev.sparse24.cli;

import dev.sparse24.data.IdxArray;
import dev.sparse24.data.Mnist;
import dev.sparse24.data.MnistFile;
import dev.sparse24.graph.DType;
import dev.sparse24.runtime.Device;
import dev.sparse24.runtime.InferenceSession;
import dev.sparse24.runtime.SessionOptions;
import dev.sparse24.runtime.SparseModel;
import dev.sparse24.runtime.TensorInfo;
import dev.sparse24.tools.ModelInput;
import dev.sparse24.tools.RuntimeTiming;
import dev.sparse24.train.Evaluation;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code sparse24 run MODEL (--input FILE | --mnist N)}: runs a .s24 or .tflite model with the
 * inference runtime, prints the predictions (arg-max of each output row), the accuracy for
 * MNIST, and timing: per-image latency (batch 1, median) and throughput at {@code --batch}.
 *
 * <p>An input file holds the values, batch first in the model's input layout, in the type the
 * input declares: raw little-endian float32 (raw bytes for a uint8/int8 input), or text
 * (whitespace or comma separated; whole numbers in range for a byte input) when it ends in .txt
 * or .csv. {@code --mnist} feeds pixels / 255 to a float32 input and the raw pixels to a uint8
 * one, so a model that casts its pixels itself scores what it should.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Run a .s24 or .tflite model on the CPU runtime: predictions, MNIST accuracy, latency and throughput."})
public final class RunCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL", description = "A .s24 or .tflite model.")
    Path model;

    @CommandLine.ArgGroup(exclusive = true, multiplicity = "1")
    Source source;

    /** Where the inputs come from. */
    static final class Source {
        @Option(names = "--input", paramLabel = "FILE",
                description = "Inputs, batch first, in the type the model's input declares: float32 raw little-endian"
                        + " (uint8/int8 inputs: raw bytes), or text if the name ends in .txt/.csv.")
        Path input;

        @Option(names = "--mnist", paramLabel = "N", description = "The first N MNIST test images (pixels / 255 for a float32 input, raw 0-255 for a uint8 one).")
        Integer mnist;
    }

    @Option(names = "--data", paramLabel = "DIR", description = "Directory holding the MNIST files (with --mnist).")
    Path data;

    @Option(names = "--device", defaultValue = "cpu", paramLabel = "DEVICE",
            description = "auto, cpu or cuda (default: ${DEFAULT-VALUE}).")
    String device;

    @Option(names = "--threads", defaultValue = "1", paramLabel = "T",
            description = "Session threads, 0: all cores (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--batch", defaultValue = "64", paramLabel = "B",
            description = "Batch size of the throughput run (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--show", defaultValue = "10", paramLabel = "K",
            description = "Predictions to print (default: ${DEFAULT-VALUE}).")
    int show;

    @Option(names = "--output", paramLabel = "FILE",
            description = "Also write every output, batch first, as raw little-endian float32 to FILE.")
    Path output;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Device dev;
        try {
            dev = Device.valueOf(device.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            err.println("run: --device must be auto, cpu or cuda, given " + device);
            return 2;
        }
        if (batch < 1 || threads < 0) {
            err.println("run: --batch must be >= 1 and --threads >= 0, given " + batch + " and " + threads);
            return 2;
        }
        if (output != null) {
            CommandFiles.requireWritableFile(output, "--output");
        }
        SparseModel m = SparseModel.load(CommandFiles.requireReadableFile(model, "model"));
        if (m.inputs().size() != 1 || m.outputs().size() != 1) {
            err.println("run: only models with one input and one output are supported here, given " + m);
            return 2;
        }
        TensorInfo in = m.inputs().get(0);
        int sample = in.sampleSize();
        ModelInput x;
        int[] labels = null;
        try {
            if (source.input != null) {
                boolean text = FloatFile.isText(source.input);
                x = in.dtype() != DType.FLOAT32 && !text
                        ? ModelInput.ofBytes(in, java.nio.file.Files.readAllBytes(
                                CommandFiles.requireReadableFile(source.input, "input")))
                        : ModelInput.ofValues(in, FloatFile.read(source.input));
            } else {
                if (source.mnist < 1) {
                    err.println("run: --mnist must be >= 1, given " + source.mnist);
                    return 2;
                }
                if (sample != 28 * 28) {
                    err.println("run: --mnist needs a model taking 784 values per image, " + in + " takes " + sample);
                    return 2;
                }
                Path dir = Mnist.system().locate(data);
                IdxArray images = Mnist.readVerified(dir, MnistFile.TEST_IMAGES);
                IdxArray labelFile = Mnist.readVerified(dir, MnistFile.TEST_LABELS);
                int n = Math.min(source.mnist, images.count());
                x = ModelInput.ofPixels(in, java.util.Arrays.copyOf(images.data(), n * sample));
                labels = new int[n];
                for (int i = 0; i < n; i++) {
                    labels[i] = labelFile.unsignedByte(i);
                }
            }
        } catch (IllegalArgumentException e) {
            throw new UserError("run: " + (source.input != null ? source.input + ": " : "--mnist: ") + e.getMessage(), e);
        }
        int items = x.items();
        // No pass is larger than the input: --batch 100000 on 100 images sizes buffers for 100.
        SessionOptions options = SessionOptions.defaults().withDevice(dev).withThreads(threads)
                .withMaxBatch(Math.min(batch, items));
        try (InferenceSession session = m.newSession(options)) {
            out.println("Model " + model + ": " + in + " -> " + m.outputs().get(0));
            out.println("Session: " + session.description());
            if (dev == Device.AUTO) {
                out.println("Device: " + session.device() + " (--device auto" + (session.device() == Device.CPU
                        ? "; why not CUDA is in the session line)" : ")"));
            }
            int outSize = m.outputs().get(0).sampleSize();
            float[] y = runChecked(session, x);
            int correct = 0;
            for (int i = 0; i < items; i++) {
                int best = Evaluation.argmax(y, i * outSize, outSize);
                if (labels != null && best == labels[i]) {
                    correct++;
                }
                if (i < show) {
                    out.printf(Locale.ROOT, "  #%d: class %d (%.4g)%s%n", i, best, y[i * outSize + best],
                            labels == null ? "" : ", label " + labels[i]);
                }
            }
            if (items > show) {
                out.println("  ... " + (items - show) + " more");
            }
            if (labels != null) {
                out.printf(Locale.ROOT, "Accuracy: %.4f (%d of %d)%n", (double) correct / items, correct, items);
            }
            if (output != null) {
                FloatFile.write(output, y);
                out.println("Outputs: " + y.length + " float32 values written to " + output);
            }
            printTiming(out, session, x);
        }
        out.flush();
        return 0;
    }

    private void printTiming(PrintWriter out, InferenceSession session, ModelInput x) {
        if (session.description().contains("host simulation")) {
            out.println("Timing: skipped (the CUDA host simulation runs every GPU thread on a CPU thread)");
            return;
        }
        RuntimeTiming t = RuntimeTiming.measure(session, x, batch);
        out.printf(Locale.ROOT, "Latency (batch 1, median of %d): %.3f ms%n", t.latencyRuns(), t.latencyMs());
        out.printf(Locale.ROOT, "Throughput (batch %d, %d images): %.1f images/s (%.3f ms per image)%n",
                t.batch(), x.items(), t.imagesPerSecond(), 1e3 / t.imagesPerSecond());
    }

    /**
     * The first run, where the session sizes its buffers for {@code min(--batch, items)}: a
     * batch whose workspace cannot be allocated is the user's --batch, said in its terms.
     */
    private float[] runChecked(InferenceSession session, ModelInput x) {
        int items = x.items();
        try {
            return x.run(session, 0, items);
        } catch (IllegalArgumentException e) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("of (\\d+) floats is too large")
                    .matcher(String.valueOf(e.getMessage()));
            if (!m.find()) {
                throw e;
            }
            int used = Math.min(batch, items);
            long perItem = Math.max(1, Long.parseLong(m.group(1)) / used);
            throw new UserError("--batch " + batch + " is too large for this model: a " + used + "-item pass needs a "
                    + m.group(1) + "-float buffer, over the 2^31-1 limit; use --batch " + Math.max(1, Integer.MAX_VALUE / perItem)
                    + " or less", e);
        }
    }
}
