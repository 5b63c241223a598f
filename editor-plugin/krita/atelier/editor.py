"""The Krita side: read the active layer and the selection, put results in as new layers.

Nothing here talks to the daemon. The artist's layer is only read, never written.
"""

import time

from krita import Krita, Selection

from . import layout, pixels
from .qt import QTimer
from .layout import Bounds


class EditorError(Exception):
    """Something about the document that the artist can fix; the message says how."""


def document_bounds(doc):
    return Bounds(0, 0, doc.width(), doc.height())


def _same_document(a, b):
    return a is not None and b is not None and a.rootNode().uniqueId() == b.rootNode().uniqueId()


def _depth_of(doc):
    return doc.colorDepth(), pixels.is_linear_profile(doc.colorProfile())


# Krita's pixelData and setPixelData run on its UI thread; a strip this size takes about a twentieth of
# a second on a float layer, so reading or writing a whole 4000x3000 layer strip by strip, with Krita's
# event loop turning between strips (see run_in_steps in the docker), never freezes the window for long
# (8 MB strips: longest freeze 0.28-0.34 s; 4 MB: 0.21-0.25 s, the same total time).
STRIP_BYTES = 4 << 20


def strips(height, bytes_per_row):
    """(first row, rows) of each strip of a picture `height` rows high."""
    rows = max(1, STRIP_BYTES // max(1, bytes_per_row))
    for top in range(0, height, rows):
        yield top, min(rows, height - top)


def read_layer_in_steps(node, region):
    """A generator: reads the node's pixels in `region` (document pixels) as 8-bit RGBA, one strip
    per step; its return value is the picture. Layer offsets are Krita's business."""
    if node is None:
        raise EditorError("Select a layer first.")
    try:
        pixels.check_color_space(node.colorModel(), node.colorDepth())
    except pixels.UnsupportedPixels as error:
        raise EditorError(str(error)) from None
    linear = pixels.is_linear_profile(node.colorProfile())
    depth, grey = node.colorDepth(), node.colorModel() == pixels.GRAYA
    read = node.pixelData if node.type() == "paintlayer" else node.projectionPixelData  # groups etc.: what they show
    row_bytes = region.width * pixels.bytes_per_pixel(depth) // (2 if grey else 1)
    out = bytearray(region.width * region.height * 4)
    for top, rows in strips(region.height, row_bytes):
        data = bytes(read(region.x, region.y + top, region.width, rows))
        out[top * region.width * 4:(top + rows) * region.width * 4] = (
            pixels.grey_to_rgba8(data, depth, linear) if grey else pixels.to_rgba8(data, depth, linear))
        yield
    return bytes(out)


def selection_bounds(doc):
    """The bounds of the document's selection, or None when nothing is selected."""
    selection = doc.selection()
    if selection is None or selection.width() <= 0 or selection.height() <= 0:
        return None
    return Bounds(selection.x(), selection.y(), selection.width(), selection.height())


def read_selection(doc, region):
    """The selection inside `region` as a soft 8-bit mask (255 selected), or None when nothing is selected there."""
    selection = doc.selection()
    if selection is None:
        return None
    mask = bytes(selection.pixelData(region.x, region.y, region.width, region.height))
    return None if pixels.mask_is_empty(mask) else mask


def paint_layers(doc):
    """(name, node) of every layer in the document, top first, for the colorize hints chooser."""
    found = []

    def walk(node, depth):
        for child in reversed(node.childNodes()):
            if child.type() in ("paintlayer", "grouplayer"):
                found.append(("  " * depth + child.name(), child))
            if child.type() == "grouplayer":
                walk(child, depth + 1)

    walk(doc.rootNode(), 0)
    return found


def grow_canvas(doc, extend):
    """Grows the canvas by `extend` (Expand); existing layers keep their pixels and move with the origin."""
    grown = extend.grown(doc.width(), doc.height())
    doc.resizeImage(grown.x, grown.y, grown.width, grown.height)
    doc.waitForDone()


def _new_paint_layer(doc, plan):
    """A generator: a new layer (not yet in the document) filled from the plan a strip per step; returns it."""
    depth, linear = _depth_of(doc)
    layer = doc.createNode(plan.name, "paintlayer")
    if layer.colorModel() != pixels.RGBA:
        # A grey document still gets colour results: the new layer alone is RGBA, at the document's depth.
        layer.setColorSpace(pixels.RGBA, depth, "sRGB-elle-V2-srgbtrc.icc")
        depth, linear = layer.colorDepth(), pixels.is_linear_profile(layer.colorProfile())
    for top, rows in strips(plan.height, plan.width * pixels.bytes_per_pixel(depth)):
        part = plan.rgba[top * plan.width * 4:(top + rows) * plan.width * 4]
        layer.setPixelData(pixels.from_rgba8(part, depth, linear), plan.x, plan.y + top, plan.width, rows)
        yield
    layer.setVisible(plan.visible)
    return layer


def _selection_from_mask(mask, region):
    selection = Selection()
    selection.setPixelData(mask, region.x, region.y, region.width, region.height)
    return selection


def insert_results(doc, active, operation, plans, below=False, blend_mask=None, mask_region=None, before_insert=None):
    """A generator: puts the planned layers in as one new layer (or a group of variants) next to
    `active`. The layers are filled a strip per step and go into the document together at the end,
    so stopping early leaves the document as it was.

    below: under the active layer (colorize flats go under the line art), else above it.
    blend_mask: the soft selection, added as an editable transparency mask on the result
    (fill/inpaint) instead of being baked into its alpha. Returns the inserted node, and whether
    its blend mask is still to be added with add_blend_mask (Krita 5.1). before_insert: called once
    the layers are filled, just before they go in (Expand grows the canvas there).
    """
    layers = []
    for plan in plans:
        layers.append((yield from _new_paint_layer(doc, plan)))
    # Each call below that changes the document's layers makes Krita composite the image before it returns
    # (about a second each on a 4000x3000 float document): a step between them lets the window repaint.
    yield
    if before_insert is not None:
        before_insert()
        yield
    if len(layers) == 1:
        top = layers[0]
    else:
        top = doc.createNode(layout.group_name(operation, len(layers)), "grouplayer")
        for layer in reversed(layers):  # first variant on top
            top.addChildNode(layer, None)
    mask_done = blend_mask is None
    if blend_mask is not None and hasattr(doc, "createTransparencyMask"):  # Krita 5.2+: built before it goes in
        mask = doc.createTransparencyMask("Atelier blend")
        mask.setSelection(_selection_from_mask(blend_mask, mask_region))
        top.addChildNode(mask, None)
        mask_done = True
    parent = active.parentNode() if active is not None else doc.rootNode()
    if below:
        siblings = parent.childNodes()
        index = [s.uniqueId() for s in siblings].index(active.uniqueId())
        if index > 0:
            parent.addChildNode(top, siblings[index - 1])
        else:
            # The artist's layer is the bottom one and addChildNode only puts a node above another: put the
            # result above it, then lift the artist's layer (the same node, pixels untouched) back above the result.
            # (setChildNodes would reorder the other layers.)
            parent.addChildNode(top, active)
            doc.waitForDone()
            yield
            parent.removeChildNode(active)
            yield
            parent.addChildNode(active, top)
    else:
        parent.addChildNode(top, active)
    # Adding the layer has composited it already: no refreshProjection (another two seconds on such a document).
    return top, not mask_done


def show_flats_through(node):
    """Sets the line layer to Multiply, as colourists keep line art, so flats put under it show
    through its paper. Returns the mode it had when it changed it, else None (already not Normal)."""
    mode = node.blendingMode()
    if mode != "normal":
        return None
    node.setBlendingMode("multiply")
    return mode


def add_blend_mask(doc, target, mask, region, done, timeout_seconds=5):
    """Krita 5.1 has no scripting call for a transparency mask: its own action makes one from the selection.

    The action works on the active layer of the active view, and Krita makes a layer active a
    moment after setActiveNode; so this waits for that, then calls done(None) or done(sentence).
    It never touches another layer: if the result does not become active, there is no mask.
    """
    app = Krita.instance()
    if not _same_document(app.activeDocument(), doc):
        done("The result was added without its blend mask: its document was not the active one.")
        return
    previous = doc.selection()
    doc.setActiveNode(target)
    deadline = time.monotonic() + timeout_seconds

    def masks():
        return [c.uniqueId() for c in target.childNodes() if c.type() == "transparencymask"]

    def attempt():
        active = doc.activeNode()
        if active is None or active.uniqueId() != target.uniqueId():
            if time.monotonic() > deadline:
                done("The result was added without its blend mask: Krita did not select the new layer.")
            else:
                doc.setActiveNode(target)
                QTimer.singleShot(50, attempt)
            return
        before = masks()
        doc.setSelection(_selection_from_mask(mask, region))
        app.action("add_new_transparency_mask").trigger()
        doc.waitForDone()
        if previous is not None:
            doc.setSelection(previous)
        doc.refreshProjection()
        new = [c for c in target.childNodes() if c.type() == "transparencymask" and c.uniqueId() not in before]
        for node in new:
            node.setName("Atelier blend")
        done(None if new else "Krita did not add the blend mask to the new layer.")

    QTimer.singleShot(0, attempt)
