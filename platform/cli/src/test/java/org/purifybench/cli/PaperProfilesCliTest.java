package org.purifybench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.purifybench.cli.PluginJarsCliTest.Result;
import org.purifybench.core.data.DataDir;
import org.purifybench.core.plugin.PluginRegistry;
import org.purifybench.core.run.MatrixSpec;
import org.purifybench.core.run.ReducedRun;
import org.purifybench.core.weights.WeightsStore;

/**
 * The profiles of record on generated stand-in data: every one plans (units, tasks, an estimate in
 * image passes), and a run refuses unverified data or missing pretrained weights naming the command
 * that fixes it; --reduced and --attacks cut a profile and record each cut.
 */
class PaperProfilesCliTest {
    private static final List<String> PAPER = List.of("paper-cifar10-r18", "paper-cifar10-r18-rates", "paper-cifar10-r50",
            "paper-cifar10-d161", "paper-cifar100", "paper-tiny", "paper-rho");

    @TempDir
    Path dir;

    @AfterEach
    void clearProperties() {
        System.clearProperty(DataDir.PROPERTY);
        System.clearProperty(WeightsStore.PROPERTY);
    }

    @Test
    void everyPaperProfilePlansOnStandInDataAndSaysWhatARunWouldNeed() throws Exception {
        Path data = dir.resolve("data");
        assertEquals(0, PluginJarsCliTest.run("--data-dir", data.toString(), "data", "stand-in", "cifar10", "--per-class", "20",
                "--test-per-class", "5").code());
        assertEquals(0, PluginJarsCliTest.run("--data-dir", data.toString(), "data", "stand-in", "cifar100", "--per-class", "3",
                "--test-per-class", "1").code());
        System.setProperty(WeightsStore.PROPERTY, dir.resolve("weights").toString());
        for (String profile : PAPER) {
            Result r = PluginJarsCliTest.run("--data-dir", data.toString(), "--work-dir", dir.resolve("work").toString(), "plan",
                    "--profile", profile, "--no-measure", "--json");
            assertEquals(0, r.code(), profile + ": " + r.err());
            JsonNode plan = new ObjectMapper().readTree(r.out());
            assertTrue(plan.get("units").size() > 0, profile);
            assertTrue(plan.get("estimate").toString().contains("train"), profile + ": " + plan.get("estimate"));
            String blockers = plan.get("runBlockedBy").toString();
            if (profile.equals("paper-tiny")) {
                // No stand-in format for Tiny-ImageNet: the plan sizes it from the catalog and says how to add the data.
                assertTrue(blockers.contains("purifybench data add tiny-imagenet"), blockers);
            } else {
                assertTrue(blockers.contains("UNVERIFIED") && blockers.contains("data add"), profile + ": " + blockers);
            }
            boolean pretrained = profile.equals("paper-cifar100") || profile.equals("paper-tiny");
            assertEquals(pretrained, blockers.contains("weights import resnet18-f37072fd.pth --arch resnet18"), profile + ": " + blockers);
        }
    }

    @Test
    void aRunOfRecordRefusesStandInDataAndAReducedOneRefusesMissingWeights() {
        Path data = dir.resolve("data");
        PluginJarsCliTest.run("--data-dir", data.toString(), "data", "stand-in", "cifar100", "--per-class", "2", "--test-per-class", "1");
        String weights = dir.resolve("weights").toString();
        Result refused = PluginJarsCliTest.run("--data-dir", data.toString(), "--work-dir", dir.resolve("work").toString(), "run",
                "--profile", "paper-cifar100", "--quiet");
        assertEquals(1, refused.code());
        assertTrue(refused.err().contains("needs the published cifar100 files") && refused.err().contains("purifybench data add cifar100"),
                refused.err());
        System.setProperty(WeightsStore.PROPERTY, weights);
        Result reduced = PluginJarsCliTest.run("--data-dir", data.toString(), "--work-dir", dir.resolve("work").toString(), "run",
                "--profile", "paper-cifar100", "--reduced", "--quiet");
        assertEquals(1, reduced.code());
        assertTrue(reduced.err().contains("are not in the weights store " + weights)
                && reduced.err().contains("https://download.pytorch.org/models/resnet18-f37072fd.pth")
                && reduced.err().contains("purifybench weights import resnet18-f37072fd.pth --arch resnet18"), reduced.err());
        assertTrue(reduced.out().contains("approximation: reduced run: backdoor and clean training 2 epochs (paper-cifar100 profile: 10)"),
                reduced.out());
    }

    @Test
    void reducedCapsEveryEpochCountAndRecordsEachCut() {
        PluginRegistry registry = PluginRegistry.fromClasspath();
        MatrixSpec full = MatrixSpec.profile("paper-cifar10-r18");
        MatrixSpec r = ReducedRun.of(full, registry, 2);
        assertEquals(2, r.training().epochs());
        assertFalse(r.dataset().requiresVerified());
        MatrixSpec.PluginRef ft = r.defenses().stream().filter(d -> d.id().equals("ft")).findFirst().orElseThrow();
        assertEquals(2, ft.params().get("epochs"), "ft's default 10 epochs capped");
        MatrixSpec.PluginRef pam = r.defenses().stream().filter(d -> d.id().equals("pam")).findFirst().orElseThrow();
        assertEquals(2, pam.params().get("generator-epochs"));
        assertEquals(0, pam.params().get("refine-epochs"), "a count below the cap is kept");
        assertEquals(Map.of("badnet", 0.9, "lc", 0.9, "blended", 0.5, "ssba", 0.5), pam.params().get("rho"));
        String approx = String.join("\n", r.approximationsOrEmpty());
        assertTrue(approx.contains("ft.epochs 10->2") && approx.contains("qra.epochs 50->2") && approx.contains("ra.epochs 5->2"), approx);
        assertTrue(approx.contains("data not required to match the published checksums"), approx);
    }

    @Test
    void choosingAttacksKeepsOnlyTheirPerAttackValues() {
        MatrixSpec one = MatrixSpec.profile("paper-cifar10-r18").withAttacks(List.of("blended"));
        assertEquals(List.of("blended"), one.attacks().stream().map(MatrixSpec.PluginRef::id).toList());
        MatrixSpec.PluginRef pam = one.defenses().stream().filter(d -> d.id().equals("pam")).findFirst().orElseThrow();
        assertEquals(Map.of("blended", 0.5), pam.params().get("rho"));
        MatrixSpec.PluginRef qra = one.evaluators().stream().filter(d -> d.id().equals("qra")).findFirst().orElseThrow();
        assertFalse(qra.params().containsKey("alpha"), "alpha: {lc: 0.1} without LC falls back to the default: " + qra.params());
        assertTrue(String.join("\n", one.approximationsOrEmpty()).contains("attacks [blended] chosen on the command line"));
        // The result binds: no per-attack value names an attack the matrix no longer runs.
        org.purifybench.core.run.MatrixParams.bind(one, PluginRegistry.fromClasspath());
    }
}
