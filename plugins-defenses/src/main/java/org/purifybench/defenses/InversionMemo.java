package org.purifybench.defenses;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.purifybench.spi.DefenseContext;
import org.purifybench.spi.LabeledImages;
import org.purifybench.spi.Model;
import org.purifybench.spi.Params;

/**
 * Shares one trigger inversion between defenses that would compute exactly the same one: PAM and
 * BTI-SAM on the same backdoored model, tuning data, inversion parameters and seed (and the five
 * PAM runs of a rho sweep). The inversion is deterministic, so sharing changes no number, only the
 * time. Keyed by a SHA-256 of the model's weights and BN statistics, the data and the parameters,
 * and kept in the cell's memo ({@link DefenseContext#cellMemo}): computed outside any lock, so
 * cells running in parallel do not wait for each other, and dropped with the cell. Callers must
 * not train the shared generator further.
 */
final class InversionMemo {
    private InversionMemo() {
    }

    static TriggerInversion.Result get(DefenseContext ctx, Model model, LabeledImages data, Params p, long seed,
                                       Supplier<TriggerInversion.Result> compute) {
        return ctx.cellMemo("bti-inversion:" + key(model, data, p, seed), compute);
    }

    static String key(Model model, LabeledImages data, Params p, long seed) {
        MessageDigest md = sha256();
        new TreeMap<>(model.parameters()).forEach((k, v) -> update(md, k, v));
        new TreeMap<>(model.state()).forEach((k, v) -> update(md, k, v));
        update(md, "images", data.images());
        ByteBuffer labels = ByteBuffer.allocate(4 * data.size());
        for (int y : data.labels()) {
            labels.putInt(y);
        }
        md.update(labels.array());
        for (String k : new String[] {"mask-epochs", "generator-epochs", "refine-epochs", "generator-lr", "norm-bound"}) {
            md.update((k + "=" + p.getString(k, "default") + ";").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        md.update(Long.toString(seed).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return HexFormat.of().formatHex(md.digest());
    }

    private static void update(MessageDigest md, String name, INDArray a) {
        md.update(name.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        md.update(java.util.Arrays.toString(a.shape()).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        float[] values = a.castTo(DataType.FLOAT).dup('c').data().asFloat(); // dup: a view's buffer holds more
        ByteBuffer bytes = ByteBuffer.allocate(4 * values.length);
        bytes.asFloatBuffer().put(values);
        md.update(bytes.array());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
