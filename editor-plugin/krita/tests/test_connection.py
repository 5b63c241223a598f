import sys
import unittest
from unittest import mock

from atelier import connection


class LoadClientTest(unittest.TestCase):
    def test_missing_thrift_runtime_is_a_sentence_not_a_traceback(self):
        blocked = {name: None for name in ("thrift", "thrift.protocol", "thrift.transport", "thrift.Thrift")}
        saved = sys.modules.pop("atelier_client", None)
        try:
            with mock.patch.dict(sys.modules, blocked):
                client, error = connection.load_client()
        finally:
            sys.modules.pop("atelier_client", None)
            if saved is not None:
                sys.modules["atelier_client"] = saved
        self.assertIsNone(client)
        self.assertIn("apt-get install python3-thrift", error)

    @unittest.skipUnless(sys.modules.get("thrift") or __import__("importlib").util.find_spec("thrift"),
                         "python3-thrift is not installed")
    def test_the_shared_client_loads_from_the_checkout(self):
        client, error = connection.load_client()
        self.assertIsNone(error)
        self.assertTrue(hasattr(client, "Connection"))


class ResolveCommandTest(unittest.TestCase):
    def test_a_program_on_path_is_left_alone(self):
        self.assertEqual(["atelier", "serve"], connection.resolve_command(["atelier", "serve"], which=lambda p: "/usr/bin/" + p))

    def test_a_bare_atelier_off_path_is_the_installers_launcher(self):
        import tempfile
        from pathlib import Path
        launcher = Path(tempfile.mkdtemp()) / "atelier"
        launcher.write_text("#!/bin/sh\n")
        launcher.chmod(0o755)
        self.assertEqual([str(launcher), "serve", "--port", "1"],
                         connection.resolve_command(["atelier", "serve", "--port", "1"], which=lambda p: None,
                                                    launchers=[Path("/nonexistent/atelier"), launcher]))

    def test_nothing_found_says_what_to_set(self):
        with self.assertRaises(FileNotFoundError) as caught:
            connection.resolve_command(["atelier", "serve"], which=lambda p: None, launchers=[])
        self.assertIn("set Command", str(caught.exception))

    def test_the_linux_launcher_follows_xdg_data_home(self):
        from pathlib import Path
        self.assertEqual([Path("/d/atelier/app/bin/atelier")],
                         connection.installed_launchers({"XDG_DATA_HOME": "/d"}, "linux", "/home/ana"))


if __name__ == "__main__":
    unittest.main()
