package org.purifybench.evaluators;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * QRA's loss (paper eq. 2) on one batch and its gradients with respect to the two models'
 * logits: mean KL(softmax(l_RA(x)) || softmax(l_P(x + d))) + alpha * mean CE(l_E(x + d), y).
 * Written by hand (SameDiff's loss ops ignore upstream gradients in M2.1) and in double precision.
 */
record QraObjective(double kl, double ce, double alpha, INDArray purifiedLogitGradient, INDArray referenceLogitGradient) {

    double loss() {
        return kl + alpha * ce;
    }

    /**
     * @param raLogits        logits of the retuned model on the unperturbed images (the imitation target)
     * @param purifiedLogits  logits of the purified model on the perturbed images
     * @param referenceLogits logits of the reference (EP) model on the perturbed images
     * @param labels          true labels
     */
    static QraObjective of(INDArray raLogits, INDArray purifiedLogits, INDArray referenceLogits, int[] labels, double alpha) {
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
        // d KL / d l_P = p - q; d CE / d l_E = softmax(l_E) - onehot(y); both averaged over the batch.
        INDArray gradP = p.sub(q).divi(n);
        INDArray gradE = Transforms.exp(logE, true).subi(oneHot).muli(alpha / n);
        return new QraObjective(kl, ce, alpha, gradP, gradE);
    }

    static INDArray logSoftmax(INDArray logits) {
        INDArray l = logits.castTo(DataType.DOUBLE);
        INDArray shifted = l.subColumnVector(l.max(1).reshape(l.size(0), 1));
        INDArray logSum = Transforms.log(Transforms.exp(shifted, true).sum(1).reshape(l.size(0), 1), false);
        return shifted.subiColumnVector(logSum);
    }
}
