#!/usr/bin/env bash
# A Debian 13 (trixie) root with GIMP 3.0 and its Python, and Krita 5.2 with Xvfb, for the GIMP 3
# and Krita 5.2 end-to-end tests (GimpPluginEndToEndTest runs gimp-console-3.0 in it with chroot,
# KritaPluginEndToEndTest runs krita under xvfb-run; Debian 12 has only GIMP 2.10 and Krita 5.1).
# Made with debootstrap from Debian's own mirror; run as root. Idempotent: a root already made
# with the same package list is kept.
#   editor-plugin/gimp/gimp3/tests/debian13-root.sh [DIR]   (default $ATELIER_DEBIAN13_ROOT or
#   /var/tmp/atelier-debian13; about 2 GB, two to three minutes)
set -euo pipefail
root="${1:-${ATELIER_DEBIAN13_ROOT:-/var/tmp/atelier-debian13}}"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
packages="gimp python3-gi gir1.2-gimp-3.0 python3-thrift krita xvfb xauth python3-pyqt5 python3-numpy"
stamp="$root/.atelier-root"
[ "$(id -u)" = 0 ] || { echo "debian13-root.sh: needs root (debootstrap and chroot)" >&2; exit 1; }
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$packages" ]; then
  echo "Debian 13 root with GIMP 3 and Krita 5.2 already in $root"
  exit 0
fi
command -v debootstrap >/dev/null || apt-get install -y -qq debootstrap >/dev/null
rm -rf -- "$root"
# --include cannot order GTK's post-install steps; the packages go in with apt afterwards.
debootstrap --variant=minbase trixie "$root" "$mirror" >/dev/null
echo "deb $mirror trixie main" >"$root/etc/apt/sources.list"
chroot "$root" env DEBIAN_FRONTEND=noninteractive sh -c \
  "apt-get update -qq && apt-get install -y -qq --no-install-recommends $packages >/dev/null"
chroot "$root" gimp-console-3.0 --version
chroot "$root" dpkg-query -W krita
echo "$packages" >"$stamp"
