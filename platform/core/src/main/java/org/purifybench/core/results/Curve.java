package org.purifybench.core.results;

import java.util.Arrays;
import java.util.Objects;

/**
 * A series measured along some axis (e.g. ASR per retuning epoch), kept apart from
 * {@link ResultRow} because plots need the whole sequence, not a single number.
 * {@code x} and {@code y} have the same length.
 */
public record Curve(String cellId, String defense, String evaluator, String name, double[] x, double[] y) {

    // A record compares array components by identity; a curve read back from disk must equal
    // the one written, so compare contents instead.
    @Override
    public boolean equals(Object o) {
        return o instanceof Curve c
                && Objects.equals(cellId, c.cellId) && Objects.equals(defense, c.defense)
                && Objects.equals(evaluator, c.evaluator) && Objects.equals(name, c.name)
                && Arrays.equals(x, c.x) && Arrays.equals(y, c.y);
    }

    @Override
    public int hashCode() {
        return Objects.hash(cellId, defense, evaluator, name, Arrays.hashCode(x), Arrays.hashCode(y));
    }

    @Override
    public String toString() {
        return "Curve[cellId=" + cellId + ", defense=" + defense + ", evaluator=" + evaluator + ", name=" + name
                + ", x=" + Arrays.toString(x) + ", y=" + Arrays.toString(y) + "]";
    }
}
