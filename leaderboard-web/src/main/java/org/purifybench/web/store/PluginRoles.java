package org.purifybench.web.store;

/**
 * The roles a defense's model can have (the platform's Role), and the role of a stored plug-in
 * record. The board finds the backdoored row, the clean control and the oracle by these, never by
 * plug-in id.
 */
public final class PluginRoles {
    public static final String PURIFIER = "PURIFIER";
    public static final String BACKDOORED_BASELINE = "BACKDOORED_BASELINE";
    public static final String CLEAN_BASELINE = "CLEAN_BASELINE";
    public static final String ORACLE = "ORACLE";

    private PluginRoles() {
    }

    /**
     * The record's role: the one its document recorded; for a run imported from a document written
     * before roles were recorded, the one its flags and the built-in ids of that time imply (ep the
     * oracle, clean the clean baseline, none the backdoored one). The only place the board reads a
     * role from an id.
     */
    public static String of(PluginRecord p) {
        if (p.role() != null) {
            return p.role();
        }
        if (p.oracle() || "ep".equals(p.pluginId())) {
            return ORACLE;
        }
        if ("clean".equals(p.pluginId())) {
            return CLEAN_BASELINE;
        }
        if (p.reference() || "none".equals(p.pluginId())) {
            return BACKDOORED_BASELINE;
        }
        return PURIFIER;
    }

    public static boolean isBaseline(String role) {
        return BACKDOORED_BASELINE.equals(role) || CLEAN_BASELINE.equals(role);
    }
}
