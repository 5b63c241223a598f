"""Where things go: regions to send, where result layers land, what they are called, what to ask.

Shared by the Krita and GIMP 3 plug-ins (Krita knows it as atelier.layout). No editor import
(unit-tested with plain python3). Geometry is a small immutable Bounds, so
every crop and placement below reads as a sentence instead of x - pad / 2 arithmetic.
"""

import random
from collections import namedtuple

# The operations, with the words the artist sees in layer names.
FILL, INPAINT, EXPAND, REMOVE_BACKGROUND, COLORIZE = "fill", "inpaint", "expand", "remove background", "colorize"
OPERATIONS = (FILL, INPAINT, EXPAND, REMOVE_BACKGROUND, COLORIZE)
NEEDS_SELECTION = (FILL, INPAINT)

# A layer above this many pixels is sent as the selection's region only.
LARGE_LAYER_PIXELS = 4_000_000
# Context kept around the selection when cropping: a fraction of the selection's size, at least this many pixels.
MIN_CONTEXT = 128
CONTEXT_FRACTION = 1.0


class Bounds(namedtuple("Bounds", "x y width height")):
    """A rectangle in document pixels."""

    __slots__ = ()

    @property
    def right(self):
        return self.x + self.width

    @property
    def bottom(self):
        return self.y + self.height

    @property
    def pixels(self):
        return self.width * self.height

    def is_empty(self):
        return self.width <= 0 or self.height <= 0

    def pad(self, amount):
        return Bounds(self.x - amount, self.y - amount, self.width + 2 * amount, self.height + 2 * amount)

    def intersect(self, other):
        x, y = max(self.x, other.x), max(self.y, other.y)
        right, bottom = min(self.right, other.right), min(self.bottom, other.bottom)
        return Bounds(x, y, max(0, right - x), max(0, bottom - y))

    def offset(self, dx, dy):
        return Bounds(self.x + dx, self.y + dy, self.width, self.height)

    def relative_to(self, origin):
        return Bounds(self.x - origin.x, self.y - origin.y, self.width, self.height)


def region_to_send(canvas, selection, large_pixels=LARGE_LAYER_PIXELS):
    """The part of the layer to send: all of it, or on a large layer the selection plus context around it."""
    if selection is None or canvas.pixels <= large_pixels:
        return canvas
    context = max(MIN_CONTEXT, int(max(selection.width, selection.height) * CONTEXT_FRACTION))
    return selection.pad(context).intersect(canvas)


class Extend(namedtuple("Extend", "left right top bottom")):
    """How far Expand grows the canvas on each side."""

    __slots__ = ()

    @staticmethod
    def on_sides(amount, sides):
        """`sides`: any of "left", "right", "top", "bottom"."""
        return Extend(*(amount if side in sides else 0 for side in ("left", "right", "top", "bottom")))

    def is_empty(self):
        return not any(v > 0 for v in self)

    def grown(self, width, height):
        """The rectangle to give Krita's resizeImage, in the old canvas's coordinates."""
        return Bounds(-self.left, -self.top, width + self.left + self.right, height + self.top + self.bottom)


def layer_name(operation, seed, name=None):
    """"Atelier fill · seed 1234"; a layer the daemon names (a flat's colour) keeps that name too."""
    base = "Atelier %s · seed %d" % (operation, seed)
    return base if not name else "%s · %s" % (base, name)


def group_name(operation, count):
    return "Atelier %s · %d variants" % (operation, count)


# A planned result layer: pixels are 8-bit RGBA, (x, y) in document pixels after any canvas growth.
LayerPlan = namedtuple("LayerPlan", "name x y width height rgba visible")


def plan_layers(operation, layers, region_origin=(0, 0)):
    """Result layers -> LayerPlans at document positions; of several variants only the first is visible.

    `layers`: objects with pixels (width, height, data), x, y, seed and an optional name, as the
    daemon returns them, relative to the region that was sent (which starts at region_origin).
    """
    ox, oy = region_origin
    return [LayerPlan(layer_name(operation, layer.seed, getattr(layer, "name", None)),
                      ox + layer.x, oy + layer.y, layer.pixels.width, layer.pixels.height,
                      layer.pixels.data, index == 0)
            for index, layer in enumerate(layers)]


def random_seed(rng=random):
    """A seed the dice button rolls: positive, fits in a spin box."""
    return rng.randint(1, 2_147_483_647)


# The Thrift Operation for each of the artist's operations.
OPERATION_CODES = {
    FILL: "CONTENT_FILL",
    INPAINT: "INPAINT",
    EXPAND: "OUTPAINT",
    REMOVE_BACKGROUND: "REMOVE_BACKGROUND",
    COLORIZE: "COLORIZE",
}


SCHEDULERS = ("euler", "euler-a", "dpmpp-2m-karras", "ddim", "lcm")


def make_request(ttypes, operation, image, size, mask=None, hints=None, prompt="", negative="", strength=1.0,
                 seed=None, variants=1, engine="auto", extend=None, style=None, steps=None, guidance=None,
                 scheduler=None, mask_grow=None, mask_feather=None, gap_closing=None, loras=()):
    """The EditRequest for one press of a button. image/hints: 8-bit RGBA of `size` (w, h); mask: 8-bit.

    The Advanced options (steps, guidance, scheduler and loras, (name, weight) pairs, for the model
    engines; mask_grow and mask_feather for inpaint and fill; gap_closing for colorize) stay unset
    when None (loras: empty), so the request's Style or the daemon's defaults decide.

    `ttypes` is the generated atelier_thrift.ttypes (atelier_client.ttypes), passed in so this module needs no Thrift.
    """
    width, height = size
    picture = lambda data, fmt=ttypes.PixelFormat.RGBA8: ttypes.Picture(fmt, width, height, data)  # noqa: E731
    request = ttypes.EditRequest(operation=getattr(ttypes.Operation, OPERATION_CODES[operation]),
                                 image=picture(image), engine=engine or "auto", seed=seed)
    if mask is not None:
        request.mask = picture(mask, ttypes.PixelFormat.GRAY8)
    if hints is not None:
        request.hints = picture(hints)
    if operation in (INPAINT, EXPAND, COLORIZE):
        request.prompt = prompt or None
        request.negativePrompt = negative or None
        request.strength = float(strength)
    if operation != REMOVE_BACKGROUND and variants > 1:
        request.variants = int(variants)
    if extend is not None:
        request.extend = ttypes.Extension(*extend)
    if operation == COLORIZE:
        request.flats = ttypes.FlatsOutput.UNDERLAY
    if style and operation in (INPAINT, EXPAND, COLORIZE):
        request.style = style
    if operation in (FILL, INPAINT, EXPAND, COLORIZE):
        request.steps = steps
        request.guidance = guidance
        request.scheduler = scheduler
        if loras:
            request.loras = [ttypes.LoraChoice(name, float(weight)) for name, weight in loras]
    if operation in (FILL, INPAINT):
        request.maskGrow = mask_grow
        request.maskFeather = mask_feather
    if operation == COLORIZE:
        request.gapClosing = gap_closing
    return request
