package dev.sparse24.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every command's --help renders: picocli formats descriptions with String.format, so a bare
 * "%" (as in "50% unstructured") makes it print a warning and the raw, unformatted text.
 */
class HelpTextTest {
    @Test
    void everyCommandsHelpIsFormattedWithoutPicocliWarnings() {
        CommandLine root = new CommandLine(new Main());
        Map<String, CommandLine> commands = new java.util.LinkedHashMap<>(root.getSubcommands());
        commands.put("sparse24", root);
        assertTrue(commands.containsKey("tutorial") && commands.containsKey("run"), commands.keySet().toString());
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        try {
            System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
            for (Map.Entry<String, CommandLine> c : commands.entrySet()) {
                String usage = c.getValue().getUsageMessage(CommandLine.Help.Ansi.OFF);
                assertTrue(usage.contains("Usage: "), c.getKey() + ": " + usage);
                // An unformatted description keeps its "%n" line breaks as text.
                assertFalse(usage.contains("%n"), c.getKey() + " help has unformatted text:\n" + usage);
            }
        } finally {
            System.setErr(err);
        }
        assertEquals("", captured.toString(StandardCharsets.UTF_8), "picocli warned while formatting help");
    }
}
