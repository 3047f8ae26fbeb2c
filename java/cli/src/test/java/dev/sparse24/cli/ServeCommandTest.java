package dev.sparse24.cli;

import dev.sparse24.format.s24.S24Writer;
import dev.sparse24.testing.TutorialFixture;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;

import static dev.sparse24.cli.UserErrorsTest.assertUserError;
import static dev.sparse24.cli.UserErrorsTest.run;

/**
 * {@code sparse24 serve}'s user errors: one line, exit 2, before or instead of serving (the
 * protocol itself is tested in sparse24-server's ModelServerTest).
 */
class ServeCommandTest {
    @TempDir
    static Path dir;
    static Path model;

    @BeforeAll
    static void writeModel() throws Exception {
        model = dir.resolve("tutorial.s24");
        S24Writer.write(TutorialFixture.graph(2), model);
    }

    @Test
    void badArgumentsAreOneLineErrors() {
        assertUserError(run("serve"), "serve", "give a MODEL or --model NAME=PATH");
        assertUserError(run("serve", model.toString(), "--device", "tpu"), "serve", "--device must be auto, cpu or cuda");
        assertUserError(run("serve", model.toString(), "--max-batch", "0"), "serve", "--max-batch >= 1");
        assertUserError(run("serve", "--model", "novalue"), "serve", "--model expects NAME=PATH, given 'novalue'");
        assertUserError(run("serve", "--model", "a b=" + model), "serve", "model name must be");
        assertUserError(run("serve", dir.resolve("missing.s24").toString()), "serve", "missing.s24");
        assertUserError(run("serve", model.toString(), "--grpc-port", "-1"), "serve", "--grpc-port 0..65535");
    }

    @Test
    void aPortInUseIsAUserError() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            assertUserError(run("serve", model.toString(), "--device", "cpu", "--port",
                    Integer.toString(taken.getLocalPort())), "serve", "cannot listen on 127.0.0.1:" + taken.getLocalPort());
            // The gRPC port taken (HTTP on any free port): the same one-line error, naming both.
            assertUserError(run("serve", model.toString(), "--device", "cpu", "--port", "0", "--grpc-port",
                    Integer.toString(taken.getLocalPort())), "serve", "/ " + taken.getLocalPort() + " (gRPC)");
        }
    }
}
