"""The GIMP 3 plug-in's decisions, with no GIMP import (unit-tested with plain python3).

What each menu entry asks for, which rectangles to read from the layer and the selection,
where result layers go and what they are called. The geometry and the request come from the
shared atelier_layout (the Krita plugin uses the same), so both plugins behave the same.
"""

import os
from collections import namedtuple

import atelier_layout as layout
from atelier_layout import Bounds, Extend

# Babl formats for Gegl buffers: the daemon speaks 8-bit sRGB-encoded RGBA and linear 8-bit masks
# (GIMP keeps channels linear, so "Y u8" hands over the selection's values as they are).
PIXELS_FORMAT = "R'G'B'A u8"
MASK_FORMAT = "Y u8"

# One dialog field: kind is string, int, double, boolean or layer.
Field = namedtuple("Field", "name label kind default minimum maximum blurb")


def _string(name, label, default, blurb):
    return Field(name, label, "string", default, None, None, blurb)


def _int(name, label, default, minimum, maximum, blurb):
    return Field(name, label, "int", default, minimum, maximum, blurb)


PROMPT = _string("prompt", "_Prompt", "", "What to paint")
NEGATIVE = _string("negative", "_Negative prompt", "", "What not to paint")
STRENGTH = Field("strength", "_Strength", "double", 1.0, 0.0, 1.0, "How much to change: 1 repaints fully")
SEED = _int("seed", "S_eed", 0, 0, 2_147_483_647, "The same seed gives the same result; 0 lets the daemon choose")
VARIANTS = _int("variants", "_Variants", 1, 1, 8, "How many results (a layer group, the first visible)")
ENGINE = _string("engine", "E_ngine", "auto", "auto, embedded, or an installed model's name")
STYLE = _string("style", "St_yle", "", "Optional: a Style's name (atelier styles list): its model, LoRAs and prompt template")
SIDES = tuple(Field(side, "_" + side.capitalize(), "boolean", side == "right", None, None, "Grow the canvas on this side")
              for side in ("left", "right", "top", "bottom"))
AMOUNT = _int("amount", "_By (pixels)", 256, 8, 4096, "How far to grow each ticked side")
USE_HINTS = Field("use-hints", "Use a _hints layer", "boolean", False, None, None, "Colour strokes that say which region gets which colour")
HINTS = Field("hints", "_Hints layer", "layer", None, None, None, "The layer with the colour strokes")

# A menu entry: its procedure name, label, operation, and dialog fields (the Krita docker's, per operation).
Entry = namedtuple("Entry", "procedure label operation fields blurb")

ENTRIES = (
    Entry("plug-in-atelier-fill", "_Fill selection", layout.FILL, (SEED, VARIANTS, ENGINE),
          "Makes what is selected disappear: the Atelier daemon fills it from its surroundings into a new layer"),
    Entry("plug-in-atelier-inpaint", "_Inpaint selection...", layout.INPAINT,
          (PROMPT, NEGATIVE, STRENGTH, SEED, VARIANTS, ENGINE, STYLE), "Paints what the prompt says into the selection, as a new layer"),
    Entry("plug-in-atelier-expand", "_Expand canvas...", layout.EXPAND,
          SIDES + (AMOUNT, PROMPT, NEGATIVE, STRENGTH, SEED, VARIANTS, ENGINE, STYLE),
          "Grows the canvas on the ticked sides and paints the new area, as a new layer"),
    Entry("plug-in-atelier-remove-background", "_Remove background", layout.REMOVE_BACKGROUND, (ENGINE,),
          "Remove background (inside the selection, if any): cuts the subject out into a new layer; a rough selection says where the subject is"),
    Entry("plug-in-atelier-colorize", "_Colorize line art...", layout.COLORIZE,
          (USE_HINTS, HINTS, PROMPT, NEGATIVE, STRENGTH, SEED, ENGINE, STYLE),
          "Fills the closed regions of the line art with flat colours, in a new layer under it"),
)
BY_PROCEDURE = {entry.procedure: entry for entry in ENTRIES}
MENU_PATH = "<Image>/Filters/Atelier"


class NeedsFixing(Exception):
    """Something the artist can fix; the message says how."""


def daemon_address(env=None):
    """(host, port) of the daemon: ATELIER_HOST / ATELIER_PORT, else the loopback default."""
    env = os.environ if env is None else env
    port = env.get("ATELIER_PORT", "").strip()
    return env.get("ATELIER_HOST", "").strip() or "127.0.0.1", int(port) if port else 47315


def extend_of(values):
    """The Expand sides from the dialog's values (left/right/top/bottom booleans and amount)."""
    extend = Extend.on_sides(int(values["amount"]), {side for side in ("left", "right", "top", "bottom") if values[side]})
    if extend.is_empty():
        raise NeedsFixing("Expand: tick at least one side to grow.")
    return extend


def plan_read(operation, layer, selection_in_layer):
    """The rectangle of the layer to send, in the layer's own pixels.

    layer: the drawable's Bounds in image pixels (its offsets and size). selection_in_layer: the
    selection's bounds inside the layer (what drawable.mask_intersect() says), or None.
    """
    if operation in layout.NEEDS_SELECTION and selection_in_layer is None:
        raise NeedsFixing("%s needs a selection on the active layer: select what to %s, then run it again." % (
            operation.capitalize(), "remove" if operation == layout.FILL else "repaint"))
    whole = Bounds(0, 0, layer.width, layer.height)
    focus = selection_in_layer if operation in layout.NEEDS_SELECTION else None
    return layout.region_to_send(whole, focus)


def in_image(region, layer):
    """A rectangle in the layer's pixels -> the same pixels in image coordinates (where the selection lives)."""
    return region.offset(layer.x, layer.y)


def wants_mask(operation):
    return operation in layout.NEEDS_SELECTION or operation == layout.REMOVE_BACKGROUND


def seed_of(values):
    """The dialog's seed: 0 means let the daemon choose."""
    seed = int(values.get("seed", 0) or 0)
    return seed if seed > 0 else None


def request_for(ttypes, entry, values, image, region, mask=None, hints=None):
    """The EditRequest for one run of a menu entry, from the dialog's values."""
    extend = tuple(extend_of(values)) if entry.operation == layout.EXPAND else None
    return layout.make_request(ttypes, entry.operation, image, (region.width, region.height), mask=mask, hints=hints,
                               prompt=values.get("prompt", ""), negative=values.get("negative", ""),
                               strength=values.get("strength", 1.0), seed=seed_of(values),
                               variants=int(values.get("variants", 1)), engine=values.get("engine", "auto"),
                               extend=extend, style=values.get("style") or None)


# Where the result goes: layers (LayerPlans in image pixels), the canvas growth first (or None),
# whether under the artist's layer, whether to add the selection as a layer mask, and the group's name.
Placement = namedtuple("Placement", "layers grow below masked group")


def place(operation, result_layers, layer, region, underlay=False, extend=None):
    """Result layers (relative to the region sent) -> where they go in the image.

    layer: the drawable's Bounds in image pixels before anything changes; region: what was sent,
    in the layer's pixels. Expand grows the canvas by `extend` first: every layer moves by
    (left, top), so the results, which cover the grown layer, land at the layer's old offsets.
    """
    grow = None
    origin = in_image(region, layer)
    if operation == layout.EXPAND:
        grow = extend
        origin = Bounds(layer.x, layer.y, 0, 0)
    plans = layout.plan_layers(operation, result_layers, (origin.x, origin.y))
    group = layout.group_name(operation, len(plans)) if len(plans) > 1 else None
    return Placement(plans, grow, underlay, operation in layout.NEEDS_SELECTION, group)


def insert_position(position, below):
    """The index among the siblings for a new layer just above (or under) the one at `position`."""
    return position + 1 if below else position


def progress_text(operation, stage):
    return "Atelier %s: %s" % (operation, stage) if stage else "Atelier %s" % operation
