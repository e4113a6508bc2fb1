package org.purifybench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.purifybench.core.UserException;
import org.purifybench.core.bench.Throughput;
import org.purifybench.spi.ImageShape;

class BenchCommandTest {
    @TempDir
    Path tmp;

    @Test
    void parsesModelsWithDefaultWidthsAndStepsAndRefusesNonsense() {
        Throughput.Config c = BenchCommand.parse("cnn-small:3x32", 64);
        assertEquals(new Throughput.Config("cnn-small", new ImageShape(3, 32, 32), 32, 64, 20), c);
        assertEquals("cnn-small:3:32:32:64:20", c.key());
        assertEquals(new Throughput.Config("preact-resnet18", new ImageShape(3, 32, 32), 64, 128, 5),
                BenchCommand.parse("preact-resnet18:3x32", 128));
        assertEquals(16, BenchCommand.parse("cnn-small:1x28:16", 64).width());
        for (String bad : new String[] {"cnn-small", "cnn-small:3-32", "resnet50:3x32", "cnn-small:0x32", "cnn-small:3x32:8:1"}) {
            UserException e = assertThrows(UserException.class, () -> BenchCommand.parse(bad, 64), bad);
            assertTrue(e.oneLine().contains(bad) && e.oneLine().contains("ARCH:CxS"), e.oneLine());
        }
    }

    /** The reference's contract: the arguments it gets, and its JSON lines read back per configuration. */
    @Test
    void readsTheReferenceFiguresAndPassesConfigsAndThreads() throws IOException {
        Path args = tmp.resolve("args");
        Path python = script("fake-python", "echo \"$@\" > " + args + "\n"
                + "echo '{\"arch\":\"cnn-small\",\"channels\":3,\"size\":32,\"width\":32,\"batch\":64,\"trainStepSeconds\":0.08,"
                + "\"inferBatchSeconds\":0.01,\"trainRuns\":[0.08],\"inferRuns\":[0.01],\"peakRssBytes\":300000000,"
                + "\"torch\":\"1.13\",\"threads\":2}'\n");
        Throughput.Config c = BenchCommand.parse("cnn-small:3x32", 64);
        PyTorchReference.Outcome o = PyTorchReference.run(List.of(c), 2, 3, 5, 7, python.toString());
        assertNull(o.unavailable());
        PyTorchReference.Figures f = o.figures().get(PyTorchReference.keyOf(c));
        assertEquals(0.08, f.trainStepSeconds());
        assertEquals(300000000L, f.peakRssBytes());
        String passed = Files.readString(args);
        assertTrue(passed.contains("--threads 2 --warmup 3 --repeats 5 --seed 7 --config cnn-small:3:32:32:64:20"), passed);
    }

    @Test
    void saysHowToInstallPyTorchWhenItIsMissingAndWhenNoInterpreterExists() throws IOException {
        Path python = script("no-torch", "echo \"ModuleNotFoundError: No module named 'torch'\" >&2\nexit 1\n");
        List<Throughput.Config> c = List.of(BenchCommand.parse("cnn-small:1x28", 64));
        String why = PyTorchReference.run(c, 2, 1, 1, 0, python.toString()).unavailable();
        assertTrue(why.contains("apt-get install python3-torch") && why.contains("exit 1"), why);
        String none = PyTorchReference.run(c, 2, 1, 1, 0, tmp.resolve("absent").toString()).unavailable();
        assertTrue(none.contains("cannot be started") && none.contains("python3-torch"), none);
    }

    private Path script(String name, String body) throws IOException {
        Path p = tmp.resolve(name);
        Files.writeString(p, "#!/bin/sh\n" + body);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        return p;
    }
}
