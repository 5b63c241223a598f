"""The connection to the daemon: finds the shared client (atelier_client) and says clearly when it cannot.

In the packaged plugin the shared client and the generated Thrift code sit inside this package;
in a checkout they are in editor-plugin/common and bridge/src/generated/py. No Krita import here.
"""

import importlib
import os
import shlex
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


def start_daemon(command, port):
    """Starts `command` (with {port} replaced) detached from Krita; returns the Popen."""
    args = shlex.split(command.replace("{port}", str(port)))
    return subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True, env=dict(os.environ))
