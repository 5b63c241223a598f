import struct
import unittest
from array import array

from atelier import pixels
from atelier.pixels import F16, F32, U8, U16


class ChannelOrderTest(unittest.TestCase):
    def test_krita_8bit_bgra_becomes_rgba_and_back(self):
        bgra = bytes([10, 20, 30, 40, 1, 2, 3, 4])
        self.assertEqual(bytes([30, 20, 10, 40, 3, 2, 1, 4]), pixels.to_rgba8(bgra, U8))
        self.assertEqual(bgra, pixels.from_rgba8(pixels.to_rgba8(bgra, U8), U8))

    def test_16bit_integer_is_little_endian_bgra(self):
        # B=0x1234 G=0xff00 R=0x0080 A=0xffff
        data = struct.pack("<4H", 0x1234, 0xFF00, 0x0080, 0xFFFF)
        self.assertEqual(bytes([0x00, 0xFF, 0x12, 0xFF]), pixels.to_rgba8(data, U16))

    def test_8bit_content_survives_a_16bit_round_trip(self):
        rgba = bytes(range(256))
        back = pixels.from_rgba8(rgba, U16)
        self.assertEqual(len(rgba) * 2, len(back))
        self.assertEqual(struct.unpack("<4H", back[:8]), (2 * 257, 1 * 257, 0, 3 * 257))
        self.assertEqual(rgba, pixels.to_rgba8(back, U16))

    def test_32bit_float_is_rgba_order_with_clamping(self):
        data = array("f", [1.0, 0.5, -0.2, 2.0]).tobytes()
        self.assertEqual(bytes([255, 128, 0, 255]), pixels.to_rgba8(data, F32))

    def test_float_round_trips_every_8bit_value_in_both_profiles(self):
        rgba = bytes(range(256))
        for depth in (F16, F32):
            for linear in (False, True):
                with self.subTest(depth=depth, linear=linear):
                    self.assertEqual(rgba, pixels.to_rgba8(pixels.from_rgba8(rgba, depth, linear), depth, linear))

    def test_linear_float_is_encoded_to_srgb_but_alpha_is_not(self):
        data = array("f", [0.2158605, 0.2158605, 0.2158605, 0.5]).tobytes()  # linear 0.2159 is sRGB 128/255
        self.assertEqual(bytes([128, 128, 128, 128]), pixels.to_rgba8(data, F32, linear=True))
        self.assertTrue(pixels.is_linear_profile("sRGB-elle-V2-g10.icc"))
        self.assertFalse(pixels.is_linear_profile("sRGB-elle-V2-srgbtrc.icc"))

    def test_other_colour_spaces_are_refused_with_a_sentence(self):
        with self.assertRaises(pixels.UnsupportedPixels) as caught:
            pixels.check_color_space("CMYKA", U8)
        self.assertIn("Convert Image Color Space", str(caught.exception))
        pixels.check_color_space("RGBA", F32)
        pixels.check_color_space("GRAYA", U16)

    def test_grey_line_art_is_read_as_rgba_with_equal_channels(self):
        # Krita stores a GRAYA pixel as grey, alpha.
        self.assertEqual(bytes([30, 30, 30, 255, 200, 200, 200, 0]), pixels.grey_to_rgba8(bytes([30, 255, 200, 0]), U8))
        data = struct.pack("<4H", 0x1E00, 0xFFFF, 0xC800, 0x0000)
        self.assertEqual(bytes([30, 30, 30, 255, 200, 200, 200, 0]), pixels.grey_to_rgba8(data, U16))
        floats = array("f", [0.5, 1.0, 0.0, 0.25]).tobytes()
        self.assertEqual(bytes([128, 128, 128, 255, 0, 0, 0, 64]), pixels.grey_to_rgba8(floats, F32))


@unittest.skipUnless(pixels.numpy is not None, "numpy is not installed (python3-numpy)")
class ArrayPathTest(unittest.TestCase):
    """The numpy path gives the very bytes the loops give, edge values included."""

    def loops(self):
        saved, pixels.numpy = pixels.numpy, None
        self.addCleanup(setattr, pixels, "numpy", saved)

    def test_float_to_8bit_matches_the_loop_byte_for_byte(self):
        import random
        rng = random.Random(3)
        values = [rng.uniform(-0.2, 1.2) for _ in range(4000)] + [float("nan"), float("inf"), -0.0, 1.0, 0.5 / 16384]
        values += [0.0] * (-len(values) % 4)
        for depth in (pixels.F32, pixels.F16):
            data = (array("f", values).tobytes() if depth == pixels.F32
                    else struct.pack("<%de" % len(values), *[max(-60000.0, min(60000.0, v)) if v == v else v for v in values]))
            for linear in (False, True):
                fast = pixels.to_rgba8(data, depth, linear)
                grey = pixels.grey_to_rgba8(data, depth, linear)
                self.loops()
                self.assertEqual(pixels.to_rgba8(data, depth, linear), fast, (depth, linear))
                self.assertEqual(pixels.grey_to_rgba8(data, depth, linear), grey, (depth, linear))
                pixels.numpy = __import__("numpy")

    def test_8bit_to_float_matches_the_loop(self):
        rgba = bytes(range(256)) * 4
        for depth in (pixels.F32, pixels.F16):
            for linear in (False, True):
                fast = pixels.from_rgba8(rgba, depth, linear)
                self.loops()
                self.assertEqual(pixels.from_rgba8(rgba, depth, linear), fast, (depth, linear))
                pixels.numpy = __import__("numpy")


class MaskTest(unittest.TestCase):
    def test_bounds_of_a_soft_mask(self):
        width, height = 6, 5
        mask = bytearray(width * height)
        mask[1 * width + 2] = 40   # soft edge counts
        mask[3 * width + 4] = 255
        self.assertEqual((2, 1, 3, 3), pixels.mask_bounds(bytes(mask), width, height))

    def test_empty_mask_has_no_bounds(self):
        self.assertIsNone(pixels.mask_bounds(bytes(12), 4, 3))
        self.assertTrue(pixels.mask_is_empty(bytes(12)))
        self.assertFalse(pixels.mask_is_empty(b"\x00\x01"))

    def test_crop_takes_the_rows_of_a_rectangle(self):
        width = 4
        picture = bytes(range(4 * 3 * 2))  # 2 bytes a pixel
        self.assertEqual(bytes([10, 11, 12, 13, 18, 19, 20, 21]), pixels.crop(picture, width, 2, (1, 1, 2, 2)))


if __name__ == "__main__":
    unittest.main()
