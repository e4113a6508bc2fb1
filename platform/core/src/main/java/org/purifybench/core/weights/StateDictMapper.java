package org.purifybench.core.weights;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.purifybench.core.model.ModelSpec;
import org.purifybench.core.model.ParameterLayout;
import org.purifybench.core.model.ParameterLayout.TorchParameter;

/**
 * Moves weights between a PyTorch state dict (torchvision's / BackdoorBench's names and layouts) and
 * a PurifyBench model of the same architecture, by {@link ParameterLayout}: each of our arrays has one
 * state-dict key and a layout rule (convolutions [out,in,k,k] here [k,k,in,out], linear weights
 * transposed, per-channel vectors [C] here [1,C,1,1]). Every shape is checked.
 */
public final class StateDictMapper {
    private StateDictMapper() {
    }

    /**
     * What an import found: our arrays by name, the state-dict keys that fed none of them, and our
     * parameters left at their initialisation (absent from the file, or of another shape where that
     * is allowed: a classifier for another class count).
     */
    public record Imported(Map<String, INDArray> arrays, List<String> unusedKeys, List<String> keptInitial) {
    }

    /**
     * Our arrays from {@code stateDict}. Missing keys or wrong shapes are errors, except for the
     * classifier when {@code newHead} (a pretrained backbone under a new head); BatchNorm's
     * num_batches_tracked is never ours and is ignored.
     */
    public static Imported toOurs(Map<String, TensorData> stateDict, ModelSpec spec, boolean newHead) throws WeightsFormatException {
        Map<String, INDArray> out = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        List<String> kept = new ArrayList<>();
        List<String> used = new ArrayList<>();
        List<TorchParameter> layout = ParameterLayout.of(spec);
        String headPrefix = headPrefix(layout);
        for (TorchParameter p : layout) {
            TensorData t = stateDict.get(p.torchKey());
            boolean head = p.name().startsWith(headPrefix);
            if (t == null) {
                if (newHead && head) {
                    kept.add(p.name());
                } else {
                    problems.add("missing " + p.torchKey() + " " + Arrays.toString(p.torchShape()));
                }
                continue;
            }
            used.add(p.torchKey());
            if (!Arrays.equals(t.shape(), p.torchShape())) {
                if (newHead && head) {
                    kept.add(p.name());
                } else {
                    problems.add(p.torchKey() + " is " + t.shapeText() + ", " + spec.architecture() + " needs " + Arrays.toString(p.torchShape()));
                }
                continue;
            }
            out.put(p.name(), toOurLayout(t.values(), p));
        }
        if (!problems.isEmpty()) {
            throw new WeightsFormatException("the weights do not fit " + spec.architecture() + " (" + problems.size() + " problems): "
                    + String.join("; ", problems.subList(0, Math.min(6, problems.size()))) + (problems.size() > 6 ? "; ..." : ""));
        }
        List<String> unused = new ArrayList<>();
        for (String key : stateDict.keySet()) {
            if (!used.contains(key) && !key.endsWith("num_batches_tracked")) {
                unused.add(key);
            }
        }
        return new Imported(out, unused, kept);
    }

    /** {@code arrays} (a model's snapshot) as a state dict with PyTorch's names and layouts. */
    public static Map<String, TensorData> toTorch(Map<String, INDArray> arrays, ModelSpec spec) {
        Map<String, TensorData> out = new LinkedHashMap<>();
        for (TorchParameter p : ParameterLayout.of(spec)) {
            INDArray a = arrays.get(p.name());
            if (a == null) {
                throw new IllegalArgumentException("the model has no array " + p.name());
            }
            out.put(p.torchKey(), new TensorData("F32", p.torchShape(), toTorchLayout(a, p)));
        }
        return out;
    }

    /** The classifier is the last dense layer (its weight and bias share the name before "_W" / "_b"). */
    static String headPrefix(List<TorchParameter> layout) {
        for (int i = layout.size() - 1; i >= 0; i--) {
            TorchParameter p = layout.get(i);
            if (p.kind() == ParameterLayout.Kind.DENSE) {
                int cut = p.name().lastIndexOf('_');
                return (cut > 0 ? p.name().substring(0, cut) : p.name()) + "_";
            }
        }
        return "\u0000";
    }

    private static INDArray toOurLayout(float[] torch, TorchParameter p) {
        long[] t = p.torchShape();
        INDArray a = Nd4j.create(torch, t.length == 0 ? new long[] {1} : t, 'c');
        INDArray ours = switch (p.kind()) {
            // [out, in, kH, kW] -> [kH, kW, in, out]
            case CONV -> a.permute(2, 3, 1, 0);
            // [out, in] -> [in, out]
            case DENSE -> a.transpose();
            case VECTOR -> a;
        };
        return ours.dup('c').reshape('c', p.shape()).castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT);
    }

    private static float[] toTorchLayout(INDArray ours, TorchParameter p) {
        INDArray a = ours.castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT);
        INDArray torch = switch (p.kind()) {
            case CONV -> a.reshape('c', p.shape()).permute(3, 2, 0, 1);
            case DENSE -> a.reshape('c', p.shape()).transpose();
            case VECTOR -> a;
        };
        return torch.dup('c').reshape(-1).toFloatVector();
    }
}
