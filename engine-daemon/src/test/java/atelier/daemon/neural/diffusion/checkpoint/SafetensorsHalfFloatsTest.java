package atelier.daemon.neural.diffusion.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** F16 and BF16 widen exactly and narrow to the nearest value, as PyTorch's conversions do. */
class SafetensorsHalfFloatsTest {

    /** The value of an F16 pattern by the textbook formula, computed in double: an independent reference. */
    private static double referenceHalf(int bits) {
        int sign = (bits >>> 15) == 1 ? -1 : 1;
        int exponent = (bits >>> 10) & 0x1f;
        int mantissa = bits & 0x3ff;
        if (exponent == 0) {
            return sign * Math.scalb((double) mantissa, -24);
        }
        return sign * Math.scalb(1 + mantissa / 1024.0, exponent - 15);
    }

    @Test
    void everyFiniteHalfWidensToItsExactValueAndNarrowsBackToItself() {
        for (int bits = 0; bits < 0x10000; bits++) {
            if (((bits >>> 10) & 0x1f) == 0x1f) {
                continue;
            }
            float value = HalfFloats.halfToFloat((short) bits);
            assertEquals(referenceHalf(bits), value, 0.0, "pattern " + Integer.toHexString(bits));
            assertEquals(bits, HalfFloats.floatToHalf(value) & 0xffff, "round trip of " + value);
        }
    }

    @Test
    void halfEdgeCasesKeepTheirMeaning() {
        assertEquals(65504f, HalfFloats.halfToFloat((short) 0x7bff));
        assertEquals(0x1p-24f, HalfFloats.halfToFloat((short) 0x0001));
        assertEquals(0x1p-14f, HalfFloats.halfToFloat((short) 0x0400));
        assertEquals(0x3ffp-24f, HalfFloats.halfToFloat((short) 0x03ff));
        assertEquals(Float.POSITIVE_INFINITY, HalfFloats.halfToFloat((short) 0x7c00));
        assertEquals(Float.NEGATIVE_INFINITY, HalfFloats.halfToFloat((short) 0xfc00));
        assertTrue(Float.isNaN(HalfFloats.halfToFloat((short) 0x7e00)));
        assertTrue(Float.isNaN(HalfFloats.halfToFloat((short) 0x7c01)), "a NaN with only a low payload bit");
        assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(HalfFloats.halfToFloat((short) 0x8000)));

        assertEquals(0x7c00, HalfFloats.floatToHalf(Float.POSITIVE_INFINITY) & 0xffff);
        assertEquals(0xfc00, HalfFloats.floatToHalf(Float.NEGATIVE_INFINITY) & 0xffff);
        assertTrue(Float.isNaN(HalfFloats.halfToFloat(HalfFloats.floatToHalf(Float.NaN))));
        assertTrue(Float.isNaN(HalfFloats.halfToFloat(HalfFloats.floatToHalf(Float.intBitsToFloat(0x7f800001)))),
                "a NaN whose payload lies below the bits F16 keeps");
        assertEquals(0x7bff, HalfFloats.floatToHalf(65519f) & 0xffff, "just under the midpoint to 65536 stays the max");
        assertEquals(0x7c00, HalfFloats.floatToHalf(65520f) & 0xffff, "the midpoint rounds to even, which is infinity");
        assertEquals(0x0000, HalfFloats.floatToHalf(0x1p-25f) & 0xffff, "half the smallest subnormal ties to zero");
        assertEquals(0x0001, HalfFloats.floatToHalf(0x1.000002p-25f) & 0xffff, "just above it rounds up");
        assertEquals(0x0002, HalfFloats.floatToHalf(0x3p-25f) & 0xffff, "1.5 subnormal steps ties to the even 2");
        assertEquals(0x0400, HalfFloats.floatToHalf(0x7ffp-25f) & 0xffff, "the largest subnormal rounds up into the normals");
        assertEquals(0x3c00, HalfFloats.floatToHalf(1 + 0x1p-11f) & 0xffff, "1 + half an ulp ties to the even 1");
        assertEquals(0x3c02, HalfFloats.floatToHalf(1 + 0x3p-11f) & 0xffff, "1 + 1.5 ulp ties to the even 1 + 2 ulp");
        assertEquals(0x8000, HalfFloats.floatToHalf(-Float.MIN_VALUE) & 0xffff);
    }

    @Test
    void narrowingToHalfPicksTheNearestHalf() {
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 200_000; i++) {
            float value = Float.intBitsToFloat(random.nextInt());
            if (Float.isNaN(value) || Math.abs(value) >= 65520f) {
                continue;
            }
            int half = HalfFloats.floatToHalf(value) & 0xffff;
            double error = Math.abs(HalfFloats.halfToFloat((short) half) - (double) value);
            for (int neighbour : new int[] {half - 1, half + 1}) {
                if ((neighbour & 0x7fff) < 0x7c00 && neighbour >= 0 && neighbour <= 0xffff && (neighbour >>> 15) == (half >>> 15)) {
                    double other = Math.abs(HalfFloats.halfToFloat((short) neighbour) - (double) value);
                    assertTrue(error <= other, value + " became " + HalfFloats.halfToFloat((short) half) + " but "
                            + HalfFloats.halfToFloat((short) neighbour) + " is nearer");
                }
            }
        }
    }

    @Test
    void bfloat16WidensExactlyAndNarrowsToNearestEven() {
        for (int bits = 0; bits < 0x10000; bits++) {
            float value = HalfFloats.bfloat16ToFloat((short) bits);
            assertEquals(bits << 16, Float.floatToRawIntBits(value));
            if (!Float.isNaN(value)) {
                assertEquals(bits, HalfFloats.floatToBfloat16(value) & 0xffff);
            }
        }
        assertEquals(0x3f80, HalfFloats.floatToBfloat16(Float.intBitsToFloat(0x3f808000)) & 0xffff, "tie to the even 1");
        assertEquals(0x3f82, HalfFloats.floatToBfloat16(Float.intBitsToFloat(0x3f818000)) & 0xffff, "tie to the even above");
        assertEquals(0x3f81, HalfFloats.floatToBfloat16(Float.intBitsToFloat(0x3f808001)) & 0xffff, "above the tie rounds up");
        assertEquals(0x7f80, HalfFloats.floatToBfloat16(Float.MAX_VALUE) & 0xffff, "the largest float rounds to infinity");
        assertTrue(Float.isNaN(HalfFloats.bfloat16ToFloat(HalfFloats.floatToBfloat16(Float.intBitsToFloat(0x7f800001)))));
    }
}
