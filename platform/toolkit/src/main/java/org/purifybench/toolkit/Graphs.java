package org.purifybench.toolkit;

import org.nd4j.autodiff.samediff.SameDiff;

/** SameDiff graph chores. */
public final class Graphs {
    private Graphs() {
    }

    /**
     * Builds the backward graph with the calling thread's stdout muted ({@link MutedStdout}): M2.1
     * prints one line per op here. {@code alsoDifferentiate} names placeholders whose gradient will
     * be asked for (M2.1 differentiates with respect to a placeholder only if told before the first
     * gradient call); none: the variables only.
     */
    public static void compileGradients(SameDiff sd, String... alsoDifferentiate) {
        if (alsoDifferentiate.length == 0) {
            MutedStdout.run(sd::createGradFunction);
        } else {
            MutedStdout.run(() -> sd.createGradFunction(alsoDifferentiate));
        }
    }
}
