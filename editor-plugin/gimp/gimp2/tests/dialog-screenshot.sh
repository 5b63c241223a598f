#!/usr/bin/env bash
# A screenshot of GIMP 2.10's Filters > Atelier > Fill selection dialog, for the README and as a
# CI artefact: GIMP runs under Xvfb with a throwaway profile holding this checkout's Script-Fu
# scripts and helper, opens the sample meadow, selects the ball and opens the dialog the way the
# menu does (RUN-INTERACTIVE); the screen is grabbed with PyQt5 once GIMP has had time to draw it.
#   editor-plugin/gimp/gimp2/tests/dialog-screenshot.sh OUT.png
# Needs gimp, libgimp2.0-dev, gcc, make, pkg-config, xvfb, python3-pyqt5 (what .ci/run installs).
set -euo pipefail
out="$(realpath -m "${1:?usage: dialog-screenshot.sh OUT.png}")"
here="$(cd "$(dirname "$(readlink -f "$0")")" && pwd)"
gimp2="$here/.."
profile="$(mktemp -d)"
trap 'rm -rf "$profile"' EXIT
mkdir -p "$profile/plug-ins" "$profile/scripts" "$profile/tmp" "$profile/home" "$(dirname "$out")"
make -s -B -C "$gimp2/plug-ins" OUT="$profile/plug-ins/atelier-gimp"
cp "$gimp2/scripts/atelier.scm" "$profile/scripts/"
cp "$here/../../../../assets/samples/meadow-ball.png" "$profile/meadow-ball.png"
cat >"$profile/session.sh" <<SESSION
export HOME="$profile/home" GIMP2_DIRECTORY="$profile" TMPDIR="$profile/tmp" LANG=C.UTF-8
gimp -d -f -b '(let* ((image (car (gimp-file-load RUN-NONINTERACTIVE "$profile/meadow-ball.png" "meadow-ball.png")))
                      (layer (car (gimp-image-get-active-layer image))))
                 (gimp-display-new image)
                 (gimp-image-select-ellipse image CHANNEL-OP-REPLACE 325 225 135 135)
                 (gimp-proc-db-call "script-fu-atelier-fill" RUN-INTERACTIVE image layer 0 1 "auto"))' \
  >"$profile/gimp.log" 2>&1 &
/usr/bin/python3 -c '
import sys, time
from PyQt5.QtWidgets import QApplication
app = QApplication(sys.argv)
time.sleep(30)
app.primaryScreen().grabWindow(0).copy(190, 90, 1080, 780).save(sys.argv[1])
' "$out"
kill %1 2>/dev/null || true
SESSION
xvfb-run -a -s "-screen 0 1400x900x24" bash "$profile/session.sh"
[ -s "$out" ] || { echo "dialog-screenshot.sh: no screenshot; GIMP said:" >&2; tail -20 "$profile/gimp.log" >&2; exit 1; }
echo "$out"
