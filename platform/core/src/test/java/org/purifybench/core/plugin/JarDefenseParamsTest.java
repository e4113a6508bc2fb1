package org.purifybench.core.plugin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.purifybench.core.UserException;
import org.purifybench.core.params.ParamBinding;

/** A jar's defense is strict about parameters when its descriptor file says it declared them, even none. */
class JarDefenseParamsTest {
    private static final String FILE = """
            spi-version = 1
            defense.d.class = com.example.D
            defense.d.version = 1.0
            defense.d.needs =
            defense.d.description = a defense
            """;

    private static JarDefense defense(String text) {
        DescriptorFile.Declared d = DescriptorFile.parse(text.getBytes(StandardCharsets.UTF_8)).plugins().get(0);
        return new JarDefense(Path.of("d.jar"), Path.of("d.jar"), d);
    }

    @Test
    void aProcessorBuiltJarWithoutParametersRefusesAnyKey() {
        JarDefense strict = defense(FILE + "defense.d.params-declared = true\n");
        assertTrue(ParamBinding.declares(strict));
        UserException e = assertThrows(UserException.class,
                () -> ParamBinding.bind(strict.descriptor(), Map.of("epochs", 3), List.of("badnet"), ParamBinding.declares(strict)));
        assertTrue(e.oneLine().contains("epochs"), e.oneLine());
    }

    @Test
    void aHandWrittenFileFromBeforeDeclaredParametersPassesThemUnchecked() {
        JarDefense old = defense(FILE);
        assertFalse(ParamBinding.declares(old));
        assertEquals(3, ParamBinding.bind(old.descriptor(), Map.of("epochs", 3), List.of("badnet"), ParamBinding.declares(old))
                .forAttack("badnet").getInt("epochs", -1));
    }
}
