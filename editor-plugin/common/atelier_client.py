"""The one connection to the Atelier daemon that the Krita and GIMP plugins share.

It finds the generated Thrift code and the user's token the same way the Java side does
(bridge's AtelierHome), and runs a job to the end with progress and cancel. No editor
imports here: the editor-specific modules call this one.
"""

import os
import sys
import time
from pathlib import Path

DEFAULT_PORT = 47315
MAX_MESSAGE_BYTES = 256 * 1024 * 1024


def _find_generated_code():
    """The generated package sits beside this file in a packaged plugin, or in bridge/ in a checkout."""
    here = Path(__file__).resolve().parent
    for candidate in (os.environ.get("ATELIER_THRIFT_PY"), here, here.parent.parent / "bridge" / "src" / "generated" / "py"):
        if candidate and (Path(candidate) / "atelier_thrift" / "ttypes.py").exists():
            if str(candidate) not in sys.path:
                sys.path.insert(0, str(candidate))
            return
    raise ImportError("Atelier's generated Thrift code (atelier_thrift) was not found beside " + str(here))


try:
    from thrift.protocol import TBinaryProtocol
    from thrift.transport import TSocket, TTransport
    from thrift.Thrift import TException
except ImportError as missing:  # pragma: no cover - exercised only on a machine without it
    raise ImportError("The Thrift Python runtime is missing: install it (Debian: apt-get install python3-thrift)") from missing

_find_generated_code()
from atelier_thrift import Atelier, ttypes  # noqa: E402


class DaemonError(Exception):
    """A failure to show the artist as it is: one sentence, no traceback."""


def config_dir(env=None, platform=None, home=None):
    """Where the daemon keeps its token, mirroring bridge's AtelierHome."""
    env = os.environ if env is None else env
    platform = sys.platform if platform is None else platform
    home = Path.home() if home is None else Path(home)
    if env.get("ATELIER_HOME"):
        return Path(env["ATELIER_HOME"]) / "config"
    if platform.startswith("win"):
        return Path(env.get("APPDATA") or home / "AppData" / "Roaming") / "Atelier"
    if platform == "darwin":
        return home / "Library" / "Application Support" / "Atelier"
    return Path(env.get("XDG_CONFIG_HOME") or home / ".config") / "atelier"


def read_token(token_file=None):
    path = Path(token_file) if token_file else config_dir() / "token"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        raise DaemonError("No Atelier token at %s: start the daemon once (atelier serve)." % path) from None


def describe(error):
    """A sentence for a person about any error a call can raise."""
    if isinstance(error, ttypes.InvalidRequest):
        return "Invalid request: %s: %s" % (error.field, error.reason)
    if isinstance(error, ttypes.Unsupported):
        return "Not available: %s" % error.howToEnable
    if isinstance(error, ttypes.Unauthorized):
        return "The daemon refused the token: %s" % error.message
    if isinstance(error, ttypes.Busy):
        return "The daemon is busy: %s" % error.message
    if isinstance(error, ttypes.NotFound):
        return "The job is gone: %s" % error.message
    if isinstance(error, ttypes.Cancelled):
        return "Cancelled."
    if isinstance(error, ttypes.NoResult):
        return "The job failed: %s" % error.message
    if isinstance(error, TTransport.TTransportException):
        return "Cannot reach the Atelier daemon: is it running? (%s)" % error
    return str(error) or error.__class__.__name__


class Connection:
    """One open connection; every call raises DaemonError with a readable message on failure."""

    def __init__(self, host="127.0.0.1", port=DEFAULT_PORT, token=None, timeout_seconds=30):
        socket = TSocket.TSocket(host, port)
        socket.setTimeout(timeout_seconds * 1000)
        self._transport = TTransport.TFramedTransport(socket)
        self._client = Atelier.Client(TBinaryProtocol.TBinaryProtocol(self._transport))
        self._token = token if token is not None else read_token()
        try:
            self._transport.open()
        except TException as error:
            raise DaemonError(describe(error)) from None

    def _call(self, name, *args):
        try:
            return getattr(self._client, name)(self._token, *args)
        except TException as error:
            raise DaemonError(describe(error)) from None

    def capabilities(self):
        return self._call("capabilities")

    def submit(self, request):
        return self._call("submit", request)

    def status(self, job_id):
        return self._call("status", job_id)

    def result(self, job_id):
        return self._call("result", job_id)

    def cancel(self, job_id):
        return self._call("cancel", job_id)

    def edit(self, request, on_progress=None, should_cancel=None, poll_seconds=0.1):
        """Submits, follows progress (on_progress(status)), cancels when should_cancel() says so, returns the result."""
        job_id = self.submit(request)
        while True:
            if should_cancel is not None and should_cancel():
                self.cancel(job_id)
            status = self.status(job_id)
            if on_progress is not None:
                on_progress(status)
            if status.state not in (ttypes.JobState.QUEUED, ttypes.JobState.RUNNING):
                return self.result(job_id)
            time.sleep(poll_seconds)

    def close(self):
        self._transport.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
