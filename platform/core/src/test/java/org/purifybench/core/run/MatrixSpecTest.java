package org.purifybench.core.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.purifybench.core.UserException;

class MatrixSpecTest {
    private static MatrixSpec parse(String yaml) throws Exception {
        return MatrixSpec.parse(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)), "test.yaml");
    }

    @Test
    void shippedProfilesParseAndDiffer() {
        MatrixSpec quick = MatrixSpec.profile("quick");
        MatrixSpec standard = MatrixSpec.profile("standard");
        assertEquals(3, standard.seeds().size());
        assertTrue(quick.approximationsOrEmpty().size() > 0, "quick must state its approximations");
        assertNotEquals(MatrixRunner.configHash(quick), MatrixRunner.configHash(standard));
        assertEquals(MatrixRunner.configHash(quick), MatrixRunner.configHash(MatrixSpec.profile("quick")), "hash is stable");
    }

    @Test
    void choosingSeedsOnTheCommandLineIsRecordedAndChangesTheRun() {
        MatrixSpec standard = MatrixSpec.profile("standard");
        MatrixSpec one = standard.withSeeds(java.util.List.of(0L));
        assertEquals(java.util.List.of(0L), one.seeds());
        assertTrue(one.approximationsOrEmpty().contains("seeds [0] chosen on the command line (standard profile: [0, 1, 2])"),
                one.approximationsOrEmpty().toString());
        assertNotEquals(MatrixRunner.runId(standard), MatrixRunner.runId(one), "a partial run must not resume the full one");
        assertEquals(standard, standard.withSeeds(java.util.List.of(0L, 1L, 2L)), "the matrix's own seeds change nothing");
        assertThrows(UserException.class, () -> standard.withSeeds(java.util.List.of()));
    }

    @Test
    void malformedYamlNamesTheLine() {
        UserException e = assertThrows(UserException.class, () -> parse("name: x\nattacks: [ {id: badnet\n"));
        assertTrue(e.getMessage().contains("line"), e.getMessage());
    }

    @Test
    void aSyntaxErrorAfterAWrongTypeIsASyntaxError() {
        UserException e = assertThrows(UserException.class, () -> parse("name: [unclosed\n"));
        assertTrue(e.getMessage().contains("is not a valid matrix spec") && e.getMessage().contains("line"), e.getMessage());
        assertTrue(!e.getMessage().contains("\n"), "one line: " + e.getMessage());
    }

    @Test
    void unknownKeyIsNamed() {
        String yaml = quickYaml().replace("targetLabel: 0", "targetLabel: 0\ntargetLable: 1");
        UserException e = assertThrows(UserException.class, () -> parse(yaml));
        assertTrue(e.getMessage().contains("targetLable"), e.getMessage());
    }

    @Test
    void nestedKeyTypoNamesTheKeyAndItsPath() {
        String yaml = quickYaml().replace("trainLimit: 6000", "trainLimt: 6000");
        UserException e = assertThrows(UserException.class, () -> parse(yaml));
        assertTrue(e.getMessage().contains("'trainLimt'") && e.getMessage().contains("dataset"), e.getMessage());
        assertTrue(e.getMessage().contains("trainLimit"), "the known keys, among them the right one: " + e.getMessage());
        assertTrue(!e.getMessage().contains("DeserializationConfig"), e.getMessage());
    }

    @Test
    void nestedMissingNumberNamesItsPath() {
        String yaml = quickYaml().replace("batchSize: 64, ", "");
        UserException e = assertThrows(UserException.class, () -> parse(yaml));
        assertTrue(e.getMessage().contains("training.batchSize is missing"), e.getMessage());
        assertTrue(!e.getMessage().contains("DeserializationConfig"), e.getMessage());
    }

    @Test
    void aWrongTypeIsNotBlamedOnAMisspelledNeighbour() {
        String yaml = quickYaml().replace("epochs: 4, batchSize: 64", "epochs: four, batchSze: 64");
        UserException e = assertThrows(UserException.class, () -> parse(yaml));
        assertTrue(e.getMessage().contains("training.epochs has a value of the wrong type"), e.getMessage());
    }

    @Test
    void semanticErrorsAreUserErrors() throws Exception {
        assertThrows(UserException.class, () -> parse(quickYaml().replace("poisonRates: [0.05]", "poisonRates: [1.5]")));
        assertEquals(List.of("clean", "ft", "ep"), parse(quickYaml().replace("  - {id: none}\n", "")).defenses().stream()
                .map(MatrixSpec.PluginRef::id).toList(), "a matrix without the backdoored baseline is valid: the runner adds it");
        assertThrows(UserException.class, () -> parse(quickYaml().replace("schedule: cosine", "schedule: wavy")));
        assertThrows(UserException.class, () -> parse(""));
        assertThrows(UserException.class, () -> MatrixSpec.load(Path.of("/nonexistent/matrix.yaml")));
        assertThrows(UserException.class, () -> MatrixSpec.profile("nope"));
    }

    @Test
    void anAttackMayRunAtSomeOfTheRatesOnly() throws Exception {
        String yaml = quickYaml().replace("poisonRates: [0.05]", "poisonRates: [0.01, 0.05, 0.1]")
                .replace("  - {id: blended}", "  - {id: blended, poisonRates: [0.01, 0.05]}");
        MatrixSpec spec = parse(yaml);
        MatrixSpec.PluginRef blended = spec.attacks().get(1);
        assertTrue(blended.runsAt(0.05) && !blended.runsAt(0.1));
        assertTrue(spec.attacks().get(0).runsAt(0.1), "no list = every rate");
        UserException notSubset = assertThrows(UserException.class, () -> parse(yaml.replace("[0.01, 0.05]}", "[0.2]}")));
        assertTrue(notSubset.getMessage().contains("subset"), notSubset.getMessage());
        assertThrows(UserException.class, () -> parse(quickYaml().replace("  - {id: none}", "  - {id: none, poisonRates: [0.05]}")));
    }

    @Test
    void specsWithoutPerAttackRatesKeepTheirConfigHash() {
        // The quick profile's runs are called quick-d0b5b08ca9f4 since RA's poisoned counts became one
        // per-attack parameter (quick-7b6c9692f363 before): optional fields must not change existing run ids
        // (an interrupted run resumes by id).
        assertEquals("d0b5b08ca9f4", MatrixRunner.configHash(MatrixSpec.profile("quick")).substring(0, 12));
    }

    @Test
    void trainingAugmentationIsReadCheckedAndPartOfTheConfig() throws Exception {
        MatrixSpec quick = MatrixSpec.profile("quick");
        assertEquals(org.purifybench.spi.TrainConfig.NO_AUGMENTATION, quick.training().toConfig().augmentation());
        MatrixSpec augmented = parse(quickYaml().replace("schedule: cosine}", "schedule: cosine, augmentation: crop-flip}"));
        assertEquals(org.purifybench.spi.TrainConfig.CROP_FLIP, augmented.training().toConfig().augmentation());
        org.junit.jupiter.api.Assertions.assertNotEquals(MatrixRunner.configHash(quick), MatrixRunner.configHash(augmented));
        UserException e = assertThrows(UserException.class,
                () -> parse(quickYaml().replace("schedule: cosine}", "schedule: cosine, augmentation: mixup}")));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("mixup"), e.getMessage());
    }

    static String quickYaml() {
        try (var in = MatrixSpec.class.getResourceAsStream("/profiles/quick.yaml")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
