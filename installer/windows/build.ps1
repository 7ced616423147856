<#
.SYNOPSIS
    Build FoleyDesk for Windows x64: PyInstaller one-dir app, frozen self-test, Inno Setup installer.

.DESCRIPTION
    installer\windows\build.ps1 [-OutDir dist] [-Python python] [-SkipInstaller] [-TestInstall]

    Leaves <OutDir>\FoleyDesk\FoleyDesk.exe, <OutDir>\self-test.txt and
    <OutDir>\FoleyDesk-<version>-windows-x64-setup.exe. -TestInstall then installs the setup
    silently for the current user into a temp folder, runs the installed app's self-test,
    uninstalls it and checks that a project in the user's folders survived the uninstall.
    The app is windowed (no console), so the self-test writes its report to a file.
#>
[CmdletBinding()]
param(
    [string]$OutDir = "",
    [string]$Python = "python",
    [switch]$SkipInstaller,
    [switch]$TestInstall
)

Set-StrictMode -Version Latest
$ErrorActionPreference = "Stop"

$Root = (Resolve-Path (Join-Path $PSScriptRoot "..\..")).Path
if (-not $OutDir) { $OutDir = Join-Path $Root "dist" }
New-Item -ItemType Directory -Force -Path $OutDir | Out-Null
$OutDir = (Resolve-Path $OutDir).Path

function Invoke-Checked {
    param([string]$What, [scriptblock]$Block)
    & $Block
    if ($LASTEXITCODE -ne 0) { throw "$What failed (exit $LASTEXITCODE)" }
}

function Invoke-SelfTest {
    # Runs <Exe> --self-test with throwaway settings; prints the report; throws on failure.
    param([string]$Exe, [string]$Report)
    $scratch = Join-Path ([System.IO.Path]::GetTempPath()) ("foleydesk-selftest-" + [guid]::NewGuid())
    New-Item -ItemType Directory -Force -Path $scratch | Out-Null
    $env:FOLEYDESK_CONFIG_DIR = Join-Path $scratch "config"
    $env:FOLEYDESK_LOG_DIR = Join-Path $scratch "logs"
    $env:FOLEYDESK_DATA_DIR = Join-Path $scratch "data"
    $env:QT_QPA_PLATFORM = "offscreen"
    if (Test-Path $Report) { Remove-Item $Report -Force }
    try {
        $proc = Start-Process -FilePath $Exe -ArgumentList @("--self-test", "--report", "`"$Report`"") `
            -PassThru -WindowStyle Hidden
        $null = $proc.Handle  # keep the handle so ExitCode is available after exit
        if (-not $proc.WaitForExit(300000)) {
            $proc.Kill()
            throw "self-test of $Exe did not finish within 5 minutes"
        }
        if (Test-Path $Report) { Get-Content $Report | Write-Host }
        else { Write-Host "(no report written)" }
        if ($proc.ExitCode -ne 0) {
            $log = Join-Path $env:FOLEYDESK_LOG_DIR "foleydesk.log"
            if (Test-Path $log) { Get-Content $log | Write-Host }
            $console = Join-Path $env:FOLEYDESK_LOG_DIR "foleydesk-console.log"
            if (Test-Path $console) { Get-Content $console | Write-Host }
            throw "self-test of $Exe failed (exit $($proc.ExitCode))"
        }
    }
    finally {
        foreach ($name in "FOLEYDESK_CONFIG_DIR", "FOLEYDESK_LOG_DIR", "FOLEYDESK_DATA_DIR") {
            Remove-Item "Env:$name" -ErrorAction SilentlyContinue
        }
        Remove-Item -Recurse -Force $scratch -ErrorAction SilentlyContinue
    }
}

function Find-Iscc {
    $candidates = @(
        (Get-Command "ISCC.exe" -ErrorAction SilentlyContinue | Select-Object -ExpandProperty Source),
        (Join-Path ${env:ProgramFiles(x86)} "Inno Setup 6\ISCC.exe"),
        (Join-Path $env:ProgramFiles "Inno Setup 6\ISCC.exe"),
        (Join-Path $env:LOCALAPPDATA "Programs\Inno Setup 6\ISCC.exe")
    )
    foreach ($candidate in $candidates) {
        if ($candidate -and (Test-Path $candidate)) { return $candidate }
    }
    return $null
}

$Version = (& $Python -c "import foleydesk; print(foleydesk.__version__)").Trim()
if ($LASTEXITCODE -ne 0) { throw "cannot import foleydesk with $Python (pip install -e . first)" }
$parts = @([regex]::Matches(($Version -split '\+')[0], '\d+') | ForEach-Object { $_.Value })
while ($parts.Count -lt 4) { $parts += "0" }
$VersionNumeric = ($parts[0..3] -join ".")
Write-Host "== building FoleyDesk $Version (file version $VersionNumeric) into $OutDir"

Invoke-Checked "PyInstaller" {
    & $Python -m PyInstaller (Join-Path $Root "installer\foleydesk.spec") `
        --noconfirm --clean --log-level WARN `
        --distpath $OutDir --workpath (Join-Path $OutDir "build")
}
$AppDir = Join-Path $OutDir "FoleyDesk"
$Exe = Join-Path $AppDir "FoleyDesk.exe"
if (-not (Test-Path $Exe)) { throw "PyInstaller did not produce $Exe" }

Write-Host "== frozen self-test"
Invoke-SelfTest -Exe $Exe -Report (Join-Path $OutDir "self-test.txt")
$bytes = (Get-ChildItem -Recurse -File $AppDir | Measure-Object -Sum Length).Sum
Write-Host ("== bundle: {0:N1} MB in {1}" -f ($bytes / 1MB), $AppDir)

if ($SkipInstaller) { return }

$Iscc = Find-Iscc
if (-not $Iscc) {
    if (Get-Command choco -ErrorAction SilentlyContinue) {
        Write-Host "== Inno Setup not found; installing it with Chocolatey"
        Invoke-Checked "choco install innosetup" { choco install innosetup -y --no-progress }
        $Iscc = Find-Iscc
    }
    if (-not $Iscc) { throw "Inno Setup 6 (ISCC.exe) not found: install it from https://jrsoftware.org" }
}
Write-Host "== Inno Setup: $Iscc"
Invoke-Checked "ISCC" {
    & $Iscc "/DAppVersion=$Version" "/DAppVersionNumeric=$VersionNumeric" "/DDistDir=$AppDir" `
        "/O$OutDir" (Join-Path $PSScriptRoot "foleydesk.iss")
}
$Setup = Join-Path $OutDir "FoleyDesk-$Version-windows-x64-setup.exe"
if (-not (Test-Path $Setup)) { throw "ISCC did not produce $Setup" }
Write-Host ("== installer: {0:N1} MB -> {1}" -f ((Get-Item $Setup).Length / 1MB), $Setup)

if (-not $TestInstall) { return }

Write-Host "== install test (per user, silent)"
$InstallDir = Join-Path ([System.IO.Path]::GetTempPath()) ("FoleyDesk-install-" + [guid]::NewGuid())
$installLog = Join-Path $OutDir "install.log"
$proc = Start-Process -FilePath $Setup -Wait -PassThru -ArgumentList @(
    "/VERYSILENT", "/SUPPRESSMSGBOXES", "/NORESTART", "/CURRENTUSER",
    "/DIR=`"$InstallDir`"", "/LOG=`"$installLog`"")
if ($proc.ExitCode -ne 0) { throw "silent install failed (exit $($proc.ExitCode)); see $installLog" }
$InstalledExe = Join-Path $InstallDir "FoleyDesk.exe"
if (-not (Test-Path $InstalledExe)) { throw "installed app not found at $InstalledExe" }
$assoc = Get-ItemProperty -Path "HKCU:\Software\Classes\.foleydesk" -ErrorAction SilentlyContinue
if (-not $assoc -or $assoc.'(default)' -ne "FoleyDesk.Project") {
    throw ".foleydesk is not associated with FoleyDesk after install"
}
Invoke-SelfTest -Exe $InstalledExe -Report (Join-Path $OutDir "self-test-installed.txt")

# A project the user keeps in their own folders must outlive the uninstall.
$Projects = Join-Path ([Environment]::GetFolderPath("MyDocuments")) "FoleyDesk-uninstall-test"
New-Item -ItemType Directory -Force -Path $Projects | Out-Null
$project = Join-Path $Projects "scene.foleydesk"
Set-Content -Path $project -Value "not a real project"

Write-Host "== uninstall test"
$proc = Start-Process -FilePath (Join-Path $InstallDir "unins000.exe") -Wait -PassThru `
    -ArgumentList @("/VERYSILENT", "/SUPPRESSMSGBOXES", "/NORESTART")
if ($proc.ExitCode -ne 0) { throw "silent uninstall failed (exit $($proc.ExitCode))" }
for ($i = 0; ($i -lt 30) -and (Test-Path $InstalledExe); $i++) { Start-Sleep -Seconds 1 }
if (Test-Path $InstalledExe) { throw "uninstall left $InstalledExe behind" }
if (Test-Path "HKCU:\Software\Classes\FoleyDesk.Project") { throw "uninstall left the ProgId behind" }
if (-not (Test-Path $project)) { throw "uninstall removed the user's project $project" }
Remove-Item -Recurse -Force $Projects
Write-Host "== install, self-test and uninstall passed"
