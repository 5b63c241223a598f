"""Where things go: regions to send, where result layers land, what they are called, what to ask.

The Krita and GIMP 3 plug-ins share this logic: it lives in common/atelier_layout.py, which the
plugin zip carries beside this file; in a checkout it is found in editor-plugin/common. This
module is its name inside the Krita package.
"""

import sys
from pathlib import Path

_HERE = Path(__file__).resolve().parent
for _folder in (_HERE, _HERE.parent.parent / "common"):
    if (_folder / "atelier_layout.py").exists():
        if str(_folder) not in sys.path:
            sys.path.insert(0, str(_folder))
        break

from atelier_layout import *  # noqa: E402,F401,F403
from atelier_layout import OPERATION_CODES, make_request  # noqa: E402,F401
