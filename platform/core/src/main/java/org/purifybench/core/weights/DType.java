package org.purifybench.core.weights;

import java.nio.ByteBuffer;

/** The tensor element types PurifyBench reads, with their safetensors names and sizes; everything becomes float. */
enum DType {
    F32(4), F64(8), F16(2), BF16(2), I64(8), I32(4), I16(2), I8(1), U8(1), BOOL(1);

    final int bytes;

    DType(int bytes) {
        this.bytes = bytes;
    }

    static DType of(String name) {
        for (DType t : values()) {
            if (t.name().equals(name)) {
                return t;
            }
        }
        return null;
    }

    /** {@code n} elements from {@code in} (little-endian, positioned at the first), as floats. */
    float[] toFloats(ByteBuffer in, int n) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = read(in);
        }
        return out;
    }

    float read(ByteBuffer in) {
        return switch (this) {
            case F32 -> in.getFloat();
            case F64 -> (float) in.getDouble();
            case F16 -> halfToFloat(in.getShort());
            case BF16 -> Float.intBitsToFloat((in.getShort() & 0xffff) << 16);
            case I64 -> in.getLong();
            case I32 -> in.getInt();
            case I16 -> in.getShort();
            case I8 -> in.get();
            case U8, BOOL -> in.get() & 0xff;
        };
    }

    /** IEEE 754 binary16 to float (Float.float16ToFloat arrived only in Java 20). */
    static float halfToFloat(short h) {
        int bits = h & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1f;
        int mant = bits & 0x3ff;
        if (exp == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        }
        if (exp == 0) {
            float v = mant * 0x1p-24f;
            return sign == 0 ? v : -v;
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }
}
