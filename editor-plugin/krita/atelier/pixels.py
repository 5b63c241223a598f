"""Pixels at the edge between Krita and the daemon, with no Krita import (unit-tested with plain python3).

Krita hands out a layer's bytes in the layer's own colour space: 8- and 16-bit integer RGBA
are stored B, G, R, A (little-endian for 16-bit), 16- and 32-bit float RGBA are stored R, G,
B, A. The daemon speaks 8-bit RGBA, not premultiplied. Everything converts here and back.
"""

import math
import struct
from array import array

try:  # Krita's Python on Linux is the system one, which has numpy when python3-numpy is installed
    import numpy
except ImportError:  # pragma: no cover - the byte-level loops below then do the same work, slower
    numpy = None

U8, U16, F16, F32 = "U8", "U16", "F16", "F32"
SUPPORTED_DEPTHS = (U8, U16, F16, F32)
RGBA, GRAYA = "RGBA", "GRAYA"
# Grey layers (line art scanned or drawn in grey) are read as RGBA with R = G = B; results are always RGBA.
READABLE_MODELS = (RGBA, GRAYA)


class UnsupportedPixels(Exception):
    """A colour space the plugin cannot send; the message is for the artist."""


def check_color_space(model, depth):
    if model not in READABLE_MODELS:
        raise UnsupportedPixels("Atelier reads RGBA and grey layers; this one is %s. "
                                "Convert it with Image > Convert Image Color Space." % model)
    if depth not in SUPPORTED_DEPTHS:
        raise UnsupportedPixels("Atelier cannot read %s channels; convert the image to 8-bit, 16-bit "
                                "integer or 16/32-bit float RGBA." % depth)


def bytes_per_pixel(depth):
    return {U8: 4, U16: 8, F16: 8, F32: 16}[depth]


def _swap_red_blue(data):
    out = bytearray(data)
    out[0::4] = data[2::4]
    out[2::4] = data[0::4]
    return bytes(out)


# sRGB transfer, for float documents in a linear profile (Krita's default for float is g10).
def srgb_encode(linear):
    linear = 0.0 if linear <= 0.0 else 1.0 if linear >= 1.0 else linear
    return 12.92 * linear if linear <= 0.0031308 else 1.055 * math.pow(linear, 1 / 2.4) - 0.055


def srgb_decode(encoded):
    return encoded / 12.92 if encoded <= 0.04045 else math.pow((encoded + 0.055) / 1.055, 2.4)


_ENCODE_STEPS = 16384
_ENCODE_LUT = bytes(int(round(srgb_encode(i / _ENCODE_STEPS) * 255)) for i in range(_ENCODE_STEPS + 1))
_DECODE_LUT = tuple(srgb_decode(v / 255) for v in range(256))
_PLAIN_LUT = bytes(int(round(i / _ENCODE_STEPS * 255)) for i in range(_ENCODE_STEPS + 1))


def _floats(data, depth):
    if depth == F32:
        values = array("f")
        values.frombytes(bytes(data))
        return values
    count = len(data) // 2
    return struct.unpack("<%de" % count, bytes(data))


def grey_to_rgba8(data, depth, linear=False):
    """Krita GRAYA layer bytes (grey, alpha per pixel; depth U8/U16/F16/F32) -> 8-bit RGBA with R = G = B."""
    data = bytes(data)
    if depth == U8:
        two = data
    elif depth == U16:
        two = data[1::2]
    elif depth in (F16, F32):
        two = _floats_to_8bit(_floats(data, depth), linear, 2)
    else:
        raise UnsupportedPixels("unsupported depth " + str(depth))
    rgba = bytearray(len(two) * 2)
    grey, alpha = two[0::2], two[1::2]
    rgba[0::4] = grey
    rgba[1::4] = grey
    rgba[2::4] = grey
    rgba[3::4] = alpha
    return bytes(rgba)


def to_rgba8(data, depth, linear=False):
    """Krita layer bytes (depth U8/U16/F16/F32) -> 8-bit RGBA. `linear`: float values in a linear profile."""
    data = bytes(data)
    if depth == U8:
        return _swap_red_blue(data)
    if depth == U16:
        # The high byte of each little-endian 16-bit value is v >> 8; v * 257 >> 8 == v, so 8-bit content survives a round trip.
        return _swap_red_blue(data[1::2])
    if depth in (F16, F32):
        return _floats_to_8bit(_floats(data, depth), linear, 4)
    raise UnsupportedPixels("unsupported depth " + str(depth))


def _floats_to_8bit(values, linear, channels):
    """Float channel values -> 8-bit, clamped; the last of every `channels` is alpha (never sRGB-encoded)."""
    if numpy is not None and len(values):
        return _floats_to_8bit_numpy(values, linear, channels)
    colour = _ENCODE_LUT if linear else _PLAIN_LUT
    steps = _ENCODE_STEPS
    out = bytearray(len(values))
    for i, v in enumerate(values):
        index = 0 if not v > 0.0 else steps if v >= 1.0 else int(v * steps + 0.5)
        out[i] = _PLAIN_LUT[index] if i % channels == channels - 1 else colour[index]
    return bytes(out)


def _floats_to_8bit_numpy(values, linear, channels):
    """The loop's mapping, array at a time in float32 (exact: scaling by 2^14 is exact, and
    floor(x) + (x - floor(x) >= 0.5) is floor(x + 0.5) without rounding), in slices that keep
    the temporary arrays small: a 4000x3000 float layer in about a second instead of ~30."""
    v = numpy.frombuffer(values, dtype=numpy.float32) if isinstance(values, array) else numpy.asarray(values, numpy.float32)
    colour = numpy.frombuffer(_ENCODE_LUT if linear else _PLAIN_LUT, dtype=numpy.uint8)
    plain = numpy.frombuffer(_PLAIN_LUT, dtype=numpy.uint8)
    out = numpy.empty(v.shape, dtype=numpy.uint8)
    step = channels * (1 << 20)
    for start in range(0, len(v), step):
        x = v[start:start + step] * numpy.float32(_ENCODE_STEPS)
        numpy.nan_to_num(x, copy=False, nan=0.0, posinf=_ENCODE_STEPS, neginf=0.0)
        numpy.clip(x, 0, _ENCODE_STEPS, out=x)
        whole = numpy.floor(x)
        index = whole.astype(numpy.int32) + (x - whole >= 0.5)
        chunk = colour[index]
        chunk[channels - 1::channels] = plain[index[channels - 1::channels]]
        out[start:start + step] = chunk
    return out.tobytes()


def from_rgba8(rgba, depth, linear=False):
    """8-bit RGBA -> Krita layer bytes of `depth`, the inverse of to_rgba8."""
    rgba = bytes(rgba)
    if depth == U8:
        return _swap_red_blue(rgba)
    if depth == U16:
        swapped = _swap_red_blue(rgba)
        out = bytearray(len(swapped) * 2)
        out[0::2] = swapped
        out[1::2] = swapped
        return bytes(out)
    if depth in (F16, F32) and numpy is not None and rgba:
        codes = numpy.frombuffer(rgba, dtype=numpy.uint8)
        plain = numpy.arange(256, dtype=numpy.float64) / 255
        values = (numpy.asarray(_DECODE_LUT) if linear else plain)[codes]
        values[3::4] = plain[codes[3::4]]
        return values.astype("<f4" if depth == F32 else "<f2").tobytes()
    if depth in (F16, F32):
        colour = _DECODE_LUT if linear else tuple(v / 255 for v in range(256))
        plain = tuple(v / 255 for v in range(256))
        values = [plain[v] if i % 4 == 3 else colour[v] for i, v in enumerate(rgba)]
        if depth == F32:
            return array("f", values).tobytes()
        return struct.pack("<%de" % len(values), *values)
    raise UnsupportedPixels("unsupported depth " + str(depth))


def is_linear_profile(profile_name):
    """Krita names its linear profiles with g10 (gamma 1.0) or 'linear'."""
    name = (profile_name or "").lower()
    return "g10" in name or "linear" in name


def mask_is_empty(mask):
    return not any(mask)


def mask_bounds(mask, width, height):
    """(x, y, w, h) of the non-zero pixels of an 8-bit mask, or None when it is empty."""
    mask = bytes(mask)
    top = bottom = None
    left, right = width, -1
    for y in range(height):
        row = mask[y * width:(y + 1) * width]
        lead = len(row) - len(row.lstrip(b"\x00"))
        if lead == width:
            continue
        top = y if top is None else top
        bottom = y
        left = min(left, lead)
        right = max(right, len(row.rstrip(b"\x00")) - 1)
    if top is None:
        return None
    return (left, top, right - left + 1, bottom - top + 1)


def crop(data, width, bytes_per_px, rect):
    """Rows of `rect` (x, y, w, h) out of a width-wide picture with bytes_per_px bytes a pixel."""
    x, y, w, h = rect
    stride = width * bytes_per_px
    return b"".join(data[(y + row) * stride + x * bytes_per_px:(y + row) * stride + (x + w) * bytes_per_px]
                    for row in range(h))
