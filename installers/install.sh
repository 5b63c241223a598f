#!/usr/bin/env bash
# Installs Atelier for the current user on Linux or macOS: the daemon as a self-contained
# app image (its own Java runtime, made by jpackage), the Krita plugin, the GIMP plug-ins and
# a user service that starts the daemon at login. Every file and folder it creates is written
# to a manifest, and `--uninstall` removes exactly those, and the kritarc line it added.
#
#   installers/install.sh [--prefix DIR] [--no-service] [--no-krita] [--no-gimp]
#   installers/install.sh --uninstall [--purge]
#
# Models are not installed here: `atelier models install NAME` does that.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: installers/install.sh [options]

Installs the Atelier daemon (a jpackage app image with its own Java runtime), the Krita
plugin, the GIMP plug-ins and a user service that starts the daemon at login.

  --prefix DIR   where the app image goes (Linux: ~/.local/share/atelier/app,
                 macOS: ~/Library/Application Support/Atelier/app)
  --no-service   no systemd user unit / launchd agent
  --no-krita     leave Krita alone
  --no-gimp      leave GIMP alone
  --uninstall    remove exactly what the last install put in place (listed in its manifest);
                 your token, result spool and models stay
  --purge        with --uninstall (or alone): also delete the token, the spool and the models
  -h, --help     this text
EOF
}

say() { printf 'atelier-install: %s\n' "$*"; }
die() { printf 'atelier-install: %s\n' "$*" >&2; exit 1; }

root="$(cd "$(dirname "$0")/.." && pwd -P)"
[ -n "${HOME:-}" ] || die "HOME is not set"

case "$(uname -s)" in
  Linux) os=linux ;;
  Darwin) os=macos ;;
  *) die "this script is for Linux and macOS; on Windows run installers/install.ps1" ;;
esac

# ---- where things go ---------------------------------------------------------------------
xdg_config="${XDG_CONFIG_HOME:-$HOME/.config}"
xdg_data="${XDG_DATA_HOME:-$HOME/.local/share}"
xdg_state="${XDG_STATE_HOME:-$HOME/.local/state}"
if [ "$os" = linux ]; then
  data_dir="$xdg_data/atelier"                        # manifest; the daemon's models live below it
  default_prefix="$data_dir/app"
  pykrita="$xdg_data/krita/pykrita"
  kritarc="$xdg_config/kritarc"
  gimp_base="$xdg_config/GIMP"
  # The daemon's own per-user folders (bridge AtelierHome): only --purge touches them.
  user_data=("$xdg_config/atelier" "$xdg_state/atelier" "$data_dir/models")
else
  data_dir="$HOME/Library/Application Support/Atelier"
  default_prefix="$data_dir/app"
  pykrita="$HOME/Library/Application Support/krita/pykrita"
  kritarc="$HOME/Library/Preferences/kritarc"
  gimp_base="$HOME/Library/Application Support/GIMP"
  user_data=("$data_dir/token" "$data_dir/spool" "$data_dir/models")
fi
manifest="$data_dir/installed-files.txt"
launchd_label="dev.atelier.daemon"

# ---- options -----------------------------------------------------------------------------
prefix="$default_prefix"
want_service=1 want_krita=1 want_gimp=1 uninstall=0 purge=0
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) [ $# -ge 2 ] || die "--prefix needs a folder"; prefix="$2"; shift ;;
    --prefix=*) prefix="${1#--prefix=}" ;;
    --no-service) want_service=0 ;;
    --no-krita) want_krita=0 ;;
    --no-gimp) want_gimp=0 ;;
    --uninstall) uninstall=1 ;;
    --purge) uninstall=1; purge=1 ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown option '$1'" ;;
  esac
  shift
done
case "$prefix" in
  /*) ;;
  *) prefix="$(pwd -P)/$prefix" ;;
esac
prefix="${prefix%/}"
case "$prefix" in
  *$'\n'*|*$'\t'*) die "--prefix may not contain tabs or newlines" ;;
esac

# ---- the manifest ------------------------------------------------------------------------
# One entry a line, fields separated by tabs, in the order things were created:
#   dir PATH             a folder this script created (removed on uninstall when empty)
#   file PATH            a file or link this script wrote
#   kritarc PATH PREV S C  the enable_atelier line: PREV is the line it replaced ("-" none),
#                        S=1 when the [python] section was added, C=1 when the file was created
#   systemd UNIT         a systemd user unit enabled with `systemctl --user enable --now`
#   launchd LABEL PLIST  a launchd agent that was loaded
record() {
  local IFS=$'\t'
  printf '%s\n' "$*" >>"$manifest"
}

# mkdir -p that records every folder it had to create, outermost first.
make_dir() {
  local d="${1%/}" missing=()
  while [ -n "$d" ] && [ ! -d "$d" ]; do
    missing=("$d" "${missing[@]+"${missing[@]}"}")
    d="$(dirname "$d")"
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  mkdir -p -- "$1"
  for d in "${missing[@]}"; do record dir "$d"; done
}

# Copies one file (mode kept) and records it.
put_file() {
  local src="$1" dest="$2"
  make_dir "$(dirname "$dest")"
  rm -f -- "$dest"
  if [ -L "$src" ]; then ln -s -- "$(readlink "$src")" "$dest"; else cp -p -- "$src" "$dest"; fi
  record file "$dest"
}

# Copies a folder's contents into dest, recording each folder and file.
put_tree() {
  local src="$1" dest="$2" rel
  make_dir "$dest"
  while IFS= read -r -d '' rel; do
    rel="${rel#./}"
    if [ -d "$src/$rel" ] && [ ! -L "$src/$rel" ]; then
      make_dir "$dest/$rel"
    else
      put_file "$src/$rel" "$dest/$rel"
    fi
  done < <(cd "$src" && find . -mindepth 1 -name __pycache__ -prune -o -print0)   # parents before children
}

# ---- kritarc: [python] enable_atelier=true -------------------------------------------------
python_line() { # prints the enable_atelier line of the [python] section, if any
  awk '/^\[/ { sec = ($0 == "[python]") ; next } sec && /^enable_atelier=/ { print; exit }' "$1"
}

enable_in_kritarc() {
  local created=0 section_added=0 prev tmp
  if [ ! -f "$kritarc" ]; then
    make_dir "$(dirname "$kritarc")"
    : >"$kritarc"
    created=1
  fi
  prev="$(python_line "$kritarc")"
  if [ "$prev" = "enable_atelier=true" ]; then
    say "Krita: the plugin was already enabled in $kritarc"
    return
  fi
  grep -qx '\[python\]' "$kritarc" || section_added=1
  tmp="$(mktemp)"
  if [ "$section_added" = 1 ]; then
    cat "$kritarc" >"$tmp"
    if [ -s "$kritarc" ] && [ -n "$(tail -c 1 "$kritarc")" ]; then echo >>"$tmp"; fi
    if [ -s "$kritarc" ]; then echo >>"$tmp"; fi
    printf '[python]\nenable_atelier=true\n' >>"$tmp"
  else
    awk '/^\[/ { sec = ($0 == "[python]"); print; if (sec && !done) { print "enable_atelier=true"; done = 1 }; next }
         sec && /^enable_atelier=/ { next }
         { print }' "$kritarc" >"$tmp"
  fi
  cat "$tmp" >"$kritarc"   # keeps the file's owner and mode
  rm -f -- "$tmp"
  record kritarc "$kritarc" "${prev:--}" "$section_added" "$created"
  say "Krita: enabled the plugin in $kritarc"
}

# Undoes enable_in_kritarc: restores the line it replaced, or removes the one it added.
restore_kritarc() {
  local file="$1" prev="$2" section_added="$3" created="$4" tmp
  [ -f "$file" ] || return 0
  tmp="$(mktemp)"
  awk -v prev="$prev" -v drop_section="$section_added" '
    function flush() { if (held != "") { if (!(drop_section == "1" && kept == 0)) printf "%s", held; held = "" } }
    /^\[/ { flush(); sec = ($0 == "[python]"); if (sec) { held = $0 "\n"; kept = 0; next } print; next }
    sec && $0 == "enable_atelier=true" && !done { done = 1; if (prev != "-") { held = held prev "\n"; kept++ } next }
    sec && held != "" { held = held $0 "\n"; if ($0 !~ /^[ \t]*$/) kept++; next }
    { print }
    END { flush() }' "$file" >"$tmp"
  if [ "$created" = 1 ] && ! grep -q '[^[:space:]]' "$tmp"; then
    rm -f -- "$file"
  else
    if [ "$section_added" = 1 ]; then   # drop the blank line that separated the added section
      awk '{ lines[NR] = $0 } END { n = NR; while (n > 0 && lines[n] ~ /^[ \t]*$/) n--; for (i = 1; i <= n; i++) print lines[i] }' "$tmp" >"$tmp.2"
      mv -f -- "$tmp.2" "$tmp"
    fi
    cat "$tmp" >"$file"
  fi
  rm -f -- "$tmp"
  if [ "$prev" = - ]; then say "Krita: removed enable_atelier from $file"; else say "Krita: put back '$prev' in $file"; fi
}

# ---- user service --------------------------------------------------------------------------
user_systemd() {
  command -v systemctl >/dev/null 2>&1 && systemctl --user show-environment >/dev/null 2>&1
}

unit_escape() { # a path as one quoted word in a unit file
  local s="${1//\\/\\\\}"
  s="${s//%/%%}"
  s="${s//\"/\\\"}"
  printf '"%s"' "$s"
}

xml_escape() {
  local s="${1//&/&amp;}"
  s="${s//</&lt;}"
  s="${s//>/&gt;}"
  printf '%s' "$s"
}

install_systemd_unit() {
  local launcher="$1" unit_dir="$xdg_config/systemd/user" unit wants
  unit="$unit_dir/atelier.service"
  make_dir "$unit_dir"
  cat >"$unit" <<EOF
# Installed by Atelier's installers/install.sh; removed by install.sh --uninstall.
[Unit]
Description=Atelier image-editing daemon (listens on 127.0.0.1 only)

[Service]
Type=simple
ExecStart=$(unit_escape "$launcher") serve
Restart=on-failure
RestartSec=5
# The JVM exits with 143 when systemd stops it with SIGTERM.
SuccessExitStatus=143
NoNewPrivileges=yes

[Install]
WantedBy=default.target
EOF
  record file "$unit"
  if user_systemd; then
    wants="$unit_dir/default.target.wants"
    [ -d "$wants" ] || { make_dir "$wants"; }
    systemctl --user daemon-reload
    systemctl --user enable --now atelier.service
    record systemd atelier.service
    say "service: atelier.service enabled and started (systemctl --user status atelier)"
  else
    say "service: no user systemd here; the unit is at $unit."
    say "  In a systemd login session: systemctl --user enable --now atelier.service"
    say "  Or start the daemon yourself: \"$launcher\" serve"
  fi
}

install_launchd_agent() {
  local launcher="$1" agents="$HOME/Library/LaunchAgents" plist log
  plist="$agents/$launchd_label.plist"
  log="$HOME/Library/Logs/atelier-daemon.log"
  make_dir "$agents"
  make_dir "$(dirname "$log")"
  cat >"$plist" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<!-- Installed by Atelier's installers/install.sh; removed by install.sh --uninstall. -->
<plist version="1.0">
<dict>
  <key>Label</key><string>$launchd_label</string>
  <key>ProgramArguments</key>
  <array>
    <string>$(xml_escape "$launcher")</string>
    <string>serve</string>
  </array>
  <key>RunAtLoad</key><true/>
  <key>KeepAlive</key><dict><key>SuccessfulExit</key><false/></dict>
  <key>ProcessType</key><string>Interactive</string>
  <key>StandardOutPath</key><string>$(xml_escape "$log")</string>
  <key>StandardErrorPath</key><string>$(xml_escape "$log")</string>
</dict>
</plist>
EOF
  record file "$plist"
  record file "$log"
  if command -v plutil >/dev/null 2>&1; then plutil -lint "$plist" >/dev/null; fi
  if launchctl bootstrap "gui/$(id -u)" "$plist" 2>/dev/null || launchctl load -w "$plist" 2>/dev/null; then
    record launchd "$launchd_label" "$plist"
    say "service: launchd agent $launchd_label loaded (log: $log)"
  else
    say "service: could not load $plist now; it starts at your next login"
  fi
}

# ---- uninstall -----------------------------------------------------------------------------
do_uninstall() {
  local quiet="${1:-0}" kind path a b c line lines=() i n=0 dirs=()
  if [ ! -f "$manifest" ]; then
    [ "$quiet" = 1 ] || say "nothing to uninstall: no manifest at $manifest"
    return 0
  fi
  while IFS= read -r line || [ -n "$line" ]; do lines+=("$line"); done <"$manifest"
  # Newest first: services stop before their files go, files before their folders.
  for ((i = ${#lines[@]} - 1; i >= 0; i--)); do
    case "${lines[$i]}" in '#'*|'') continue ;; esac
    IFS=$'\t' read -r kind path a b c <<<"${lines[$i]}"
    case "$kind:$path" in
      file:/*|dir:/*|kritarc:/*|systemd:*|launchd:*) ;;
      *) say "skipping a manifest entry this script does not know: ${lines[$i]}"; continue ;;
    esac
    case "$kind" in
      systemd)
        if user_systemd; then systemctl --user disable --now "$path" || true; fi ;;
      launchd)
        launchctl bootout "gui/$(id -u)/$path" 2>/dev/null || launchctl unload -w "$a" 2>/dev/null || true ;;
      kritarc)
        restore_kritarc "$path" "$a" "$b" "$c" ;;
      file)
        if [ -L "$path" ] || [ -f "$path" ]; then rm -f -- "$path"; n=$((n + 1)); fi ;;
      dir)
        dirs+=("$path") ;;
    esac
  done
  if user_systemd && grep -q $'^systemd\t' "$manifest"; then systemctl --user daemon-reload || true; fi
  rm -f -- "$manifest"
  # dirs holds the folders newest first, so children go before their parents.
  for path in "${dirs[@]+"${dirs[@]}"}"; do
    if [ -d "$path" ] && [ ! -L "$path" ]; then
      rmdir -- "$path" 2>/dev/null || say "kept $path: it holds files this script did not install"
    fi
  done
  [ "$quiet" = 1 ] || say "uninstalled: removed $n files"
}

do_purge() {
  local p
  if [ -n "${ATELIER_HOME:-}" ]; then
    say "note: ATELIER_HOME=$ATELIER_HOME is set; --purge leaves that folder alone"
  fi
  for p in "${user_data[@]}"; do
    if [ -e "$p" ]; then
      rm -rf -- "$p"
      say "purged $p"
    fi
  done
  rmdir -- "$data_dir" 2>/dev/null || true
}

if [ "$uninstall" = 1 ]; then
  do_uninstall
  if [ "$purge" = 1 ]; then do_purge; fi
  exit 0
fi

# ---- install: the app image ----------------------------------------------------------------
find_jpackage() {
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/jpackage" ]; then
    echo "$JAVA_HOME/bin/jpackage"
  elif command -v jpackage >/dev/null 2>&1; then
    command -v jpackage
  else
    return 1
  fi
}

jar="$root/engine-daemon/target/atelier.jar"
zip="$root/editor-plugin/target/atelier-krita.zip"
if [ ! -f "$jar" ] || [ ! -d "$root/engine-daemon/target/lib" ] || { [ "$want_krita" = 1 ] && [ ! -f "$zip" ]; }; then
  command -v mvn >/dev/null 2>&1 || die "no built daemon at $jar and no Maven to build it: install a JDK 17 and Maven 3.8+"
  say "building Atelier with Maven (about a minute)..."
  (cd "$root" && mvn -q -B -Dstyle.color=never -DskipTests -pl engine-daemon,editor-plugin -am package)
fi
jpackage="$(find_jpackage)" || die "jpackage not found: install a JDK 17+ (Debian/Ubuntu: apt-get install openjdk-17-jdk) or set JAVA_HOME"

# The app image is built once per daemon build, in engine-daemon/target/app-image.
image_root="$root/engine-daemon/target/app-image"
if [ "$os" = macos ]; then built="$image_root/atelier.app"; launcher_rel="Contents/MacOS/atelier"
else built="$image_root/atelier"; launcher_rel="bin/atelier"; fi
stamp="$image_root/built-from"
if [ ! -x "$built/$launcher_rel" ] || [ ! -f "$stamp" ] \
   || [ -n "$(find "$jar" "$root/engine-daemon/target/lib" -newer "$stamp" -print | head -n 1)" ]; then
  say "packaging the daemon with its own Java runtime (jpackage, about a minute)..."
  rm -rf -- "$image_root"
  mkdir -p "$image_root/input"
  cp -p -- "$jar" "$image_root/input/"
  cp -pR -- "$root/engine-daemon/target/lib" "$image_root/input/lib"
  jdk_bin="$(dirname "$(readlink -f "$jpackage" 2>/dev/null || echo "$jpackage")")"
  modules=""
  if [ -x "$jdk_bin/jdeps" ]; then
    modules="$("$jdk_bin/jdeps" --multi-release 17 --ignore-missing-deps --print-module-deps \
        --class-path "$image_root/input/lib/*" "$image_root/input/atelier.jar" "$image_root"/input/lib/*.jar 2>/dev/null | tail -n 1 || true)"
  fi
  # The heap ceiling the README states: 1 GB of queued decoded pictures and the running job's working memory.
  args=(--type app-image --name atelier --input "$image_root/input" --main-jar atelier.jar --dest "$image_root"
        --java-options "-Xmx${ATELIER_HEAP:-6g}")
  if [[ "$modules" =~ ^[a-z][a-z0-9.,]*$ ]]; then
    args+=(--add-modules "$modules")   # only what the daemon uses: a runtime about half the size
  fi
  "$jpackage" "${args[@]}"
  rm -rf -- "$image_root/input"
  date >"$stamp"
fi

if [ -f "$manifest" ]; then
  say "replacing the previous install (listed in $manifest)"
  do_uninstall 1
fi
if [ -e "$prefix" ] && [ -n "$(ls -A "$prefix" 2>/dev/null || echo x)" ]; then
  die "$prefix exists and was not installed by this script: remove it or choose another --prefix"
fi

# The manifest lives in data_dir, so the folders made for it are recorded once it exists.
created=()
d="$data_dir"
while [ ! -d "$d" ]; do created=("$d" "${created[@]+"${created[@]}"}"); d="$(dirname "$d")"; done
mkdir -p -- "$data_dir"
printf '# Atelier: what installers/install.sh installed, oldest first. install.sh --uninstall removes these.\n' >"$manifest"
for d in "${created[@]+"${created[@]}"}"; do record dir "$d"; done
unpacked=""
on_exit() {
  local rc=$?
  if [ -n "$unpacked" ]; then rm -rf -- "$unpacked"; fi
  if [ "$rc" -ne 0 ]; then
    say "install failed; what it installed so far is listed in $manifest: run $0 --uninstall to remove it"
  fi
}
trap on_exit EXIT

put_tree "$built" "$prefix"
launcher="$prefix/$launcher_rel"
say "daemon: $launcher"

# ---- Krita ---------------------------------------------------------------------------------
if [ "$want_krita" = 1 ]; then
  command -v unzip >/dev/null 2>&1 || die "unzip is needed to install the Krita plugin (apt-get install unzip), or pass --no-krita"
  unpacked="$(mktemp -d)"
  unzip -q "$zip" -d "$unpacked"
  [ -f "$unpacked/atelier.desktop" ] || die "$zip has no atelier.desktop"
  put_tree "$unpacked" "$pykrita"
  rm -rf -- "$unpacked"
  unpacked=""
  say "Krita: plugin in $pykrita"
  enable_in_kritarc
fi

# ---- GIMP ----------------------------------------------------------------------------------
if [ "$want_gimp" = 1 ]; then
  gimp_src="$root/editor-plugin/gimp"
  if [ ! -d "$gimp_src/gimp2/plug-ins" ]; then
    say "GIMP 2.10: skipped, this checkout has no editor-plugin/gimp/gimp2"
  elif ! command -v make >/dev/null || ! command -v pkg-config >/dev/null || ! pkg-config --exists gimp-2.0; then
    say "GIMP 2.10: skipped: its helper plug-in is built here and needs make, a C compiler and libgimp2.0-dev"
  else
    # The helper that runs the `atelier` command is C against libgimp, built for this machine.
    plugins="$gimp_base/2.10/plug-ins"
    make_dir "$plugins"
    rm -f -- "$plugins/atelier-gimp"
    make -s -C "$gimp_src/gimp2/plug-ins" OUT="$plugins/atelier-gimp" >&2
    record file "$plugins/atelier-gimp"
    # Which command the helper runs; not executable, or GIMP would take it for a plug-in.
    rm -f -- "$plugins/atelier-command"
    printf '%s\n' "$launcher" >"$plugins/atelier-command"
    record file "$plugins/atelier-command"
    put_tree "$gimp_src/gimp2/scripts" "$gimp_base/2.10/scripts"
    say "GIMP 2.10: plug-in in $gimp_base/2.10"
  fi
  if [ -d "$gimp_src/gimp3/atelier" ]; then
    dest="$gimp_base/3.0/plug-ins/atelier"
    put_tree "$gimp_src/gimp3/atelier" "$dest"
    put_file "$root/editor-plugin/common/atelier_client.py" "$dest/atelier_client.py"
    put_file "$root/editor-plugin/common/atelier_layout.py" "$dest/atelier_layout.py"
    put_tree "$root/bridge/src/generated/py/atelier_thrift" "$dest/atelier_thrift"
    say "GIMP 3: plug-in in $dest"
  else
    say "GIMP 3: skipped, this checkout has no editor-plugin/gimp/gimp3/atelier yet"
  fi
fi

# ---- the service ---------------------------------------------------------------------------
if [ "$want_service" = 1 ]; then
  if [ "$os" = linux ]; then install_systemd_unit "$launcher"; else install_launchd_agent "$launcher"; fi
fi

say "done. Check the daemon with: \"$launcher\" status"
say "models (for inpaint and the model engines) are separate: \"$launcher\" models install NAME"
say "to remove all this: $0 --uninstall"
