package org.purifybench.evaluators;

import java.util.List;
import java.util.Set;
import org.purifybench.spi.EvaluationContext;
import org.purifybench.spi.EvaluationResult;
import org.purifybench.spi.Evaluator;
import org.purifybench.spi.Kind;
import org.purifybench.spi.Model;
import org.purifybench.spi.Need;
import org.purifybench.spi.Param;
import org.purifybench.spi.ParamType;
import org.purifybench.spi.Params;
import org.purifybench.spi.PurifyBenchPlugin;
import org.purifybench.spi.Role;
import org.purifybench.spi.Trainer;

/**
 * QRA transferability (paper Figure 3): perturbations trained against a source defense A are
 * applied to this cell's defense B, as an attacker would who does not know which defense was used.
 * One unit per target B reports {@code p-asr-from:A} and {@code c-asr-from:A} for every source A
 * (A = B included, the diagonal equals qra's own numbers). Sources are the defenses qra attacks
 * (parameter {@code defenses}); targets are all defenses of the cell. Uses the same settings as
 * qra and shares its trained generators when both run with equal parameters.
 */
@PurifyBenchPlugin(kind = Kind.EVALUATOR, id = "qra-transfer", version = "1.0.0",
        description = "QRA transferability: P-ASR / C-ASR on this defense's model of perturbations trained against each other defense",
        paper = "Min et al., Towards Understanding the Superficial Safety of Backdoor Defense, NeurIPS 2024 (Figure 3)",
        needs = {Need.TEST_DATA, Need.RETUNING_POOL},
        metrics = {"p-asr-from:*", "c-asr-from:*"},
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
public final class QraTransfer implements Evaluator {
    /** As qra: the oracle only when the reference model is it. */
    @Override
    public Set<Role> needsRoles(Params params) {
        return QueryReactivation.Settings.reference(params).equals(QueryReactivation.ORACLE_REFERENCE) ? Set.of(Role.ORACLE) : Set.of();
    }

    @Override
    public EvaluationResult evaluate(EvaluationContext ctx) {
        QueryReactivation.Settings s = QueryReactivation.Settings.of(ctx.params());
        QueryReactivation.referenceModel(ctx, s);
        Trainer t = ctx.host().trainer();
        int target = ctx.backdoor().targetLabel();
        Model victim = ctx.purifiedModel();
        EvaluationResult r = new EvaluationResult();
        for (String source : QueryReactivation.attackedDefenses(ctx)) {
            QueryReactivation.Outcome o = QueryReactivation.against(ctx, source, s);
            r.metric("p-asr-from:" + source, QueryReactivation.targetRate(t, victim, o.perturbedPoisoned(), target));
            r.metric("c-asr-from:" + source, QueryReactivation.targetRate(t, victim, o.perturbedClean(), target));
        }
        return r;
    }
}
