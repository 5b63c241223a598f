#!/usr/bin/env python3
"""Atelier for GIMP 3: Filters > Atelier > Fill selection, Inpaint selection..., Expand canvas...,
Remove background, Colorize line art...

The GIMP side only: read the active layer and the selection (a soft 8-bit mask) through Gegl
buffers, run the job with the shared client (atelier_client) with GIMP's progress bar and a
Cancel button, and insert the results as new layers in one undo group. What to read, what to
ask and where results go is decided in atelier_gimp (no GIMP import, unit-tested). The artist's
layer is only read.

Installed as ~/.config/GIMP/3.0/plug-ins/atelier/ with, beside this file: atelier_gimp.py,
atelier_layout.py and atelier_client.py (editor-plugin/common) and the atelier_thrift package
(bridge/src/generated/py). Needs python3-thrift for GIMP's Python.
"""

import sys
from pathlib import Path

import gi

gi.require_version("Gimp", "3.0")
gi.require_version("GimpUi", "3.0")
gi.require_version("Gegl", "0.4")
gi.require_version("Gtk", "3.0")
from gi.repository import Gegl, Gimp, GimpUi, GLib, GObject, Gtk  # noqa: E402

_HERE = Path(__file__).resolve().parent
for _folder in (_HERE, _HERE.parent.parent.parent / "common"):  # installed, or a checkout
    if (_folder / "atelier_layout.py").exists() and str(_folder) not in sys.path:
        sys.path.insert(0, str(_folder))

import atelier_gimp as plan  # noqa: E402
from atelier_layout import Bounds  # noqa: E402

try:
    import atelier_client as client
    CLIENT_ERROR = None
except ImportError as missing:  # shown when a menu entry runs, not at GIMP's start
    client, CLIENT_ERROR = None, str(missing)

FLAGS = GObject.ParamFlags.READWRITE


def _add_argument(procedure, field):
    if field.kind == "string":
        procedure.add_string_argument(field.name, field.label, field.blurb, field.default, FLAGS)
    elif field.kind == "int":
        procedure.add_int_argument(field.name, field.label, field.blurb, field.minimum, field.maximum, field.default, FLAGS)
    elif field.kind == "double":
        procedure.add_double_argument(field.name, field.label, field.blurb, field.minimum, field.maximum, field.default, FLAGS)
    elif field.kind == "boolean":
        procedure.add_boolean_argument(field.name, field.label, field.blurb, field.default, FLAGS)
    elif field.kind == "layer":
        procedure.add_layer_argument(field.name, field.label, field.blurb, True, FLAGS)


def _bounds(drawable):
    _, x, y = drawable.get_offsets()
    return Bounds(x, y, drawable.get_width(), drawable.get_height())


def _read_pixels(drawable, region):
    """`region` (in the drawable's pixels) of the drawable, as 8-bit sRGB RGBA."""
    rect = Gegl.Rectangle.new(region.x, region.y, region.width, region.height)
    return bytes(drawable.get_buffer().get(rect, 1.0, plan.PIXELS_FORMAT, Gegl.AbyssPolicy.CLAMP))


def _read_hints(hints, layer, region):
    """The hints layer over the same image pixels as `region` of `layer` (transparent where it has none)."""
    area = plan.in_image(region, layer)
    _, hx, hy = hints.get_offsets()
    rect = Gegl.Rectangle.new(area.x - hx, area.y - hy, area.width, area.height)
    return bytes(hints.get_buffer().get(rect, 1.0, plan.PIXELS_FORMAT, Gegl.AbyssPolicy.NONE))


def _read_selection(image, layer, region):
    """The selection over `region` of the layer as a soft 8-bit mask, or None when none of it is selected."""
    area = plan.in_image(region, layer)
    rect = Gegl.Rectangle.new(area.x, area.y, area.width, area.height)
    mask = bytes(image.get_selection().get_buffer().get(rect, 1.0, plan.MASK_FORMAT, Gegl.AbyssPolicy.NONE))
    return mask if any(mask) else None


def _selection_in(drawable):
    """The selection's bounds inside the drawable (its own pixels), or None."""
    touches, x, y, width, height = drawable.mask_intersect()
    return Bounds(x, y, width, height) if touches and width > 0 and height > 0 else None


def _new_layer(image, layer_plan):
    kind = Gimp.ImageType.GRAYA_IMAGE if image.get_base_type() == Gimp.ImageBaseType.GRAY else Gimp.ImageType.RGBA_IMAGE
    layer = Gimp.Layer.new(image, layer_plan.name, layer_plan.width, layer_plan.height, kind, 100.0, Gimp.LayerMode.NORMAL)
    return layer


def _fill(layer, layer_plan):
    buffer = layer.get_buffer()
    buffer.set(Gegl.Rectangle.new(0, 0, layer_plan.width, layer_plan.height), plan.PIXELS_FORMAT, layer_plan.rgba)
    buffer.flush()
    layer.update(0, 0, layer_plan.width, layer_plan.height)


def _insert(image, drawable, placement):
    """The planned layers above (or under) the drawable, in one undo group; the drawable is not written."""
    image.undo_group_start()
    try:
        if placement.grow is not None:
            g = placement.grow
            image.resize(image.get_width() + g.left + g.right, image.get_height() + g.top + g.bottom, g.left, g.top)
        if placement.below and image.get_base_type() == Gimp.ImageBaseType.GRAY:
            image.convert_rgb()  # flats are colour; grey values stay exactly as they were, in the same undo step
        parent = drawable.get_parent()
        position = plan.insert_position(image.get_item_position(drawable), placement.below)
        container = None
        if placement.group is not None:
            container = Gimp.GroupLayer.new(image, placement.group)
            image.insert_layer(container, parent, position)
        added = []
        for index, layer_plan in enumerate(placement.layers):
            layer = _new_layer(image, layer_plan)
            if container is not None:
                image.insert_layer(layer, container, index)
            else:
                image.insert_layer(layer, parent, position)
            layer.set_offsets(layer_plan.x, layer_plan.y)
            _fill(layer, layer_plan)
            layer.set_visible(layer_plan.visible)
            if placement.masked and not Gimp.Selection.is_empty(image):
                layer.add_mask(layer.create_mask(Gimp.AddMaskType.SELECTION))
            added.append(layer)
        if placement.below and isinstance(drawable, Gimp.Layer) and drawable.get_mode() in (
                Gimp.LayerMode.NORMAL, Gimp.LayerMode.NORMAL_LEGACY):
            # On Multiply the line art's paper shows the flats under it, as colourists keep line layers.
            drawable.set_mode(Gimp.LayerMode.MULTIPLY)
            # Union keeps the line layer's paper where no flat is; GIMP's default for Multiply clips it away.
            drawable.set_composite_mode(Gimp.LayerCompositeMode.UNION)
            Gimp.message("Atelier: the flats are under “%s”, now on Multiply so they show through its paper"
                         " (Edit > Undo takes both back)." % drawable.get_name())
    finally:
        image.undo_group_end()
    Gimp.displays_flush()
    return container or added[0]


class _CancelDialog:
    """A small window with a Cancel button while the job runs (interactive runs only)."""

    def __init__(self, title):
        self.asked = False
        self.window = GimpUi.Dialog(title=title, role="atelier-progress")
        self.window.add_button("_Cancel", Gtk.ResponseType.CANCEL)
        self.bar = Gtk.ProgressBar(show_text=True)
        self.window.get_content_area().pack_start(self.bar, True, True, 12)
        self.window.connect("response", lambda *_: setattr(self, "asked", True))
        self.window.show_all()

    def show(self, fraction, text):
        self.bar.set_fraction(fraction)
        self.bar.set_text(text)
        while Gtk.events_pending():
            Gtk.main_iteration()

    def close(self):
        self.window.destroy()


class Atelier(Gimp.PlugIn):
    def do_query_procedures(self):
        return [entry.procedure for entry in plan.ENTRIES]

    def do_set_i18n(self, name):
        return False

    def do_create_procedure(self, name):
        entry = plan.BY_PROCEDURE[name]
        procedure = Gimp.ImageProcedure.new(self, name, Gimp.PDBProcType.PLUGIN, self.run, entry)
        procedure.set_image_types("RGB*, GRAY*")
        procedure.set_sensitivity_mask(Gimp.ProcedureSensitivityMask.DRAWABLE)
        procedure.set_menu_label(entry.label)
        procedure.add_menu_path(plan.MENU_PATH)
        procedure.set_documentation(entry.blurb, entry.blurb + " (Atelier daemon).", name)
        procedure.set_attribution("Atelier", "Atelier", "2024")
        for field in entry.fields:
            _add_argument(procedure, field)
        return procedure

    def run(self, procedure, run_mode, image, drawables, config, entry):
        interactive = run_mode == Gimp.RunMode.INTERACTIVE
        if interactive:
            GimpUi.init("atelier")
            if entry.fields:
                dialog = GimpUi.ProcedureDialog.new(procedure, config, "Atelier " + entry.operation)
                dialog.fill(None)
                accepted = dialog.run()
                dialog.destroy()
                if not accepted:
                    return procedure.new_return_values(Gimp.PDBStatusType.CANCEL, None)
        try:
            self._edit(image, drawables, entry, {f.name: config.get_property(f.name) for f in entry.fields}, interactive)
        except plan.NeedsFixing as error:
            return self._fail(procedure, str(error), interactive)
        except Exception as error:  # a daemon sentence, or GIMP refused: a message, never a traceback
            return self._fail(procedure, str(error) or error.__class__.__name__, interactive)
        return procedure.new_return_values(Gimp.PDBStatusType.SUCCESS, None)

    @staticmethod
    def _fail(procedure, message, interactive):
        if interactive:
            Gimp.message(message)
        return procedure.new_return_values(Gimp.PDBStatusType.EXECUTION_ERROR,
                                           GLib.Error.new_literal(Gimp.PlugIn.error_quark(), message, 0))

    def _edit(self, image, drawables, entry, values, interactive):
        if client is None:
            raise plan.NeedsFixing("Atelier's client could not load (%s). Install python3-thrift for GIMP's Python "
                                   "and copy atelier_client.py and atelier_thrift/ beside atelier.py." % CLIENT_ERROR)
        if len(drawables) != 1 or not isinstance(drawables[0], Gimp.Layer):
            raise plan.NeedsFixing("Atelier %s works on one layer: select a single layer." % entry.operation)
        drawable = drawables[0]
        layer = _bounds(drawable)
        region = plan.plan_read(entry.operation, layer, _selection_in(drawable))
        pixels = _read_pixels(drawable, region)
        mask = _read_selection(image, layer, region) if plan.wants_mask(entry.operation) else None
        hints = None
        if entry.operation == plan.layout.COLORIZE and values.get("use-hints") and values.get("hints") is not None:
            hints = _read_hints(values["hints"], layer, region)
        request = plan.request_for(client.ttypes, entry, values, pixels, region, mask=mask, hints=hints)
        result = self._run_job(request, entry.operation, interactive)
        layers = list(result.layers)
        if any(item.pixels.format != client.ttypes.PixelFormat.RGBA8 for item in layers):
            raise plan.NeedsFixing("The daemon sent a picture format this plug-in does not read.")
        underlay = bool(layers) and all(item.role == client.ttypes.LayerRole.UNDERLAY for item in layers)
        extend = plan.extend_of(values) if entry.operation == plan.layout.EXPAND else None
        _insert(image, drawable, plan.place(entry.operation, layers, layer, region, underlay, extend))

    @staticmethod
    def _run_job(request, operation, interactive):
        host, port = plan.daemon_address()
        Gimp.progress_init(plan.progress_text(operation, "sending"))
        window = _CancelDialog("Atelier " + operation) if interactive else None

        def progressed(status):
            text = plan.progress_text(operation, status.stage)
            Gimp.progress_set_text(text)
            Gimp.progress_update(max(0.0, min(1.0, status.progress)))
            if window is not None:
                window.show(max(0.0, min(1.0, status.progress)), text)

        sent = []

        def should_cancel():  # asks once
            if window is not None and window.asked and not sent:
                sent.append(True)
                return True
            return False

        try:
            with client.Connection(host, port, timeout_seconds=60) as daemon:
                return daemon.edit(request, on_progress=progressed, should_cancel=should_cancel, poll_seconds=0.1)
        finally:
            Gimp.progress_end()
            if window is not None:
                window.close()


Gimp.main(Atelier.__gtype__, sys.argv)
