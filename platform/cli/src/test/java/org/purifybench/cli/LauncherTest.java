package org.purifybench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher script at the repository root, run against a fake build and a fake {@code java}
 * that records its arguments: what it passes, not what the JVM then does.
 */
class LauncherTest {
    static final Path LAUNCHER = Path.of("../../purifybench");

    private record Launch(int code, String err, List<String> javaArgs) {
    }

    private static Launch launch(Path root, Map<String, String> env, String... args) throws Exception {
        Path argsOut = root.resolve("java-args");
        Files.deleteIfExists(argsOut);
        List<String> command = new java.util.ArrayList<>(List.of("bash", root.resolve("purifybench").toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(root.toFile()).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.environment().put("PATH", root.resolve("bin") + ":" + System.getenv("PATH"));
        pb.environment().put("ARGS_OUT", argsOut.toString());
        pb.environment().remove("PURIFYBENCH_JAVA_OPTS");
        pb.environment().remove("PURIFYBENCH_REBUILD");
        pb.environment().putAll(env);
        Process p = pb.start();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        int code = p.waitFor();
        List<String> javaArgs = Files.exists(argsOut) ? Files.readAllLines(argsOut) : List.of();
        return new Launch(code, err, javaArgs);
    }

    /** A copy of the launcher beside an up-to-date fake build, and a java on PATH that only records. */
    private static Path fakeInstall(Path root) throws Exception {
        Files.copy(LAUNCHER, root.resolve("purifybench"), StandardCopyOption.COPY_ATTRIBUTES);
        Files.writeString(root.resolve("pom.xml"), "<project/>");
        Files.createDirectories(root.resolve("plugins-none"));
        Files.createDirectories(root.resolve("platform/cli/target/lib"));
        Files.createDirectories(root.resolve("leaderboard-web/target/lib"));
        Files.writeString(root.resolve("leaderboard-web/target/purifybench-leaderboard-web-0.jar"), "");
        Path jar = Files.writeString(root.resolve("platform/cli/target/purifybench-cli-0.jar"), "");
        // older than the jar, so the launcher does not rebuild
        Files.setLastModifiedTime(root.resolve("pom.xml"), FileTime.fromMillis(Files.getLastModifiedTime(jar).toMillis() - 60_000));
        Path java = Files.createDirectories(root.resolve("bin")).resolve("java");
        Files.writeString(java, "#!/bin/sh\nprintf '%s\\n' \"$@\" > \"$ARGS_OUT\"\n");
        assertTrue(java.toFile().setExecutable(true));
        return root;
    }

    @Test
    void serveHelpIsAnsweredBeforeTheDemo(@TempDir Path dir) throws Exception {
        Launch l = launch(fakeInstall(dir), Map.of(), "serve", "--help");
        assertEquals(0, l.code(), l.err());
        assertFalse(l.err().contains("demo"), "the demo must not start: " + l.err());
        int main = l.javaArgs().indexOf("org.purifybench.web.LeaderboardMain");
        assertTrue(main >= 0, l.javaArgs().toString());
        assertEquals(List.of("serve", "--help"), l.javaArgs().subList(main + 1, l.javaArgs().size()));
    }

    @Test
    void javaOptsAreAddedAfterTheDefaults(@TempDir Path dir) throws Exception {
        Launch l = launch(fakeInstall(dir), Map.of("PURIFYBENCH_JAVA_OPTS", "-Xmx6g -Dfoo=bar"), "list");
        assertEquals(0, l.code(), l.err());
        List<String> a = l.javaArgs();
        assertTrue(a.contains("-Xmn32m") && a.contains("-XX:+UseParallelGC"), a.toString());
        assertTrue(a.indexOf("-Xmx3g") >= 0 && a.indexOf("-Xmx3g") < a.indexOf("-Xmx6g"), "the user's -Xmx must come last: " + a);
        assertTrue(a.contains("-Dfoo=bar"), a.toString());
        assertEquals("list", a.get(a.size() - 1));
    }

    @Test
    void nativeMemoryCapsGrowWithParallelCells(@TempDir Path dir) throws Exception {
        long memTotalGb = Files.readAllLines(Path.of("/proc/meminfo")).stream().filter(x -> x.startsWith("MemTotal:"))
                .mapToLong(x -> Long.parseLong(x.replaceAll("[^0-9]", ""))).findFirst().orElse(0) / (1024 * 1024);
        Assumptions.assumeTrue(memTotalGb * 0.9 >= 16, "needs a machine with at least 18 GB");
        Path root = fakeInstall(dir);
        assertEquals(List.of("-Dorg.bytedeco.javacpp.maxbytes=6G", "-Dorg.bytedeco.javacpp.maxphysicalbytes=8G"),
                caps(launch(root, Map.of(), "run", "--profile", "quick")));
        assertEquals(List.of("-Dorg.bytedeco.javacpp.maxbytes=10G", "-Dorg.bytedeco.javacpp.maxphysicalbytes=12G"),
                caps(launch(root, Map.of(), "run", "--profile", "quick", "--parallel-cells", "2")));
        assertEquals(List.of("-Dorg.bytedeco.javacpp.maxbytes=10G", "-Dorg.bytedeco.javacpp.maxphysicalbytes=12G"),
                caps(launch(root, Map.of(), "demo", "--parallel-cells=2")));
        List<String> many = caps(launch(root, Map.of(), "run", "--parallel-cells", "64"));
        long physical = Long.parseLong(many.get(1).replaceAll("[^0-9]", ""));
        assertTrue(physical < memTotalGb && physical >= 12, "capped below the machine's memory: " + many);
        assertEquals(List.of("-Dorg.bytedeco.javacpp.maxbytes=6G", "-Dorg.bytedeco.javacpp.maxphysicalbytes=8G"),
                caps(launch(root, Map.of(), "run", "--parallel-cells", "two")), "a bad value is left to the CLI to report");
    }

    private static List<String> caps(Launch l) {
        assertEquals(0, l.code(), l.err());
        return l.javaArgs().stream().filter(a -> a.startsWith("-Dorg.bytedeco.javacpp.max")).toList();
    }
}
