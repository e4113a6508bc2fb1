package org.purifybench.core.data;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import net.razorvine.pickle.IObjectConstructor;
import net.razorvine.pickle.PickleException;
import org.purifybench.core.UserException;
import org.purifybench.core.pickle.SafeUnpickler;

/**
 * Reads one batch of CIFAR's "python version" (a Python 2 pickle of a dict holding a numpy uint8
 * array {@code data} [N,3072] and a list of labels) without running any code from the file: a
 * pickle names the functions it calls, and only numpy's array reconstruction (and {@code
 * _codecs.encode}, which a Python 3 re-pickle uses for byte strings) is accepted; those are
 * replaced by Java stand-ins that only copy data. Any other global, or an opcode that builds
 * arbitrary objects, is refused.
 */
final class CifarPickle {
    /** Larger than any CIFAR batch (CIFAR-100's train file is 155 MB); bounds what a hostile file can allocate. */
    static final long MAX_FILE_BYTES = 200L << 20;

    /** The pixel rows (N x 3072, R then G then B planes) and one label per row. */
    record Batch(byte[] data, int[] labels) {
    }

    private CifarPickle() {
    }

    /** Reads {@code file}; {@code labelKey} is "labels" (CIFAR-10) or "fine_labels" (CIFAR-100). */
    static Batch read(Path file, String labelKey, String fixCorrupt) {
        byte[] bytes;
        try {
            long size = Files.size(file);
            if (size > MAX_FILE_BYTES) {
                throw new UserException("CIFAR python file " + file + " has " + size + " bytes, more than any CIFAR batch", fixCorrupt);
            }
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UserException("cannot read CIFAR python file " + file + ": " + e.getMessage(),
                    "check that the file is readable by this user", e);
        }
        Object root;
        try {
            root = unpickler().read(bytes);
        } catch (SafeUnpickler.Refused e) {
            throw new UserException("CIFAR python file " + file + " " + e.getMessage() + "; only numpy arrays are read from pickles",
                    fixCorrupt);
        } catch (PickleException | IOException | ClassCastException | IllegalArgumentException | IndexOutOfBoundsException e) {
            throw new UserException("CIFAR python file " + file + " is not a readable CIFAR pickle (" + e.getMessage() + ")", fixCorrupt, e);
        }
        return toBatch(file, root, labelKey, fixCorrupt);
    }

    private static Batch toBatch(Path file, Object root, String labelKey, String fixCorrupt) {
        if (!(root instanceof Map<?, ?> dict)) {
            throw new UserException("CIFAR python file " + file + " holds no dict", fixCorrupt);
        }
        Object data = dict.get("data");
        Object labels = dict.get(labelKey);
        if (!(data instanceof NdArray array) || !(labels instanceof List<?> list)) {
            throw new UserException("CIFAR python file " + file + " lacks 'data' (a numpy array) or '" + labelKey + "' (a list)", fixCorrupt);
        }
        if (array.shape.length != 2 || array.shape[1] != CifarRecords.PIXELS || array.shape[0] != list.size()
                || array.bytes.length != array.shape[0] * CifarRecords.PIXELS) {
            throw new UserException("CIFAR python file " + file + " holds an array of shape " + java.util.Arrays.toString(array.shape)
                    + " and " + array.bytes.length + " bytes for " + list.size() + " labels, expected [N, 3072]", fixCorrupt);
        }
        int[] out = new int[list.size()];
        for (int i = 0; i < out.length; i++) {
            if (!(list.get(i) instanceof Number n)) {
                throw new UserException("CIFAR python file " + file + " has a non-number label at index " + i, fixCorrupt);
            }
            out[i] = n.intValue();
        }
        return new Batch(array.bytes, out);
    }

    /** The only globals CIFAR's pickles name: numpy's array reconstruction and Python 3's byte-string encoding. */
    private static SafeUnpickler unpickler() {
        IObjectConstructor ndarrayType = args -> {
            throw new PickleException("numpy.ndarray called directly");
        };
        IObjectConstructor reconstruct = args -> {
            if (args.length < 1 || args[0] != ndarrayType) {
                throw new PickleException("_reconstruct of something other than numpy.ndarray");
            }
            return new NdArray();
        };
        Map<String, IObjectConstructor> allowed = new java.util.LinkedHashMap<>();
        allowed.put("numpy.core.multiarray._reconstruct", reconstruct);
        allowed.put("numpy._core.multiarray._reconstruct", reconstruct);
        allowed.put("numpy.ndarray", ndarrayType);
        allowed.put("numpy.dtype", args -> new Dtype(String.valueOf(args[0])));
        allowed.put("_codecs.encode", args -> {
            // _codecs.encode(text, 'latin1'): how Python 3 writes a byte string in protocol 2
            if (args.length != 2 || !"latin1".equals(args[1]) && !"latin-1".equals(args[1])) {
                throw new PickleException("_codecs.encode with an encoding other than latin1");
            }
            return String.valueOf(args[0]).getBytes(StandardCharsets.ISO_8859_1);
        });
        return new SafeUnpickler(allowed, null);
    }

    /** numpy.dtype's stand-in: only single-byte unsigned integers are accepted. */
    public static final class Dtype {
        final String code;

        Dtype(String code) {
            if (!"u1".equals(code)) {
                throw new PickleException("numpy dtype " + code + " (CIFAR pixels are u1)");
            }
            this.code = code;
        }

        /** Called by BUILD with (version, byteorder, ...): nothing to keep for u1. */
        public void __setstate__(Object[] state) {
        }
    }

    /** numpy.ndarray's stand-in: keeps the shape and the raw bytes. */
    public static final class NdArray {
        long[] shape = new long[0];
        byte[] bytes = new byte[0];

        /** Called by BUILD with (version, shape, dtype, is_fortran, raw data). */
        public void __setstate__(Object[] state) {
            if (state.length != 5 || !(state[1] instanceof Object[] dims) || !(state[2] instanceof Dtype)) {
                throw new PickleException("unexpected numpy array state");
            }
            if (Boolean.TRUE.equals(state[3])) {
                throw new PickleException("a Fortran-ordered array (CIFAR's are C-ordered)");
            }
            shape = new long[dims.length];
            for (int i = 0; i < dims.length; i++) {
                shape[i] = ((Number) dims[i]).longValue();
            }
            Object raw = state[4];
            if (raw instanceof byte[] b) {
                bytes = b;
            } else if (raw instanceof String s) {
                bytes = s.getBytes(StandardCharsets.ISO_8859_1);
            } else {
                throw new PickleException("array data of type " + (raw == null ? "None" : raw.getClass().getSimpleName()));
            }
        }
    }
}
