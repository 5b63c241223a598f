"""End-to-end scenario for Colorize, run inside a real Krita by the plugin's ATELIER_E2E_SCRIPT hook.

engine-daemon's KritaPluginEndToEndTest opens ATELIER_E2E_IMAGE (grey line art on white paper, so
Krita makes a grey document), adds the colour scribbles of ATELIER_E2E_HINTS as an RGBA layer
"Hints" above the line art, makes the line art active, chooses "Hints" in the docker and presses
Colorize through the plugin's own action. It writes into ATELIER_E2E_OUT: the line layer's bytes
before and after, the saved document (result.kra), a screenshot of the window and report.json.
The Java test judges those files; this script only records. Globals from the hook: active_docker.
"""

import json
import os
import time

from krita import Krita
from PyQt5.QtCore import QTimer
from PyQt5.QtGui import QImage

OUT = os.environ["ATELIER_E2E_OUT"]
report = {"steps": []}
started = time.monotonic()


def note(step, **details):
    report["steps"].append(dict(step=step, at=round(time.monotonic() - started, 1), **details))
    write_report()


def write_report():
    with open(os.path.join(OUT, "report.json"), "w", encoding="utf-8") as out:
        json.dump(report, out, indent=1, ensure_ascii=False)


def finish(outcome, **details):
    report.update(outcome=outcome, **details)
    write_report()
    try:
        docker = active_docker()
        if docker is not None:
            docker.grab().save(os.path.join(OUT, "atelier-docker.png"))
        window.qwindow().grab().save(os.path.join(OUT, "krita-window.png"))
    finally:
        os._exit(0)


def wait_until(condition, then, timeout, what):
    deadline = time.monotonic() + timeout

    def poll():
        try:
            if condition():
                then()
            elif time.monotonic() > deadline:
                finish("timeout", waiting_for=what)
            else:
                QTimer.singleShot(200, poll)
        except Exception:  # record and quit: the Java test reads report.json
            import traceback
            finish("error", error=traceback.format_exc())
    QTimer.singleShot(200, poll)


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


app = Krita.instance()
doc = app.openDocument(os.environ["ATELIER_E2E_IMAGE"])
window = app.activeWindow()
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
        report["waiting"] = dict(active=None if active is None else active.name(),
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
