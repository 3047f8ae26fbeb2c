package dev.sparse24.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code sparse24} command-line tool. */
@Command(name = "sparse24", mixinStandardHelpOptions = true, version = "sparse24 0.1.0",
        description = "2:4 structured sparsity on the JVM: train, prune, export and run.",
        subcommands = {TutorialCommand.class, ExportCommand.class, ConvertCommand.class, CheckSparsityCommand.class,
                VisualizeCommand.class, RunCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Runs the CLI and exits with its status. */
    public static void main(String[] args) {
        System.exit(new CommandLine(new Main()).execute(args));
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
