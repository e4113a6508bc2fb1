package org.purifybench.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.purifybench.core.UserException;
import org.purifybench.core.host.DefaultHost;
import org.purifybench.core.model.HostModel;
import org.purifybench.core.model.ModelSpec;
import org.purifybench.core.run.MatrixRunner;
import org.purifybench.core.run.MatrixSpec;
import org.purifybench.core.run.ModelCache;
import org.purifybench.core.run.RunManifest;
import org.purifybench.core.run.RunTasks;
import org.purifybench.core.weights.Safetensors;
import org.purifybench.core.weights.StateDictMapper;
import org.purifybench.core.weights.WeightsFormatException;
import org.purifybench.core.weights.WeightsStore;
import org.purifybench.spi.ImageShape;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "weights", description = "Pretrained weights in and models out: import a PyTorch state dict (safetensors, or a"
        + " .pth read without running its pickle), list the store, export a run's model as safetensors with PyTorch's names.",
        subcommands = {WeightsCommand.Import.class, WeightsCommand.ListStore.class, WeightsCommand.Export.class})
final class WeightsCommand {
    @ParentCommand
    PurifyBench root;

    /** Where imported weights live: {@code --weights-dir}, else the standard store. */
    static final class StoreOption {
        @Option(names = "--weights-dir", paramLabel = "DIR",
                description = "The weights store (default: -Dpurifybench.weights.dir, $PURIFYBENCH_WEIGHTS_DIR or ~/.purifybench/weights).")
        Path dir;

        WeightsStore store() {
            return dir == null ? WeightsStore.standard() : new WeightsStore(dir);
        }
    }

    @Command(name = "import", description = "Check FILE against --arch (every key and shape; the classifier may have another"
            + " class count) and store it under its SHA-256, which profiles name in model.pretrained.sha256.")
    static final class Import implements Callable<Integer> {
        @Parameters(paramLabel = "FILE", description = "A .safetensors file or a PyTorch zip checkpoint (.pth) holding a state dict.")
        Path file;

        @Option(names = "--arch", required = true, paramLabel = "ARCH", description = "The architecture the weights are for (e.g. resnet18).")
        String arch;

        @Option(names = "--width", paramLabel = "N", description = "The architecture's width (default: its standard width).")
        Integer width;

        @Option(names = "--classes", paramLabel = "N", defaultValue = "1000",
                description = "Classes of the weights' classifier (default: ${DEFAULT-VALUE}, ImageNet).")
        int classes;

        @Option(names = "--input", paramLabel = "CxHxW", defaultValue = "3x224x224",
                description = "The input the weights were trained on (default: ${DEFAULT-VALUE}).")
        String input;

        @Mixin
        StoreOption store;

        @Override
        public Integer call() throws Exception {
            ModelSpec spec = ModelSpec.of(arch, shape(input), classes, width == null ? ModelSpec.defaultWidth(arch) : width);
            WeightsStore.Entry e;
            try {
                e = store.store().importFile(file, spec);
            } catch (WeightsFormatException ex) {
                throw new UserException(ex.getMessage(), "export the state dict with the architecture's PyTorch names"
                        + " (torchvision for resnet18/resnet50/densenet161/vgg19-bn; docs/architectures.md lists them)");
            }
            System.out.println("imported " + file.getFileName() + " for " + arch);
            System.out.println("  sha256: " + e.sha256());
            System.out.println("  stored: " + e.file());
            System.out.println("  use in a matrix: model: {arch: " + arch + ", pretrained: {sha256: " + e.sha256() + "}}");
            return 0;
        }
    }

    @Command(name = "list", description = "The stored weights: SHA-256, architecture, source file, date.")
    static final class ListStore implements Callable<Integer> {
        @Mixin
        StoreOption store;

        @Override
        public Integer call() throws Exception {
            WeightsStore s = store.store();
            List<WeightsStore.Entry> entries = s.list();
            System.out.println("weights store " + s.dir() + ": " + entries.size() + " file(s)");
            for (WeightsStore.Entry e : entries) {
                System.out.println("  " + e.sha256() + "  " + e.arch() + "  " + e.info().get("sourceFile") + "  " + e.info().get("importedAt"));
            }
            return 0;
        }
    }

    @Command(name = "export", description = "Write a trained model of a run as safetensors with PyTorch's names and layouts"
            + " (load it with safetensors.torch.load_file and model.load_state_dict). Without MODEL, lists the run's models.")
    static final class Export implements Callable<Integer> {
        @ParentCommand
        WeightsCommand parent;

        @Parameters(index = "0", paramLabel = "RUN", description = "A run id in the work folder.")
        String run;

        @Parameters(index = "1", arity = "0..1", paramLabel = "MODEL", description = "clean-s<SEED> or a cell id (its backdoored model).")
        String model;

        @Option(names = "--out", paramLabel = "FILE", description = "Output file (default: <RUN>-<MODEL>.safetensors here).")
        Path out;

        @Mixin
        PluginOptions plugins;

        @Override
        public Integer call() throws Exception {
            Path workDir = parent.root.workDir;
            MatrixSpec spec = RunManifest.load(workDir, run);
            MatrixRunner runner = RunSupport.runner(plugins, workDir, false);
            RunTasks tasks = runner.tasks(spec, MatrixRunner.dataset(spec));
            Map<String, RunTasks.TrainTask> models = new LinkedHashMap<>();
            for (RunTasks.TrainTask t : tasks.train()) {
                models.put(t.kind() == RunTasks.ModelKind.CLEAN ? "clean-s" + t.seed() : t.cellId(), t);
            }
            if (model == null) {
                System.out.println("models of run " + run + " (name, cached in the work folder?):");
                models.forEach((name, t) -> System.out.println("  " + name + "\t" + (t.cached() ? "cached" : "not trained yet")));
                return 0;
            }
            RunTasks.TrainTask task = models.get(model);
            if (task == null) {
                throw new UserException("run " + run + " has no model '" + model + "'", "one of: " + String.join(", ", models.keySet()));
            }
            HostModel m = new ModelCache(workDir.resolve("cache"), new DefaultHost(false, System.err)::log)
                    .require(task.key(), "model " + model + " of run " + run, "run the run (or its stage-1 task) first");
            Path target = out != null ? out : Path.of(run + "-" + model + ".safetensors");
            Map<String, String> meta = new LinkedHashMap<>();
            meta.put("arch", m.spec().architecture());
            meta.put("width", Integer.toString(m.spec().width()));
            meta.put("classes", Integer.toString(m.spec().numClasses()));
            meta.put("run", run);
            meta.put("model", model);
            meta.put("cacheKey", task.key());
            Safetensors.write(target, StateDictMapper.toTorch(m.snapshot(), m.spec()), meta);
            System.out.println("wrote " + target.toAbsolutePath() + " (" + Files.size(target) + " bytes, " + m.spec().architecture() + ")");
            return 0;
        }
    }

    static ImageShape shape(String text) {
        String[] p = text.split("x");
        if (p.length != 3) {
            throw new UserException("--input '" + text + "' is not CxHxW", "e.g. --input 3x224x224");
        }
        try {
            return new ImageShape(Integer.parseInt(p[0]), Integer.parseInt(p[1]), Integer.parseInt(p[2]));
        } catch (NumberFormatException e) {
            throw new UserException("--input '" + text + "' is not CxHxW", "e.g. --input 3x224x224");
        }
    }
}
