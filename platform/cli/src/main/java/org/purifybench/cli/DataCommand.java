package org.purifybench.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.purifybench.core.UserException;
import org.purifybench.core.data.DataAdd;
import org.purifybench.core.data.DataCatalog;
import org.purifybench.core.data.DataDir;
import org.purifybench.core.data.DataManifest;
import org.purifybench.core.data.DataStatus;
import org.purifybench.core.data.StandInData;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "data", description = "Install and list the datasets (CIFAR-10, CIFAR-100, Tiny-ImageNet, GTSRB) in the data dir"
        + " (--data-dir, else $" + DataDir.ENV + ", else ~/.purifybench/data). Only `data add` uses the network.",
        subcommands = {DataCommand.Add.class, DataCommand.ListData.class, DataCommand.StandIn.class})
final class DataCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        throw new UserException("data needs a subcommand", "purifybench data list shows the datasets; purifybench data add NAME ARCHIVE installs one");
    }

    @Command(name = "add", description = "Check archives (paths, or http(s) URLs downloaded now) against the published checksums,"
            + " unpack them and install dataset NAME in the data dir. An existing copy is replaced only when everything succeeded."
            + " GTSRB needs its three archives in one command.")
    static final class Add implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "NAME", description = "Dataset id: cifar10, cifar100, tiny-imagenet, gtsrb.")
        String name;

        @Parameters(index = "1..*", arity = "1..*", paramLabel = "ARCHIVE_OR_URL", description = "The archive(s): local paths or URLs.")
        List<String> archives;

        @Override
        public Integer call() {
            new DataAdd(DataCatalog.official(), DataDir.resolve(), System.out).add(name, archives);
            return 0;
        }
    }

    @Command(name = "list", description = "Each known dataset, where it is looked for, and whether it is present and was added from"
            + " a verified archive.")
    static final class ListData implements Callable<Integer> {
        @Override
        public Integer call() {
            Path dataDir = DataDir.resolve();
            System.out.println("data dir: " + dataDir.toAbsolutePath());
            for (DataStatus.Line line : DataStatus.of(DataCatalog.official(), dataDir)) {
                System.out.printf("%-14s %-8s %s%n               %s%n", line.id(), line.present() ? "present" : "MISSING", line.folder(),
                        line.status());
            }
            return 0;
        }
    }

    @Command(name = "stand-in", description = "Write a GENERATED stand-in in a real dataset's file format (cifar10, cifar100) into the"
            + " data dir (or --out), so a profile of record can be planned and run reduced without the real data. Its files match no"
            + " published checksum: runs on it report UNVERIFIED data, and a profile of record runs on it only with --reduced.")
    static final class StandIn implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "FORMAT", description = "cifar10 or cifar100.")
        String format;

        @Option(names = "--per-class", paramLabel = "N", defaultValue = "300", description = "Training images per class (default: ${DEFAULT-VALUE}).")
        int perClass;

        @Option(names = "--test-per-class", paramLabel = "N", defaultValue = "100", description = "Test images per class (default: ${DEFAULT-VALUE}).")
        int testPerClass;

        @Option(names = "--seed", paramLabel = "SEED", defaultValue = "0", description = "Seed of the class templates and noise (default: ${DEFAULT-VALUE}).")
        long seed;

        @Option(names = "--out", paramLabel = "DIR", description = "Folder to write into (default: <data dir>/<format>, where runs look).")
        Path out;

        @Override
        public Integer call() throws Exception {
            Path dir = out != null ? out : DataDir.of(DataDir.resolve(), format);
            if (out == null && Files.exists(dir.resolve(DataManifest.FILE_NAME))) {
                throw new UserException(dir + " holds data installed by `data add`", "write the stand-in elsewhere with --out DIR, or"
                        + " use another --data-dir");
            }
            Path written = StandInData.write(format, dir, perClass, testPerClass, seed);
            System.out.println("wrote a GENERATED " + format + "-format stand-in (" + perClass + " training and " + testPerClass
                    + " test images per class, seed " + seed + ") to " + written);
            System.out.println("it matches no published checksum: runs report it as UNVERIFIED, profiles of record need --reduced");
            return 0;
        }
    }
}
