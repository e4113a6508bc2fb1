package org.purifybench.web.board;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The numbers a leaderboard row shows, each read from one (evaluator, metric) of the results
 * document. The official rank uses the first three, in this order (issue: P-ASR, then O-ASR,
 * then C-Acc).
 */
public enum Headline {
    P_ASR("p-asr", "P-ASR", "ra", "p-asr", false,
            "ASR after the Retuning Attack: a few poisoned samples of fine-tuning. Low = the backdoor stays gone."),
    O_ASR("o-asr", "O-ASR", "accuracy", "asr", false,
            "ASR right after the defense (what defense papers report)."),
    C_ACC("c-acc", "C-Acc", "accuracy", "c-acc", true,
            "Accuracy on clean test images after the defense."),
    P_C_ACC("p-c-acc", "P-C-Acc", "ra", "p-c-acc", true,
            "Clean accuracy after the Retuning Attack."),
    QRA_P_ASR("qra-p-asr", "QRA P-ASR", "qra", "p-asr", false,
            "ASR of triggered images with a query-only perturbation that imitates the retuned model.");

    public static final List<Headline> RANKING_ORDER = List.of(P_ASR, O_ASR, C_ACC);

    public final String key;
    public final String label;
    public final String evaluator;
    public final String metric;
    public final boolean higherIsBetter;
    public final String meaning;

    Headline(String key, String label, String evaluator, String metric, boolean higherIsBetter, String meaning) {
        this.key = key;
        this.label = label;
        this.evaluator = evaluator;
        this.metric = metric;
        this.higherIsBetter = higherIsBetter;
        this.meaning = meaning;
    }

    public static Optional<Headline> byKey(String key) {
        return Arrays.stream(values()).filter(h -> h.key.equals(key)).findFirst();
    }

    public static List<String> evaluators() {
        return Arrays.stream(values()).map(h -> h.evaluator).distinct().toList();
    }
}
