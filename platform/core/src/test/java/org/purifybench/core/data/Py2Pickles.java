package org.purifybench.core.data;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Writes the bytes Python 2's cPickle (protocol 2) produces for a CIFAR batch: a dict of str keys
 * to a numpy uint8 array (numpy.core.multiarray._reconstruct + BUILD with the raw data as a str)
 * and a list of ints. Written by hand so tests need no Python; a file from it was checked once
 * with /usr/bin/python3: pickle.load(f, encoding='bytes') gives the same dict and array.
 */
final class Py2Pickles {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    private Py2Pickles() {
    }

    /** A batch dict {'batch_label': ..., labelKey: labels, 'data': array(rows x 3072, uint8)}. */
    static byte[] batch(byte[] data, int rows, List<Integer> labels, String labelKey) {
        Py2Pickles p = new Py2Pickles();
        p.op(0x80).op(2);                 // PROTO 2
        p.op('}');                        // EMPTY_DICT
        p.op('(');                        // MARK
        p.shortStr("batch_label").shortStr("testing batch 1 of 1");
        p.shortStr(labelKey).op(']').op('(');
        for (int label : labels) {
            p.int1or2(label);
        }
        p.op('e');                        // APPENDS
        p.shortStr("data");
        p.global("numpy.core.multiarray", "_reconstruct").global("numpy", "ndarray");
        p.op('K').op(0).op(0x85);         // (0,)
        p.shortStr("b").op(0x87).op('R'); // TUPLE3, REDUCE
        p.op('(').op('K').op(1);          // state: (1, shape, dtype, False, data)
        p.int1or2(rows).op('M').op(3072 & 0xff).op(3072 >> 8).op(0x86);
        p.global("numpy", "dtype").shortStr("u1").op('K').op(0).op('K').op(1).op(0x87).op('R');
        p.op('(').op('K').op(3).shortStr("|").op('N').op('N').op('N');
        p.binint(-1).binint(-1).op('K').op(0).op('t').op('b');   // dtype state, BUILD
        p.op(0x89);                       // NEWFALSE (not Fortran order)
        p.op('T').le32(data.length);      // BINSTRING: the pixel bytes as a Python 2 str
        p.out.writeBytes(data);
        p.op('t').op('b');                // TUPLE, BUILD
        p.op('u');                        // SETITEMS
        p.op('.');                        // STOP
        return p.out.toByteArray();
    }

    /** A pickle that would run os.system if unpickled by Python: must be refused, never run. */
    static byte[] hostile() {
        Py2Pickles p = new Py2Pickles();
        p.op(0x80).op(2).global("os", "system").shortStr("touch /tmp/pwned").op(0x85).op('R').op('.');
        return p.out.toByteArray();
    }

    private Py2Pickles op(int b) {
        out.write(b);
        return this;
    }

    private Py2Pickles shortStr(String s) {
        byte[] b = s.getBytes(StandardCharsets.ISO_8859_1);
        op('U').op(b.length);
        out.writeBytes(b);
        return this;
    }

    private Py2Pickles global(String module, String name) {
        op('c');
        out.writeBytes((module + "\n" + name + "\n").getBytes(StandardCharsets.US_ASCII));
        return this;
    }

    private Py2Pickles int1or2(int v) {
        return v < 256 ? op('K').op(v) : op('M').op(v & 0xff).op(v >> 8);
    }

    private Py2Pickles binint(int v) {
        return op('J').le32(v);
    }

    private Py2Pickles le32(int v) {
        return op(v & 0xff).op((v >> 8) & 0xff).op((v >> 16) & 0xff).op((v >>> 24) & 0xff);
    }
}
