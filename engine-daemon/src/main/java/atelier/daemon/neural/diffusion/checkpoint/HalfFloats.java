package atelier.daemon.neural.diffusion.checkpoint;

/**
 * IEEE 754 binary16 (F16) and bfloat16 (BF16) to and from float, written out because Java 17
 * has no Float.float16ToFloat. Widening is exact for every value; narrowing rounds to the
 * nearest value, ties to even, as PyTorch does, so weights written here read back the same there.
 */
public final class HalfFloats {

    private HalfFloats() {
    }

    /** The float an F16 bit pattern stands for: exact, subnormals, infinities and NaN included. */
    public static float halfToFloat(short half) {
        int bits = half & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exponent = (bits >>> 10) & 0x1f;
        int mantissa = bits & 0x3ff;
        if (exponent == 0x1f) {
            // Infinity, or NaN with its payload moved to the top of the float mantissa.
            return Float.intBitsToFloat(sign | 0x7f800000 | (mantissa << 13));
        }
        if (exponent == 0) {
            // Zero or subnormal: mantissa * 2^-24, which a float holds exactly.
            float magnitude = mantissa * 0x1p-24f;
            return sign == 0 ? magnitude : -magnitude;
        }
        // Normal: rebias the exponent from 15 to 127 (15 - 127 = -112).
        return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
    }

    /** The F16 nearest to a float (ties to even); too large becomes infinity, NaN stays NaN. */
    public static short floatToHalf(float value) {
        int bits = Float.floatToRawIntBits(value);
        int sign = (bits >>> 16) & 0x8000;
        int exponent = (bits >>> 23) & 0xff;
        int mantissa = bits & 0x7fffff;
        if (exponent == 0xff) {
            // Keep NaN a NaN even when its payload lies only in the low bits that do not fit.
            return (short) (mantissa == 0 ? sign | 0x7c00 : sign | 0x7e00 | (mantissa >>> 13));
        }
        int halfExponent = exponent - 112;
        if (halfExponent >= 0x1f) {
            return (short) (sign | 0x7c00);
        }
        if (halfExponent <= 0) {
            if (halfExponent < -10) {
                return (short) sign; // below half the smallest subnormal: rounds to zero
            }
            // Subnormal half: the full significand (implicit one made explicit) shifted down.
            int significand = mantissa | 0x800000;
            return (short) (sign | roundedShift(significand, 14 - halfExponent));
        }
        // A carry out of the mantissa steps the exponent up, and from the largest finite to infinity: both right.
        return (short) (sign | roundedShift((halfExponent << 23) | mantissa, 13));
    }

    /** The float a BF16 bit pattern stands for: the top half of a float, so always exact. */
    public static float bfloat16ToFloat(short bfloat) {
        return Float.intBitsToFloat((bfloat & 0xffff) << 16);
    }

    /** The BF16 nearest to a float (ties to even); NaN stays NaN. */
    public static short floatToBfloat16(float value) {
        int bits = Float.floatToRawIntBits(value);
        if (Float.isNaN(value)) {
            return (short) ((bits >>> 16) | 0x40);
        }
        return (short) roundedShift(bits, 16);
    }

    /** value >> shift, rounded to nearest with ties to even (value non-negative as an unsigned int). */
    private static int roundedShift(int value, int shift) {
        int kept = value >>> shift;
        int rest = value & ((1 << shift) - 1);
        int half = 1 << (shift - 1);
        if (rest > half || (rest == half && (kept & 1) == 1)) {
            kept++;
        }
        return kept;
    }
}
