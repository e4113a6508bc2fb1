package org.purifybench.evaluators;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * QRA's loss on one batch and its gradients with respect to the two models' logits:
 * {@code klWeight * mean KL(softmax(l_RA(x)) || softmax(l_P(x + d))) + ceWeight * mean CE(l_R(x + d), y)},
 * l_RA the retuned model on the unperturbed images, l_P the purified model and l_R the regularising
 * reference model on the perturbed ones. Where alpha goes is the {@link Variant}. Written by hand
 * (SameDiff's loss ops ignore upstream gradients in M2.1) and in double precision.
 */
record QraObjective(double kl, double ce, double klWeight, double ceWeight, INDArray purifiedLogitGradient,
                    INDArray referenceLogitGradient) {

    /** Where alpha weights the loss; the parameter {@code loss} names it. */
    enum Variant {
        /** Paper eq. 2 (section 3.3): KL + alpha * CE. */
        PAPER,
        /**
         * The authors' released code ({@code fine_tune/qra.py} of AISafety-HKUST/stable_backdoor_purification):
         * {@code distillation(...) * alpha_qra + loss_clean}, i.e. alpha * KL + CE.
         */
        REFERENCE;

        /** The parameter value that names this variant. */
        String id() {
            return name().toLowerCase(Locale.ROOT);
        }

        static Variant of(String id) {
            for (Variant v : values()) {
                if (v.id().equals(id.trim().toLowerCase(Locale.ROOT))) {
                    return v;
                }
            }
            throw new IllegalArgumentException("qra: parameter 'loss' must be one of "
                    + Arrays.stream(values()).map(Variant::id).collect(Collectors.joining(", ")) + "; got '" + id + "'");
        }

        double klWeight(double alpha) {
            return this == PAPER ? 1 : alpha;
        }

        double ceWeight(double alpha) {
            return this == PAPER ? alpha : 1;
        }
    }

    double loss() {
        return klWeight * kl + ceWeight * ce;
    }

    /** The paper's weighting (eq. 2): KL + alpha * CE. */
    static QraObjective of(INDArray raLogits, INDArray purifiedLogits, INDArray referenceLogits, int[] labels, double alpha) {
        return of(raLogits, purifiedLogits, referenceLogits, labels, alpha, Variant.PAPER);
    }

    /**
     * @param raLogits        logits of the retuned model on the unperturbed images (the imitation target)
     * @param purifiedLogits  logits of the purified model on the perturbed images
     * @param referenceLogits logits of the reference model (EP, or the clean model) on the perturbed images
     * @param labels          true labels
     * @param variant         where alpha goes
     */
    static QraObjective of(INDArray raLogits, INDArray purifiedLogits, INDArray referenceLogits, int[] labels, double alpha,
                           Variant variant) {
        double wKl = variant.klWeight(alpha);
        double wCe = variant.ceWeight(alpha);
        long n = raLogits.size(0);
        INDArray logQ = logSoftmax(raLogits);
        INDArray logP = logSoftmax(purifiedLogits);
        INDArray q = Transforms.exp(logQ, true);
        INDArray p = Transforms.exp(logP, true);
        double kl = q.mul(logQ.sub(logP)).sumNumber().doubleValue() / n;
        INDArray logE = logSoftmax(referenceLogits);
        INDArray oneHot = Nd4j.zeros(DataType.DOUBLE, n, referenceLogits.size(1));
        double ce = 0;
        for (int i = 0; i < n; i++) {
            oneHot.putScalar(i, labels[i], 1.0);
            ce -= logE.getDouble(i, labels[i]);
        }
        ce /= n;
        // d KL / d l_P = p - q; d CE / d l_R = softmax(l_R) - onehot(y); both averaged over the batch.
        INDArray gradP = p.sub(q).muli(wKl / n);
        INDArray gradE = Transforms.exp(logE, true).subi(oneHot).muli(wCe / n);
        return new QraObjective(kl, ce, wKl, wCe, gradP, gradE);
    }

    static INDArray logSoftmax(INDArray logits) {
        INDArray l = logits.castTo(DataType.DOUBLE);
        INDArray shifted = l.subColumnVector(l.max(1).reshape(l.size(0), 1));
        INDArray logSum = Transforms.log(Transforms.exp(shifted, true).sum(1).reshape(l.size(0), 1), false);
        return shifted.subiColumnVector(logSum);
    }
}
