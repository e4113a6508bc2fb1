package org.purifybench.spi;

/** The three kinds of plug-in. */
public enum Kind {
    ATTACK, DEFENSE, EVALUATOR
}
