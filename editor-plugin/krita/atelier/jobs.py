"""Daemon calls off Krita's UI thread: each runs in a QThread and reports through Qt signals.

Uses the shared client (atelier_client) and no Krita import.
"""

import time

from PyQt5.QtCore import QThread, pyqtSignal

from . import connection, layout


class Settings:
    """Where the daemon is: host, port, token file ("" = the daemon's default), and how to start it."""

    def __init__(self, host="127.0.0.1", port=47315, token_file="", autostart=False, command="atelier serve --port {port}"):
        self.host, self.port, self.token_file = host, int(port), token_file
        self.autostart, self.command = bool(autostart), command


def _connect(client, settings):
    token = client.read_token(connection.token_path(client, settings.token_file))
    return client.Connection(settings.host, settings.port, token=token, timeout_seconds=60)


class CapabilitiesProbe(QThread):
    """Asks the daemon what it can do, starting it first when it is not running and the artist allowed that."""

    answered = pyqtSignal(object)
    failed = pyqtSignal(str)

    def __init__(self, client, settings, parent=None):
        super().__init__(parent)
        self.client, self.settings = client, settings

    def run(self):
        try:
            self.answered.emit(self._ask())
        except self.client.DaemonError as error:
            self.failed.emit(str(error))
        except Exception as error:  # never a traceback in the docker
            self.failed.emit("Unexpected error: %s" % error)

    def _ask(self):
        try:
            with _connect(self.client, self.settings) as daemon:
                return daemon.capabilities()
        except self.client.DaemonError as error:
            if not self.settings.autostart or "Cannot reach" not in str(error) and "No Atelier token" not in str(error):
                raise
        connection.start_daemon(self.settings.command, self.settings.port)
        deadline = time.monotonic() + 60
        while True:
            time.sleep(1)
            try:
                with _connect(self.client, self.settings) as daemon:
                    return daemon.capabilities()
            except self.client.DaemonError:
                if time.monotonic() > deadline:
                    raise self.client.DaemonError("Started the daemon (%s) but it did not answer within a minute."
                                                  % self.settings.command) from None


OPERATION_CODES = {
    layout.FILL: "CONTENT_FILL",
    layout.INPAINT: "INPAINT",
    layout.EXPAND: "OUTPAINT",
    layout.REMOVE_BACKGROUND: "REMOVE_BACKGROUND",
    layout.COLORIZE: "COLORIZE",
}


def make_request(ttypes, operation, image, size, mask=None, hints=None, prompt="", negative="", strength=1.0,
                 seed=None, variants=1, engine="auto", extend=None):
    """The EditRequest for one press of a docker button. image/hints: 8-bit RGBA of `size` (w, h); mask: 8-bit."""
    width, height = size
    picture = lambda data, fmt=ttypes.PixelFormat.RGBA8: ttypes.Picture(fmt, width, height, data)  # noqa: E731
    request = ttypes.EditRequest(operation=getattr(ttypes.Operation, OPERATION_CODES[operation]),
                                 image=picture(image), engine=engine or "auto", seed=seed)
    if mask is not None:
        request.mask = picture(mask, ttypes.PixelFormat.GRAY8)
    if hints is not None:
        request.hints = picture(hints)
    if operation in (layout.INPAINT, layout.EXPAND, layout.COLORIZE):
        request.prompt = prompt or None
        request.negativePrompt = negative or None
        request.strength = float(strength)
    if operation != layout.REMOVE_BACKGROUND and variants > 1:
        request.variants = int(variants)
    if extend is not None:
        request.extend = ttypes.Extension(*extend)
    if operation == layout.COLORIZE:
        request.flats = ttypes.FlatsOutput.UNDERLAY
    return request


class EditJob(QThread):
    """Runs one edit to the end: progress(fraction, stage) while it runs, then succeeded(result) or failed(sentence)."""

    progressed = pyqtSignal(float, str)
    succeeded = pyqtSignal(object)
    failed = pyqtSignal(str)

    def __init__(self, client, settings, request, parent=None):
        super().__init__(parent)
        self.client, self.settings, self.request = client, settings, request
        self._cancel_asked = False
        self._cancel_sent = False

    def cancel(self):
        self._cancel_asked = True

    def _should_cancel(self):
        if self._cancel_asked and not self._cancel_sent:
            self._cancel_sent = True
            return True
        return False

    def run(self):
        try:
            with _connect(self.client, self.settings) as daemon:
                result = daemon.edit(self.request, on_progress=lambda s: self.progressed.emit(s.progress, s.stage),
                                     should_cancel=self._should_cancel, poll_seconds=0.2)
            self.succeeded.emit(result)
        except self.client.DaemonError as error:
            self.failed.emit(str(error))
        except Exception as error:  # never a traceback in the docker
            self.failed.emit("Unexpected error: %s" % error)
