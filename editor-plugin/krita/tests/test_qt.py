import importlib
import sys
import unittest
from types import SimpleNamespace


class QtBindingTest(unittest.TestCase):
    """The plugin's Qt follows the Krita it runs in: PyQt5 in Krita 5, PyQt6 in Krita 6."""

    def binding_in(self, version):
        fake = SimpleNamespace(Krita=SimpleNamespace(instance=lambda: SimpleNamespace(version=lambda: version)))
        saved = sys.modules.get("krita")
        sys.modules["krita"] = fake
        try:
            from atelier import qt
            return qt._binding()
        finally:
            if saved is None:
                del sys.modules["krita"]
            else:
                sys.modules["krita"] = saved

    def test_krita_5_gets_pyqt5_and_krita_6_pyqt6(self):
        self.assertEqual("PyQt5", self.binding_in("5.1.5"))
        self.assertEqual("PyQt5", self.binding_in("5.2.9"))
        self.assertEqual("PyQt6", self.binding_in("6.0.0-prealpha"))

    def test_outside_krita_an_installed_binding_is_used_and_gives_every_name_the_plugin_uses(self):
        qt = importlib.import_module("atelier.qt")
        self.assertIn(qt.BINDING, ("PyQt5", "PyQt6"))
        for name in ("pyqtSignal", "QThread", "QTimer", "QComboBox", "QPushButton", "QVBoxLayout", "QWidget"):
            self.assertTrue(hasattr(qt, name), name)


if __name__ == "__main__":
    unittest.main()
