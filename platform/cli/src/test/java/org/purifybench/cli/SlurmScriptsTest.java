package org.purifybench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.purifybench.core.run.RunTasks;

class SlurmScriptsTest {
    private static SlurmScripts scripts(SlurmScripts.Resources r) {
        return new SlurmScripts("quick-0123456789ab", "/shared/pb dir/purifybench", Path.of("/shared/work"), Path.of("/shared"),
                Path.of("/shared/work/runs/quick-0123456789ab/slurm/logs"), List.of("--plugin", "/shared/my defense.jar"), r);
    }

    @Test
    void indexesBecomeSlurmArrayRanges() {
        assertEquals("0-3,5,7-9", SlurmScripts.arraySpec(List.of(0, 1, 2, 3, 5, 7, 8, 9)));
        assertEquals("4", SlurmScripts.arraySpec(List.of(4)));
        assertEquals("1,3,5", SlurmScripts.arraySpec(List.of(1, 3, 5)));
    }

    @Test
    void aStageScriptRunsOneTaskPerArrayIndexPinnedToItsCpusWithTheSubmittersOptions() {
        String s = scripts(new SlurmScripts.Resources("gpu", "proj42", "4:00:00", 4, "16G", "1", 8, List.of("--qos=long")))
                .stage(RunTasks.Stage.EVALUATE, List.of(0, 1, 2, 6));
        assertTrue(s.startsWith("#!/bin/bash\n"), s);
        for (String line : List.of("#SBATCH --array=0-2,6%8", "#SBATCH --cpus-per-task=4", "#SBATCH --partition=gpu", "#SBATCH --account=proj42",
                "#SBATCH --time=4:00:00", "#SBATCH --mem=16G", "#SBATCH --gpus=1", "#SBATCH --qos=long", "#SBATCH --chdir=/shared",
                "#SBATCH --output=/shared/work/runs/quick-0123456789ab/slurm/logs/evaluate-%A_%a.out",
                "export OMP_NUM_THREADS=\"${SLURM_CPUS_PER_TASK:-4}\"", "export PURIFYBENCH_NO_REBUILD=1",
                "exec '/shared/pb dir/purifybench' --work-dir /shared/work run-unit --run quick-0123456789ab --stage evaluate"
                        + " --index \"$SLURM_ARRAY_TASK_ID\" --quiet --plugin '/shared/my defense.jar'")) {
            assertTrue(s.lines().anyMatch(line::equals), "missing line: " + line + "\n" + s);
        }
    }

    @Test
    void optionsLeftOutAreLeftToTheCluster() {
        String s = scripts(new SlurmScripts.Resources(null, null, null, 2, null, null, 0, List.of())).stage(RunTasks.Stage.TRAIN, List.of(0, 1));
        assertTrue(s.contains("#SBATCH --array=0-1\n"), s);
        for (String absent : List.of("--partition", "--account", "--time", "--mem", "--gpus", "--array=0-1%")) {
            assertTrue(s.lines().filter(l -> l.startsWith("#SBATCH")).noneMatch(l -> l.contains(absent)), absent + " in\n" + s);
        }
        String merge = scripts(new SlurmScripts.Resources(null, null, null, 2, null, null, 0, List.of())).merge();
        assertTrue(merge.contains("--work-dir /shared/work merge quick-0123456789ab --plugin"), merge);
        assertTrue(!merge.contains("--array"), merge);
    }

    @Test
    void wordsAreQuotedForBash() {
        assertEquals("/a/b", SlurmScripts.quote("/a/b"));
        assertEquals("'it'\\''s here'", SlurmScripts.quote("it's here"));
        assertEquals("'$(rm -rf /)'", SlurmScripts.quote("$(rm -rf /)"));
    }

    @Test
    void aRunWithMoreTasksThanTheClustersArraysTakeIsRefusedBeforeSubmitting() {
        assertEquals(java.util.OptionalInt.of(1001), SlurmQueue.parseMaxArraySize("MaxArraySize            = 1001\nMaxJobCount = 10000\n"));
        assertEquals(java.util.OptionalInt.empty(), SlurmQueue.parseMaxArraySize("nothing here"));
        SlurmCommand.Submit.checkArraySize(List.of(0, 1), List.of(999, 1000), java.util.OptionalInt.of(1001));
        SlurmCommand.Submit.checkArraySize(List.of(0), List.of(5000), java.util.OptionalInt.empty());
        org.purifybench.core.UserException e = org.junit.jupiter.api.Assertions.assertThrows(org.purifybench.core.UserException.class,
                () -> SlurmCommand.Submit.checkArraySize(List.of(0), List.of(3, 1001), java.util.OptionalInt.of(1001)));
        assertTrue(e.getMessage().contains("task number 1001 but the cluster's MaxArraySize is 1001 (array indexes 0 to 1000)"), e.getMessage());
        assertTrue(e.fix().contains("split the matrix"), e.fix());
    }
}
