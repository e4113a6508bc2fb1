package org.purifybench.web.board;

import io.micronaut.serde.annotation.Serdeable;
import java.util.List;

/** A column of the defense page's per-attack tables: one (evaluator, metric) of the document. */
@Serdeable
public record DetailColumn(String key, String label, String evaluator, String metric, String meaning) {

    public static final List<DetailColumn> RESULTS = List.of(
            new DetailColumn("c-acc", "C-Acc", "accuracy", "c-acc", "clean accuracy after the defense"),
            new DetailColumn("o-asr", "O-ASR", "accuracy", "asr", "ASR after the defense"),
            new DetailColumn("p-asr", "P-ASR", "ra", "p-asr", "ASR after the Retuning Attack"),
            new DetailColumn("p-c-acc", "P-C-Acc", "ra", "p-c-acc", "clean accuracy after the Retuning Attack"),
            new DetailColumn("control-p-asr", "RA control P-ASR", "ra", "control-p-asr",
                    "the same Retuning Attack on a never-poisoned model: the ASR RA creates by itself"),
            new DetailColumn("lmc-mid", "LMC backdoor error at t=0.5", "lmc", "backdoor-error-mid",
                    "1 - ASR halfway between the backdoored and the purified weights"));

    public static final List<DetailColumn> QRA = List.of(
            new DetailColumn("qra-p-asr", "QRA P-ASR", "qra", "p-asr", "perturbed triggered images -> target, purified model"),
            new DetailColumn("qra-c-asr", "QRA C-ASR", "qra", "c-asr", "perturbed clean images -> target, purified model"),
            new DetailColumn("qra-clean-p-asr", "clean model P-ASR", "qra", "clean-p-asr",
                    "the same perturbed triggered images on the clean model (control)"),
            new DetailColumn("qra-clean-c-asr", "clean model C-ASR", "qra", "clean-c-asr", "control for C-ASR"),
            new DetailColumn("qra-ra-p-asr", "RA model P-ASR", "qra", "ra-p-asr", "the retuned model QRA imitates"));
}
