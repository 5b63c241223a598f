"""The one connection to the Atelier daemon that the Krita and GIMP plugins share.

It finds the generated Thrift code and the user's token the same way the Java side does
(bridge's AtelierHome), and runs a job to the end with progress and cancel. No editor
imports here: the editor-specific modules call this one.
"""

import hashlib
import ipaddress
import json
import os
import socket as _socket
import ssl
import sys
import tempfile
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


def trusted_servers_file():
    """The daemons on other machines this user trusts: bridge's TrustedServers writes it (atelier connect)."""
    return config_dir() / "servers.json"


def server_key(host, port):
    """'host:port' as TrustedServers keys it: lower case, IPv6 in brackets."""
    host = host.strip().lower()
    return ("[%s]" % host if ":" in host and not host.startswith("[") else host) + ":%d" % port


def fingerprint_of(der):
    """SHA-256 of a certificate as colon-separated hex pairs, as `atelier serve --tls` prints it."""
    return "SHA256:" + ":".join("%02X" % b for b in hashlib.sha256(der).digest())


def _read_trusted(path=None):
    path = Path(path) if path else trusted_servers_file()
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except ValueError as error:
        raise DaemonError("%s is damaged (%s): remove it and connect again." % (path, error)) from None
    return stored.get("servers") or {}


def find_trusted(host, port, path=None):
    """{'fingerprint': ..., 'token': ...} for a trusted daemon, or None."""
    return _read_trusted(path).get(server_key(host, port))


def remember_server(host, port, fingerprint, token, path=None):
    """Adds or replaces one trusted daemon; the file is written whole, owner-only, like the Java side does."""
    path = Path(path) if path else trusted_servers_file()
    servers = _read_trusted(path)
    servers[server_key(host, port)] = {"fingerprint": fingerprint, "token": token}
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    handle, partial = tempfile.mkstemp(prefix="." + path.name + ".", suffix=".partial", dir=str(path.parent))
    try:
        os.chmod(partial, 0o600)
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump({"servers": dict(sorted(servers.items()))}, out, indent=2)
            out.write("\n")
        os.replace(partial, path)
    except BaseException:
        if os.path.exists(partial):
            os.unlink(partial)
        raise


def is_loopback(host):
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _tls_context():
    # The certificate is self-signed: trust is its fingerprint, checked after the handshake.
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    context.minimum_version = ssl.TLSVersion.TLSv1_3
    return context


def probe_fingerprint(host, port, timeout_seconds=10):
    """The fingerprint of the certificate a daemon serving --tls presents, to show before trusting it."""
    try:
        with _socket.create_connection((host, port), timeout=timeout_seconds) as plain:
            with _tls_context().wrap_socket(plain) as tls:
                return fingerprint_of(tls.getpeercert(binary_form=True))
    except (OSError, ssl.SSLError) as error:
        raise DaemonError("Cannot open a TLS connection to %s: %s" % (server_key(host, port), error)) from None


def trust_server(host, port, fingerprint, token, path=None):
    """Trusts a daemon after the person compared its fingerprint: checks the token with one call through the
    pinned connection, then keeps both (as `atelier connect` does). Returns the daemon's capabilities."""
    with Connection(host, port, token=token, fingerprint=fingerprint, timeout_seconds=20) as daemon:
        capabilities = daemon.capabilities()
    remember_server(host, port, fingerprint, token, path)
    return capabilities


class _PinnedTlsSocket(TSocket.TSocket):
    """Thrift's socket over TLS 1.3 that refuses any certificate but the pinned one."""

    def __init__(self, host, port, fingerprint):
        super().__init__(host, port)
        self._pinned = fingerprint

    def open(self):
        super().open()
        try:
            self.handle = _tls_context().wrap_socket(self.handle)
        except (OSError, ssl.SSLError) as error:
            self.close()
            raise TTransport.TTransportException(TTransport.TTransportException.NOT_OPEN,
                                                 "TLS with %s:%d failed: %s" % (self.host, self.port, error))
        seen = fingerprint_of(self.handle.getpeercert(binary_form=True))
        if seen != self._pinned:
            self.close()
            raise DaemonError(("The daemon at %s presents a different certificate (%s) than the one trusted (%s): "
                               "refused. If its owner made a new one, trust it again after checking the fingerprint "
                               "with them.") % (server_key(self.host, self.port), seen, self._pinned))


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


def selected_bounds(picture):
    """(x, y, width, height) of the pixels a raw mask selects (GRAY8 by value, RGBA8 by alpha), None if none."""
    width, height = picture.width, picture.height
    data = picture.data if picture.format == ttypes.PixelFormat.GRAY8 else picture.data[3::4]
    left, right, top, bottom = width, -1, None, None
    for y in range(height):
        row = data[y * width:(y + 1) * width]
        start = width - len(row.lstrip(b"\x00"))
        if start == width:
            continue
        end = len(row.rstrip(b"\x00"))
        left, right = min(left, start), max(right, end - 1)
        top = y if top is None else top
        bottom = y
    return None if top is None else (left, top, right - left + 1, bottom - top + 1)


def crop_picture(picture, region):
    """A raw RGBA8 or GRAY8 picture cut to (x, y, width, height), row by row."""
    x, y, width, height = region
    channels = 4 if picture.format == ttypes.PixelFormat.RGBA8 else 1
    stride, span = picture.width * channels, width * channels
    data = b"".join(picture.data[(y + row) * stride + x * channels:(y + row) * stride + x * channels + span]
                    for row in range(height))
    return ttypes.Picture(picture.format, width, height, data)


_RAW = (ttypes.PixelFormat.RGBA8, ttypes.PixelFormat.GRAY8)


def crop_to_context(daemon, request):
    """(request to send, its region on the canvas or None, (canvas width, height)): the request cut to the
    region the daemon says it reads (contextRegion). Left whole where it would not be smaller, where a picture
    is a PNG (the plugins send raw pixels), for whole-canvas results and the operations that need everything."""
    image = request.image
    whole = (request, None, None)
    if (image is None or image.format != ttypes.PixelFormat.RGBA8 or request.wholeCanvas
            or request.operation in (ttypes.Operation.OUTPAINT, ttypes.Operation.COLORIZE)):
        return whole
    pictures = [p for p in (request.mask, request.keep, request.hints) if p is not None]
    if any(p.format not in _RAW or (p.width, p.height) != (image.width, image.height) for p in pictures):
        return whole
    query = ttypes.RegionQuery(operation=request.operation, canvasWidth=image.width, canvasHeight=image.height,
                               engine=request.engine, sampleFrom=request.sampleFrom is not None)
    if request.mask is not None:
        bounds = selected_bounds(request.mask)
        if bounds is None:
            return whole  # an empty selection: the daemon says what is wrong
        query.selection = ttypes.Rect(*bounds)
    r = daemon.context_region(query)
    region = (r.x, r.y, r.width, r.height)
    if region == (0, 0, image.width, image.height):
        return whole
    sent = ttypes.EditRequest(**{name: getattr(request, name) for name in request.__dict__})
    sent.image = crop_picture(image, region)
    for name in ("mask", "keep", "hints"):
        if getattr(request, name) is not None:
            setattr(sent, name, crop_picture(getattr(request, name), region))
    return sent, region, (image.width, image.height)


def place_on_canvas(result, region, canvas):
    """The layers of a cropped request moved to where the crop sits on the canvas."""
    if region is None:
        return result
    for layer in result.layers:
        layer.x += region[0]
        layer.y += region[1]
    result.canvasWidth, result.canvasHeight = canvas
    result.details["sent"] = "%dx%d+%d+%d of %dx%d" % (region[2], region[3], region[0], region[1], canvas[0], canvas[1])
    return result


class Connection:
    """One open connection; every call raises DaemonError with a readable message on failure."""

    def __init__(self, host="127.0.0.1", port=DEFAULT_PORT, token=None, timeout_seconds=30, token_file=None,
                 fingerprint=None):
        """A daemon trusted with `atelier connect` (or the plugin's Trust button) is reached by TLS with its
        pinned certificate and stored token; another machine never trusted is refused; this machine plain.
        A fingerprint given here is pinned instead of a stored one (to check a token before trusting)."""
        trusted = {"fingerprint": fingerprint, "token": token} if fingerprint else find_trusted(host, port)
        if trusted is None and not is_loopback(host):
            raise DaemonError(("%s is not a trusted daemon yet: trust it first (Krita: Daemon settings, Trust; "
                               "or `atelier connect %s` on this computer), which shows its certificate and keeps "
                               "its token.") % (server_key(host, port), server_key(host, port)))
        self.remote = trusted is not None
        socket = _PinnedTlsSocket(host, port, trusted["fingerprint"]) if trusted else TSocket.TSocket(host, port)
        socket.setTimeout(timeout_seconds * 1000)
        self._transport = TTransport.TFramedTransport(socket)
        self._client = Atelier.Client(TBinaryProtocol.TBinaryProtocol(self._transport))
        if token is None:
            token = trusted["token"] if trusted else read_token(token_file)
        self._token = token
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

    def context_region(self, query):
        return self._call("contextRegion", query)

    def edit(self, request, on_progress=None, should_cancel=None, poll_seconds=0.1, crop=None):
        """Submits, follows progress (on_progress(status)), cancels when should_cancel() says so, returns the result.

        With crop (default: when the daemon is on another machine) only the part of the picture the daemon
        will look at is sent, and the layers come back placed on the whole canvas.
        """
        if crop if crop is not None else self.remote:
            sent, region, canvas = crop_to_context(self, request)
            return place_on_canvas(self._follow(sent, on_progress, should_cancel, poll_seconds), region, canvas)
        return self._follow(request, on_progress, should_cancel, poll_seconds)

    def _follow(self, request, on_progress, should_cancel, poll_seconds):
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
