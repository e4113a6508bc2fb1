package org.purifybench.web.board;

import io.micronaut.context.annotation.Value;
import jakarta.inject.Singleton;

/**
 * Per-deployment ranking settings (application.yml, purifybench.board.*), checked at start so a typo
 * stops the server with a message instead of silently ranking by another rule.
 */
@Singleton
public class BoardSettings {

    private final double cAccBudget;
    private final String featuredTrack;

    public BoardSettings(@Value("${purifybench.board.c-acc-budget:0.10}") double cAccBudget,
                         @Value("${purifybench.board.featured-track:}") String featuredTrack) {
        if (!(cAccBudget >= 0 && cAccBudget <= 1)) {
            throw new IllegalArgumentException("purifybench.board.c-acc-budget is " + cAccBudget
                    + " - give a fraction in [0, 1], e.g. 0.10 for 10 points of clean accuracy");
        }
        if (!featuredTrack.isBlank() && featuredTrack.split("/").length != 3) {
            throw new IllegalArgumentException("purifybench.board.featured-track is '" + featuredTrack
                    + "' - give dataset/model/rate, e.g. fashion-mnist/cnn-small/0.05, or leave it empty");
        }
        this.cAccBudget = cAccBudget;
        this.featuredTrack = featuredTrack.trim();
    }

    /** How far (a fraction) a defense's C-Acc may fall below the backdoored model's and still rank with the rest. */
    public double cAccBudget() {
        return cAccBudget;
    }

    /** A budget as points of accuracy, e.g. 0.10 -> "10", 0.025 -> "2.5". */
    public static String points(double budget) {
        return java.math.BigDecimal.valueOf(100 * budget).round(new java.math.MathContext(3)).stripTrailingZeros().toPlainString();
    }

    /** dataset/model/rate of the home page's track; empty = the track with the most published standard runs. */
    public String featuredTrack() {
        return featuredTrack;
    }
}
