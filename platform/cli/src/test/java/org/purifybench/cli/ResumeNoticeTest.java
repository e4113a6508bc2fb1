package org.purifybench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A run stopped by Ctrl-C says how to resume it; a run that ends by itself does not. */
class ResumeNoticeTest {
    /** A JVM that holds the notice as a run does, then waits to be interrupted (or drops it and ends, with "done"). */
    public static final class Child {
        public static void main(String[] args) throws Exception {
            Thread notice = RunSupport.resumeNotice("quick-0123456789ab", System.err);
            if (args.length > 0) {
                RunSupport.dropResumeNotice(notice);
                return;
            }
            System.out.println("ready");
            System.out.flush();
            System.in.read();
        }
    }

    private static Process child(String... args) throws Exception {
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(javaBin, "-cp", System.getProperty("java.class.path"),
                Child.class.getName()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).start();
    }

    @Test
    void ctrlCSaysRunTheSameCommandAgain() throws Exception {
        Process p = child();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        assertEquals("ready", out.readLine());
        assertEquals(0, new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start().waitFor());
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        assertEquals(RunSupport.interruptedMessage("quick-0123456789ab"), err.strip());
        assertTrue(err.contains("run the same command again to resume") && err.contains("quick-0123456789ab"), err);
    }

    @Test
    void aRunThatEndsSaysNothing() throws Exception {
        Process p = child("done");
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), err);
        assertFalse(err.contains("resume"), err);
    }
}
