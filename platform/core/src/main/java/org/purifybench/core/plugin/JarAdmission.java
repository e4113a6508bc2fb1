package org.purifybench.core.plugin;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.Attributes;
import java.util.jar.Manifest;
import java.util.regex.Pattern;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import org.purifybench.spi.Kind;

/**
 * Checks a plug-in jar as data, before any of its classes is loaded: the zip's central directory
 * and every entry's bytes are read through {@link ZipFile} with limits ({@link JarLimits}),
 * nothing is extracted to disk, and the inflated bytes are counted as they come (declared sizes are
 * not trusted). Refuses: oversized jars, too many entries, zip bombs (too many inflated bytes, or
 * too high a compression ratio), entry names that are absolute, leave the jar ({@code ..}), use
 * backslashes or drive letters, repeat, or are not normalised; nested archives; native libraries;
 * classes in platform packages (a jar that shades the SPI, the core or ND4J); a manifest
 * {@code Class-Path} (it would put other files on the plug-in's class path); and a jar whose
 * descriptor ({@link DescriptorFile}) is missing, duplicated, written for another SPI version or
 * disagrees with its {@code META-INF/services} entries and classes.
 */
public final class JarAdmission {
    private static final String SERVICES = "META-INF/services/";
    private static final Set<String> SPI_SERVICES = Set.of(SERVICES + DescriptorFile.serviceType(Kind.ATTACK).getName(),
            SERVICES + DescriptorFile.serviceType(Kind.DEFENSE).getName(), SERVICES + DescriptorFile.serviceType(Kind.EVALUATOR).getName());
    private static final Pattern MULTI_RELEASE = Pattern.compile("META-INF/versions/[0-9]+/");
    private static final Pattern DRIVE = Pattern.compile("[A-Za-z]:.*");
    private static final Pattern NATIVE = Pattern.compile(".*\\.(so(\\.[0-9]+)*|dll|dylib|jnilib)");
    private static final Pattern ARCHIVE = Pattern.compile(".*\\.(jar|zip|war|ear|jmod)");

    private JarAdmission() {
    }

    /** What admission learnt about a jar: its descriptor and the classes each SPI services file lists. */
    public record Admitted(Path jar, DescriptorFile descriptor, Map<Kind, List<String>> services) {
    }

    /** Admits {@code jar} or throws a {@link PluginJarException} naming it, the reason and the fix. */
    public static Admitted admit(Path jar, JarLimits limits) {
        try {
            return check(jar, limits);
        } catch (JarProblem p) {
            throw new PluginJarException(jar, p.getMessage(), p.fix());
        }
    }

    private static Admitted check(Path jar, JarLimits limits) {
        if (!Files.isRegularFile(jar)) {
            throw new JarProblem(Files.exists(jar) ? "it is not a regular file" : "there is no such file",
                    "give the path of a plug-in jar");
        }
        long size;
        try {
            size = Files.size(jar);
        } catch (IOException e) {
            throw new JarProblem("it cannot be read (" + e.getMessage() + ")", "check the file's permissions");
        }
        if (size > limits.maxJarBytes()) {
            throw new JarProblem("it has " + size + " bytes, more than the limit of " + limits.maxJarBytes(),
                    "keep plug-in jars small: no data sets or model weights inside");
        }
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            return check(jar, zip, size, limits);
        } catch (ZipException e) {
            throw new JarProblem("it is not a valid jar/zip file (" + e.getMessage() + ")", "build it with the jar tool or Maven");
        } catch (IOException e) {
            throw new JarProblem("it cannot be read (" + e.getMessage() + ")", "check the file");
        }
    }

    private static Admitted check(Path jar, ZipFile zip, long jarSize, JarLimits limits) throws IOException {
        if (zip.size() > limits.maxEntries()) {
            throw new JarProblem("it has " + zip.size() + " entries, more than the limit of " + limits.maxEntries(),
                    "plug-in jars hold the plug-in's own classes and small resources");
        }
        Set<String> names = new HashSet<>();
        Set<String> classes = new HashSet<>();
        Map<String, byte[]> small = new HashMap<>(); // descriptor, services files, manifest
        List<String> descriptors = new ArrayList<>();
        long total = 0;
        int count = 0;
        Enumeration<? extends ZipEntry> entries = zip.entries();
        while (entries.hasMoreElements()) {
            ZipEntry e = entries.nextElement();
            if (++count > limits.maxEntries()) {
                throw new JarProblem("it has more than " + limits.maxEntries() + " entries", "plug-in jars hold the plug-in's own classes and small resources");
            }
            String name = e.getName();
            checkName(name, limits);
            if (!names.add(name)) {
                throw new JarProblem("it holds the entry '" + name + "' twice", "rebuild the jar; a zip with repeated names reads differently in different tools");
            }
            boolean directory = name.endsWith("/");
            String logical = logicalName(name);
            if (!directory) {
                checkContentName(name, logical);
            }
            if (name.equalsIgnoreCase(DescriptorFile.PATH)) {
                descriptors.add(name);
            }
            boolean manifest = !directory && name.equalsIgnoreCase("META-INF/MANIFEST.MF");
            boolean keep = !directory && (name.equals(DescriptorFile.PATH) || manifest || SPI_SERVICES.contains(name));
            byte[] kept = null;
            long n;
            // read every entry: a bomb may sit in any of them
            try (InputStream in = zip.getInputStream(e)) {
                ByteArrayOutputStream out = keep ? new ByteArrayOutputStream() : null;
                CRC32 crc = new CRC32();
                byte[] buf = new byte[64 * 1024];
                byte[] head = new byte[4];
                n = 0;
                int r;
                while ((r = in.read(buf)) > 0) {
                    if (n < 4) {
                        System.arraycopy(buf, 0, head, (int) n, (int) Math.min(r, 4 - n));
                    }
                    n += r;
                    total += r;
                    crc.update(buf, 0, r);
                    if (n > limits.maxEntryBytes()) {
                        throw new JarProblem("its entry '" + name + "' inflates to more than " + limits.maxEntryBytes() + " bytes",
                                "keep plug-in jars small: no data sets or model weights inside");
                    }
                    if (total > limits.maxTotalBytes()) {
                        throw new JarProblem("its entries inflate to more than " + limits.maxTotalBytes() + " bytes in all (a zip bomb?)",
                                "keep plug-in jars small: no data sets or model weights inside");
                    }
                    long compressed = Math.max(1, e.getCompressedSize());
                    if (n > limits.ratioFloorBytes() && n > limits.maxRatio() * compressed) {
                        throw new JarProblem("its entry '" + name + "' inflates more than " + (long) limits.maxRatio()
                                + " times its compressed size (a zip bomb?)", "do not ship highly compressible padding in a plug-in jar");
                    }
                    if (out != null) {
                        if (!manifest && n > limits.maxDescriptorBytes()) { // a signed jar's manifest may be long
                            throw new JarProblem("its entry '" + name + "' is larger than " + limits.maxDescriptorBytes() + " bytes",
                                    "descriptor, manifest and services files are a few lines");
                        }
                        out.write(buf, 0, r);
                    }
                }
                if (n >= 4 && !directory && nativeMagic(head)) {
                    throw new JarProblem("its entry '" + name + "' is a native library (ELF/Mach-O code)",
                            "plug-ins are pure Java: no native code (ND4J's is provided by the host)");
                }
                if (e.getCrc() != -1 && crc.getValue() != e.getCrc()) {
                    throw new JarProblem("its entry '" + name + "' is corrupt (CRC mismatch)", "rebuild the jar");
                }
                if (e.getSize() != -1 && n != e.getSize()) {
                    throw new JarProblem("its entry '" + name + "' declares " + e.getSize() + " bytes but holds " + n,
                            "rebuild the jar with the jar tool or Maven");
                }
                kept = out == null ? null : out.toByteArray();
            } catch (ZipException ex) {
                throw new JarProblem("its entry '" + name + "' cannot be read (" + ex.getMessage() + ")", "rebuild the jar with the jar tool or Maven");
            }
            if (directory && n > 0) {
                throw new JarProblem("its directory entry '" + name + "' has content", "rebuild the jar with the jar tool or Maven");
            }
            if (kept != null) {
                small.put(name, kept);
            }
            if (!directory && name.endsWith(".class")) {
                classes.add(name);
            }
        }
        if (total > limits.ratioFloorBytes() && total > limits.maxRatio() * Math.max(1, jarSize)) {
            throw new JarProblem("its entries inflate more than " + (long) limits.maxRatio() + " times the jar's size (a zip bomb?)",
                    "do not ship highly compressible padding in a plug-in jar");
        }
        checkManifest(small);
        if (descriptors.size() != 1 || !descriptors.get(0).equals(DescriptorFile.PATH)) {
            throw new JarProblem(descriptors.isEmpty() ? "it has no plug-in descriptor " + DescriptorFile.PATH
                            : "it must hold exactly one plug-in descriptor named " + DescriptorFile.PATH + ", found " + descriptors,
                    "add " + DescriptorFile.PATH + " (spi-version, and KIND.ID.class / KIND.ID.version per plug-in; see the README)");
        }
        DescriptorFile descriptor = DescriptorFile.parse(small.get(DescriptorFile.PATH));
        Map<Kind, List<String>> services = checkServices(descriptor, small, classes);
        return new Admitted(jar, descriptor, services);
    }

    private static void checkName(String name, JarLimits limits) {
        if (name.isEmpty() || name.length() > limits.maxNameLength()) {
            throw new JarProblem("it holds an entry with an empty or over-long name (" + name.length() + " characters)", "rebuild the jar");
        }
        String shown = name.codePoints().anyMatch(Character::isISOControl) ? name.replaceAll("\\p{Cntrl}", "?") : name;
        if (!shown.equals(name)) {
            throw new JarProblem("its entry '" + shown + "' has control characters in its name", "rebuild the jar");
        }
        if (name.indexOf('\\') >= 0) {
            throw new JarProblem("its entry '" + name + "' has a backslash in its name", "zip entry names use '/' as separator; rebuild the jar");
        }
        if (name.startsWith("/")) {
            throw new JarProblem("its entry '" + name + "' has an absolute path", "entry names are relative; rebuild the jar");
        }
        if (DRIVE.matcher(name).matches()) {
            throw new JarProblem("its entry '" + name + "' starts with a drive letter", "entry names are relative; rebuild the jar");
        }
        String[] parts = (name.endsWith("/") ? name.substring(0, name.length() - 1) : name).split("/", -1);
        for (String p : parts) {
            if (p.equals("..")) {
                throw new JarProblem("its entry '" + name + "' leaves the jar ('..' in the path)", "rebuild the jar without path traversal");
            }
            if (p.isEmpty() || p.equals(".")) {
                throw new JarProblem("its entry '" + name + "' has an empty or '.' path segment", "rebuild the jar with the jar tool or Maven");
            }
        }
    }

    /** The name a class loader resolves an entry as (multi-release entries stand for their base name). */
    private static String logicalName(String name) {
        var m = MULTI_RELEASE.matcher(name);
        return m.lookingAt() ? name.substring(m.end()) : name;
    }

    private static void checkContentName(String name, String logical) {
        String lower = name.toLowerCase(Locale.ROOT);
        if (ARCHIVE.matcher(lower).matches()) {
            throw new JarProblem("it holds a nested archive '" + name + "'",
                    "plug-in jars are flat: shade (relocate) the library's classes into the jar instead of nesting its jar");
        }
        if (NATIVE.matcher(lower).matches()) {
            throw new JarProblem("it holds a native library '" + name + "'",
                    "plug-ins are pure Java: no native code (ND4J's is provided by the host)");
        }
        var platform = PlatformPackages.platformPackageOf(logical);
        if (platform.isPresent()) {
            throw new JarProblem("it holds '" + name + "' in the platform package " + platform.get()[0].replace('/', '.')
                    + "* (shaded platform classes)", platform.get()[1]);
        }
    }

    private static boolean nativeMagic(byte[] h) {
        int m = ((h[0] & 0xff) << 24) | ((h[1] & 0xff) << 16) | ((h[2] & 0xff) << 8) | (h[3] & 0xff);
        return m == 0x7f454c46 // ELF
                || m == 0xfeedface || m == 0xfeedfacf || m == 0xcefaedfe || m == 0xcffaedfe; // Mach-O (thin)
    }

    private static void checkManifest(Map<String, byte[]> small) throws IOException {
        for (var e : small.entrySet()) {
            if (!e.getKey().equalsIgnoreCase("META-INF/MANIFEST.MF")) {
                continue;
            }
            Manifest mf;
            try {
                mf = new Manifest(new ByteArrayInputStream(e.getValue()));
            } catch (IOException | RuntimeException ex) {
                throw new JarProblem("its manifest cannot be read (" + ex.getMessage() + ")", "rebuild the jar with the jar tool or Maven");
            }
            if (mf.getMainAttributes().containsKey(Attributes.Name.CLASS_PATH)) {
                throw new JarProblem("its manifest has a Class-Path, which would load other files next to the plug-in",
                        "remove Class-Path; shade (relocate) the libraries the plug-in needs into its jar");
            }
        }
    }

    private static Map<Kind, List<String>> checkServices(DescriptorFile d, Map<String, byte[]> small, Set<String> classes) {
        Map<Kind, List<String>> services = new EnumMap<>(Kind.class);
        for (Kind kind : Kind.values()) {
            String file = SERVICES + DescriptorFile.serviceType(kind).getName();
            byte[] bytes = small.get(file);
            Set<String> declared = new TreeSet<>();
            d.ofKind(kind).forEach(p -> declared.add(p.className()));
            if (bytes == null) {
                if (!declared.isEmpty()) {
                    throw new JarProblem("it has no services entry " + file + " for " + d.ofKind(kind).get(0),
                            "add " + file + " listing " + String.join(", ", declared));
                }
                continue;
            }
            Set<String> listed = new LinkedHashSet<>();
            for (String line : new String(bytes, StandardCharsets.UTF_8).split("\n")) {
                int hash = line.indexOf('#');
                String cls = (hash >= 0 ? line.substring(0, hash) : line).strip();
                if (!cls.isEmpty()) {
                    listed.add(cls);
                }
            }
            for (String cls : listed) {
                if (!declared.contains(cls)) {
                    throw new JarProblem(file + " lists " + cls + ", which " + DescriptorFile.PATH + " does not declare as "
                            + (kind == Kind.DEFENSE ? "a " : "an ") + kind.name().toLowerCase(Locale.ROOT),
                            "declare it in " + DescriptorFile.PATH + " or remove it from " + file);
                }
            }
            for (String cls : declared) {
                if (!listed.contains(cls)) {
                    throw new JarProblem(file + " does not list " + cls + ", which " + DescriptorFile.PATH + " declares",
                            "add " + cls + " to " + file);
                }
            }
            services.put(kind, List.copyOf(listed));
        }
        for (DescriptorFile.Declared p : d.plugins()) {
            if (!classes.contains(p.classEntry())) {
                throw new JarProblem("it declares " + p + " but has no " + p.classEntry(), "check the class name in " + DescriptorFile.PATH);
            }
        }
        return services;
    }
}
