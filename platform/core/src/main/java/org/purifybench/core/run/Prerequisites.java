package org.purifybench.core.run;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.purifybench.core.UserException;
import org.purifybench.core.data.Dataset;
import org.purifybench.core.model.HostModel;
import org.purifybench.core.weights.StateDictMapper;
import org.purifybench.core.weights.WeightsFormatException;
import org.purifybench.core.weights.WeightsStore;

/**
 * What a matrix needs besides plug-ins before it may start: data that matches the published
 * checksums when the matrix asks for it (profiles of record), and its pretrained weights in the
 * store. A run refuses without them, naming the command that brings them; a plan only warns.
 */
public final class Prerequisites {
    private Prerequisites() {
    }

    /** Everything missing, one line each with its fix; empty when the run may start. */
    public static List<UserException> problems(MatrixSpec spec, Dataset dataset, WeightsStore store) {
        List<UserException> out = new ArrayList<>();
        if (spec.dataset().requiresVerified() && !dataset.verification().verified()) {
            out.add(new UserException("profile " + spec.name() + " needs the published " + spec.dataset().id() + " files, and the data found is "
                    + dataset.verification().summary() + " (" + dataset.source() + ")",
                    "bring the official archive with `purifybench data add " + spec.dataset().id() + " ARCHIVE_OR_URL` (docs/datasets.md), or"
                            + " run a reduced, recorded approximation with `run --reduced`"));
        }
        UserException weights = weightsProblem(spec, store);
        if (weights != null) {
            out.add(weights);
        }
        return out;
    }

    /** Why the matrix's pretrained weights cannot be used, or null when they can (or none are named). */
    public static UserException weightsProblem(MatrixSpec spec, WeightsStore store) {
        MatrixSpec.PretrainedSpec p = spec.model().pretrained();
        if (p == null) {
            return null;
        }
        try {
            WeightsStore.Entry e = store.find(p.sha256());
            if (e == null) {
                return new UserException("the pretrained weights " + describe(p) + " are not in the weights store " + store.dir(),
                        "download " + (p.url() == null ? "the file" : p.url()) + " on a machine with internet access, then run"
                                + " `purifybench weights import " + (p.file() == null ? "FILE" : p.file()) + " --arch " + spec.model().arch() + "`");
            }
            if (!spec.model().arch().equals(e.arch())) {
                return new UserException("the pretrained weights " + describe(p) + " were imported for " + e.arch() + ", the matrix's model is "
                        + spec.model().arch(), "name weights imported for " + spec.model().arch() + " (purifybench weights list)");
            }
            return null;
        } catch (IOException e) {
            return new UserException("cannot read the weights store " + store.dir() + ": " + e.getMessage(), "check the folder's permissions");
        }
    }

    /** Throws the first problem, if any. */
    public static void require(MatrixSpec spec, Dataset dataset, WeightsStore store) {
        List<UserException> p = problems(spec, dataset, store);
        if (!p.isEmpty()) {
            throw p.get(0);
        }
    }

    /**
     * Loads the matrix's pretrained backbone into {@code model} (every array whose key and shape fit;
     * a classifier of another class count keeps the seeded initialisation, as torchvision users do
     * when they replace {@code fc}).
     */
    static void loadPretrained(HostModel model, MatrixSpec spec, WeightsStore store, java.util.function.Consumer<String> log) {
        MatrixSpec.PretrainedSpec p = spec.model().pretrained();
        if (p == null) {
            return;
        }
        try {
            UserException problem = weightsProblem(spec, store);
            if (problem != null) {
                throw problem;
            }
            WeightsStore.Entry e = store.find(p.sha256());
            StateDictMapper.Imported fit = StateDictMapper.toOurs(store.tensors(e), model.spec(), true);
            Map<String, INDArray> all = model.snapshot();
            all.putAll(fit.arrays());
            model.restore(all);
            log.accept("pretrained weights " + e.sha256().substring(0, 12) + " (" + e.info().get("sourceFile") + ") loaded: "
                    + fit.arrays().size() + " arrays" + (fit.keptInitial().isEmpty() ? "" : ", kept initialised: " + fit.keptInitial()));
        } catch (WeightsFormatException e) {
            throw new UserException("the pretrained weights " + describe(p) + " do not fit this model: " + e.getMessage(),
                    "use weights for " + spec.model().arch() + " at the matrix's width");
        } catch (IOException e) {
            throw new UserException("cannot read the pretrained weights " + describe(p) + ": " + e.getMessage(), "import them again");
        }
    }

    private static String describe(MatrixSpec.PretrainedSpec p) {
        return (p.source() == null ? "" : p.source() + " ") + "(sha256 " + p.sha256() + (p.file() == null ? "" : ", " + p.file()) + ")";
    }
}
