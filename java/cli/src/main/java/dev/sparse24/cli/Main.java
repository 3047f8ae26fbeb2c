package dev.sparse24.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code sparse24} command-line tool. */
@Command(name = "sparse24", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "2:4 structured sparsity on the JVM: train, prune, export and run.",
        subcommands = {TutorialCommand.class, ExportCommand.class, ConvertCommand.class, CheckSparsityCommand.class,
                VisualizeCommand.class, RunCommand.class, BenchCommand.class, ServeCommand.class, SparsifyCommand.class,
                CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Runs the CLI and exits with its status. */
    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /**
     * The {@code sparse24} command line, with every subcommand's user errors reported as one
     * line and exit status 2 ({@link UserErrorHandler}).
     */
    public static CommandLine commandLine() {
        return new CommandLine(new Main()).setExecutionExceptionHandler(new UserErrorHandler());
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** The version from the pom, filtered into {@code version.properties} at build time. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() throws java.io.IOException {
            java.util.Properties p = new java.util.Properties();
            try (java.io.InputStream in = Main.class.getResourceAsStream("version.properties")) {
                if (in != null) {
                    p.load(in);
                }
            }
            return new String[] {"sparse24 " + p.getProperty("version", "(unknown version)")};
        }
    }
}
