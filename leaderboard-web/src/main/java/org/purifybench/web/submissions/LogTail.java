package org.purifybench.web.submissions;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The end of a child's log, fit to show the submitter: at most the last {@link #MAX_LINES} lines of
 * at most {@link #MAX_LINE} characters, read from the last {@link #MAX_BYTES} bytes only; control
 * characters (terminal escapes, progress-bar carriage returns) removed; the server's own paths
 * replaced by placeholders, so the page does not map out the machine.
 */
public final class LogTail {
    static final int MAX_LINES = 40;
    static final int MAX_LINE = 300;
    static final int MAX_BYTES = 64 * 1024;

    private final Map<String, String> paths = new LinkedHashMap<>();

    /** @param replacements server paths (longest first wins) and their placeholders, e.g. the data folder -> "<data>" */
    public LogTail(Map<Path, String> replacements) {
        replacements.entrySet().stream()
                .sorted((a, b) -> Integer.compare(b.getKey().toString().length(), a.getKey().toString().length()))
                .forEach(e -> paths.put(e.getKey().toString(), e.getValue()));
    }

    public String of(Path log) {
        if (!Files.isRegularFile(log)) {
            return "";
        }
        byte[] bytes;
        try (RandomAccessFile f = new RandomAccessFile(log.toFile(), "r")) {
            long start = Math.max(0, f.length() - MAX_BYTES);
            bytes = new byte[(int) (f.length() - start)];
            f.seek(start);
            f.readFully(bytes);
        } catch (IOException e) {
            return "(the log could not be read: " + e.getMessage() + ")";
        }
        return sanitise(new String(bytes, StandardCharsets.UTF_8));
    }

    public String sanitise(String text) {
        String t = text.replaceAll("\u001B\\[[0-9;?]*[ -/]*[@-~]", ""); // ANSI escapes
        List<String> lines = new ArrayList<>();
        for (String line : t.split("\r?\n")) {
            int cr = line.lastIndexOf('\r'); // a progress bar redraws the line: keep its last state
            String l = cr >= 0 ? line.substring(cr + 1) : line;
            l = l.replaceAll("[\\p{Cntrl}&&[^\t]]", "?").replace('\t', ' ');
            for (Map.Entry<String, String> p : paths.entrySet()) {
                l = l.replace(p.getKey(), p.getValue());
            }
            if (l.length() > MAX_LINE) {
                l = l.substring(0, MAX_LINE) + "...";
            }
            if (!l.isBlank()) {
                lines.add(l);
            }
        }
        List<String> tail = lines.subList(Math.max(0, lines.size() - MAX_LINES), lines.size());
        return String.join("\n", tail);
    }

    /** The last line starting with "error:" (the CLI's one-line problem-and-fix), or null. */
    public static String lastError(String tail) {
        List<String> lines = Arrays.asList(tail.split("\n"));
        for (int i = lines.size() - 1; i >= 0; i--) {
            if (lines.get(i).startsWith("error: ")) {
                return lines.get(i).substring("error: ".length());
            }
        }
        return null;
    }
}
