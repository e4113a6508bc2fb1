package org.purifybench.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.purifybench.core.UserException;
import org.purifybench.core.data.DataAdd;
import org.purifybench.core.data.DataCatalog;
import org.purifybench.core.data.DataDir;
import org.purifybench.core.data.DataStatus;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "data", description = "Install and list the datasets (CIFAR-10, CIFAR-100, Tiny-ImageNet, GTSRB) in the data dir"
        + " (--data-dir, else $" + DataDir.ENV + ", else ~/.purifybench/data). Only `data add` uses the network.",
        subcommands = {DataCommand.Add.class, DataCommand.ListData.class})
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
}
