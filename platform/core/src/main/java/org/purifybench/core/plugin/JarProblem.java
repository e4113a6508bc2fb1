package org.purifybench.core.plugin;

/** A reason to refuse a jar, before it is known which jar (the caller adds that). */
final class JarProblem extends RuntimeException {
    private final String fix;

    JarProblem(String reason, String fix) {
        super(reason, null, false, false);
        this.fix = fix;
    }

    String fix() {
        return fix;
    }
}
