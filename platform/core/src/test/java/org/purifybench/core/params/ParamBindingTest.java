package org.purifybench.core.params;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.purifybench.core.UserException;
import org.purifybench.spi.Defense;
import org.purifybench.spi.Kind;
import org.purifybench.spi.Model;
import org.purifybench.spi.Param;
import org.purifybench.spi.ParamSpec;
import org.purifybench.spi.ParamType;
import org.purifybench.spi.Params;
import org.purifybench.spi.PluginDescriptor;
import org.purifybench.spi.PurifyBenchPlugin;
import org.purifybench.spi.Role;
import org.purifybench.spi.SpiVersion;

class ParamBindingTest {
    static final double NONE_MIN = Double.NEGATIVE_INFINITY;
    static final double NONE_MAX = Double.POSITIVE_INFINITY;
    static final List<String> ATTACKS = List.of("badnet", "blended");

    static ParamSpec spec(String name, ParamType type, String dflt, double min, double max, List<String> choices, boolean perAttack) {
        return new ParamSpec(name, type, dflt, min, max, choices, perAttack, "what " + name + " is", "");
    }

    static PluginDescriptor descriptor(Kind kind, String id, ParamSpec... params) {
        return new PluginDescriptor(kind, id, "1.0.0", "a test plug-in", "", Set.of(), SpiVersion.CURRENT, Role.PURIFIER, List.of(),
                Set.of(), List.of(params));
    }

    static final PluginDescriptor FT = descriptor(Kind.DEFENSE, "ft",
            spec("epochs", ParamType.INT, "10", 1, NONE_MAX, List.of(), false),
            spec("lr", ParamType.NUMBER, "0.01", 0, NONE_MAX, List.of(), false),
            spec("rho", ParamType.NUMBER, "auto", 0, 10, List.of("auto"), false),
            spec("adaptive", ParamType.BOOLEAN, "true", NONE_MIN, NONE_MAX, List.of(), false),
            spec("schedule", ParamType.STRING, "cosine", NONE_MIN, NONE_MAX, List.of("constant", "cosine", "step"), false),
            spec("rho-grid", ParamType.NUMBER_LIST, "2,1,0.5", 0, NONE_MAX, List.of(), false));

    static final PluginDescriptor RA = descriptor(Kind.EVALUATOR, "ra",
            spec("samples", ParamType.INT, "1000", 1, NONE_MAX, List.of(), false),
            spec("poison-count", ParamType.INT, "5", 0, NONE_MAX, List.of(), true));

    private static UserException refused(PluginDescriptor d, Map<String, ?> given) {
        return assertThrows(UserException.class, () -> ParamBinding.bind(d, given, ATTACKS));
    }

    @Test
    void anUnknownKeyIsRefusedNamingThePlugInTheKeyTheNearestAndTheAcceptedOnes() {
        UserException e = refused(FT, Map.of("epoch", 5));
        String msg = e.oneLine();
        assertTrue(msg.contains("ft") && msg.contains("unknown parameter 'epoch'"), msg);
        assertTrue(msg.contains("did you mean 'epochs'?"), msg);
        assertTrue(msg.contains("accepted: epochs, lr, rho, adaptive, schedule, rho-grid"), msg);
        assertTrue(msg.contains("list --params ft"), msg);
        assertFalse(refused(FT, Map.of("zzzzzz", 1)).oneLine().contains("did you mean"), "no suggestion when nothing is near");
    }

    @Test
    void defaultsFillInWhatTheMatrixLeavesOutAndGivenValuesKeepTheirForm() {
        ParamBinding.Bound b = ParamBinding.bind(FT, Map.of("lr", 0.05, "epochs", 3), ATTACKS);
        assertEquals(List.of("epochs", "lr", "rho", "adaptive", "schedule", "rho-grid"), List.copyOf(b.resolved().keySet()),
                "declaration order");
        assertEquals(3, b.resolved().get("epochs"));
        assertEquals(0.05, b.resolved().get("lr"));
        assertEquals("auto", b.resolved().get("rho"));
        assertEquals(Boolean.TRUE, b.resolved().get("adaptive"));
        assertEquals("cosine", b.resolved().get("schedule"));
        assertEquals("2,1,0.5", b.resolved().get("rho-grid"));
        Params p = b.forAttack("badnet");
        assertEquals(3, p.getInt("epochs", -1));
        assertEquals(0.05, p.getDouble("lr", -1));
        assertEquals(10, ParamBinding.bind(FT, null, ATTACKS).forAttack("badnet").getInt("epochs", -1));
        assertEquals(0.01, ParamBinding.bind(FT, Map.of(), ATTACKS).forAttack("badnet").getDouble("lr", -1));
    }

    @Test
    void typesAreChecked() {
        assertTrue(refused(FT, Map.of("epochs", 2.5)).oneLine().contains("'epochs' must be a whole number, got 2.5"));
        assertTrue(refused(FT, Map.of("epochs", "many")).oneLine().contains("must be a whole number"));
        assertTrue(refused(FT, Map.of("lr", "fast")).oneLine().contains("'lr' must be a number, got 'fast'"));
        assertTrue(refused(FT, Map.of("adaptive", "yes")).oneLine().contains("must be true or false, got 'yes'"));
        assertTrue(refused(FT, Map.of("lr", List.of(0.1))).oneLine().contains("got the list"));
        assertTrue(refused(FT, Map.of("rho-grid", "1,x")).oneLine().contains("'rho-grid'"));
        assertEquals(4, ParamBinding.bind(FT, Map.of("epochs", 4.0), ATTACKS).resolved().get("epochs"), "a whole double is an int");
        assertEquals("false", ParamBinding.bind(FT, Map.of("adaptive", "false"), ATTACKS).resolved().get("adaptive"));
        assertEquals("0.5,0.25", ParamBinding.bind(FT, Map.of("rho-grid", List.of(0.5, 0.25)), ATTACKS).resolved().get("rho-grid"),
                "a YAML list becomes the text plug-ins parse");
    }

    @Test
    void rangesAreChecked() {
        UserException e = refused(FT, Map.of("epochs", 0));
        assertTrue(e.oneLine().contains("'epochs' is 0, outside its range >= 1"), e.oneLine());
        assertTrue(refused(FT, Map.of("rho", 11)).oneLine().contains("outside its range [0, 10]"));
        assertTrue(refused(FT, Map.of("rho-grid", "1,-1")).oneLine().contains("outside its range >= 0"));
        assertTrue(refused(FT, Map.of("lr", Double.NaN)).oneLine().contains("finite"));
        assertEquals(10, ParamBinding.bind(FT, Map.of("rho", 10), ATTACKS).resolved().get("rho"), "bounds are inclusive");
    }

    @Test
    void choicesAreCheckedAndNumbersAcceptTheirExtraWords() {
        UserException e = refused(FT, Map.of("schedule", "cosin"));
        assertTrue(e.oneLine().contains("must be one of constant, cosine, step, got 'cosin' (did you mean 'cosine'?)"), e.oneLine());
        assertEquals("auto", ParamBinding.bind(FT, Map.of("rho", "auto"), ATTACKS).resolved().get("rho"));
        assertEquals(0.5, ParamBinding.bind(FT, Map.of("rho", 0.5), ATTACKS).resolved().get("rho"));
        assertTrue(refused(FT, Map.of("rho", "automatic")).oneLine().contains("a number or 'auto'"));
    }

    @Test
    void perAttackValuesAreResolvedByTheHostToTheCellsAttack() {
        ParamBinding.Bound b = ParamBinding.bind(RA, Map.of("poison-count", Map.of("blended", 1)), ATTACKS);
        Map<String, Object> expected = new LinkedHashMap<>();
        expected.put("badnet", 5);
        expected.put("blended", 1);
        assertEquals(expected, b.resolved().get("poison-count"), "every attack of the matrix, defaults filled in");
        assertEquals(1, b.forAttack("blended").getInt("poison-count", -1));
        assertEquals(5, b.forAttack("badnet").getInt("poison-count", -1));
        assertEquals(3, ParamBinding.bind(RA, Map.of("poison-count", 3), ATTACKS).forAttack("blended").getInt("poison-count", -1),
                "one value applies to every attack");
    }

    @Test
    void perAttackMapsMustNameTheMatrixsAttacksAndHoldValuesOfTheType() {
        UserException e = refused(RA, Map.of("poison-count", Map.of("badnte", 5)));
        assertTrue(e.oneLine().contains("attack 'badnte'") && e.oneLine().contains("did you mean 'badnet'?")
                && e.oneLine().contains("its attacks: badnet, blended"), e.oneLine());
        assertTrue(refused(RA, Map.of("poison-count", Map.of("badnet", 1.5))).oneLine()
                .contains("'poison-count' for attack 'badnet' must be a whole number"));
        assertTrue(refused(RA, Map.of("poison-count", Map.of("badnet", -1))).oneLine().contains("outside its range"));
        assertTrue(refused(RA, Map.of("samples", Map.of("badnet", 10))).oneLine().contains("'samples' takes a single value, not a map"));
    }

    @Test
    void aPlugInThatDeclaresNoParametersRefusesAnyWithTheFix() {
        PluginDescriptor none = descriptor(Kind.DEFENSE, "plain");
        UserException e = refused(none, Map.of("epochs", 1));
        assertTrue(e.oneLine().contains("plain: takes no parameters") && e.oneLine().contains("epochs")
                && e.oneLine().contains("declare them with @Param"), e.oneLine());
        assertTrue(ParamBinding.bind(none, Map.of(), ATTACKS).resolved().isEmpty());
    }

    @Test
    void anSpi1PlugInsParametersPassUncheckedAndAMapIsStillResolvedPerAttack() {
        PluginDescriptor old = PluginDescriptor.of(Kind.EVALUATOR, "old", "1", "an SPI 1 plug-in", "");
        ParamBinding.Bound b = ParamBinding.bind(old, Map.of("anything", "x", "count", Map.of("badnet", 2)), ATTACKS, false);
        assertFalse(b.declared());
        assertEquals("x", b.forAttack("badnet").getString("anything", null));
        assertEquals(2, b.forAttack("badnet").getInt("count", -1));
        assertFalse(b.forAttack("blended").has("count"), "no value for this attack: the plug-in's own fallback");
    }

    @PurifyBenchPlugin(kind = Kind.DEFENSE, id = "annotated", version = "1", description = "takes none")
    public static final class Annotated implements Defense {
        @Override
        public Model purify(org.purifybench.spi.DefenseContext ctx) {
            return ctx.backdooredModel();
        }
    }

    @PurifyBenchPlugin(kind = Kind.DEFENSE, id = "declared", version = "1", description = "takes one",
            params = @Param(name = "k", type = ParamType.INT, defaultValue = "3", min = 1, description = "k"))
    public static final class Declared implements Defense {
        @Override
        public Model purify(org.purifybench.spi.DefenseContext ctx) {
            return ctx.backdooredModel();
        }
    }

    @Test
    void anAnnotatedClassDeclaresItsParametersEvenWhenItHasNone() {
        assertTrue(ParamBinding.declares(new Annotated()));
        assertTrue(ParamBinding.declares(new Declared()));
        assertEquals(3, ParamBinding.bind(new Declared().descriptor(), Map.of(), ATTACKS).forAttack("badnet").getInt("k", -1));
        assertThrows(UserException.class, () -> ParamBinding.bind(new Annotated().descriptor(), Map.of("k", 1), ATTACKS));
    }

    @Test
    void anEmptyTextOrListDefaultIsAValue() {
        PluginDescriptor d = descriptor(Kind.EVALUATOR, "q", spec("reference", ParamType.STRING, "", NONE_MIN, NONE_MAX, List.of(), false),
                spec("grid", ParamType.NUMBER_LIST, "", 0, 1, List.of(), false));
        assertEquals(Map.of("reference", "", "grid", ""), ParamBinding.bind(d, Map.of(), ATTACKS).forAttackMap("badnet"));
    }

    @Test
    void aBadDeclaredDefaultIsThePlugInsBug() {
        PluginDescriptor bad = descriptor(Kind.DEFENSE, "bad", spec("k", ParamType.INT, "0", 1, NONE_MAX, List.of(), false));
        UserException e = refused(bad, Map.of());
        assertTrue(e.oneLine().contains("its declared default") && e.oneLine().contains("author"), e.oneLine());
    }

    @Test
    void outsideTheHostAPlugInGetsItsDeclaredDefaults() {
        Params p = new Params(Map.of("lr", 0.5)).withDefaults(FT);
        assertEquals(0.5, p.getDouble("lr", -1));
        assertEquals(10, p.getInt("epochs", -1));
        assertEquals("auto", p.getString("rho", null));
        assertTrue(p.getBoolean("adaptive", false));
        assertEquals(ParamBinding.bind(FT, Map.of("lr", 0.5), ATTACKS).forAttack("badnet").asMap(), p.asMap(),
                "the same values the host binds");
    }
}
