import importlib.util
import os
import subprocess
import sys
import unittest
from pathlib import Path

# Run in a fresh interpreter: PyQt5 and PyQt6 cannot share one process, and the other tests load PyQt5.
# The stand-in `krita` module reports Krita 6 and gives the few classes the plugin derives from, so the
# plugin's own modules load and its docker is built for real with PyQt6 widgets (offscreen).
SCRIPT = r'''
import sys, types
from PyQt6 import QtWidgets
settings = {}
registered = []
class App:
    def addExtension(self, extension): registered.append(extension)
    def addDockWidgetFactory(self, factory): registered.append(factory)
    def version(self): return "6.0.0"
    def readSetting(self, group, key, default): return settings.get((group, key), default)
    def writeSetting(self, group, key, value): settings[(group, key)] = value
    def activeDocument(self): return None
    def activeWindow(self): return None
    def documents(self): return []
app_instance = App()
class Krita:
    @staticmethod
    def instance(): return app_instance
class DockWidget(QtWidgets.QDockWidget):
    def canvas(self): return None
krita = types.ModuleType("krita")
krita.Krita = Krita
krita.DockWidget = DockWidget
krita.DockWidgetFactoryBase = types.SimpleNamespace(DockRight=2)
class DockWidgetFactory:
    def __init__(self, name, area, cls): self.cls = cls
class Extension:
    def __init__(self, app): pass
class Window:
    actions = []
    def createAction(self, name, text, menu):
        from PyQt6.QtGui import QAction
        action = QAction(text)
        self.actions.append(action)
        return action
krita.DockWidgetFactory = DockWidgetFactory
krita.Extension = Extension
krita.Selection = object
sys.modules["krita"] = krita
qapp = QtWidgets.QApplication([])
from atelier import qt
assert qt.BINDING == "PyQt6", qt.BINDING
assert "PyQt5" not in sys.modules, "PyQt5 was loaded next to PyQt6"
import atelier
from atelier import docker, editor, jobs, plugin
factories = [r for r in registered if isinstance(r, DockWidgetFactory)]
assert factories and factories[0].cls is docker.AtelierDocker, registered
window = Window()
[e for e in registered if isinstance(e, plugin.AtelierExtension)][0].createActions(window)
assert len(window.actions) == len(plugin.ACTIONS), window.actions
d = docker.AtelierDocker()
names = [b.text() for b in d.findChildren(QtWidgets.QPushButton)]
assert any("Fill" in n for n in names), names
d.canvasChanged(None)
d._save_settings()
# The live preview: a PNG from JobStatus.preview shows scaled in the docker, a broken one is ignored, and it
# goes when the job ends; the job passes each new preview on once.
from PyQt6.QtCore import QBuffer, QByteArray, QIODevice
from PyQt6.QtGui import QImage
picture = QImage(640, 420, QImage.Format.Format_RGB32)
picture.fill(0x3366CC)
data = QByteArray()
buffer = QBuffer(data)
buffer.open(QIODevice.OpenModeFlag.WriteOnly)
picture.save(buffer, "PNG")
png = bytes(data)
d._previewed(png)
assert d.preview.isVisibleTo(d) and 64 <= d.preview.pixmap().width() <= 256, d.preview.pixmap().width()
d._previewed(b"not a png")
assert d.preview.isVisibleTo(d)
d._end_job()
assert not d.preview.isVisibleTo(d)
job = jobs.EditJob(None, None, None)
seen = []
job.previewed.connect(seen.append)
job._last_preview = None
status = types.SimpleNamespace(progress=0.5, stage="denoising", preview=types.SimpleNamespace(data=png))
job._status(status)
job._status(status)
assert seen == [png], len(seen)
print("docker built with PyQt6:", ", ".join(sorted(set(n for n in names if n))))
'''


@unittest.skipUnless(importlib.util.find_spec("PyQt6"), "PyQt6 is not installed (Debian: python3-pyqt6)")
class PyQt6Test(unittest.TestCase):
    """Krita 6 embeds PyQt6 and refuses PyQt5: the plugin loads and builds its docker with PyQt6 alone."""

    def test_the_plugin_loads_and_builds_its_docker_with_pyqt6(self):
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONDONTWRITEBYTECODE="1")
        result = subprocess.run([sys.executable, "-c", SCRIPT], cwd=Path(__file__).resolve().parent.parent,
                                env=env, capture_output=True, text=True, timeout=120)
        self.assertEqual(0, result.returncode, result.stdout + result.stderr)
        self.assertIn("docker built with PyQt6", result.stdout)


if __name__ == "__main__":
    unittest.main()
