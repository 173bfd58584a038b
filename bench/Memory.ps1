<#
.SYNOPSIS
    Memory over create/drop cycles: models a user drops must give their memory back.
.DESCRIPTION
    Builds (or imports) a model, drops it, and repeats, -Cycles times, as a sweep in one session does,
    without ever calling Dispose(). Prints the process's RSS and the libtorch tensors still alive
    (models whose weights are not freed) at checkpoints along the way, both as the loop leaves them
    and after a full garbage collection. Flat figures mean nothing is kept; a leak grows linearly.
.EXAMPLE
    dotnet pwsh ./bench/Memory.ps1 -Cycles 1000
#>
[CmdletBinding()]
param(
    [string] $ModulePath = (Join-Path $PSScriptRoot '../out/PSRnn'),
    [int] $Cycles = 1000,
    [int] $HiddenSize = 256
)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath
$text = 'the time traveller said the machine was ready and we went in to see it again'
$file = Join-Path ([IO.Path]::GetTempPath()) "psrnn-memory-$PID.psrnn"
$text | New-RnnModel -HiddenSize $HiddenSize -Seed 1 -Threads 1 -Device Cpu | Export-RnnModel -Path $file -Force
$weightsMiB = (Import-RnnModel -LiteralPath $file).ParameterCount * 4 / 1MB

function Measure-Memory([switch] $Collect) {
    if ($Collect) { [GC]::Collect(); [GC]::WaitForPendingFinalizers(); [GC]::Collect() }
    $process = [Diagnostics.Process]::GetCurrentProcess()
    [pscustomobject]@{ RssMiB = [math]::Round($process.WorkingSet64 / 1MB, 1); ManagedMiB = [math]::Round([GC]::GetTotalMemory($false) / 1MB, 1) }
}

"CPU: $((Get-Content /proc/cpuinfo -ErrorAction Ignore | Select-String -Pattern '^model name' | Select-Object -First 1) -replace '.*:\s*', '')"
"Model: Fused RNN, $HiddenSize hidden, $([math]::Round($weightsMiB, 2)) MiB of weights; $Cycles cycles, no Dispose()"
foreach ($kind in 'New-RnnModel', 'Import-RnnModel') {
    $start = Measure-Memory -Collect
    $rows = foreach ($cycle in 1..$Cycles) {
        $model = if ($kind -eq 'New-RnnModel') { $text | New-RnnModel -HiddenSize $HiddenSize -Seed 1 -Threads 1 -Device Cpu } else { Import-RnnModel -LiteralPath $file }
        $model = $null
        if ($cycle -in @(1, [int]($Cycles / 4), [int]($Cycles / 2), $Cycles)) {
            $loop = Measure-Memory
            $collected = Measure-Memory -Collect
            [pscustomobject]@{
                Cmdlet = $kind; Cycle = $cycle
                'RSS MiB (as left)' = $loop.RssMiB; 'RSS MiB (after GC)' = $collected.RssMiB
                'Growth MiB' = [math]::Round($collected.RssMiB - $start.RssMiB, 1)
                'If leaked MiB' = [math]::Round($cycle * $weightsMiB, 1)
            }
        }
    }
    $rows | Format-Table -AutoSize | Out-String -Width 200
}
Remove-Item -LiteralPath $file -ErrorAction Ignore
