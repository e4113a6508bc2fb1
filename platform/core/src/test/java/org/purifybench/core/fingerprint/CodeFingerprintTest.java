package org.purifybench.core.fingerprint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.purifybench.core.host.DefaultHost;
import org.purifybench.core.train.SgdTrainer;

class CodeFingerprintTest {

    static final String P = "org/purifybench/core/fingerprint/CodeFingerprintTest$";

    /** A plug-in class that uses Helper, which uses Deep through an array type. */
    static final class Root {
        Object make() {
            return new Helper().deeper();
        }
    }

    static final class Helper {
        Object deeper() {
            return new Deep[1];
        }
    }

    static final class Deep {
    }

    /** In the same folder, used by nobody above: like a new attack added to the attacks jar. */
    static final class Unrelated {
    }

    private static Map<String, byte[]> compiled() {
        Path here = CodeFingerprint.locationOf(CodeFingerprintTest.class);
        TreeMap<String, byte[]> all = new TreeMap<>();
        for (String n : new String[] {"Root", "Helper", "Deep", "Unrelated"}) {
            try (var in = CodeFingerprintTest.class.getResourceAsStream("/" + P + n + ".class")) {
                all.put(P + n + ".class", in.readAllBytes());
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        // The test class itself is referenced as the nest host / outer class; leave it out so the closure stays small.
        assertEquals(true, here != null);
        return all;
    }

    @Test
    void aPluginsFingerprintCoversWhatItReachesAndNothingElse() {
        Map<String, byte[]> all = compiled();
        assertEquals(Set.of(P + "Root.class", P + "Helper.class", P + "Deep.class"),
                CodeFingerprint.closure(all, P + "Root.class").keySet());
        assertEquals(Set.of(P + "Unrelated.class"), CodeFingerprint.closure(all, P + "Unrelated.class").keySet());
    }

    @Test
    void changingAnUnreachedClassKeepsTheKeyChangingAReachedOneChangesIt() {
        Map<String, byte[]> all = new TreeMap<>(compiled());
        String before = CodeFingerprint.hash(CodeFingerprint.closure(all, P + "Root.class"));

        Map<String, byte[]> otherChanged = new TreeMap<>(all);
        otherChanged.put(P + "Unrelated.class", withExtraByte(all.get(P + "Unrelated.class")));
        assertEquals(before, CodeFingerprint.hash(CodeFingerprint.closure(otherChanged, P + "Root.class")));

        Map<String, byte[]> deepChanged = new TreeMap<>(all);
        deepChanged.put(P + "Deep.class", withExtraByte(all.get(P + "Deep.class")));
        assertNotEquals(before, CodeFingerprint.hash(CodeFingerprint.closure(deepChanged, P + "Root.class")));
    }

    /**
     * A core class the host's training code reaches outside the fingerprinted packages would change
     * trained models without changing the cache key. Those listed here do not decide a model: a
     * message type, and the digests of the prediction memo's keys.
     */
    @Test
    void theTrainingPackagesHoldEveryCoreClassTheTrainingCodeReaches() {
        Path core = CodeFingerprint.locationOf(CodeFingerprint.class);
        Map<String, byte[]> all = CodeFingerprint.classes(core, List.of("org/purifybench/core/"), List.of());
        Set<String> outside = new TreeSet<>();
        for (String root : new String[] {DefaultHost.class.getName(), SgdTrainer.class.getName()}) {
            CodeFingerprint.closure(all, root.replace('.', '/') + ".class").keySet().stream()
                    .filter(name -> CodeFingerprint.trainingPackages().stream().noneMatch(name::startsWith))
                    .forEach(outside::add);
        }
        assertEquals(Set.of("org/purifybench/core/UserException.class", "org/purifybench/core/hash/Hashing.class"), outside,
                "training code reaches core classes outside " + CodeFingerprint.trainingPackages()
                        + ": put them in a fingerprinted package or add their package to TRAINING_PACKAGES");
    }

    @Test
    void everyTrainingPackageHoldsClasses() {
        Path core = CodeFingerprint.locationOf(CodeFingerprint.class);
        for (String p : CodeFingerprint.trainingPackages()) {
            assertFalse(CodeFingerprint.classes(core, List.of(p), List.of()).isEmpty(), p + " holds no classes in " + core);
        }
    }

    /** Trailing bytes after a class file do not stop ASM from reading it, but change its hash. */
    private static byte[] withExtraByte(byte[] b) {
        byte[] c = java.util.Arrays.copyOf(b, b.length + 1);
        c[b.length] = 42;
        return c;
    }
}
