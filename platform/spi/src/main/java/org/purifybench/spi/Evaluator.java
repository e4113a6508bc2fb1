package org.purifybench.spi;

/** Measures a purified model. */
public interface Evaluator extends Plugin {
    EvaluationResult evaluate(EvaluationContext context);
}
