package org.purifybench.core.run;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.purifybench.core.UserException;
import org.purifybench.core.fingerprint.CodeVersion;

/**
 * A run folder's {@code run.log}: everything a run prints to the console, so the reasons for a
 * failed unit are kept with its results and not only on a terminal that may be gone. Appended across
 * invocations (a resumed run adds to it), each one starting with a header line that names the time
 * and the code version. Every line is flushed as written: a killed run leaves its log.
 */
public final class RunLog implements AutoCloseable {
    public static final String FILE = "run.log";
    /** How an invocation's header line begins. */
    public static final String HEADER = "=== ";

    private final Path file;
    private final OutputStream out;

    private RunLog(Path file, OutputStream out) {
        this.file = file;
        this.out = out;
    }

    /** Opens (creating) {@code runDir/run.log} for appending and writes the invocation's header line. */
    public static RunLog open(Path runDir, String invocation) {
        Path file = runDir.resolve(FILE);
        try {
            Files.createDirectories(runDir);
            OutputStream out = Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            RunLog log = new RunLog(file, out);
            log.line(HEADER + Instant.now().truncatedTo(ChronoUnit.SECONDS) + " purifybench " + CodeVersion.get() + " " + invocation
                    + " " + HEADER.strip());
            return log;
        } catch (IOException e) {
            throw new UserException("cannot write the run log " + file + ": " + e.getMessage(), "choose a writable folder with --work-dir");
        }
    }

    public Path file() {
        return file;
    }

    /** Appends one line. */
    public void line(String text) {
        write((text + System.lineSeparator()).getBytes(StandardCharsets.UTF_8), true);
    }

    /**
     * A stream that prints to {@code console} and to this log: give it to the host as its log stream,
     * and use it for the command's own output, so the log holds what the console shows.
     */
    public PrintStream tee(PrintStream console) {
        OutputStream both = new OutputStream() {
            @Override
            public void write(int b) {
                console.write(b);
                RunLog.this.write(new byte[] {(byte) b}, false);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                console.write(b, off, len);
                byte[] part = new byte[len];
                System.arraycopy(b, off, part, 0, len);
                RunLog.this.write(part, false);
            }

            @Override
            public void flush() {
                console.flush();
                RunLog.this.flush();
            }
        };
        return new PrintStream(both, true, StandardCharsets.UTF_8);
    }

    // A log that cannot be written must not stop the run it logs: the console still has everything.
    private synchronized void write(byte[] bytes, boolean flush) {
        try {
            out.write(bytes);
            if (flush) {
                out.flush();
            }
        } catch (IOException ignored) {
            // see above
        }
    }

    private synchronized void flush() {
        try {
            out.flush();
        } catch (IOException ignored) {
            // see write
        }
    }

    @Override
    public synchronized void close() {
        try {
            out.close();
        } catch (IOException ignored) {
            // see write
        }
    }
}
