"""End-to-end scenario run inside a real Krita by the plugin's ATELIER_E2E_SCRIPT hook.

engine-daemon's KritaPluginEndToEndTest installs the plugin zip into a temporary HOME, starts a
daemon, and runs Krita under Xvfb with this file. It opens ATELIER_E2E_IMAGE, first presses Fill
with no selection (the docker must explain), then selects ATELIER_E2E_MASK and presses Fill through
the plugin's own action, waits for the job, and writes into ATELIER_E2E_OUT: the active layer's bytes
before and after, the saved document (result.kra), a screenshot of the docker and report.json.
The Java test judges those files; this script only records. Globals from the hook: active_docker.
"""

import os
import sys

from krita import Krita, Selection
from PyQt5.QtGui import QImage

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e_scenario import Scenario  # noqa: E402 (beside this file, not on Krita's path)

OUT = os.environ["ATELIER_E2E_OUT"]
SEED = 1234


def tree(node):
    return [dict(name=c.name(), type=c.type(), visible=c.visible(), x=c.bounds().x(), y=c.bounds().y(),
                 children=tree(c)) for c in node.childNodes()]


def grey_bytes(path):
    image = QImage(path).convertToFormat(QImage.Format_Grayscale8)
    bits = image.constBits()
    bits.setsize(image.bytesPerLine() * image.height())
    raw = bytes(bits)
    return b"".join(raw[y * image.bytesPerLine():y * image.bytesPerLine() + image.width()] for y in range(image.height()))


scenario = Scenario(active_docker)
note, finish, wait_until = scenario.note, scenario.finish, scenario.wait_until
app = Krita.instance()
doc = app.openDocument(os.environ["ATELIER_E2E_IMAGE"])
window = app.activeWindow()
scenario.window = window
view = window.addView(doc)
app.setActiveDocument(doc)
doc.waitForDone()
layer = doc.activeNode()
if layer is None:  # Krita 5.2 leaves no node active in a document opened by script until it is chosen
    layer = doc.topLevelNodes()[-1]
    doc.setActiveNode(layer)
width, height = doc.width(), doc.height()
with open(os.path.join(OUT, "original-before.bgra"), "wb") as out:
    out.write(bytes(layer.pixelData(0, 0, width, height)))
note("opened", width=width, height=height, layer=layer.name(), depth=doc.colorDepth())

docker = active_docker()
docker.show()
docker.raise_()
note("docker", found=docker is not None)


def connected():
    note("connected", status=docker.status.text())
    app.action("atelier_fill").trigger()  # no selection yet: the docker must explain
    note("fill without selection", message=docker.last_message)
    selection = Selection()
    selection.setPixelData(grey_bytes(os.environ["ATELIER_E2E_MASK"]), 0, 0, width, height)
    doc.setSelection(selection)
    docker.seed.setValue(SEED)
    outcomes = []
    docker.finished.connect(outcomes.append)
    progress_seen = []
    docker.progress.valueChanged.connect(progress_seen.append)
    app.action("atelier_fill").trigger()
    note("fill pressed", message=docker.last_message, busy=docker.job is not None)
    wait_until(lambda: outcomes, lambda: filled(outcomes[0], progress_seen), 180, "the fill job")


def filled(outcome, progress_seen):
    doc.waitForDone()
    note("fill finished", outcome=outcome, message=docker.last_message, progress_values=len(progress_seen),
         tree=tree(doc.rootNode()))
    with open(os.path.join(OUT, "original-after.bgra"), "wb") as out:
        out.write(bytes(layer.pixelData(0, 0, width, height)))
    inpaint = docker.buttons["inpaint"]
    folded = dict(folded_gap=docker.gap_closing.isVisible(), folded_steps=docker.steps.isVisible())
    docker.advanced_box.setChecked(True)  # unfold Advanced, as an artist clicks its title
    unfolded = dict(unfolded_gap=docker.gap_closing.isVisible(), unfolded_steps=docker.steps.isVisible(),
                    unfolded_strength=docker.strength.isVisible())
    docker.advanced_box.setChecked(False)
    note("advanced fold", options=docker.advanced_options(), **folded, **unfolded)
    note("docker after fill", active_after=doc.activeNode().name(), seed_after=docker.seed.value(),
         engines=[docker.engine.itemText(i) for i in range(docker.engine.count())],
         inpaint_enabled=inpaint.isEnabled(), inpaint_tip=inpaint.toolTip(), prompt_shown=docker.prompt.isVisible(),
         fill_enabled_after=docker.buttons["fill"].isEnabled(), cancel_enabled_after=docker.cancel_button.isEnabled())
    docker.grab().save(os.path.join(OUT, "atelier-docker.png"))
    window.qwindow().grab().save(os.path.join(OUT, "krita-after-fill.png"))  # the README's picture of the docker
    doc.setBatchmode(True)
    saved = doc.saveAs(os.path.join(OUT, "result.kra"))
    doc.waitForDone()
    note("saved", ok=bool(saved))
    empty = doc.createNode("Empty", "paintlayer")  # after saving: the saved document is what the test judges
    doc.rootNode().addChildNode(empty, None)
    doc.setActiveNode(empty)  # Krita 5.1 makes it active a moment later
    wait_until(lambda: doc.activeNode().name() == "Empty", lambda: fill_on_empty(outcome), 20, "the empty layer to be active")


def fill_on_empty(outcome):
    refused = []
    docker.finished.connect(refused.append)
    app.action("atelier_fill").trigger()  # the layer is read strip by strip, so the refusal comes a moment later

    def said():
        note("fill on an empty layer", message=docker.last_message, outcome=refused[0], busy=docker.job is not None)
        finish(outcome, message=docker.last_message, tree=tree(doc.rootNode()))

    wait_until(lambda: refused, said, 30, "the refusal on the empty layer")


wait_until(lambda: docker.capabilities is not None, connected, 60, "the docker to connect to the daemon")
