package org.purifybench.spi;

import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One declared parameter of a plug-in: the host binds a matrix's {@code params} against these,
 * rejects unknown keys and out-of-range values before any work starts, fills in defaults, and
 * records the resolved values.
 *
 * @param name         lower-case words joined by hyphens
 * @param type         its type
 * @param defaultValue the default as text (as it would be written in a matrix), never null
 * @param min          smallest accepted value for numbers (inclusive); {@code -Infinity} for none
 * @param max          largest accepted value for numbers (inclusive); {@code +Infinity} for none
 * @param choices      for {@link ParamType#STRING}: the accepted words (empty: any text); for numbers:
 *                     extra words accepted instead of a number (e.g. {@code auto})
 * @param perAttack    the value may also be a map from attack id to a value (e.g. RA's poisoned
 *                     count per attack); a plain value applies to every attack
 * @param description  one line for {@code purifybench list --params}
 * @param source       where the default comes from (paper section, reference code file); may be empty
 */
public record ParamSpec(String name, ParamType type, String defaultValue, double min, double max, List<String> choices,
                        boolean perAttack, String description, String source) {
    public static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,63}");

    public ParamSpec {
        Objects.requireNonNull(name, "name");
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("parameter name '" + name + "' must match " + NAME.pattern());
        }
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(defaultValue, "defaultValue");
        choices = List.copyOf(choices == null ? List.of() : choices);
        description = description == null ? "" : description;
        source = source == null ? "" : source;
    }

    /** The runtime form of an {@link Param} annotation. */
    public static ParamSpec of(Param p) {
        return new ParamSpec(p.name(), p.type(), p.defaultValue(), p.min(), p.max(), List.of(p.choices()), p.perAttack(),
                p.description(), p.source());
    }
}
