"""Daemon calls off Krita's UI thread: each runs in a QThread and reports through Qt signals.

Uses the shared client (atelier_client) and no Krita import.
"""

import time

from . import connection, layout
from .qt import QThread, pyqtSignal


class Settings:
    """Where the daemon is: host, port, token file ("" = the daemon's default), and how to start it."""

    def __init__(self, host="127.0.0.1", port=47315, token_file="", autostart=False, command="atelier serve --port {port}"):
        self.host, self.port, self.token_file = host, int(port), token_file
        self.autostart, self.command = bool(autostart), command


def _connect(client, settings):
    if client.find_trusted(settings.host, settings.port) is not None:
        return client.Connection(settings.host, settings.port, timeout_seconds=60)  # TLS, its pinned certificate and token
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
        try:
            connection.start_daemon(self.settings.command, self.settings.port)
        except OSError as error:
            raise self.client.DaemonError("Could not start the daemon: %s" % error) from None
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


# Request building is shared with the GIMP plug-in (common/atelier_layout.py).
OPERATION_CODES = layout.OPERATION_CODES
make_request = layout.make_request


class EditJob(QThread):
    """Runs one edit to the end: progress(fraction, stage) while it runs, then succeeded(result) or failed(sentence)."""

    progressed = pyqtSignal(float, str)
    previewed = pyqtSignal(bytes)  # a PNG of the work so far, when the engine draws one (diffusion with TAESD)
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

    def _status(self, status):
        self.progressed.emit(status.progress, status.stage)
        preview = status.preview
        if preview is not None and preview.data and preview.data != self._last_preview:
            self._last_preview = preview.data
            self.previewed.emit(bytes(preview.data))

    def run(self):
        self._last_preview = None
        try:
            with _connect(self.client, self.settings) as daemon:
                result = daemon.edit(self.request, on_progress=self._status, should_cancel=self._should_cancel,
                                     poll_seconds=0.2)
            self.succeeded.emit(result)
        except self.client.DaemonError as error:
            self.failed.emit(str(error))
        except Exception as error:  # never a traceback in the docker
            self.failed.emit("Unexpected error: %s" % error)
