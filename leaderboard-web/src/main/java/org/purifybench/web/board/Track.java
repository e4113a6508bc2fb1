package org.purifybench.web.board;

import io.micronaut.serde.annotation.Serdeable;
import java.util.Locale;

/** dataset x model x poison rate: defenses are only compared within one track. */
@Serdeable
public record Track(String dataset, String model, double poisonRate) {

    /** The rate as it appears in URLs and documents (0.05, not 0.05000000000000000277). */
    public String rate() {
        return java.math.BigDecimal.valueOf(poisonRate).stripTrailingZeros().toPlainString();
    }

    public String label() {
        return dataset + " / " + model + " / " + String.format(Locale.ROOT, "%s%%",
                java.math.BigDecimal.valueOf(poisonRate * 100).stripTrailingZeros().toPlainString()) + " poisoned";
    }

    public String query() {
        return "dataset=" + Urls.encode(dataset) + "&model=" + Urls.encode(model) + "&rate=" + rate();
    }
}
