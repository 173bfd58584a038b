# Shared by the benchmarks (dot-sourced): child processes for PSRnn runs and for the PyTorch reference.

$python = '/usr/bin/python3'

# Starts a child pwsh the way this one was started (a dotnet local tool or a plain pwsh).
function Invoke-Pwsh([string] $command) {
    $process = [Environment]::ProcessPath
    $prefix = @(if ((Split-Path -Leaf $process) -like 'dotnet*') { Join-Path $PSHOME 'pwsh.dll' })
    & $process @prefix -NoProfile -NonInteractive -Command $command
    if ($LASTEXITCODE -ne 0) { throw "A PSRnn run failed (exit $LASTEXITCODE)." }
}

# The reference at its best: this project's machines set OPENBLAS_CORETYPE=Haswell and OPENBLAS_L2_SIZE
# for old OpenBLAS builds; Debian's 0.3.21 without them picks its own kernel for this CPU (Cooperlake
# on Zen 5), computes correctly (Bench.ps1 checks it once per run) and runs faster. Unset for the
# reference's process only; -Environment sets more variables for it.
function Invoke-Reference([string[]] $arguments, [hashtable] $environment = @{}) {
    $saved = @{}
    foreach ($name in @('OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE') + @($environment.Keys)) {
        $saved[$name] = [Environment]::GetEnvironmentVariable($name)
        [Environment]::SetEnvironmentVariable($name, $environment[$name])
    }
    try { & $python @arguments 2>&1 }
    finally { foreach ($name in $saved.Keys) { [Environment]::SetEnvironmentVariable($name, $saved[$name]) } }
}

function Get-CpuName {
    (Get-Content /proc/cpuinfo | Select-String '^model name\s*:\s*(.+)' | Select-Object -First 1).Matches[0].Groups[1].Value
}
