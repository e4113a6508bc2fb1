package org.purifybench.core.pickle;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import net.razorvine.pickle.IObjectConstructor;
import net.razorvine.pickle.Opcodes;
import net.razorvine.pickle.PickleException;
import net.razorvine.pickle.PickleUtils;
import net.razorvine.pickle.Unpickler;

/**
 * A Python pickle read as data only (PyTorch state dicts, CIFAR's python batches). Pyrolite
 * (net.razorvine:pickle) never runs Python, but by default it maps some Python names to Java
 * constructors and has no allow-list API; here every global a pickle names must be on the caller's
 * allow-list, the opcodes that build objects by other routes (INST, OBJ, NEWOBJ, the extension
 * registry, text persistent ids) and the 8-byte-length forms are refused, and a string's length is
 * checked against what remains before anything is allocated. So a hostile file can at worst be
 * rejected: it cannot make this JVM do anything but build lists, dicts and the allow-listed records.
 */
public final class SafeUnpickler extends Unpickler {
    private final Map<String, IObjectConstructor> allowed;
    private final Function<Object, Object> persistent;

    /**
     * @param allowed    "module.name" to the constructor that builds its value from the REDUCE arguments
     * @param persistent resolves a BINPERSID id (a tuple), or null when the format has none
     */
    public SafeUnpickler(Map<String, IObjectConstructor> allowed, Function<Object, Object> persistent) {
        this.allowed = Map.copyOf(allowed);
        this.persistent = persistent;
    }

    /** The object {@code pickle} describes; a PickleException names the first thing refused. */
    public Object read(byte[] pickle) throws IOException {
        try {
            return load(new ByteArrayInputStream(pickle));
        } finally {
            close();
        }
    }

    @Override
    protected Object dispatch(short key) throws PickleException, IOException {
        switch (key) {
            case Opcodes.GLOBAL -> {
                String module = PickleUtils.readline(input);
                String name = PickleUtils.readline(input);
                stack.add(resolve(module, name));
                return NO_RETURN_VALUE;
            }
            case Opcodes.STACK_GLOBAL -> {
                Object name = stack.pop();
                Object module = stack.pop();
                stack.add(resolve(String.valueOf(module), String.valueOf(name)));
                return NO_RETURN_VALUE;
            }
            case Opcodes.BINSTRING, Opcodes.BINBYTES, Opcodes.BINUNICODE -> {
                // Checked here so a forged length cannot make the library allocate gigabytes.
                int length = PickleUtils.bytes_to_integer(PickleUtils.readbytes(input, 4));
                if (length < 0 || length > input.available()) {
                    throw new Refused("a string claims " + length + " bytes but only " + input.available() + " remain");
                }
                byte[] raw = PickleUtils.readbytes(input, length);
                stack.add(key == Opcodes.BINBYTES ? raw
                        : key == Opcodes.BINSTRING ? PickleUtils.rawStringFromBytes(raw) : new String(raw, StandardCharsets.UTF_8));
                return NO_RETURN_VALUE;
            }
            case Opcodes.INST, Opcodes.OBJ, Opcodes.NEWOBJ, Opcodes.NEWOBJ_EX, Opcodes.EXT1, Opcodes.EXT2, Opcodes.EXT4,
                 Opcodes.PERSID, Opcodes.BINBYTES8, Opcodes.BINUNICODE8, Opcodes.BYTEARRAY8 ->
                    throw new Refused("refused pickle opcode " + key + ": it builds objects this reader does not allow");
            case Opcodes.BINPERSID -> {
                if (persistent == null) {
                    throw new Refused("refused a persistent id: this format has none");
                }
                return super.dispatch(key);
            }
            default -> {
                return super.dispatch(key);
            }
        }
    }

    @Override
    protected Object persistentLoad(Object pid) {
        return persistent.apply(pid);
    }

    private IObjectConstructor resolve(String module, String name) {
        IObjectConstructor c = allowed.get(module + "." + name);
        if (c == null) {
            throw new Refused("refused the Python global " + module + "." + name + ": not allowed here (allowed: "
                    + String.join(", ", new java.util.TreeSet<>(allowed.keySet())) + ")");
        }
        return c;
    }

    /** Something the pickle asked for that this reader does not allow: reported as the file's problem, never executed. */
    public static final class Refused extends PickleException {
        private static final long serialVersionUID = 1L;

        public Refused(String message) {
            super(message);
        }
    }

    /**
     * Python's OrderedDict/dict built by REDUCE: a map that accepts (and drops) the instance state
     * PyTorch pickles with a state dict ({@code _metadata}: module versions).
     */
    public static final class PyDict extends LinkedHashMap<Object, Object> {
        private static final long serialVersionUID = 1L;

        public void __setstate__(HashMap<?, ?> state) {
            // The state is attributes on the dict object (PyTorch's _metadata), not entries: nothing to keep.
        }
    }

    /** A constructor for {@code collections.OrderedDict()} with no arguments. */
    public static IObjectConstructor orderedDict() {
        return args -> {
            if (args.length != 0) {
                throw new PickleException("OrderedDict with arguments is not expected here");
            }
            return new PyDict();
        };
    }
}
