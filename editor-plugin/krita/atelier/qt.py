"""Qt for the plugin through whichever binding the running Krita embeds: PyQt5 in Krita 5, PyQt6 in
Krita 6 (which refuses PyQt5 imports). Loading the other one would put a second Qt into Krita's
process, so the choice follows Krita's own version; outside Krita (the tests) PyQt5 is tried first."""

import importlib


def _binding():
    try:
        from krita import Krita
    except ImportError:
        return None
    major = Krita.instance().version().split(".")[0]
    return "PyQt6" if major.isdigit() and int(major) >= 6 else "PyQt5"


def _load():
    chosen = _binding()
    for name in ([chosen] if chosen else ["PyQt5", "PyQt6"]):
        try:
            return (importlib.import_module(name + ".QtCore"), importlib.import_module(name + ".QtGui"),
                    importlib.import_module(name + ".QtWidgets"), name)
        except ImportError:
            if chosen:
                raise
    raise ImportError("neither PyQt5 nor PyQt6 is installed: install python3-pyqt5 (Krita 5) or PyQt6 (Krita 6)")


_core, _gui, _widgets, BINDING = _load()

pyqtSignal = _core.pyqtSignal
QThread = _core.QThread
QTimer = _core.QTimer
QImage = _gui.QImage
QPixmap = _gui.QPixmap
QCheckBox = _widgets.QCheckBox
QComboBox = _widgets.QComboBox
QDoubleSpinBox = _widgets.QDoubleSpinBox
QFormLayout = _widgets.QFormLayout
QGridLayout = _widgets.QGridLayout
QGroupBox = _widgets.QGroupBox
QHBoxLayout = _widgets.QHBoxLayout
QInputDialog = _widgets.QInputDialog
QLabel = _widgets.QLabel
QLineEdit = _widgets.QLineEdit
QProgressBar = _widgets.QProgressBar
QPushButton = _widgets.QPushButton
QSpinBox = _widgets.QSpinBox
QToolButton = _widgets.QToolButton
QVBoxLayout = _widgets.QVBoxLayout
QWidget = _widgets.QWidget

# Scoped in PyQt6, also reachable unscoped in PyQt5.
PASSWORD_ECHO = getattr(getattr(QLineEdit, "EchoMode", QLineEdit), "Password")
