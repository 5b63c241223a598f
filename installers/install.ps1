<#
.SYNOPSIS
  Installs Atelier for the current Windows user: the daemon as a self-contained app image (its own
  Java runtime, made by jpackage), the Krita plugin, the GIMP plug-ins and a start-up entry that
  starts the daemon at login. Every file and folder it creates is written to a manifest, and
  -Uninstall removes exactly those, the kritarc line it added and the start-up entry.

.EXAMPLE
  powershell -ExecutionPolicy Bypass -File installers\install.ps1
  powershell -ExecutionPolicy Bypass -File installers\install.ps1 -Uninstall
  pwsh installers/install.ps1 -Prefix D:\Tools\Atelier -NoGimp

.NOTES
  Works in Windows PowerShell 5.1 and PowerShell 7. Models are not installed here:
  `atelier models install NAME` does that.
#>
[CmdletBinding()]
param(
    # Where the app image goes (default: %LOCALAPPDATA%\Atelier\app).
    [string]$Prefix,
    # No start-up entry (HKCU Run key) and the daemon is not started now.
    [switch]$NoService,
    # Leave Krita alone.
    [switch]$NoKrita,
    # Leave GIMP alone.
    [switch]$NoGimp,
    # Remove exactly what the last install put in place; the token, spool and models stay.
    [switch]$Uninstall,
    # With -Uninstall (or alone): also delete the token, the result spool and the models.
    [switch]$Purge
)

Set-StrictMode -Version 3
$ErrorActionPreference = 'Stop'

function Say([string]$Text) { Write-Host "atelier-install: $Text" }
function Die([string]$Text) { throw "atelier-install: $Text" }

if ([System.Environment]::OSVersion.Platform -ne 'Win32NT') {
    Die 'install.ps1 is for Windows; on Linux and macOS run installers/install.sh'
}
if (-not $env:LOCALAPPDATA -or -not $env:APPDATA) { Die 'LOCALAPPDATA and APPDATA must be set' }

$Root = Split-Path -Parent $PSScriptRoot

# ---- where things go (the daemon's own folders follow bridge AtelierHome) ------------------------
$DataDir = [System.IO.Path]::Combine($env:LOCALAPPDATA, 'Atelier')         # state: spool, models, manifest
$ConfigDir = [System.IO.Path]::Combine($env:APPDATA, 'Atelier')            # the token
$Manifest = [System.IO.Path]::Combine($DataDir, 'installed-files.txt')
$Pykrita = [System.IO.Path]::Combine($env:APPDATA, 'krita\pykrita')
$Kritarc = [System.IO.Path]::Combine($env:LOCALAPPDATA, 'kritarc')
$GimpBase = [System.IO.Path]::Combine($env:APPDATA, 'GIMP')
$RunKey = 'HKCU:\Software\Microsoft\Windows\CurrentVersion\Run'
$RunValue = 'Atelier'
if (-not $Prefix) { $Prefix = [System.IO.Path]::Combine($DataDir, 'app') }
# Relative to the PowerShell location (not the process's current folder), made absolute.
$Prefix = $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($Prefix).TrimEnd('\')
$Utf8 = New-Object System.Text.UTF8Encoding $false

# ---- the manifest --------------------------------------------------------------------------------
# One entry a line, tab-separated, oldest first:
#   dir PATH                a folder this script created (removed on uninstall when empty)
#   file PATH               a file this script wrote
#   kritarc PATH PREV S C   the enable_atelier line: PREV the line it replaced ("-" none),
#                           S=1 when the [python] section was added, C=1 when the file was created
#   runkey NAME DATA        the HKCU Run value that starts the daemon at login
function Record([string[]]$Fields) {
    [System.IO.File]::AppendAllText($Manifest, ($Fields -join "`t") + "`r`n", $Utf8)
}

# New-Item -ItemType Directory that records every folder it had to create, outermost first.
function Ensure-Dir([string]$Dir) {
    $missing = New-Object System.Collections.Generic.List[string]
    $d = $Dir.TrimEnd('\')
    while ($d -and -not (Test-Path -LiteralPath $d -PathType Container)) {
        $missing.Insert(0, $d)
        $d = Split-Path -Parent $d
    }
    foreach ($m in $missing) {
        New-Item -ItemType Directory -Path $m | Out-Null
        Record @('dir', $m)
    }
}

function Put-File([string]$Source, [string]$Dest) {
    Ensure-Dir (Split-Path -Parent $Dest)
    Copy-Item -LiteralPath $Source -Destination $Dest -Force
    Record @('file', $Dest)
}

# Copies a folder's contents into Dest, recording each folder and file (no __pycache__).
function Put-Tree([string]$Source, [string]$Dest) {
    Ensure-Dir $Dest
    $base = (Resolve-Path -LiteralPath $Source).ProviderPath.TrimEnd('\')
    foreach ($item in Get-ChildItem -LiteralPath $base -Recurse -Force) {
        if ($item.FullName -match '\\__pycache__(\\|$)') { continue }
        $target = Join-Path $Dest $item.FullName.Substring($base.Length + 1)
        if ($item.PSIsContainer) { Ensure-Dir $target } else { Put-File $item.FullName $target }
    }
}

# ---- kritarc: [python] enable_atelier=true --------------------------------------------------------
function Read-Lines([string]$File) {
    $text = [System.IO.File]::ReadAllText($File)
    $newline = if ($text.Contains("`r`n")) { "`r`n" } else { "`n" }
    $lines = New-Object System.Collections.Generic.List[string]
    if ($text.Length -gt 0) {
        foreach ($l in ($text -split "`r?`n")) { $lines.Add($l) }
        if ($text.EndsWith("`n")) { $lines.RemoveAt($lines.Count - 1) }
    }
    return @{ Lines = $lines; Newline = $newline }
}

function Write-Lines([string]$File, $Lines, [string]$Newline) {
    $text = if ($Lines.Count -gt 0) { ($Lines -join $Newline) + $Newline } else { '' }
    [System.IO.File]::WriteAllText($File, $text, $Utf8)
}

# Index of the [python] header and of its enable_atelier line (-1 when absent).
function Find-Python($Lines) {
    $header = -1; $line = -1; $inPython = $false
    for ($i = 0; $i -lt $Lines.Count; $i++) {
        if ($Lines[$i].StartsWith('[')) {
            $inPython = ($Lines[$i] -eq '[python]')
            if ($inPython -and $header -lt 0) { $header = $i }
        } elseif ($inPython -and $line -lt 0 -and $Lines[$i].StartsWith('enable_atelier=')) {
            $line = $i
        }
    }
    return @{ Header = $header; Line = $line }
}

function Enable-InKritarc {
    $created = '0'
    if (-not (Test-Path -LiteralPath $Kritarc -PathType Leaf)) {
        Ensure-Dir (Split-Path -Parent $Kritarc)
        [System.IO.File]::WriteAllText($Kritarc, '', $Utf8)
        $created = '1'
    }
    $file = Read-Lines $Kritarc
    $lines = $file.Lines
    $found = Find-Python $lines
    $prev = '-'
    if ($found.Line -ge 0) {
        $prev = $lines[$found.Line]
        if ($prev -eq 'enable_atelier=true') { Say "Krita: the plugin was already enabled in $Kritarc"; return }
    }
    $sectionAdded = '0'
    if ($found.Header -lt 0) {
        if ($lines.Count -gt 0) { $lines.Add('') }
        $lines.Add('[python]'); $lines.Add('enable_atelier=true')
        $sectionAdded = '1'
    } else {
        if ($found.Line -ge 0) { $lines.RemoveAt($found.Line) }
        $lines.Insert($found.Header + 1, 'enable_atelier=true')
    }
    Write-Lines $Kritarc $lines $file.Newline
    Record @('kritarc', $Kritarc, $prev, $sectionAdded, $created)
    Say "Krita: enabled the plugin in $Kritarc"
}

function Restore-Kritarc([string]$File, [string]$Prev, [string]$SectionAdded, [string]$Created) {
    if (-not (Test-Path -LiteralPath $File -PathType Leaf)) { return }
    $read = Read-Lines $File
    $lines = $read.Lines
    $found = Find-Python $lines
    if ($found.Line -lt 0 -or $lines[$found.Line] -ne 'enable_atelier=true') { return }
    if ($Prev -ne '-') { $lines[$found.Line] = $Prev } else { $lines.RemoveAt($found.Line) }
    if ($SectionAdded -eq '1') {
        # Drop the [python] header when nothing is left in its section, and the blank line before it.
        $h = $found.Header; $end = $h + 1
        while ($end -lt $lines.Count -and -not $lines[$end].StartsWith('[')) { $end++ }
        $empty = $true
        for ($i = $h + 1; $i -lt $end; $i++) { if ($lines[$i].Trim()) { $empty = $false } }
        if ($empty) {
            $lines.RemoveRange($h, $end - $h)
            if ($h -gt 0 -and $h -eq $lines.Count -and -not $lines[$h - 1].Trim()) { $lines.RemoveAt($h - 1) }
        }
    }
    $nonBlank = @($lines | Where-Object { $_.Trim() }).Count
    if ($Created -eq '1' -and $nonBlank -eq 0) {
        Remove-Item -LiteralPath $File -Force
    } else {
        Write-Lines $File $lines $read.Newline
    }
    if ($Prev -eq '-') { Say "Krita: removed enable_atelier from $File" } else { Say "Krita: put back '$Prev' in $File" }
}

# ---- uninstall ------------------------------------------------------------------------------------
function Stop-InstalledDaemon([string]$AppDir) {
    # Windows keeps running programs' files locked: stop daemons started from the app image first.
    foreach ($p in @(Get-Process -Name 'atelier', 'atelier-serve' -ErrorAction SilentlyContinue)) {
        $path = $null
        try { $path = $p.Path } catch { }
        if ($path -and $path.StartsWith($AppDir + '\', [System.StringComparison]::OrdinalIgnoreCase)) {
            Say "stopping the daemon (process $($p.Id))"
            Stop-Process -Id $p.Id -Force
            $p.WaitForExit(10000) | Out-Null
        }
    }
}

function Invoke-Uninstall([bool]$Quiet) {
    if (-not (Test-Path -LiteralPath $Manifest -PathType Leaf)) {
        if (-not $Quiet) { Say "nothing to uninstall: no manifest at $Manifest" }
        return
    }
    $entries = [System.IO.File]::ReadAllLines($Manifest)
    foreach ($e in $entries) {
        $f = $e.Split("`t")
        if ($f.Count -ge 2 -and $f[0] -eq 'file' -and $f[1] -match '\\(atelier|atelier-serve)\.exe$') {
            Stop-InstalledDaemon (Split-Path -Parent $f[1])
        }
    }
    $dirs = New-Object System.Collections.Generic.List[string]
    $removed = 0
    for ($i = $entries.Count - 1; $i -ge 0; $i--) {   # newest first: files before their folders
        $e = $entries[$i]
        if (-not $e -or $e.StartsWith('#')) { continue }
        $f = $e.Split("`t")
        $wanted = @{ 'file' = 2; 'dir' = 2; 'kritarc' = 5; 'runkey' = 3 }
        if (-not $wanted.ContainsKey($f[0]) -or $f.Count -lt $wanted[$f[0]]) {
            Say "skipping an entry this script does not know: $e"; continue
        }
        if ($f[0] -ne 'runkey' -and -not [System.IO.Path]::IsPathRooted($f[1])) {
            Say "skipping a manifest entry without an absolute path: $e"; continue
        }
        switch ($f[0]) {
            'file' {
                if (Test-Path -LiteralPath $f[1] -PathType Leaf) { Remove-Item -LiteralPath $f[1] -Force; $removed++ }
            }
            'dir' { $dirs.Add($f[1]) }
            'kritarc' { Restore-Kritarc $f[1] $f[2] $f[3] $f[4] }
            'runkey' {
                $current = (Get-ItemProperty -Path $RunKey -Name $f[1] -ErrorAction SilentlyContinue)
                if ($current -and $current.($f[1]) -eq $f[2]) {
                    Remove-ItemProperty -Path $RunKey -Name $f[1]
                    Say "start-up: removed the $($f[1]) entry"
                }
            }
        }
    }
    Remove-Item -LiteralPath $Manifest -Force
    foreach ($d in $dirs) {   # newest first, so children go before their parents
        if (Test-Path -LiteralPath $d -PathType Container) {
            if (@(Get-ChildItem -LiteralPath $d -Force).Count -eq 0) { Remove-Item -LiteralPath $d -Force }
            else { Say "kept ${d}: it holds files this script did not install" }
        }
    }
    if (-not $Quiet) { Say "uninstalled: removed $removed files" }
}

function Invoke-Purge {
    if ($env:ATELIER_HOME) { Say "note: ATELIER_HOME=$($env:ATELIER_HOME) is set; -Purge leaves that folder alone" }
    foreach ($p in @($ConfigDir, (Join-Path $DataDir 'spool'), (Join-Path $DataDir 'models'))) {
        if (Test-Path -LiteralPath $p) { Remove-Item -LiteralPath $p -Recurse -Force; Say "purged $p" }
    }
    if ((Test-Path -LiteralPath $DataDir -PathType Container) -and @(Get-ChildItem -LiteralPath $DataDir -Force).Count -eq 0) {
        Remove-Item -LiteralPath $DataDir -Force
    }
}

if ($Uninstall -or $Purge) {
    Invoke-Uninstall $false
    if ($Purge) { Invoke-Purge }
    return
}

# ---- install: the app image -----------------------------------------------------------------------
function Find-Tool([string]$Name) {
    if ($env:JAVA_HOME) {
        $candidate = [System.IO.Path]::Combine($env:JAVA_HOME, 'bin', "$Name.exe")
        if (Test-Path -LiteralPath $candidate -PathType Leaf) { return $candidate }
    }
    $command = Get-Command $Name -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
    if ($command) { return $command.Source }
    return $null
}

$Jar = [System.IO.Path]::Combine($Root, 'engine-daemon\target\atelier.jar')
$Lib = [System.IO.Path]::Combine($Root, 'engine-daemon\target\lib')
$Zip = [System.IO.Path]::Combine($Root, 'editor-plugin\target\atelier-krita.zip')
if (-not (Test-Path -LiteralPath $Jar) -or -not (Test-Path -LiteralPath $Lib) -or (-not $NoKrita -and -not (Test-Path -LiteralPath $Zip))) {
    if (-not (Get-Command mvn -ErrorAction SilentlyContinue)) {
        Die "no built daemon at $Jar and no Maven to build it: install a JDK 17 and Maven 3.8+"
    }
    Say 'building Atelier with Maven (about a minute)...'
    Push-Location $Root
    try { & mvn -q -B '-Dstyle.color=never' -DskipTests -pl 'engine-daemon,editor-plugin' -am package } finally { Pop-Location }
    if ($LASTEXITCODE -ne 0) { Die "the Maven build failed (exit $LASTEXITCODE)" }
}
$Jpackage = Find-Tool 'jpackage'
if (-not $Jpackage) { Die 'jpackage not found: install a JDK 17+ (for example Eclipse Temurin) and set JAVA_HOME' }

# The app image is built once per daemon build, in engine-daemon\target\app-image. Beside the console
# launcher atelier.exe (for `atelier status`, `atelier fill`...) it has atelier-serve.exe, a launcher
# without a console window that runs `serve`: the one the start-up entry runs.
$ImageRoot = [System.IO.Path]::Combine($Root, 'engine-daemon\target\app-image')
$Built = Join-Path $ImageRoot 'atelier'
$Stamp = Join-Path $ImageRoot 'built-from'
$stale = -not (Test-Path -LiteralPath (Join-Path $Built 'atelier.exe')) -or -not (Test-Path -LiteralPath $Stamp)
if (-not $stale) {
    $builtAt = (Get-Item -LiteralPath $Stamp).LastWriteTimeUtc
    $newer = @(Get-ChildItem -LiteralPath $Lib -Force) + @(Get-Item -LiteralPath $Jar) | Where-Object { $_.LastWriteTimeUtc -gt $builtAt }
    $stale = @($newer).Count -gt 0
}
if ($stale) {
    Say 'packaging the daemon with its own Java runtime (jpackage, about a minute)...'
    if (Test-Path -LiteralPath $ImageRoot) { Remove-Item -LiteralPath $ImageRoot -Recurse -Force }
    $stage = Join-Path $ImageRoot 'input'
    New-Item -ItemType Directory -Path $stage | Out-Null
    Copy-Item -LiteralPath $Jar -Destination $stage
    Copy-Item -LiteralPath $Lib -Destination (Join-Path $stage 'lib') -Recurse
    $serveProps = Join-Path $ImageRoot 'atelier-serve.properties'
    [System.IO.File]::WriteAllText($serveProps, "arguments=serve`r`nwin-console=false`r`n", $Utf8)
    $arguments = @('--type', 'app-image', '--name', 'atelier', '--input', $stage, '--main-jar', 'atelier.jar',
        '--dest', $ImageRoot, '--win-console', '--add-launcher', "atelier-serve=$serveProps")
    $jdeps = Join-Path (Split-Path -Parent $Jpackage) 'jdeps.exe'
    if (Test-Path -LiteralPath $jdeps) {
        $jars = @(Get-ChildItem -LiteralPath (Join-Path $stage 'lib') -Filter '*.jar' | ForEach-Object { $_.FullName })
        # Windows PowerShell 5.1 turns a native command's redirected stderr into errors: not fatal here.
        $saved = $ErrorActionPreference
        $ErrorActionPreference = 'Continue'
        $modules = $null
        $jdepsExit = 1
        try {
            $modules = & $jdeps --multi-release 17 --ignore-missing-deps --print-module-deps --class-path ((Join-Path $stage 'lib') + '\*') (Join-Path $stage 'atelier.jar') @jars 2>$null |
                Select-Object -Last 1
            $jdepsExit = $LASTEXITCODE
        } finally {
            $ErrorActionPreference = $saved
        }
        # Only the modules the daemon uses: a runtime about half the size of the default one.
        if ($jdepsExit -eq 0 -and "$modules" -match '^[a-z][a-z0-9.,]*$') { $arguments += @('--add-modules', "$modules") }
    }
    & $Jpackage @arguments
    if ($LASTEXITCODE -ne 0) { Die "jpackage failed (exit $LASTEXITCODE)" }
    Remove-Item -LiteralPath $stage -Recurse -Force
    [System.IO.File]::WriteAllText($Stamp, (Get-Date).ToString('o'), $Utf8)
}

if (Test-Path -LiteralPath $Manifest -PathType Leaf) {
    Say "replacing the previous install (listed in $Manifest)"
    Invoke-Uninstall $true
}
if ((Test-Path -LiteralPath $Prefix) -and @(Get-ChildItem -LiteralPath $Prefix -Force -ErrorAction SilentlyContinue).Count -gt 0) {
    Die "$Prefix exists and was not installed by this script: remove it or choose another -Prefix"
}

# The manifest lives in DataDir, so the folders made for it are recorded once it exists.
$created = New-Object System.Collections.Generic.List[string]
$d = $DataDir
while (-not (Test-Path -LiteralPath $d -PathType Container)) { $created.Insert(0, $d); $d = Split-Path -Parent $d }
New-Item -ItemType Directory -Path $DataDir -Force | Out-Null
[System.IO.File]::WriteAllText($Manifest, "# Atelier: what installers/install.ps1 installed, oldest first. install.ps1 -Uninstall removes these.`r`n", $Utf8)
foreach ($c in $created) { Record @('dir', $c) }

try {
    Put-Tree $Built $Prefix
    $Launcher = Join-Path $Prefix 'atelier.exe'
    $ServeLauncher = Join-Path $Prefix 'atelier-serve.exe'
    Say "daemon: $Launcher"

    # ---- Krita ------------------------------------------------------------------------------------
    if (-not $NoKrita) {
        $unpacked = Join-Path ([System.IO.Path]::GetTempPath()) ('atelier-krita-' + [guid]::NewGuid())
        Expand-Archive -LiteralPath $Zip -DestinationPath $unpacked
        try {
            if (-not (Test-Path -LiteralPath (Join-Path $unpacked 'atelier.desktop'))) { Die "$Zip has no atelier.desktop" }
            Put-Tree $unpacked $Pykrita
        } finally {
            Remove-Item -LiteralPath $unpacked -Recurse -Force
        }
        Say "Krita: plugin in $Pykrita"
        Enable-InKritarc
    }

    # ---- GIMP -------------------------------------------------------------------------------------
    if (-not $NoGimp) {
        $gimpSource = [System.IO.Path]::Combine($Root, 'editor-plugin\gimp')
        $gimp2 = Join-Path $gimpSource 'gimp2'
        if ((Test-Path -LiteralPath (Join-Path $gimp2 'plug-ins')) -or (Test-Path -LiteralPath (Join-Path $gimp2 'scripts'))) {
            foreach ($part in @('plug-ins', 'scripts')) {
                if (Test-Path -LiteralPath (Join-Path $gimp2 $part)) {
                    Put-Tree (Join-Path $gimp2 $part) ([System.IO.Path]::Combine($GimpBase, '2.10', $part))
                }
            }
            Say "GIMP 2.10: plug-ins in $(Join-Path $GimpBase '2.10')"
        } else {
            Say 'GIMP 2.10: skipped, this checkout has no editor-plugin\gimp\gimp2 yet'
        }
        $gimp3 = [System.IO.Path]::Combine($gimpSource, 'gimp3', 'atelier')
        if (Test-Path -LiteralPath $gimp3 -PathType Container) {
            $dest = [System.IO.Path]::Combine($GimpBase, '3.0', 'plug-ins', 'atelier')
            Put-Tree $gimp3 $dest
            Put-File ([System.IO.Path]::Combine($Root, 'editor-plugin\common\atelier_client.py')) (Join-Path $dest 'atelier_client.py')
            Put-Tree ([System.IO.Path]::Combine($Root, 'bridge\src\generated\py\atelier_thrift')) (Join-Path $dest 'atelier_thrift')
            Say "GIMP 3: plug-in in $dest"
        } else {
            Say 'GIMP 3: skipped, this checkout has no editor-plugin\gimp\gimp3\atelier yet'
        }
    }

    # ---- start-up entry ---------------------------------------------------------------------------
    if (-not $NoService) {
        $data = '"' + $ServeLauncher + '"'
        if (-not (Test-Path -Path $RunKey)) { New-Item -Path $RunKey -Force | Out-Null }
        $existing = Get-ItemProperty -Path $RunKey -Name $RunValue -ErrorAction SilentlyContinue
        if ($existing -and $existing.$RunValue -ne $data) {
            Say "start-up: replacing another '$RunValue' entry ($($existing.$RunValue))"
        }
        New-ItemProperty -Path $RunKey -Name $RunValue -Value $data -PropertyType String -Force | Out-Null
        Record @('runkey', $RunValue, $data)
        Start-Process -FilePath $ServeLauncher -WindowStyle Hidden
        Say "start-up: the daemon starts at login (HKCU Run '$RunValue') and was started now"
    }
} catch {
    Say "install failed; what it installed so far is listed in ${Manifest}: run install.ps1 -Uninstall to remove it"
    throw
}

Say "done. Check the daemon with: & '$Launcher' status"
Say "models (for inpaint and the model engines) are separate: & '$Launcher' models install NAME"
Say "to remove all this: $PSCommandPath -Uninstall"
