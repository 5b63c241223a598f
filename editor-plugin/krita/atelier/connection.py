"""The connection to the daemon: finds the shared client (atelier_client) and says clearly when it cannot.

In the packaged plugin the shared client and the generated Thrift code sit inside this package;
in a checkout they are in editor-plugin/common and bridge/src/generated/py. No Krita import here.
"""

import importlib
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
CHECKOUT_COMMON = HERE.parent.parent / "common"


def load_client():
    """(atelier_client module, None) or (None, a sentence for the artist)."""
    for folder in (HERE, CHECKOUT_COMMON):
        if (folder / "atelier_client.py").exists():
            if str(folder) not in sys.path:
                sys.path.insert(0, str(folder))
            break
    else:
        return None, "Atelier's client (atelier_client.py) is missing from the plugin: reinstall the plugin zip."
    try:
        return importlib.import_module("atelier_client"), None
    except ImportError as error:
        message = str(error)
        if "thrift" in message.lower() and "atelier_thrift" not in message:
            return None, ("The Thrift Python runtime is missing. Install it (Debian/Ubuntu: "
                          "sudo apt-get install python3-thrift), then restart Krita.")
        return None, message


def token_path(client, setting):
    """The token file: the one the artist set, or the daemon's default place."""
    return Path(setting).expanduser() if setting else client.config_dir() / "token"


def installed_launchers(env=None, platform=None, home=None):
    """Where installers/install.sh puts the `atelier` launcher by default, for a Krita started without it on PATH."""
    env = os.environ if env is None else env
    platform = sys.platform if platform is None else platform
    home = Path.home() if home is None else Path(home)
    if platform == "darwin":
        return [home / "Library" / "Application Support" / "Atelier" / "app" / "Contents" / "MacOS" / "atelier"]
    data = Path(env.get("XDG_DATA_HOME") or home / ".local" / "share")
    return [data / "atelier" / "app" / "bin" / "atelier"]


def resolve_command(args, which=shutil.which, launchers=None):
    """The command with its program found: on PATH, else (for a bare `atelier`) the installer's launcher.
    Raises FileNotFoundError with a sentence that says what to set."""
    program = args[0]
    if os.path.sep in program or which(program):
        return args
    if program == "atelier":
        for candidate in (installed_launchers() if launchers is None else launchers):
            if Path(candidate).is_file() and os.access(str(candidate), os.X_OK):
                return [str(candidate)] + args[1:]
    raise FileNotFoundError("'%s' is not on Krita's PATH and Atelier's installer did not put it in its usual place: "
                            "set Command (Daemon settings) to the full path of atelier, or run installers/install.sh"
                            % program)


def start_daemon(command, port):
    """Starts `command` (with {port} replaced) detached from Krita; returns the Popen."""
    args = resolve_command(shlex.split(command.replace("{port}", str(port))))
    return subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True, env=dict(os.environ))
