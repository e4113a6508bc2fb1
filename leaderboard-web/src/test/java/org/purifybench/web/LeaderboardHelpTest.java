package org.purifybench.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** --help answers on every leaderboard command without starting a server or opening the database. */
class LeaderboardHelpTest {
    @Test
    void everySubcommandAnswersHelp() {
        var names = new CommandLine(new LeaderboardMain()).getSubcommands().keySet();
        assertTrue(names.contains("serve"), names.toString());
        for (String name : names) {
            CommandLine cli = new CommandLine(new LeaderboardMain());
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            cli.setOut(new PrintWriter(out));
            cli.setErr(new PrintWriter(err));
            assertEquals(0, cli.execute(name, "--help"), name + ": " + err);
            assertTrue(out.toString().contains("Usage: leaderboard " + name), name + ":\n" + out);
        }
    }
}
