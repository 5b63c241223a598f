"""Tests of the shared client, with plain python3 (Debian's python3-thrift installed).

The live test runs when ATELIER_TEST_PORT and ATELIER_TEST_HOME point at a running daemon
(engine-daemon's PythonClientTest starts one and runs this file).
"""

import os
import struct
import tempfile
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

    def test_the_gap_closing_option_reaches_the_daemon(self):
        import atelier_layout
        lines = bytes(v for y in range(16) for x in range(16) for v in ((0, 0, 0, 255) if x in (3, 12) or y in (3, 12)
                                                                        else (255, 255, 255, 255)))
        too_wide = atelier_layout.make_request(ttypes, atelier_layout.COLORIZE, lines, (16, 16), gap_closing=33)
        with self.connect() as daemon:
            with self.assertRaises(DaemonError) as caught:
                daemon.edit(too_wide)
            self.assertIn("gapClosing", str(caught.exception))
            result = daemon.edit(atelier_layout.make_request(ttypes, atelier_layout.COLORIZE, lines, (16, 16), gap_closing=2))
        self.assertEqual(16 * 16 * 4, len(result.layers[0].pixels.data))

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


class AdvancedOptionsTest(unittest.TestCase):
    """The docker's Advanced fold: each option goes into the request only for the operations that read
    it, and an option left at its default (None) stays unset, so the Style or the daemon decides."""

    def request(self, operation, **options):
        import atelier_layout
        return atelier_layout.make_request(ttypes, operation, b"\x00" * 16, (2, 2), mask=b"\xff" * 4, **options)

    def test_unset_options_stay_unset(self):
        import atelier_layout
        request = self.request(atelier_layout.INPAINT)
        for field in ("steps", "guidance", "scheduler", "maskGrow", "maskFeather", "gapClosing"):
            self.assertIsNone(getattr(request, field), field)

    def test_each_option_reaches_the_operations_that_read_it(self):
        import atelier_layout
        options = dict(steps=12, guidance=5.5, scheduler="euler-a", mask_grow=0, mask_feather=16, gap_closing=9)
        inpaint = self.request(atelier_layout.INPAINT, **options)
        self.assertEqual((12, 5.5, "euler-a", 0, 16, None), (inpaint.steps, inpaint.guidance, inpaint.scheduler,
                                                             inpaint.maskGrow, inpaint.maskFeather, inpaint.gapClosing))
        colorize = self.request(atelier_layout.COLORIZE, **options)
        self.assertEqual((12, None, 9), (colorize.steps, colorize.maskGrow, colorize.gapClosing))
        lora = self.request(atelier_layout.INPAINT, loras=[("hero", 0.8)])
        self.assertEqual([ttypes.LoraChoice("hero", 0.8)], lora.loras)
        self.assertIsNone(self.request(atelier_layout.INPAINT).loras)
        cutout = self.request(atelier_layout.REMOVE_BACKGROUND, **options)
        self.assertEqual((None, None, None), (cutout.steps, cutout.maskGrow, cutout.gapClosing))


class CropTest(unittest.TestCase):
    def test_bounds_of_a_raw_mask_and_a_crop_by_rows(self):
        width, height = 7, 5
        mask = ttypes.Picture(ttypes.PixelFormat.GRAY8, width, height,
                              bytes(200 if (x, y) in ((2, 1), (5, 3)) else 0 for y in range(height) for x in range(width)))
        self.assertEqual((2, 1, 4, 3), atelier_client.selected_bounds(mask))
        self.assertIsNone(atelier_client.selected_bounds(ttypes.Picture(ttypes.PixelFormat.GRAY8, 3, 3, bytes(9))))
        rgba = ttypes.Picture(ttypes.PixelFormat.RGBA8, width, height,
                              bytes(v for y in range(height) for x in range(width) for v in (x, y, 0, 255 if x == 6 else 0)))
        self.assertEqual((6, 0, 1, 5), atelier_client.selected_bounds(rgba))
        cut = atelier_client.crop_picture(rgba, (2, 1, 4, 3))
        self.assertEqual((4, 3, 48), (cut.width, cut.height, len(cut.data)))
        self.assertEqual(bytes((2, 1, 0, 0)), cut.data[:4])
        self.assertEqual(bytes((5, 3, 0, 0)), cut.data[-4:])

    def test_a_host_never_trusted_is_refused_before_anything_is_sent(self):
        with self.assertRaises(DaemonError) as caught:
            atelier_client.Connection("192.0.2.7", 47315, token="x", timeout_seconds=2)
        self.assertIn("not a trusted daemon yet", str(caught.exception))
        self.assertTrue(atelier_client.is_loopback("localhost") and atelier_client.is_loopback("::1"))


@unittest.skipUnless(os.environ.get("ATELIER_TEST_TLS_PORT"), "needs a daemon serving --tls (engine-daemon's PythonClientTest)")
class LiveTlsDaemonTest(unittest.TestCase):
    """A daemon serving TLS as one on another machine would; ATELIER_HOME is this 'laptop', with no token of its own."""

    port = int(os.environ.get("ATELIER_TEST_TLS_PORT") or 0)

    @classmethod
    def setUpClass(cls):
        cls.token = (Path(os.environ["ATELIER_TEST_TLS_HOME"]) / "config" / "token").read_text().strip()
        cls.fingerprint = atelier_client.probe_fingerprint("127.0.0.1", cls.port)
        atelier_client.trust_server("127.0.0.1", cls.port, cls.fingerprint, cls.token)

    def test_trust_keeps_the_fingerprint_and_token_owner_only(self):
        self.assertRegex(self.fingerprint, r"^SHA256(:[0-9A-F]{2}){32}$")
        self.assertEqual({"fingerprint": self.fingerprint, "token": self.token},
                         atelier_client.find_trusted("127.0.0.1", self.port))
        self.assertEqual(0o600, atelier_client.trusted_servers_file().stat().st_mode & 0o777)
        with atelier_client.Connection("127.0.0.1", self.port) as daemon:
            self.assertTrue(daemon.remote)
            self.assertEqual(5, len(daemon.capabilities().operations))

    def test_a_wrong_token_is_not_kept_and_a_changed_certificate_is_refused(self):
        other = Path(tempfile.mkdtemp()) / "servers.json"
        with self.assertRaises(DaemonError) as caught:
            atelier_client.trust_server("127.0.0.1", self.port, self.fingerprint, "f" * 64, path=other)
        self.assertIn("refused the token", str(caught.exception))
        self.assertIsNone(atelier_client.find_trusted("127.0.0.1", self.port, path=other))
        impostor = "SHA256:" + ":".join(["00"] * 32)
        with self.assertRaises(DaemonError) as caught:
            atelier_client.Connection("127.0.0.1", self.port, token=self.token, fingerprint=impostor)
        self.assertIn("different certificate", str(caught.exception))

    def test_a_large_picture_is_cropped_to_the_context_and_placed_back(self):
        width, height = 4000, 3000
        row = bytes(v for x in range(width) for v in ((x * 7) % 251, (x * 3) % 241, 90, 255))
        image = ttypes.Picture(ttypes.PixelFormat.RGBA8, width, height, row * height)
        mask_row = bytes(255 if 2500 <= x < 2580 else 0 for x in range(width))
        mask = ttypes.Picture(ttypes.PixelFormat.GRAY8, width, height,
                              b"".join(mask_row if 1400 <= y < 1460 else bytes(width) for y in range(height)))
        request = ttypes.EditRequest(operation=ttypes.Operation.CONTENT_FILL, image=image, mask=mask, seed=5,
                                     engine="patchmatch")
        with atelier_client.Connection("127.0.0.1", self.port, timeout_seconds=120) as daemon:
            sent, region, canvas = atelier_client.crop_to_context(daemon, request)
            self.assertLess(len(sent.image.data) * 50, len(image.data), "sent %s of the canvas" % (region,))
            cropped = daemon.edit(request)  # cropped: the daemon is "remote"
            whole = daemon.edit(request, crop=False)
        self.assertTrue(cropped.details["sent"].endswith("of 4000x3000"), cropped.details)
        self.assertEqual((4000, 3000), (cropped.canvasWidth, cropped.canvasHeight))
        a, b = cropped.layers[0], whole.layers[0]
        self.assertEqual((b.x, b.y, b.pixels.width, b.pixels.height), (a.x, a.y, a.pixels.width, a.pixels.height))
        self.assertEqual(b.pixels.data, a.pixels.data)


if __name__ == "__main__":
    unittest.main()
