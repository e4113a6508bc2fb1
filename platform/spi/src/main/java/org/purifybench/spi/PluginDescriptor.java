package org.purifybench.spi;

import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Identity and declared needs of a plug-in.
 *
 * @param id          stable lower-case id used in matrix specs ({@code [a-z0-9][a-z0-9-]*})
 * @param version     the plug-in's own version
 * @param description one line for {@code purifybench list}
 * @param paper       reference (URL or citation) of the method implemented
 * @param needs       everything the plug-in wants from its context
 * @param spiVersion  the SPI version it was compiled against
 */
public record PluginDescriptor(Kind kind, String id, String version, String description, String paper,
                               Set<Need> needs, int spiVersion) {
    public static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9-]{0,63}");

    public PluginDescriptor {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(id, "id");
        if (!ID.matcher(id).matches()) {
            throw new IllegalArgumentException("plug-in id '" + id + "' must match " + ID.pattern());
        }
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(description, "description");
        paper = paper == null ? "" : paper;
        needs = Set.copyOf(needs);
    }

    public static PluginDescriptor of(Kind kind, String id, String version, String description, String paper,
                                      Need... needs) {
        return new PluginDescriptor(kind, id, version, description, paper, Set.of(needs), SpiVersion.CURRENT);
    }

    public boolean needs(Need need) {
        return needs.contains(need);
    }
}
