"""End-to-end scenario for Colorize, run inside a real Krita by the plugin's ATELIER_E2E_SCRIPT hook.

engine-daemon's KritaPluginEndToEndTest opens ATELIER_E2E_IMAGE (grey line art on white paper, so
Krita makes a grey document), adds the colour scribbles of ATELIER_E2E_HINTS as an RGBA layer
"Hints" above the line art, makes the line art active, chooses "Hints" in the docker and presses
Colorize through the plugin's own action. It writes into ATELIER_E2E_OUT: the line layer's bytes
before and after, the saved document (result.kra), a screenshot of the window and report.json.
The Java test judges those files; this script only records. Globals from the hook: active_docker.
"""

import os
import sys

from krita import Krita
from PyQt5.QtGui import QImage

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e_scenario import Scenario  # noqa: E402 (beside this file, not on Krita's path)

OUT = os.environ["ATELIER_E2E_OUT"]


def tree(node):
    return [dict(name=c.name(), type=c.type(), mode=c.blendingMode(), model=c.colorModel(), children=tree(c))
            for c in node.childNodes()]


def bgra_bytes(path):
    image = QImage(path).convertToFormat(QImage.Format_ARGB32)  # BGRA in memory on little-endian machines
    bits = image.constBits()
    bits.setsize(image.bytesPerLine() * image.height())
    raw = bytes(bits)
    return b"".join(raw[y * image.bytesPerLine():y * image.bytesPerLine() + 4 * image.width()]
                    for y in range(image.height()))


scenario = Scenario(active_docker)
note, finish, wait_until = scenario.note, scenario.finish, scenario.wait_until
app = Krita.instance()
doc = app.openDocument(os.environ["ATELIER_E2E_IMAGE"])
window = app.activeWindow()
scenario.window = window
view = window.addView(doc)
app.setActiveDocument(doc)
lines = doc.activeNode()
width, height = doc.width(), doc.height()
with open(os.path.join(OUT, "lines-before.raw"), "wb") as out:
    out.write(bytes(lines.pixelData(0, 0, width, height)))
note("opened", width=width, height=height, layer=lines.name(), model=doc.colorModel(), depth=doc.colorDepth())

hints = doc.createNode("Hints", "paintlayer")
hints.setColorSpace("RGBA", "U8", "sRGB-elle-V2-srgbtrc.icc")
hints.setPixelData(bgra_bytes(os.environ["ATELIER_E2E_HINTS"]), 0, 0, width, height)
lines.parentNode().addChildNode(hints, lines)
doc.waitForDone()
doc.setActiveNode(lines)
docker = active_docker()
docker.show()
docker.raise_()
note("hints added", tree=tree(doc.rootNode()))


def ready():
    active = doc.activeNode()
    if active is None or active.uniqueId() != lines.uniqueId():
        doc.setActiveNode(lines)  # Krita makes a node active a moment after it is asked to
        scenario.report["waiting"] = dict(active=None if active is None else active.name(),
                                 connected=docker.capabilities is not None)
        return False
    return docker.capabilities is not None


def press():
    docker.refresh_layers()
    index = docker.hints.findData(hints.uniqueId())
    docker.hints.setCurrentIndex(index)
    note("connected", status=docker.status.text(), hints_index=index)
    outcomes = []
    docker.finished.connect(outcomes.append)
    app.action("atelier_colorize").trigger()
    note("colorize pressed", message=docker.last_message, busy=docker.job is not None)
    wait_until(lambda: outcomes, lambda: coloured(outcomes[0]), 120, "the colorize job")


def coloured(outcome):
    doc.waitForDone()
    note("colorize finished", outcome=outcome, message=docker.last_message, tree=tree(doc.rootNode()))
    with open(os.path.join(OUT, "lines-after.raw"), "wb") as out:
        out.write(bytes(lines.pixelData(0, 0, width, height)))
    doc.setBatchmode(True)
    saved = doc.saveAs(os.path.join(OUT, "result.kra"))
    doc.waitForDone()
    note("saved", ok=bool(saved))
    finish(outcome, message=docker.last_message, tree=tree(doc.rootNode()))


wait_until(ready, press, 60, "the docker to connect and the line art to be active")
