package org.purifybench.core.results;

/**
 * One point of the matrix without its defense (dataset x model x attack x poison rate x seed).
 * All defenses of a cell purify the same backdoored model; {@code backdooredModelKey} names that
 * model in the cache so a result can be traced to (and reproduced from) the exact weights.
 */
public record CellInfo(String cellId, String dataset, String model, String attack, double poisonRate, long seed,
                       String backdooredModelKey) {
}
