package io.tagclip.weights;

/** IEEE 754 half-precision and bfloat16 conversions (Java 17 has no {@code Float.float16ToFloat}). */
public final class Fp16 {

    private Fp16() {}

    /** The float value of the IEEE half whose bits are the low 16 bits of {@code bits}. */
    public static float halfToFloat(int bits) {
        int sign = (bits & 0x8000) << 16;
        int exponent = (bits >>> 10) & 0x1f;
        int mantissa = bits & 0x3ff;
        if (exponent == 0x1f) { // inf or NaN
            return Float.intBitsToFloat(sign | 0x7f800000 | (mantissa << 13));
        }
        if (exponent == 0) {
            if (mantissa == 0) {
                return Float.intBitsToFloat(sign);
            }
            float value = mantissa * 0x1p-24f; // subnormal half: exact in float
            return sign == 0 ? value : -value;
        }
        return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
    }

    /** The bits of the IEEE half nearest to {@code value} (round half to even, overflow to infinity). */
    public static short floatToHalf(float value) {
        int bits = Float.floatToRawIntBits(value);
        int sign = (bits >>> 16) & 0x8000;
        int exponent = (bits >>> 23) & 0xff;
        int mantissa = bits & 0x7fffff;
        if (exponent == 0xff) {
            return (short) (sign | 0x7c00 | (mantissa != 0 ? 0x200 : 0));
        }
        int halfExponent = exponent - 112;
        if (halfExponent >= 0x1f) {
            return (short) (sign | 0x7c00);
        }
        if (halfExponent <= 0) {
            if (halfExponent < -10) {
                return (short) sign; // rounds to zero
            }
            int full = mantissa | 0x800000; // implicit leading one
            int shift = 14 - halfExponent;
            int result = full >>> shift;
            int remainder = full & ((1 << shift) - 1);
            int half = 1 << (shift - 1);
            if (remainder > half || (remainder == half && (result & 1) != 0)) {
                result++;
            }
            return (short) (sign | result);
        }
        int result = (halfExponent << 10) | (mantissa >>> 13);
        int remainder = mantissa & 0x1fff;
        if (remainder > 0x1000 || (remainder == 0x1000 && (result & 1) != 0)) {
            result++; // may carry into the exponent, which is still correct (up to infinity)
        }
        return (short) (sign | result);
    }

    /** {@code value} rounded to the nearest half-precision number, as a float. */
    public static float roundToHalf(float value) {
        return halfToFloat(floatToHalf(value) & 0xffff);
    }

    /** The float value of the bfloat16 whose bits are the low 16 bits of {@code bits}. */
    static float bfloat16ToFloat(int bits) {
        return Float.intBitsToFloat((bits & 0xffff) << 16);
    }
}
