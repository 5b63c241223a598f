"""Tests of the shared client, with plain python3 (Debian's python3-thrift installed).

The live test runs when ATELIER_TEST_PORT and ATELIER_TEST_HOME point at a running daemon
(engine-daemon's PythonClientTest starts one and runs this file).
"""

import os
import struct
import unittest
import zlib
from pathlib import Path

import atelier_client
from atelier_client import DaemonError, ttypes


def gray_png(width, height, value_at):
    """A minimal 8-bit grey PNG, written by hand so the test needs no imaging library."""
    rows = b"".join(b"\x00" + bytes(value_at(x, y) for x in range(width)) for y in range(height))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


class ConfigDirTest(unittest.TestCase):
    def test_linux_defaults_and_xdg(self):
        self.assertEqual(Path("/home/ana/.config/atelier"), atelier_client.config_dir({}, "linux", "/home/ana"))
        self.assertEqual(Path("/cfg/atelier"), atelier_client.config_dir({"XDG_CONFIG_HOME": "/cfg"}, "linux", "/home/ana"))

    def test_atelier_home_wins(self):
        self.assertEqual(Path("/tmp/a/config"), atelier_client.config_dir({"ATELIER_HOME": "/tmp/a"}, "linux", "/h"))

    def test_missing_token_is_a_sentence(self):
        with self.assertRaises(DaemonError) as caught:
            atelier_client.read_token("/nonexistent/token")
        self.assertIn("atelier serve", str(caught.exception))

    def test_unreachable_daemon_is_a_sentence(self):
        with self.assertRaises(DaemonError) as caught:
            atelier_client.Connection("127.0.0.1", 1, token="x", timeout_seconds=2)
        self.assertIn("Cannot reach the Atelier daemon", str(caught.exception))


@unittest.skipUnless(os.environ.get("ATELIER_TEST_PORT"), "needs a running daemon (engine-daemon's PythonClientTest)")
class LiveDaemonTest(unittest.TestCase):
    def connect(self, token=None):
        token_file = Path(os.environ["ATELIER_TEST_HOME"]) / "config" / "token"
        return atelier_client.Connection("127.0.0.1", int(os.environ["ATELIER_TEST_PORT"]),
                                         token=token if token is not None else atelier_client.read_token(token_file))

    def test_fill_round_trip_with_the_generated_python_code(self):
        width, height = 40, 30
        image = ttypes.Picture(ttypes.PixelFormat.RGBA8, width, height,
                               bytes(v for y in range(height) for x in range(width) for v in (x * 6, y * 8, 100, 255)))
        mask = ttypes.Picture(ttypes.PixelFormat.PNG, 0, 0,
                              gray_png(width, height, lambda x, y: 255 if 15 <= x < 25 and 10 <= y < 20 else 0))
        request = ttypes.EditRequest(operation=ttypes.Operation.CONTENT_FILL, image=image, mask=mask, seed=1234)
        seen = []
        with self.connect() as daemon:
            self.assertEqual(5, len(daemon.capabilities().operations))
            result = daemon.edit(request, on_progress=seen.append)
        self.assertEqual(ttypes.JobState.SUCCEEDED, seen[-1].state)
        layer = result.layers[0]
        self.assertEqual((15, 10, 10, 10), (layer.x, layer.y, layer.pixels.width, layer.pixels.height))
        self.assertEqual(1234, layer.seed)
        self.assertEqual(10 * 10 * 4, len(layer.pixels.data))

    def test_typed_errors_become_sentences(self):
        bad = ttypes.EditRequest(operation=ttypes.Operation.CONTENT_FILL,
                                 image=ttypes.Picture(ttypes.PixelFormat.RGBA8, 4, 4, b"\x00" * 63))
        with self.connect() as daemon:
            with self.assertRaises(DaemonError) as caught:
                daemon.submit(bad)
        self.assertEqual("Invalid request: image.data: 63 bytes, but 4x4 RGBA8 needs 64", str(caught.exception))
        with self.connect(token="wrong") as daemon:
            with self.assertRaises(DaemonError) as caught:
                daemon.capabilities()
        self.assertIn("refused the token", str(caught.exception))


if __name__ == "__main__":
    unittest.main()
