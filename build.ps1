#Requires -Version 7.4
<#
.SYNOPSIS
    Builds, tests and demonstrates PSRnn.
.DESCRIPTION
    Build   publishes the importable module to out/PSRnn (assemblies, manifest, views, LICENSE,
            en-US help generated from docs/help, and the host's libtorch natives flat beside
            TorchSharp.dll).
    Test    builds, runs the xunit tests and the Pester tests (in a child pwsh), and ends with
            the line "tests: N passed, M failed" summed over both.
    Demo    builds and trains a character-level RNN on The Time Machine.
    Bench   builds, then runs bench/Bench.ps1 (character level, d2l) and bench/WordBench.ps1 (word
            level, pytorch/examples): PSRnn through its cmdlets against PyTorch references
            (Bench.ps1 installs Debian's python3-torch when missing), side by side.
    Package builds, then packs out/PSRnn into out/packages/PSRnn.<version>.nupkg, installable with
            Install-PSResource from a local repository.
    Clean   removes out/ and every bin/ and obj/ folder.
.EXAMPLE
    dotnet tool restore; dotnet pwsh ./build.ps1 Test
#>
[CmdletBinding()]
param(
    [Parameter(Position = 0)]
    [ValidateSet('Build', 'Test', 'Demo', 'Bench', 'Package', 'Clean')]
    [string] $Task = 'Build',

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release',

    # Cpu: libtorch for this OS from NuGet. CudaWindows: TorchSharp-cuda-windows (Windows with an NVIDIA GPU only).
    [ValidateSet('Cpu', 'CudaWindows')]
    [string] $Backend = 'Cpu'
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$root = $PSScriptRoot
$moduleDir = Join-Path $root 'out/PSRnn'

# Natives the module never loads: test and Python bindings of the libtorch package (about 100 MB).
$unusedNatives = @(
    'libtorch_python.so', 'libjitbackend_test.so', 'libtorchbind_test.so', 'libbackend_with_compiler.so',
    'libaoti_custom_ops.so', 'libnnapi_backend.so', 'libshm.so', 'libtorch_global_deps.so'
)

function Invoke-Native([string] $what, [scriptblock] $command) {
    & $command
    if ($LASTEXITCODE -ne 0) { throw "$what failed (exit code $LASTEXITCODE)." }
}

function Invoke-Build {
    if ($Backend -eq 'CudaWindows' -and -not $IsWindows) {
        throw 'The CudaWindows backend builds only on Windows (TorchSharp-cuda-windows ships Windows binaries). Use -Backend Cpu here.'
    }
    $dotnetArgs = @("-c", $Configuration, "-p:Backend=$Backend", '--nologo', '-v', 'quiet')
    Invoke-Native 'dotnet build' { dotnet build (Join-Path $root 'PSRnn.sln') @dotnetArgs }
    if (Test-Path $moduleDir) { Remove-Item $moduleDir -Recurse -Force }
    Invoke-Native 'dotnet publish' { dotnet publish (Join-Path $root 'src/PSRnn/PSRnn.csproj') @dotnetArgs --no-build -o $moduleDir }
    foreach ($name in $unusedNatives) { Remove-Item (Join-Path $moduleDir $name) -ErrorAction Ignore }
    # PowerShell provides System.Management.Automation; a copy in the module would shadow it.
    Remove-Item (Join-Path $moduleDir 'System.Management.Automation.dll'), (Join-Path $moduleDir '*.pdb') -ErrorAction Ignore
    Copy-Item (Join-Path $root 'module/*'), (Join-Path $root 'LICENSE') $moduleDir -Recurse
    if ($IsLinux) { Repair-LibTorchSharp }
    if ($IsLinux -and [Runtime.InteropServices.RuntimeInformation]::OSArchitecture -eq 'X64') { Write-MklVendorShim }
    Build-Help
    Write-Host "Module published to $moduleDir"
}

# docs/help/*.md -> en-US/PSRnn.dll-Help.xml, the MAML Get-Help reads. The generator imports the module
# to read parameter metadata, so it runs in a child pwsh (after the libtorch patch, which import needs).
function Build-Help {
    $helpFile = Join-Path $moduleDir 'en-US/PSRnn.dll-Help.xml'
    $out = Invoke-ChildPwsh @('-File', (Join-Path $root 'build/ConvertTo-MamlHelp.ps1'), '-Path', (Join-Path $root 'docs/help'),
        '-Module', (Join-Path $moduleDir 'PSRnn.psd1'), '-OutputPath', $helpFile) 2>&1
    if ($LASTEXITCODE -ne 0) { throw "Generating help failed: $($out -join [Environment]::NewLine)" }
    $out | ForEach-Object { Write-Host "help: $_" }   # warnings name undocumented cmdlets and parameters
}

# TorchSharp's libLibTorchSharp.so asks for GLIBCXX_3.4.32 only for a marker symbol it never calls;
# on hosts whose libstdc++ lacks that version, mark the need weak in the module's own copy. The patcher
# is a build-time tool (build/PSRnn.Build), not part of the module.
function Repair-LibTorchSharp {
    $tool = Join-Path $root "build/PSRnn.Build/bin/$Configuration/net10.0/PSRnn.Build.dll"
    $out = dotnet $tool weaken-missing-versions (Join-Path $moduleDir 'libLibTorchSharp.so')
    if ($LASTEXITCODE -ne 0) { throw "Patching libLibTorchSharp.so failed: $out" }
    Write-Host "libLibTorchSharp.so: $out"
}

# oneMKL inside libtorch_cpu.so runs its slow generic paths unless the CPU says it is Intel's; the
# module answers that one check on other x86-64 CPUs with this 4 KB shared object (MklVendorGate).
function Write-MklVendorShim {
    $tool = Join-Path $root "build/PSRnn.Build/bin/$Configuration/net10.0/PSRnn.Build.dll"
    $out = dotnet $tool write-mkl-vendor-shim (Join-Path $moduleDir 'libpsrnn_mkl_vendor.so')
    if ($LASTEXITCODE -ne 0) { throw "Writing the oneMKL vendor shim failed: $out" }
    Write-Host "oneMKL vendor shim: $out"
}

# Starts a child pwsh the same way this one was started (a dotnet local tool or a plain pwsh).
function Invoke-ChildPwsh([string[]] $arguments) {
    $process = [Environment]::ProcessPath
    $prefix = @(if ((Split-Path -Leaf $process) -like 'dotnet*') { Join-Path $PSHOME 'pwsh.dll' })
    & $process @prefix -NoProfile -NonInteractive @arguments
}

function Invoke-Package {
    Invoke-Build
    $packages = Join-Path $root 'out/packages'
    Remove-Item $packages -Recurse -Force -ErrorAction Ignore
    New-Item -ItemType Directory $packages | Out-Null
    # PSResourceGet ships with PowerShell 7.4+; it writes the .nuspec from the manifest.
    $package = Compress-PSResource -Path $moduleDir -DestinationPath $packages -PassThru
    Write-Host "Package written to $($package.FullName)"
}

function Invoke-Test {
    # The Pester suite installs the package the way a user would (Install-PSResource), so build it too.
    Invoke-Package
    $env:PSRNN_TEST_PACKAGES = Join-Path $root 'out/packages'
    $results = Join-Path $root 'out/test-results'
    New-Item -ItemType Directory -Force $results | Out-Null

    # xunit: count from the TRX file rather than from console text.
    $trx = Join-Path $results 'xunit.trx'
    Remove-Item $trx -ErrorAction Ignore
    dotnet test (Join-Path $root 'tests/PSRnn.Tests/PSRnn.Tests.csproj') -c $Configuration "-p:Backend=$Backend" --no-build --nologo `
        --logger "trx;LogFileName=$trx" --logger 'console;verbosity=normal'
    $xunitExit = $LASTEXITCODE
    $xunit = @{ Passed = 0; Failed = 0; Skipped = 0 }
    if (Test-Path $trx) {
        $counters = ([xml](Get-Content -Raw $trx)).TestRun.ResultSummary.Counters
        $xunit = @{ Passed = [int]$counters.passed; Failed = [int]$counters.failed + [int]$counters.error + [int]$counters.timeout
                    Skipped = [int]$counters.total - [int]$counters.executed }
    } elseif ($xunitExit -ne 0) { $xunit.Failed = 1 }

    # Pester: in a child pwsh that imports ./out/PSRnn as a user would.
    $pesterJson = Join-Path $results 'pester.json'
    Remove-Item $pesterJson -ErrorAction Ignore
    Invoke-ChildPwsh @('-File', (Join-Path $root 'tests/Invoke-PesterTests.ps1'), '-ModulePath', $moduleDir, '-SummaryPath', $pesterJson)
    $pester = @{ Passed = 0; Failed = 1; Skipped = 0 }
    if (Test-Path $pesterJson) { $pester = Get-Content -Raw $pesterJson | ConvertFrom-Json -AsHashtable }

    $passed = $xunit.Passed + $pester.Passed
    $failed = $xunit.Failed + $pester.Failed
    Write-Host ("xunit: {0} passed, {1} failed, {2} skipped; Pester: {3} passed, {4} failed, {5} skipped" -f
        $xunit.Passed, $xunit.Failed, $xunit.Skipped, $pester.Passed, $pester.Failed, $pester.Skipped)
    Write-Host "tests: $passed passed, $failed failed"
    if ($failed -gt 0 -or $passed -eq 0) { exit 1 }
}

function Invoke-Demo {
    Invoke-Build
    $shared = Join-Path $root '../shared/data'
    if (-not $env:PSRNN_DATA -and (Test-Path (Join-Path $shared 'timemachine.txt'))) {
        $env:PSRNN_DATA = (Resolve-Path $shared).Path
    }
    if (-not $env:PSRNN_DATA) {
        Write-Host 'The demo needs The Time Machine: set $env:PSRNN_DATA to a folder holding timemachine.txt' `
            '(sha1 090b5e7e70c295757f55df93cb0a180b9691891a), or let Get-RnnCorpus download it (needs internet access).'
    }
    Invoke-ChildPwsh @('-File', (Join-Path $root 'examples/Demo.ps1'), '-ModulePath', $moduleDir)
    if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
}

function Invoke-Bench {
    Invoke-Build
    foreach ($bench in 'Bench.ps1', 'WordBench.ps1') {
        Invoke-ChildPwsh @('-File', (Join-Path $root "bench/$bench"), '-ModulePath', $moduleDir)
        if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
    }
}

function Invoke-Clean {
    Remove-Item (Join-Path $root 'out') -Recurse -Force -ErrorAction Ignore
    Get-ChildItem $root -Directory -Recurse -Include bin, obj |
        Where-Object { $_.FullName -notmatch '[\\/]\.git[\\/]' } |
        Remove-Item -Recurse -Force
}

switch ($Task) {
    'Build' { Invoke-Build }
    'Test' { Invoke-Test }
    'Demo' { Invoke-Demo }
    'Bench' { Invoke-Bench }
    'Package' { Invoke-Package }
    'Clean' { Invoke-Clean }
}
