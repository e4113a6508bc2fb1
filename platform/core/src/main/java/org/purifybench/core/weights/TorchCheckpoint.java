package org.purifybench.core.weights;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import net.razorvine.pickle.IObjectConstructor;
import net.razorvine.pickle.PickleException;
import org.purifybench.core.pickle.SafeUnpickler;

/**
 * Reads a PyTorch state dict saved by {@code torch.save} (the zip format of PyTorch 1.6 and later:
 * {@code <name>/data.pkl} plus one raw storage per tensor under {@code <name>/data/}) without
 * executing its pickle: only OrderedDict, PyTorch's tensor-rebuild functions and its storage types
 * are allowed (see {@link SafeUnpickler}); a file holding a whole pickled model, an optimizer or any
 * other object is refused, as is the pre-1.6 format.
 */
public final class TorchCheckpoint {
    /** The wrappers training scripts commonly put a state dict under. */
    static final List<String> WRAPPER_KEYS = List.of("state_dict", "model_state_dict", "model", "net");
    private static final long MAX_PICKLE = 256L * 1024 * 1024;
    private static final Map<String, DType> STORAGES = Map.of(
            "FloatStorage", DType.F32, "DoubleStorage", DType.F64, "HalfStorage", DType.F16, "BFloat16Storage", DType.BF16,
            "LongStorage", DType.I64, "IntStorage", DType.I32, "ShortStorage", DType.I16, "CharStorage", DType.I8,
            "ByteStorage", DType.U8, "BoolStorage", DType.BOOL);

    private TorchCheckpoint() {
    }

    /** A storage named by a persistent id: which zip entry, of which type, how many elements. */
    private record StorageRef(String key, DType dtype, long numel) {
    }

    /** The result of {@code _rebuild_tensor_v2}: a view of a storage. */
    private record TensorRef(StorageRef storage, long offset, long[] size, long[] stride) {
    }

    /** A storage type as a pickled global: only a marker of the dtype inside a persistent id, never called. */
    private record StorageType(DType dtype) implements IObjectConstructor {
        @Override
        public Object construct(Object[] args) {
            throw new PickleException("a storage type called like a function");
        }
    }

    /** The state dict's tensors (in no particular order: the pickle reader keeps none), as float arrays in PyTorch's layout (contiguous, row-major). */
    public static Map<String, TensorData> read(Path file) throws IOException {
        ZipFile zip;
        try {
            zip = new ZipFile(file.toFile());
        } catch (ZipException e) {
            throw new WeightsFormatException(file + " is not a PyTorch zip checkpoint (torch.save of PyTorch 1.6 or later);"
                    + " re-save it there with torch.save(state_dict, path), or convert it to safetensors");
        }
        try (zip) {
            ZipEntry pkl = null;
            for (var it = zip.entries(); it.hasMoreElements(); ) {
                ZipEntry e = it.nextElement();
                if (e.getName().endsWith("/data.pkl") && e.getName().indexOf('/') == e.getName().length() - "/data.pkl".length()) {
                    pkl = e;
                }
            }
            if (pkl == null) {
                throw new WeightsFormatException(file + " is a zip file without <name>/data.pkl: not a torch.save checkpoint");
            }
            String prefix = pkl.getName().substring(0, pkl.getName().length() - "data.pkl".length());
            ZipEntry order = zip.getEntry(prefix + "byteorder");
            if (order != null && !new String(readEntry(zip, order, 16), java.nio.charset.StandardCharsets.US_ASCII).equals("little")) {
                throw new WeightsFormatException(file + " was saved on a big-endian machine: re-save it on a little-endian one");
            }
            Object root;
            try {
                root = unpickler().read(readEntry(zip, pkl, MAX_PICKLE));
            } catch (PickleException | ClassCastException | IllegalArgumentException e) {
                throw new WeightsFormatException(file + ": " + e.getMessage()
                        + " - only a state dict of tensors is read (torch.save(model.state_dict(), path))", e);
            }
            return tensors(file, zip, prefix, stateDict(file, root));
        }
    }

    private static SafeUnpickler unpickler() {
        Map<String, IObjectConstructor> allowed = new LinkedHashMap<>();
        allowed.put("collections.OrderedDict", SafeUnpickler.orderedDict());
        allowed.put("torch._utils._rebuild_tensor_v2", TorchCheckpoint::rebuildTensor);
        // A saved nn.Parameter: (data, requires_grad, backward_hooks).
        allowed.put("torch._utils._rebuild_parameter", args -> {
            if (args.length < 1 || !(args[0] instanceof TensorRef t)) {
                throw new PickleException("_rebuild_parameter without a tensor");
            }
            return t;
        });
        STORAGES.forEach((name, dtype) -> allowed.put("torch." + name, new StorageType(dtype)));
        return new SafeUnpickler(allowed, TorchCheckpoint::storage);
    }

    /** ('storage', torch.FloatStorage, key, location, numel): the storage type arrives as the allow-listed global. */
    private static Object storage(Object pid) {
        if (!(pid instanceof Object[] t) || t.length != 5 || !"storage".equals(t[0]) || !(t[2] instanceof String key)
                || !(t[4] instanceof Number numel)) {
            throw new PickleException("unexpected persistent id " + describe(pid));
        }
        if (!(t[1] instanceof StorageType type)) {
            throw new PickleException("unexpected storage type " + describe(t[1]));
        }
        return new StorageRef(key, type.dtype(), numel.longValue());
    }

    private static Object rebuildTensor(Object[] args) {
        if (args.length < 4 || !(args[0] instanceof StorageRef storage) || !(args[1] instanceof Number offset)
                || !(args[2] instanceof Object[] size) || !(args[3] instanceof Object[] stride) || size.length != stride.length) {
            throw new PickleException("_rebuild_tensor_v2 with unexpected arguments " + describe(args));
        }
        return new TensorRef(storage, offset.longValue(), longs(size), longs(stride));
    }

    private static long[] longs(Object[] values) {
        long[] out = new long[values.length];
        for (int i = 0; i < values.length; i++) {
            if (!(values[i] instanceof Number n)) {
                throw new PickleException("a tensor size or stride is not a number: " + describe(values[i]));
            }
            out[i] = n.longValue();
        }
        return out;
    }

    /** The map of names to tensors: the root itself, or the one under a common wrapper key. */
    @SuppressWarnings("unchecked")
    private static Map<Object, Object> stateDict(Path file, Object root) throws WeightsFormatException {
        if (!(root instanceof Map<?, ?> map)) {
            throw new WeightsFormatException(file + " holds a " + describe(root) + ", not a state dict");
        }
        if (map.values().stream().allMatch(v -> v instanceof TensorRef)) {
            return (Map<Object, Object>) map;
        }
        for (String key : WRAPPER_KEYS) {
            if (map.get(key) instanceof Map<?, ?> inner && inner.values().stream().allMatch(v -> v instanceof TensorRef)) {
                return (Map<Object, Object>) inner;
            }
        }
        List<String> other = new ArrayList<>();
        map.forEach((k, v) -> {
            if (!(v instanceof TensorRef)) {
                other.add(k + " (" + describe(v) + ")");
            }
        });
        throw new WeightsFormatException(file + " holds entries that are not tensors: " + String.join(", ", other.subList(0,
                Math.min(5, other.size()))) + "; save the state dict alone (torch.save(model.state_dict(), path)) or nest it"
                + " under one of " + WRAPPER_KEYS);
    }

    private static Map<String, TensorData> tensors(Path file, ZipFile zip, String prefix, Map<Object, Object> dict) throws IOException {
        Map<String, TensorData> out = new LinkedHashMap<>();
        Map<String, ByteBuffer> storages = new LinkedHashMap<>();
        for (Map.Entry<Object, Object> e : dict.entrySet()) {
            if (!(e.getKey() instanceof String name)) {
                throw new WeightsFormatException(file + ": a state dict key is not a string: " + describe(e.getKey()));
            }
            TensorRef t = (TensorRef) e.getValue();
            StorageRef s = t.storage();
            if (!s.key().matches("[0-9A-Za-z_]+")) {
                throw new WeightsFormatException(file + ": storage key '" + s.key() + "' is not a plain name");
            }
            ByteBuffer data = storages.get(s.key());
            if (data == null) {
                ZipEntry entry = zip.getEntry(prefix + "data/" + s.key());
                if (entry == null) {
                    throw new WeightsFormatException(file + ": tensor '" + name + "' needs storage data/" + s.key() + ", which is missing");
                }
                long bytes = Math.multiplyExact(s.numel(), s.dtype().bytes);
                if (bytes > Integer.MAX_VALUE - 8) {
                    throw new WeightsFormatException(file + ": storage " + s.key() + " is too large (" + bytes + " bytes)");
                }
                byte[] raw = readEntry(zip, entry, bytes);
                if (raw.length != bytes) {
                    throw new WeightsFormatException(file + ": storage " + s.key() + " has " + raw.length + " bytes, the pickle says "
                            + bytes);
                }
                data = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
                storages.put(s.key(), data);
            }
            out.put(name, gather(file, name, t, data));
        }
        return out;
    }

    /** The view's elements in row-major order (state dicts may hold transposed or offset views). */
    private static TensorData gather(Path file, String name, TensorRef t, ByteBuffer data) throws WeightsFormatException {
        long[] size = t.size();
        long n = TensorData.count(size);
        if (n > Integer.MAX_VALUE - 8) {
            throw new WeightsFormatException(file + ": tensor '" + name + "' is too large");
        }
        // Bounds: the furthest element the view reaches must lie inside the storage.
        long last = t.offset();
        for (int d = 0; d < size.length; d++) {
            if (size[d] < 0 || t.stride()[d] < 0) {
                throw new WeightsFormatException(file + ": tensor '" + name + "' has a negative size or stride");
            }
            if (size[d] > 0) {
                last += (size[d] - 1) * t.stride()[d];
            }
        }
        if (n > 0 && (t.offset() < 0 || last >= t.storage().numel())) {
            throw new WeightsFormatException(file + ": tensor '" + name + "' reaches past its storage");
        }
        float[] values = new float[(int) n];
        int elem = t.storage().dtype().bytes;
        long[] index = new long[size.length];
        for (int i = 0; i < n; i++) {
            long pos = t.offset();
            for (int d = 0; d < size.length; d++) {
                pos += index[d] * t.stride()[d];
            }
            data.position((int) (pos * elem));
            values[i] = t.storage().dtype().read(data);
            for (int d = size.length - 1; d >= 0; d--) {
                if (++index[d] < size[d]) {
                    break;
                }
                index[d] = 0;
            }
        }
        return new TensorData(t.storage().dtype().name(), size, values);
    }

    private static byte[] readEntry(ZipFile zip, ZipEntry entry, long max) throws IOException {
        try (InputStream in = zip.getInputStream(entry)) {
            byte[] bytes = in.readNBytes((int) Math.min(max + 1, Integer.MAX_VALUE - 8));
            if (bytes.length > max) {
                throw new WeightsFormatException(zip.getName() + ": entry " + entry.getName() + " is larger than expected (" + max + " bytes)");
            }
            return bytes;
        }
    }

    private static String describe(Object o) {
        if (o == null) {
            return "None";
        }
        if (o instanceof Object[] a) {
            return "tuple of " + a.length;
        }
        return o.getClass().getSimpleName();
    }
}
