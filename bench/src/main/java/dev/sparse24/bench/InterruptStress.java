package dev.sparse24.bench;

import dev.sparse24.runtime.Device;
import dev.sparse24.runtime.InferenceSession;
import dev.sparse24.runtime.SessionOptions;
import dev.sparse24.runtime.SparseModel;

import dev.sparse24.testing.InterruptStorm;

import java.util.Random;

/**
 * The long version of InferenceSessionInterruptTest (core tests), on the same engine
 * ({@link InterruptStorm}, core's test fixtures): CALLERS threads run the tutorial model on one
 * session (threads=4, maxBatch 8, batches 1-40 so that both the batch chunks and the GEMM steps'
 * own splits use the worker pool) while a chaos thread interrupts them and now and then closes
 * the session under them.
 *
 * <p>Usage: {@code InterruptStress [MINUTES=10] [CALLERS=3] [THREADS=4]}; prints figures every
 * 30 s and a final line; exit status 1 on any mismatch or unexpected exception (a crash ends the
 * JVM, which the script reports).
 */
public final class InterruptStress {
    static final int[] BATCHES = {1, 2, 5, 8, 16, 33, 40};

    private InterruptStress() {
    }

    public static void main(String[] args) throws Exception {
        double minutes = args.length > 0 ? Double.parseDouble(args[0]) : 10;
        int callerCount = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        int threads = args.length > 2 ? Integer.parseInt(args[2]) : 4;
        SparseModel model = SparseModel.fromGraph(ModelInferenceBenchmark.tutorialGraph());
        SessionOptions options = SessionOptions.defaults().withDevice(Device.CPU).withThreads(threads).withMaxBatch(8);
        int sample = model.inputs().get(0).sampleSize();
        Random r = new Random(11);
        float[][] inputs = new float[BATCHES.length][];
        for (int i = 0; i < BATCHES.length; i++) {
            inputs[i] = new float[BATCHES[i] * sample];
            for (int j = 0; j < inputs[i].length; j++) {
                inputs[i][j] = r.nextFloat();
            }
        }
        try (InferenceSession s = model.newSession(options)) {
            System.out.println("# " + s.description() + "; " + callerCount + " callers, " + minutes + " min");
        }
        InterruptStorm.Figures f = InterruptStorm.run(model, options, inputs, BATCHES, callerCount,
                (long) (minutes * 60e9), p -> System.out.println(p.line()));
        f.unexpected().forEach(Throwable::printStackTrace);
        System.out.printf("%s: %.1f min, %s, JVM alive%n", f.pass() ? "PASS" : "FAIL", f.seconds() / 60, f.line());
        System.exit(f.pass() ? 0 : 1);
    }
}
