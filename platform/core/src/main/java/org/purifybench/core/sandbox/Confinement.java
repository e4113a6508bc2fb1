package org.purifybench.core.sandbox;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The Linux confinement of one child JVM, as a shell script run by
 * {@code unshare --net --pid --fork --kill-child --mount-proc --mount --ipc --uts} (docs/engine-notes.md,
 * sandbox tools). Inside the new namespaces, still root, the script builds the child's file system on
 * an empty tmpfs: {@code /usr} and {@code /etc} read-only (nosuid, nodev), the JDK, the class path
 * entries and JavaCPP's native cache read-only at their own paths, the job's input folder read-only
 * at {@code /job}, an empty {@code /dev} with null, zero, random and urandom, a {@code /proc} of the
 * new PID namespace, and one writable folder, {@code /out}: a size-limited tmpfs (noexec) owned by
 * the job's uid. Folders that hold data a defense must not see (dataset folders such as
 * {@code /usr/share/datasets}, the work folder) are covered by empty read-only tmpfs mounts; nothing
 * else of the host (its {@code /tmp}, {@code /root}, {@code /work}, {@code /home}, {@code /var},
 * {@code /run}, ...) exists inside. It then remounts that root read-only and runs the JVM under
 * {@code timeout -s KILL} and {@code prlimit}, {@code chroot}ed, as the job's own uid/gid (JobUid) with no
 * supplementary groups, no capabilities (bounding set emptied too) and no_new_privs, with an empty
 * environment. When the JVM ends, every process left in the PID namespace is killed before the
 * script copies the output files (regular files only, size-capped) to the job's result folder.
 */
final class Confinement {
    static final String TOOLS = "unshare, mount, setpriv, prlimit (util-linux), timeout, chroot, env, head (coreutils)";
    /** Where the pieces appear inside the sandbox. */
    static final String JOB = "/job";
    static final String OUT = "/out";
    static final String JAVACPP = "/javacpp";
    static final String CLASSPATH = "/classpath";

    private static volatile String probed;
    /** The unshare program (a test points it elsewhere to see the sandbox fail closed). */
    static volatile String unshare = "unshare";

    private Confinement() {
    }

    /** Everything one job's script needs. */
    record Plan(Path inDir, Path rootDir, Path resultDir, Path javaHome, List<Path> classpath, Path javacppCache,
                List<Path> hidden, SandboxLimits limits, List<String> jvmArgs, String mainClass, List<String> mainArgs,
                Map<String, String> env, Map<String, Long> copyOut, int uid) {
    }

    /**
     * {@code setpriv --pdeathsig KILL} first: unshare dies with the harness JVM however that ends (SIGKILL
     * included), and its {@code --kill-child} then kills the namespace's init, which takes every
     * process of the job with it. Without it a killed harness left unshare re-parented to PID 1 and the
     * confined JVM running until its wall limit.
     */
    static List<String> command(Path script) {
        return List.of("setpriv", "--pdeathsig", "KILL", "--", unshare, "--net", "--pid", "--fork", "--kill-child", "--mount-proc",
                "--mount", "--ipc", "--uts", "/bin/sh", script.toString());
    }

    /**
     * Null when this machine can create the sandbox, else why not. Tried once per JVM: Linux, the
     * tools, new namespaces and a tmpfs mount in them, the drop to uid 65534.
     */
    static String unavailableReason() {
        String r = probed;
        if (r == null) {
            r = probe();
            probed = r;
        }
        return r.isEmpty() ? null : r;
    }

    /** Forgets the probe's answer. */
    static void reprobe() {
        probed = null;
    }

    private static String probe() {
        if (!System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux")) {
            return "the sandbox needs Linux namespaces, this is " + System.getProperty("os.name");
        }
        Path dir = null;
        try {
            dir = Files.createTempDirectory("purifybench-sandbox-probe");
            String script = "set -eu\nmount -t tmpfs -o size=1m purifybench-probe " + quote(dir.toString()) + "\n"
                    + "for t in setpriv prlimit timeout chroot env head; do command -v $t >/dev/null || { echo \"missing $t\"; exit 3; }; done\n"
                    + "setpriv --reuid=" + JobUid.FIRST + " --regid=" + JobUid.FIRST + " --clear-groups --no-new-privs --inh-caps=-all --bounding-set=-all -- /bin/true\n"
                    + "echo purifybench-sandbox-ok\n";
            Path file = dir.resolveSibling(dir.getFileName() + ".sh");
            Files.writeString(file, script);
            try {
                Process p = new ProcessBuilder(command(file)).redirectErrorStream(true).start();
                p.getOutputStream().close();
                boolean done = p.waitFor(30, TimeUnit.SECONDS);
                String out = new String(p.getInputStream().readNBytes(4000)).trim();
                if (!done) {
                    p.destroyForcibly();
                    return "the probe of the sandbox tools did not finish in 30 s";
                }
                if (out.contains("failed to execute")) {
                    // setpriv started, unshare (or setpriv itself) could not be executed
                    return "cannot run unshare (" + out.replace('\n', ' ') + ")";
                }
                if (p.exitValue() != 0 || !out.contains("purifybench-sandbox-ok")) {
                    return "creating namespaces, mounting or dropping privileges failed (exit " + p.exitValue() + ": "
                            + out.replace('\n', ' ') + ")";
                }
                return "";
            } finally {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            return "cannot run unshare (" + e.getMessage() + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted while probing the sandbox";
        } finally {
            if (dir != null) {
                try {
                    Files.deleteIfExists(dir);
                } catch (IOException ignored) {
                    // a leftover empty folder in the temporary directory
                }
            }
        }
    }

    static String script(Plan p) {
        SandboxLimits l = p.limits();
        StringBuilder s = new StringBuilder();
        s.append("# PurifyBench sandbox for one job (generated; run by unshare as PID 1 of new namespaces)\n");
        s.append("set -eu\n");
        s.append("R=").append(quote(p.rootDir().toString())).append('\n');
        s.append("RES=").append(quote(p.resultDir().toString())).append('\n');
        s.append("mount -t tmpfs -o size=16m,mode=0755 purifybench-root \"$R\"\n");
        // merged-/usr systems: /bin, /lib... are links into /usr; elsewhere they are folders to bind
        for (String top : List.of("bin", "sbin", "lib", "lib32", "lib64", "libx32")) {
            Path host = Path.of("/", top);
            if (Files.isSymbolicLink(host)) {
                try {
                    s.append("ln -s ").append(quote(Files.readSymbolicLink(host).toString())).append(" \"$R/").append(top).append("\"\n");
                } catch (IOException e) {
                    throw new IllegalStateException("cannot read the link " + host, e);
                }
            } else if (Files.isDirectory(host)) {
                bind(s, host);
            }
        }
        List<Path> bound = new ArrayList<>();
        for (Path root : List.of(Path.of("/usr"), Path.of("/etc"))) {
            bind(s, root);
            bound.add(root);
        }
        Path javaHome = p.javaHome().toAbsolutePath().normalize();
        if (Files.exists(javaHome) && bound.stream().noneMatch(javaHome::startsWith)) {
            bind(s, javaHome);
        }
        // Class-path entries are bound under /classpath, not at their host paths: a checkout in /tmp or
        // /root would otherwise recreate those folders inside the sandbox (and show their names).
        List<String> insideClasspath = new ArrayList<>();
        int index = 0;
        for (Path e : p.classpath()) {
            Path abs = e.toAbsolutePath().normalize();
            if (bound.stream().anyMatch(abs::startsWith) || !Files.exists(abs)) {
                insideClasspath.add(abs.toString());
                continue;
            }
            // One folder per entry keeps the file name: JavaCPP finds its extracted libraries by the jar's name.
            String inside = CLASSPATH + "/" + (index++) + "/" + abs.getFileName();
            bindAt(s, abs, inside);
            insideClasspath.add(inside);
        }
        // JavaCPP uses a cache folder only if it may write there (for its lock file): a small tmpfs of the
        // sandbox user, with each library folder the harness already extracted bound read-only inside it
        s.append("mkdir \"$R").append(JAVACPP).append("\"\n");
        s.append("mount -t tmpfs -o size=1m,mode=0755,uid=").append(p.uid()).append(",gid=").append(p.uid())
                .append(",nosuid,nodev,noexec purifybench-javacpp \"$R").append(JAVACPP).append("\"\n");
        for (Path lib : cachedLibraries(p.javacppCache())) {
            String target = "\"$R" + JAVACPP + "/\"" + quote(lib.getFileName().toString());
            s.append("mkdir ").append(target).append(" && mount --bind -o ro,nosuid,nodev ").append(quote(lib.toString())).append(' ')
                    .append(target).append('\n');
        }
        for (Path h : p.hidden()) {
            String q = "\"$R\"" + quote(h.toAbsolutePath().normalize().toString());
            s.append("if [ -d ").append(q).append(" ] && [ ! -L ").append(q).append(" ]; then mount -t tmpfs -o ro,size=4k,mode=0755 purifybench-hidden ")
                    .append(q).append("; elif [ -f ").append(q).append(" ]; then mount --bind -o ro /dev/null ").append(q).append("; fi\n");
        }
        s.append("mkdir -p \"$R/proc\" \"$R/dev\" \"$R").append(JOB).append("\" \"$R").append(OUT).append("\" \"$R/tmp\"\n");
        s.append("mount -t proc -o nosuid,nodev,noexec proc \"$R/proc\"\n");
        s.append("for d in null zero random urandom; do : > \"$R/dev/$d\"; mount --bind \"/dev/$d\" \"$R/dev/$d\"; done\n");
        s.append("mount --bind -o ro,nosuid,nodev,noexec ").append(quote(p.inDir().toString())).append(" \"$R").append(JOB).append("\"\n");
        s.append("mount -t tmpfs -o size=").append(l.scratchBytes()).append(",mode=0700,uid=").append(p.uid()).append(",gid=").append(p.uid())
                .append(",nosuid,nodev,noexec purifybench-out \"$R").append(OUT).append("\"\n");
        s.append("mount -o remount,ro \"$R\"\n");
        s.append(": > \"$RES/setup-ok\"\n");
        s.append("set +e\n");
        long wall = Math.max(1, l.wall().toSeconds());
        s.append("timeout -s KILL ").append(wall).append(' ');
        s.append("prlimit --cpu=").append(l.cpuSeconds()).append(':').append(l.cpuSeconds() + 5)
                .append(" --fsize=").append(l.scratchBytes())
                .append(" --nproc=").append(l.maxTasks())
                .append(" --as=").append(l.addressBytes())
                .append(" --core=0 --nofile=4096 -- ");
        s.append("chroot \"$R\" /usr/bin/setpriv --reuid=").append(p.uid()).append(" --regid=").append(p.uid())
                .append(" --clear-groups --no-new-privs --inh-caps=-all --bounding-set=-all -- ");
        s.append("/usr/bin/env -i -C ").append(OUT);
        p.env().forEach((k, v) -> s.append(' ').append(quote(k + "=" + v)));
        s.append(' ').append(quote(p.javaHome().resolve("bin").resolve("java").toString()));
        for (String a : p.jvmArgs()) {
            s.append(' ').append(quote(a));
        }
        s.append(" -cp ").append(quote(String.join(":", insideClasspath)));
        s.append(' ').append(quote(p.mainClass()));
        for (String a : p.mainArgs()) {
            s.append(' ').append(quote(a));
        }
        s.append(" </dev/null\n");
        s.append("rc=$?\n");
        s.append("kill -KILL -1 2>/dev/null\n");
        s.append("echo \"$rc\" > \"$RES/exit\"\n");
        p.copyOut().forEach((name, max) -> {
            String src = "\"$R" + OUT + "/\"" + quote(name);
            s.append("if [ -f ").append(src).append(" ] && [ ! -L ").append(src).append(" ]; then head -c ").append(max).append(' ')
                    .append(src).append(" > \"$RES/\"").append(quote(name)).append("; fi\n");
        });
        s.append("exit 0\n");
        return s.toString();
    }

    /** The folders of JavaCPP's cache (one per native jar). */
    private static List<Path> cachedLibraries(Path cache) {
        try (var s = Files.list(cache)) {
            return s.filter(f -> Files.isDirectory(f, LinkOption.NOFOLLOW_LINKS) && !f.getFileName().toString().startsWith(".")).sorted().toList();
        } catch (IOException e) {
            throw new IllegalStateException("cannot list JavaCPP's cache " + cache, e);
        }
    }

    /** A read-only bind of a host folder or file at the same path inside the sandbox root. */
    private static void bind(StringBuilder s, Path host) {
        bindAt(s, host, host.toString());
    }

    /** A read-only bind of a host folder or file at {@code inside} (absolute) in the sandbox root. */
    private static void bindAt(StringBuilder s, Path host, String inside) {
        String target = "\"$R\"" + quote(inside);
        if (Files.isDirectory(host, LinkOption.NOFOLLOW_LINKS) || Files.isDirectory(host)) {
            s.append("mkdir -p ").append(target).append('\n');
        } else {
            s.append("mkdir -p ").append("\"$R\"").append(quote(Path.of(inside).getParent().toString())).append(" && : > ").append(target).append('\n');
        }
        s.append("mount --bind -o ro,nosuid,nodev ").append(quote(host.toString())).append(' ').append(target).append('\n');
    }

    /** Single-quoted for sh. */
    static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }
}
