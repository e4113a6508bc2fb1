package org.purifybench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import org.purifybench.cli.PluginJarsCliTest.Result;

/** --help answers on every command, before any work, and reads as a user's text. */
class CliHelpTest {
    /** The CLI in this JVM with its output captured (PluginJarsCliTest.run). */
    private static Result run(String... args) {
        return PluginJarsCliTest.run(args);
    }

    private static List<String> subcommands() {
        return List.copyOf(new CommandLine(new PurifyBench()).getSubcommands().keySet());
    }

    @Test
    void everySubcommandAnswersHelp() {
        List<String> names = subcommands();
        assertTrue(names.containsAll(List.of("run", "bench", "demo", "verify", "serve", "leaderboard")), names.toString());
        for (String name : names) {
            for (String flag : List.of("--help", "-h")) {
                Result r = run(name, flag);
                assertEquals(0, r.code(), name + " " + flag + ": " + r.err());
                assertTrue(r.out().contains("Usage: purifybench " + name), name + " " + flag + ":\n" + r.out());
                assertTrue(r.err().isEmpty(), name + " " + flag + " wrote to stderr: " + r.err());
            }
        }
    }

    @Test
    void topLevelHelpListsTheLauncherCommands() {
        Result r = run("--help");
        assertEquals(0, r.code(), r.err());
        for (String name : List.of("run", "serve", "leaderboard")) {
            assertTrue(r.out().lines().anyMatch(l -> l.strip().startsWith(name + " ")), name + " missing in:\n" + r.out());
        }
    }

    @Test
    void helpTextsCarryNoIssueNumbers() {
        CommandLine root = new CommandLine(new PurifyBench());
        StringBuilder all = new StringBuilder(root.getUsageMessage());
        root.getSubcommands().values().forEach(c -> all.append(c.getUsageMessage()));
        assertFalse(all.toString().toLowerCase(Locale.ROOT).matches("(?s).*\\bissues? ?#?\\d.*"), all.toString());
        assertTrue(all.length() > 2000, "the usage texts were read");
    }

    @Test
    void launcherCommandsRunDirectlySayHowToStartThem() {
        Result r = run("serve", "--port", "9000");
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().startsWith("error: ") && r.err().contains("./purifybench serve"), r.err());
    }
}
