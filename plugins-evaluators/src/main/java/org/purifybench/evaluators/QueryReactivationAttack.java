package org.purifybench.evaluators;

import java.util.List;
import java.util.Set;
import org.purifybench.spi.EvaluationContext;
import org.purifybench.spi.EvaluationResult;
import org.purifybench.spi.Evaluator;
import org.purifybench.spi.Kind;
import org.purifybench.spi.Need;
import org.purifybench.spi.Param;
import org.purifybench.spi.ParamType;
import org.purifybench.spi.Params;
import org.purifybench.spi.PurifyBenchPlugin;
import org.purifybench.spi.Role;
import org.purifybench.spi.Trainer;

/**
 * QRA against this cell's defense: C-ASR and P-ASR (perturbed clean / perturbed triggered
 * non-target test images classified as the target) on the purified model, and on the clean model
 * with the very same perturbed images. A real reactivation raises P-ASR on the purified model
 * only; if the clean model falls for it too, the perturbation is a generic adversarial example.
 * By default every defense but the references none and clean is attacked (the clean model is
 * already each attack's control). Parameters, their defaults and the paper section or reference
 * code each default comes from: {@link QueryReactivation}.
 */
@PurifyBenchPlugin(kind = Kind.EVALUATOR, id = "qra", version = "1.0.0",
        description = "Query-based Reactivation Attack: C-ASR / P-ASR of generator-perturbed test images on the purified model and on the clean model (control)",
        paper = "Min et al., Towards Understanding the Superficial Safety of Backdoor Defense, NeurIPS 2024 (section 3.3)",
        needs = {Need.TEST_DATA, Need.RETUNING_POOL},
        metrics = {"c-asr", "p-asr", "clean-c-asr", "clean-p-asr", "ra-p-asr"},
        needsRoles = {Role.ORACLE},
        params = {
            @Param(name = "eps", type = ParamType.NUMBER, defaultValue = "0.06274509803921569", min = 0, description = "perturbation budget (16/255)", source = "Min et al., NeurIPS 2024, appendix B.2; stable_backdoor_purification fine_tune/qra.py --eps"),
            @Param(name = "hidden", type = ParamType.INT, defaultValue = "1024", min = 1, description = "units of each of the generator's three hidden layers", source = "Min et al., NeurIPS 2024, appendix B.2; stable_backdoor_purification fine_tune/qra.py AE"),
            @Param(name = "epochs", type = ParamType.INT, defaultValue = "50", min = 1, description = "generator training epochs", source = "Min et al., NeurIPS 2024, appendix B.2; stable_backdoor_purification fine_tune/qra.py --epochs"),
            @Param(name = "batch-size", type = ParamType.INT, defaultValue = "128", min = 1, description = "generator training batch size", source = "stable_backdoor_purification fine_tune/qra.py --batch_size"),
            @Param(name = "lr", type = ParamType.NUMBER, defaultValue = "0.1", min = 0, description = "generator SGD learning rate, > 0", source = "Min et al., NeurIPS 2024, appendix B.2; stable_backdoor_purification fine_tune/qra.py"),
            @Param(name = "momentum", type = ParamType.NUMBER, defaultValue = "0.9", min = 0, max = 1, description = "generator SGD momentum, in [0, 1)", source = "stable_backdoor_purification fine_tune/qra.py"),
            @Param(name = "alpha", type = ParamType.NUMBER, defaultValue = "0.2", min = 0, perAttack = true, description = "weight of the reference term (per attack: a map from attack id)", source = "Min et al., NeurIPS 2024, appendix B.2 (LC 0.1); stable_backdoor_purification fine_tune/qra.py --alpha_qra"),
            @Param(name = "loss", type = ParamType.STRING, defaultValue = "paper", choices = {"paper", "reference"}, description = "paper: the paper's eq. 2 with the EP model; reference: the authors' code with the clean model", source = "Min et al., NeurIPS 2024, eq. 2; stable_backdoor_purification fine_tune/qra.py"),
            @Param(name = "reference", type = ParamType.STRING, defaultValue = "", description = "model of the CE term (a defense of the matrix, or clean); empty: the matrix's defense with role ORACLE for loss paper, clean for loss reference"),
            @Param(name = "clean-samples", type = ParamType.INT, defaultValue = "500", min = 0, description = "clean queries the generator trains on", source = "Min et al., NeurIPS 2024, appendix B.2; stable_backdoor_purification fine_tune/qra.py --clean_num_qra"),
            @Param(name = "poisoned-samples", type = ParamType.INT, defaultValue = "500", min = 1, description = "poisoned queries the generator trains on", source = "Min et al., NeurIPS 2024, appendix B.2; stable_backdoor_purification fine_tune/qra.py --poison_num_qra"),
            @Param(name = "test-samples", type = ParamType.INT, defaultValue = "0", min = 0, description = "non-target test images queried (0: all)"),
            @Param(name = "defenses", type = ParamType.STRING, defaultValue = "", description = "comma-separated defenses attacked (empty: all but the baselines)"),
            @Param(name = "poison-count", type = ParamType.INT, defaultValue = "5", min = 0, perAttack = true, description = "poisoned samples among the retuning samples (per attack: a map from attack id)", source = "Min et al., NeurIPS 2024, section 3.2 (BadNet: 5)"),
            @Param(name = "ra-samples", type = ParamType.INT, defaultValue = "1000", min = 1, description = "retuning samples drawn from the pool", source = "Min et al., NeurIPS 2024, section 3.2"),
            @Param(name = "ra-epochs", type = ParamType.INT, defaultValue = "5", min = 0, description = "retuning epochs", source = "Min et al., NeurIPS 2024, section 3.2"),
            @Param(name = "ra-lr", type = ParamType.NUMBER, defaultValue = "0.01", min = 0, description = "retuning SGD learning rate", source = "Min et al., NeurIPS 2024, section 3.2"),
            @Param(name = "ra-batch-size", type = ParamType.INT, defaultValue = "64", min = 1, description = "retuning batch size", source = RetuningAttack.BATCH_SIZE_SOURCE),
            @Param(name = "ra-momentum", type = ParamType.NUMBER, defaultValue = "0.9", min = 0, max = 1, description = "retuning SGD momentum, in [0, 1)", source = RetuningAttack.MOMENTUM_SOURCE),
            @Param(name = "ra-weight-decay", type = ParamType.NUMBER, defaultValue = "5.0E-4", min = 0, description = "retuning weight decay", source = RetuningAttack.WEIGHT_DECAY_SOURCE)
        })
public final class QueryReactivationAttack implements Evaluator {
    /** The oracle only when the reference model is it: the default of {@code loss: paper}, unless {@code reference} is set. */
    @Override
    public Set<Role> needsRoles(Params params) {
        return QueryReactivation.Settings.reference(params).equals(QueryReactivation.ORACLE_REFERENCE) ? Set.of(Role.ORACLE) : Set.of();
    }

    @Override
    public EvaluationResult evaluate(EvaluationContext ctx) {
        QueryReactivation.Settings s = QueryReactivation.Settings.of(ctx.params());
        QueryReactivation.referenceModel(ctx, s); // fail before minutes of training when EP is missing
        if (!QueryReactivation.attackedDefenses(ctx).contains(ctx.defenseName())) {
            ctx.host().log("qra: not attacking " + ctx.defenseName() + " (a reference model, or not in the 'defenses' parameter)");
            return new EvaluationResult();
        }
        QueryReactivation.Outcome o = QueryReactivation.against(ctx, ctx.defenseName(), s);
        Trainer t = ctx.host().trainer();
        int target = ctx.backdoor().targetLabel();
        var purified = ctx.purifiedModel();
        var clean = ctx.cleanModel();
        return new EvaluationResult()
                .metric("c-asr", QueryReactivation.targetRate(t, purified, o.perturbedClean(), target))
                .metric("p-asr", QueryReactivation.targetRate(t, purified, o.perturbedPoisoned(), target))
                .metric("clean-c-asr", QueryReactivation.targetRate(t, clean, o.perturbedClean(), target))
                .metric("clean-p-asr", QueryReactivation.targetRate(t, clean, o.perturbedPoisoned(), target))
                .metric("ra-p-asr", o.raPoisonedAsr())
                .curve("generator-loss", epochs(o.lossPerEpoch().length), o.lossPerEpoch());
    }

    private static double[] epochs(int n) {
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = i + 1;
        }
        return x;
    }
}
