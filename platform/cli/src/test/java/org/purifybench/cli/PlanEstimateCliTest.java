package org.purifybench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.purifybench.cli.PluginJarsCliTest.Result;

/** plan's cost estimate as a user sees it: the table, --json's "estimate", --throughput, a dataset that is not here. */
class PlanEstimateCliTest {

    private static Result plan(Path dir, String matrix, String... more) throws Exception {
        Path m = Files.writeString(dir.resolve("m.yaml"), matrix);
        String[] args = new String[5 + more.length];
        args[0] = "--work-dir";
        args[1] = dir.resolve("w").toString();
        args[2] = "plan";
        args[3] = "--matrix";
        args[4] = m.toString();
        System.arraycopy(more, 0, args, 5, more.length);
        return PluginJarsCliTest.run(args);
    }

    @Test
    void theTableAndTheJsonEstimateWithGivenThroughput(@TempDir Path dir) throws Exception {
        Result text = plan(dir, MatrixRunnerTest.TINY, "--throughput", "1000,4000");
        assertEquals(0, text.code(), text.err());
        String out = text.out();
        assertTrue(out.contains("estimated cost (image passes"), out);
        assertTrue(out.contains("model training") && out.contains("defenses") && out.contains("evaluators"), out);
        assertTrue(out.contains("hours on nd4j cpu (given with --throughput: 1000 train img/s, 4000 inference img/s, batch 32)"), out);
        assertTrue(out.contains("defense and evaluator figures are rough"), out);
        assertTrue(out.contains("--device cuda"), out);
        assertTrue(out.contains("sizes: attacker-train 1620, tuning 200, validation 100, retuning pool 80, test 500"), out);

        Result json = plan(dir, MatrixRunnerTest.TINY, "--json", "--throughput", "1000,4000");
        assertEquals(0, json.code(), json.err());
        JsonNode estimate = new ObjectMapper().readTree(json.out()).get("estimate");
        // models: 1 clean + 1 backdoored x 2 epochs x 1620; ft and ep 1 epoch x 200 tuning; ra 4 models + the control x 1 x 60
        assertEquals(2 * 2 * 1620 + 2 * 200 + 5 * 60, estimate.at("/passes/train").asLong(), estimate.toPrettyString());
        // accuracy 4 x 2 x 500; ra 4 x 3 x 500 + 2 x 500; lmc (ep in the matrix: 2 paths) 4 x (2 x 3 x 2 x 500 + 2 x 1 x 80)
        long inference = 4 * 2 * 500 + 4 * 3 * 500 + 2 * 500 + 4 * (2 * 3 * 2 * 500 + 2 * 80);
        assertEquals(inference, estimate.at("/passes/inference").asLong(), estimate.toPrettyString());
        assertEquals(((2 * 2 * 1620 + 2 * 200 + 5 * 60) / 1000.0 + inference / 4000.0) / 3600, estimate.get("hours").asDouble(), 1e-12);
        assertEquals(3, estimate.get("stages").size());
        assertEquals("present", estimate.get("dataset").asText());
        assertEquals(1000.0, estimate.at("/throughput/trainImagesPerSecond").asDouble());
    }

    @Test
    void aDatasetThatIsNotHereIsSizedFromTheCatalog(@TempDir Path dir) throws Exception {
        String cifar = MatrixRunnerTest.TINY.replace("dataset: {id: synthetic, path: null, trainLimit: 0, testLimit: 0}",
                "dataset: {id: cifar10, path: null, trainLimit: 0, testLimit: 2000}");
        assertTrue(cifar.contains("cifar10"), cifar);
        Result r = plan(dir, cifar, "--throughput", "500");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("dataset cifar10 not present: sizes from the catalog (50000 training, 10000 test images"), r.out());
        assertTrue(r.out().contains("attacker-train 42420, tuning 5000, validation 2500, retuning pool 80, test 2000 (dataset not present"),
                r.out());
        assertTrue(r.out().contains("inference taken as 3x training: 500 train img/s, 1500 inference img/s"), r.out());
        assertTrue(r.out().contains("stage train (2 tasks, one model each):"), r.out());
    }

    @Test
    void aBadThroughputIsRefused(@TempDir Path dir) throws Exception {
        Result r = plan(dir, MatrixRunnerTest.TINY, "--throughput", "fast");
        assertEquals(1, r.code(), r.out());
        assertTrue(r.err().contains("bad --throughput 'fast'"), r.err());
    }

    /** The real measurement on the tiny cnn-small: only its structure is checked, never its speed. */
    @Test
    void measuringGivesPositiveFiguresAndHours(@TempDir Path dir) throws Exception {
        Result r = plan(dir, MatrixRunnerTest.TINY, "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode estimate = new ObjectMapper().readTree(r.out()).get("estimate");
        assertTrue(estimate.at("/throughput/trainImagesPerSecond").asDouble() > 0, estimate.toPrettyString());
        assertTrue(estimate.at("/throughput/inferImagesPerSecond").asDouble() > 0, estimate.toPrettyString());
        assertTrue(estimate.get("hours").asDouble() > 0, estimate.toPrettyString());
        assertTrue(estimate.at("/throughput/source").asText().startsWith("measured: cnn-small w4 1x28x28"), estimate.toPrettyString());

        Result skipped = plan(dir, MatrixRunnerTest.TINY, "--no-measure");
        assertEquals(0, skipped.code(), skipped.err());
        assertTrue(skipped.out().contains("no hours: throughput not measured (--no-measure)"), skipped.out());
    }
}
