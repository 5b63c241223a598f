"""End-to-end scenario: a 4000x3000 32-bit float document, as a painter working in linear light has.

engine-daemon's KritaPluginEndToEndTest runs it like e2e_fill.py. It draws a frame of black lines
on white into the document's layer, presses Colorize (no hints: the automatic palette), and while
the docker reads the layer, waits for the daemon and adds the flats, a 10 ms timer on Krita's UI
thread records the longest time it could not run: how long the window was frozen. report.json has
that, the outcome and the layers; the Java test judges them. Globals from the hook: active_docker.
"""

import os
import struct
import sys
import time

from krita import Krita

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e_scenario import Scenario  # noqa: E402
from atelier.qt import QTimer  # noqa: E402

WIDTH, HEIGHT = 4000, 3000
scenario = Scenario(active_docker)
note, finish, wait_until = scenario.note, scenario.finish, scenario.wait_until
app = Krita.instance()
doc = app.createDocument(WIDTH, HEIGHT, "float", "RGBA", "F32", "", 300.0)
scenario.window = app.activeWindow()
scenario.window.addView(doc)
app.setActiveDocument(doc)
doc.waitForDone()
layer = doc.topLevelNodes()[-1]
doc.setActiveNode(layer)
# White paper with two nested black frames, 12 px lines: two closed shapes and the paper around them.
white, black = struct.pack("<4f", 1, 1, 1, 1), struct.pack("<4f", 0, 0, 0, 1)
row_white = white * WIDTH


def frame_row(y, frames):
    cells = bytearray(row_white)
    for left, top, right, bottom in frames:
        if top <= y < bottom:
            edge = y < top + 12 or y >= bottom - 12
            for x in ((range(left, right)) if edge else list(range(left, left + 12)) + list(range(right - 12, right))):
                cells[x * 16:x * 16 + 16] = black
    return bytes(cells)


frames = [(400, 300, 3600, 2700), (1400, 1000, 2600, 2000)]
kinds = {}
rows = []
for y in range(HEIGHT):
    key = tuple((t <= y < t + 12 or b - 12 <= y < b, t <= y < b) for _, t, _, b in frames)
    if key not in kinds:
        kinds[key] = frame_row(y, frames)
    rows.append(kinds[key])
layer.setPixelData(b"".join(rows), 0, 0, WIDTH, HEIGHT)
doc.refreshProjection()
doc.waitForDone()
docker = active_docker()
docker.show()
note("opened", depth=doc.colorDepth(), model=doc.colorModel(), layer=layer.name())

ticks = dict(last=None, longest=0.0, running=False, freezes=[])


def tick():
    now = time.monotonic()
    if ticks["running"] and ticks["last"] is not None:
        gap = now - ticks["last"]
        ticks["longest"] = max(ticks["longest"], gap)
        if gap > 0.25:  # what the docker said as the freeze ended: where it was
            ticks["freezes"].append([round(gap, 2), docker.last_message[:60]])
    ticks["last"] = now


timer = QTimer()
timer.setInterval(10)
timer.timeout.connect(tick)
timer.start()


def ready():
    active = doc.activeNode()
    if active is None or active.uniqueId() != layer.uniqueId():
        doc.setActiveNode(layer)
        return False
    return docker.capabilities is not None


def press():
    outcomes = []
    docker.finished.connect(outcomes.append)
    docker.hints.setCurrentIndex(0)  # no hints
    ticks.update(last=time.monotonic(), longest=0.0, running=True)
    started = time.monotonic()
    app.action("atelier_colorize").trigger()
    ticks["press"] = time.monotonic() - started
    wait_until(lambda: outcomes, lambda: done(outcomes[0], started), 240, "the colorize job")


def done(outcome, started):
    ticks["running"] = False
    note("colorize finished", outcome=outcome, message=docker.last_message, seconds=round(time.monotonic() - started, 2),
         longest_freeze=round(ticks["longest"], 3), freezes=ticks["freezes"], press_returned_after=round(ticks["press"], 3),
         layers=[n.name() for n in doc.topLevelNodes()])
    finish(outcome, message=docker.last_message)


wait_until(ready, press, 60, "the docker to connect and the layer to be active")
