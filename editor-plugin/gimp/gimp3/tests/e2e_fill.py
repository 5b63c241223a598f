"""End-to-end scenario for the GIMP 3 plug-in, run by GIMP 3's python-fu-eval batch interpreter.

engine-daemon's GimpPluginEndToEndTest installs the plug-in into a HOME inside a Debian 13 root
(where GIMP 3.0 is packaged), starts a daemon, and runs gimp-console-3.0 with this file. It opens
E2E/meadow-ball.png, runs Fill with no selection, Inpaint with no model and Fill with a mistyped
engine (each must fail with its sentence, and GIMP go on), then selects E2E/meadow-ball-mask.png
and runs Fill selection with seed 1234. It writes E2E/out/report.txt (one line a fact) and raw
8-bit RGBA dumps of the artist's layer before and after, the new layer and the visible image.
The Java test judges them; this script only records.
"""

import os
import traceback

from gi.repository import Gegl, Gimp, Gio

E2E = os.environ["ATELIER_E2E"]
OUT = os.path.join(E2E, "out")
os.makedirs(OUT, exist_ok=True)
report = open(os.path.join(OUT, "report.txt"), "w")


def say(line):
    report.write(line + "\n")
    report.flush()


def dump(drawable, name):
    width, height = drawable.get_width(), drawable.get_height()
    rect = Gegl.Rectangle.new(0, 0, width, height)
    data = bytes(drawable.get_buffer().get(rect, 1.0, "R'G'B'A u8", Gegl.AbyssPolicy.CLAMP))
    with open(os.path.join(OUT, name), "wb") as out:
        out.write(data)
    say("dump: %s %dx%d" % (name, width, height))


def run(name, image, layer, **values):
    procedure = Gimp.get_pdb().lookup_procedure(name)
    config = procedure.create_config()
    config.set_property("run-mode", Gimp.RunMode.NONINTERACTIVE)
    config.set_property("image", image)
    config.set_core_object_array("drawables", [layer])
    for key, value in values.items():
        config.set_property(key, value)
    result = procedure.run(config)
    status = result.index(0)
    if status == Gimp.PDBStatusType.SUCCESS:
        return "done"
    error = Gimp.PDB.get_last_error(Gimp.get_pdb()) if hasattr(Gimp.PDB, "get_last_error") else ""
    return "%s: %s" % (status.value_nick, error)


def select_from(image, mask_file):
    """The selection as the mask file's grey values (soft edges kept)."""
    mask_image = Gimp.file_load(Gimp.RunMode.NONINTERACTIVE, Gio.File.new_for_path(mask_file))
    source = mask_image.get_layers()[0]
    width, height = source.get_width(), source.get_height()
    grey = bytes(source.get_buffer().get(Gegl.Rectangle.new(0, 0, width, height), 1.0, "Y u8", Gegl.AbyssPolicy.CLAMP))
    channel = Gimp.Channel.new(image, "mask", width, height, 100.0, Gegl.Color.new("black"))
    image.insert_channel(channel, None, 0)
    buffer = channel.get_buffer()
    buffer.set(Gegl.Rectangle.new(0, 0, width, height), "Y u8", grey)
    buffer.flush()
    image.select_item(Gimp.ChannelOps.REPLACE, channel)
    image.remove_channel(channel)
    mask_image.delete()


try:
    image = Gimp.file_load(Gimp.RunMode.NONINTERACTIVE, Gio.File.new_for_path(os.path.join(E2E, "meadow-ball.png")))
    layer = image.get_layers()[0]
    say("version: %s" % Gimp.version())
    dump(layer, "original-before.rgba")
    say("no-selection: " + run("plug-in-atelier-fill", image, layer, seed=1234))
    select_from(image, os.path.join(E2E, "meadow-ball-mask.png"))
    say("inpaint-without-model: " + run("plug-in-atelier-inpaint", image, layer, prompt="a stone"))
    say("mistyped-engine: " + run("plug-in-atelier-fill", image, layer, seed=1234, engine="patchmach"))
    say("fill: " + run("plug-in-atelier-fill", image, layer, seed=1234))
    for item in image.get_layers():
        _, x, y = item.get_offsets()
        say("layer: %s | %d,%d | %dx%d | mask %s" % (item.get_name(), x, y, item.get_width(), item.get_height(),
                                                      "yes" if item.get_mask() is not None else "no"))
    dump(layer, "original-after.rgba")
    dump(image.get_layers()[0], "result-layer.rgba")
    visible = image.duplicate()
    dump(visible.merge_visible_layers(Gimp.MergeType.CLIP_TO_IMAGE), "visible.rgba")
    visible.delete()
    say("end")
except Exception:
    say("script-error: " + traceback.format_exc().replace("\n", " | "))
finally:
    report.close()
