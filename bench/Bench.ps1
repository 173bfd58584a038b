<#
.SYNOPSIS
    PSRnn against the PyTorch reference on the same machine, side by side.
.DESCRIPTION
    For each configuration (d2l's: char level, all of The Time Machine unless -MaxTokens, batch 32,
    35 steps, lr 1, clip 1, sequential), alternates a PSRnn run through the cmdlets and a run of
    bench/reference_pytorch.py, each in its own process, and prints: tokens/s on both sides and
    their ratio, perplexity after the same epochs, peak RSS, and a roofline: the tokens/s that this
    machine's measured 32x512x512 float32 GEMM rate would allow at the configuration's FLOPs per
    token (through libtorch's GEMM, and through the best GEMM here, the reference's OpenBLAS). Every
    PSRnn run measures that GEMM in its own process right after training, and the roofline takes the
    median over all of them: one measurement moves by a fifth with the host's load. Then an
    RSS and live-tensor trace over a long run (flat means no leak) and PSRnn with 1 vs 2 threads.
    Figures are medians over epochs 2..N (the first pays for warm-up) and over rounds.
.EXAMPLE
    dotnet pwsh ./build.ps1 Bench
#>
[CmdletBinding()]
param(
    [string] $ModulePath = (Join-Path $PSScriptRoot '../out/PSRnn'),
    [string] $DataPath = (Join-Path $PSScriptRoot '../../shared/data/timemachine.txt'),
    [int] $Epochs = 5,
    [int] $Rounds = 2,
    # Tokens of the corpus per epoch; 0 = all of The Time Machine (170,580).
    [int] $MaxTokens = 0,
    [int] $RssEpochs = 60,
    # PSRnn's threads: 0 leaves the module's default, as a user would. PyTorch runs with 1, its fastest here.
    [int] $Threads = 0,
    [int] $ReferenceThreads = 1,
    # Configuration names; from bash, -Only 'Fused GRU 256','Scratch GRU 256' arrives as one string, so split on commas.
    [string[]] $Only
)
$ErrorActionPreference = 'Stop'
$Only = $Only -split ',' | ForEach-Object Trim | Where-Object { $_ }
. (Join-Path $PSScriptRoot 'Common.ps1')

# Each PSRnn configuration against the reference of the same cell; scratch GRU and LSTM meet PyTorch's
# fused nn.GRU / nn.LSTM, its fastest way to compute the same cell.
$configs = @(
    @{ Name = 'Fused RNN 512'; Implementation = 'Fused'; CellType = 'Rnn'; Hidden = 512; Reference = 'rnn' }
    @{ Name = 'Scratch RNN 512'; Implementation = 'Scratch'; CellType = 'Rnn'; Hidden = 512; Reference = 'scratch' }
    @{ Name = 'Fused GRU 256'; Implementation = 'Fused'; CellType = 'Gru'; Hidden = 256; Reference = 'gru' }
    @{ Name = 'Scratch GRU 256'; Implementation = 'Scratch'; CellType = 'Gru'; Hidden = 256; Reference = 'gru' }
    @{ Name = 'Fused LSTM 256'; Implementation = 'Fused'; CellType = 'Lstm'; Hidden = 256; Reference = 'lstm' }
    @{ Name = 'Scratch LSTM 256'; Implementation = 'Scratch'; CellType = 'Lstm'; Hidden = 256; Reference = 'lstm' }
) | Where-Object { -not $Only -or $_.Name -in $Only }
if ($Only -and -not $configs) { throw "-Only matched no configuration: $($Only -join ', ')." }

# Debian's python3-torch calls whatever libblas.so.3 the alternatives system picks; without OpenBLAS
# that is the netlib reference BLAS, 3-4x slower, which would flatter PSRnn. So: torch with OpenBLAS.
function Assert-Reference {
    & $python -c 'import torch' 2>$null
    $hasTorch = $LASTEXITCODE -eq 0
    $hasOpenBlas = Test-Path /usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3
    if ($hasTorch -and $hasOpenBlas) { return }
    if ((id -u) -ne '0') { throw "The PyTorch reference needs Debian's python3-torch with OpenBLAS: sudo apt-get install -y python3-torch libopenblas0-pthread" }
    Write-Host 'Installing the reference: apt-get install python3-torch libopenblas0-pthread (once)...'
    apt-get update -qq | Out-Null
    apt-get install -y -qq python3-torch libopenblas0-pthread | Out-Null
    if ($LASTEXITCODE -ne 0) { throw 'apt-get install python3-torch libopenblas0-pthread failed.' }
}

function Get-Median([double[]] $values) {
    $sorted = $values | Sort-Object
    if ($sorted.Count % 2) { $sorted[[int][math]::Floor($sorted.Count / 2)] }
    else { ($sorted[$sorted.Count / 2 - 1] + $sorted[$sorted.Count / 2]) / 2 }
}

# One PSRnn run in a fresh process: what a user runs, through the cmdlets. Prints one JSON line.
function Invoke-PSRnnRun($config, [int] $epochs, [int] $threads) {
    $json = Invoke-Pwsh @"
Import-Module '$ModulePath'
`$text = Get-RnnCorpus -Path '$DataPath'
`$threads = if ($threads -gt 0) { $threads } else { [PSRnn.Engine.Models.Devices]::DefaultThreads }
`$model = `$text | New-RnnModel -CellType $($config.CellType) -Implementation $($config.Implementation) -HiddenSize $($config.Hidden) -Seed 0 -Threads `$threads
`$epochs = @(`$text | Invoke-RnnTraining -Model `$model -Epochs $epochs -MaxTokens $MaxTokens -BatchSize 32 -NumSteps 35 -LearningRate 1 -GradientClip 1 -Sampling Sequential)
`$rss = [long]((Get-Content /proc/self/status | Select-String '^VmHWM:\s+(\d+)').Matches[0].Groups[1].Value) * 1KB
`$a = [TorchSharp.torch]::randn([long[]](32, 512)); `$b = [TorchSharp.torch]::randn([long[]](512, 512))
foreach (`$i in 1..200) { `$c = [TorchSharp.torch]::mm(`$a, `$b); `$c.Dispose() }
`$n = 3000; `$clock = [Diagnostics.Stopwatch]::StartNew()
foreach (`$i in 1..`$n) { `$c = [TorchSharp.torch]::mm(`$a, `$b); `$c.Dispose() }
`$gemm = 2.0 * 32 * 512 * 512 * `$n / `$clock.Elapsed.TotalSeconds / 1e9
@{ Speeds = @(`$epochs | Select-Object -Skip 1 | ForEach-Object TokensPerSecond); Perplexity = `$epochs[-1].Perplexity; PeakRss = `$rss; Gemm = `$gemm } | ConvertTo-Json -Compress
"@
    $json | Select-Object -Last 1 | ConvertFrom-Json
}

function Invoke-ReferenceRun($config, [int] $epochs) {
    $out = Invoke-Reference @((Join-Path $PSScriptRoot 'reference_pytorch.py'), '--model', $config.Reference, '--hidden', $config.Hidden,
        '--epochs', $epochs, '--max-tokens', $MaxTokens, '--batch-size', 32, '--num-steps', 35, '--lr', 1, '--clip', 1,
        '--sampling', 'sequential', '--threads', $ReferenceThreads, '--seed', 0, '--data', $DataPath, '--csv')
    if ($LASTEXITCODE -ne 0) { throw "The PyTorch reference failed: $out" }
    $rows = @($out | Where-Object { $_ -match '^\d+,' } | ForEach-Object { , ($_ -split ',') })
    $summary = $out | Where-Object { $_ -match 'peak_rss_mib=([\d.]+)' } | Select-Object -Last 1
    [pscustomobject]@{
        Speeds = @($rows | Select-Object -Skip 1 | ForEach-Object { [double]$_[3] })
        Perplexity = [double]$rows[-1][1]
        PeakRss = [double]($summary -replace '.*peak_rss_mib=([\d.]+).*', '$1') * 1MB
    }
}

# The same GEMM through the reference's BLAS, with the kernel OpenBLAS chose (OPENBLAS_VERBOSE=2 prints
# "Core: ...") and its float32 result checked against float64 once.
function Measure-ReferenceGemm {
    $code = @(
        'import time, torch'
        "torch.set_num_threads($ReferenceThreads); a = torch.randn(32, 512); b = torch.randn(512, 512)"
        'error = ((a @ b).double() - a.double() @ b.double()).abs().max() / (a.double() @ b.double()).abs().max()'
        'for _ in range(200): a @ b'
        't = time.perf_counter()'
        'for _ in range(4000): a @ b'
        "print('gemm', 2 * 32 * 512 * 512 * 4000 / (time.perf_counter() - t) / 1e9, float(error))"
    ) -join [Environment]::NewLine
    $out = Invoke-Reference @('-c', $code) @{ OPENBLAS_NUM_THREADS = "$ReferenceThreads"; OPENBLAS_VERBOSE = '2' }
    $core = ($out | Where-Object { "$_" -match '^Core:\s*(.+)' } | Select-Object -First 1) -replace '^Core:\s*', ''
    $rate, $error = ($out | Where-Object { "$_" -match '^gemm ' } | Select-Object -Last 1) -split ' ' | Select-Object -Skip 1
    if ([double]$error -gt 1e-5) { throw "The reference's OpenBLAS ($core) computes a wrong GEMM: max relative error $error." }
    [pscustomobject]@{ Rate = [double]$rate; Core = "$core"; Error = [double]$error }
}

# Forward FLOPs per token x 3 (backward costs about twice the forward): gates x (input + recurrent) + output.
function Get-FlopsPerToken($config, [int] $vocabulary = 28) {
    $gates = @{ Rnn = 1; Gru = 3; Lstm = 4 }[$config.CellType]
    $h = $config.Hidden
    3 * (2 * $gates * ($vocabulary * $h + $h * $h) + 2 * $h * $vocabulary)
}

if (-not (Test-Path -LiteralPath $DataPath)) { throw "The benchmark needs The Time Machine at $DataPath (-DataPath)." }
Assert-Reference
$cpu = Get-CpuName
$family = (Get-Content /proc/cpuinfo | Select-String '^cpu family\s*:\s*(\d+)' | Select-Object -First 1).Matches[0].Groups[1].Value
Write-Host ("CPU: {0} (family {1}), {2} logical processors; PSRnn threads: {3}; reference threads: {4}" -f $cpu, $family,
    [Environment]::ProcessorCount, $(if ($Threads -gt 0) { $Threads } else { 'module default' }), $ReferenceThreads)
$shim = Invoke-Pwsh "Import-Module '$ModulePath'; `$null = New-RnnModel -Vocabulary a -HiddenSize 2; [PSRnn.Engine.Native.MklVendorGate]::Description"
Write-Host ($shim | Select-Object -Last 1)
$reference = Measure-ReferenceGemm

$runs = foreach ($config in $configs) {
    $ours = [System.Collections.Generic.List[object]]::new(); $theirs = [System.Collections.Generic.List[object]]::new()
    for ($round = 1; $round -le $Rounds; $round++) {
        Write-Host "$($config.Name): round $round of $Rounds (PSRnn, then PyTorch)"
        $ours.Add((Invoke-PSRnnRun $config $Epochs $Threads))
        $theirs.Add((Invoke-ReferenceRun $config $Epochs))
    }
    [pscustomobject]@{ Config = $config; Ours = $ours; Theirs = $theirs }
}
# The reference's GEMM at the start and the end, its better one: the best-GEMM roofline must not flatter PSRnn.
$last = Measure-ReferenceGemm
if ($last.Rate -gt $reference.Rate) { $reference = $last }
$gemmRates = @($runs | ForEach-Object { $_.Ours } | ForEach-Object { [double]$_.Gemm })
$gemm = Get-Median $gemmRates
Write-Host ("32x512x512 float32 GEMM: {0:N1} GFLOP/s through PSRnn's libtorch (its bundled oneMKL; median of {1} runs, {2:N1}-{3:N1}), {4:N1} GFLOP/s through the reference's OpenBLAS (kernel {5}, max relative error {6:E1} against float64)" -f
    $gemm, $gemmRates.Count, ($gemmRates | Measure-Object -Minimum).Minimum, ($gemmRates | Measure-Object -Maximum).Maximum, $reference.Rate, $reference.Core, $reference.Error)

$rows = foreach ($run in $runs) {
    $config, $ours, $theirs = $run.Config, $run.Ours, $run.Theirs
    $oursSpeed = Get-Median ($ours | ForEach-Object { $_.Speeds })
    $theirSpeed = Get-Median ($theirs | ForEach-Object { $_.Speeds })
    $roofline = $gemm * 1e9 / (Get-FlopsPerToken $config)
    $bestRoofline = [math]::Max($gemm, $reference.Rate) * 1e9 / (Get-FlopsPerToken $config)
    [pscustomobject]@{
        Configuration = $config.Name
        'PSRnn tok/s' = [long]$oursSpeed
        'PyTorch tok/s' = [long]$theirSpeed
        Ratio = [math]::Round($oursSpeed / $theirSpeed, 2)
        'PSRnn ppl' = [math]::Round($ours[0].Perplexity, 3)
        'PyTorch ppl' = [math]::Round($theirs[0].Perplexity, 3)
        'PSRnn RSS MB' = [long](($ours | Measure-Object PeakRss -Maximum).Maximum / 1MB)
        'PyTorch RSS MB' = [long](($theirs | Measure-Object PeakRss -Maximum).Maximum / 1MB)
        'Roofline tok/s' = [long]$roofline
        'Of roofline' = '{0:P0}' -f ($oursSpeed / $roofline)
        'Of best-GEMM roofline' = '{0:P0}' -f ($oursSpeed / $bestRoofline)
    }
}
$rows | Format-Table -Property * -AutoSize | Out-String -Width 300 | Write-Host

# RSS and libtorch's live tensor count after every epoch of a long run: a leak per batch or per
# epoch shows as a rising count; RSS also moves with the .NET heap and the allocators, so both print.
$trace = Invoke-Pwsh @"
Import-Module '$ModulePath'
`$text = Get-RnnCorpus -Path '$DataPath'
`$model = `$text | New-RnnModel -Implementation Fused -HiddenSize 256 -Seed 0
`$statistics = [TorchSharp.DisposeScopeManager]::Statistics
`$text | Invoke-RnnTraining -Model `$model -Epochs $RssEpochs -MaxTokens 10000 |
    ForEach-Object { '{0}:{1}' -f ([long]((Get-Content /proc/self/status | Select-String '^VmRSS:\s+(\d+)').Matches[0].Groups[1].Value) * 1KB), `$statistics.ThreadTotalLiveCount }
"@
$points = $trace | Where-Object { $_ -match '^\d+:\d+$' } | ForEach-Object { $rss, $live = $_ -split ':'; [pscustomobject]@{ Rss = [double]$rss; Live = [int]$live } }
$marks = @(1, 5, 10, 20, 30, 40, 50, 75, 100) | Where-Object { $_ -le $points.Count }
Write-Host ("Over {0} epochs of fused RNN 256 (epoch: RSS MB / live tensors): {1}" -f $RssEpochs,
    (($marks | ForEach-Object { '{0}: {1:N0} / {2}' -f $_, ($points[$_ - 1].Rss / 1MB), $points[$_ - 1].Live }) -join ', '))
$settled = $points[[math]::Min(9, $points.Count - 1)]
Write-Host ("RSS growth from epoch 10 to {0}: {1:P1}; live tensors {2} -> {3}" -f $points.Count,
    (($points[-1].Rss - $settled.Rss) / $settled.Rss), $settled.Live, $points[-1].Live)

# Threads: 1 vs 2, on an idle machine and with another process keeping one core busy (as a second
# run or a build would); the default must not fall into oversubscription.
function Measure-Threads([string] $load) {
    foreach ($name in 'Fused RNN 512', 'Scratch GRU 256') {
        $config = $configs | Where-Object Name -eq $name | Select-Object -First 1
        if (-not $config) { continue }
        $one = Get-Median (Invoke-PSRnnRun $config 3 1).Speeds
        $two = Get-Median (Invoke-PSRnnRun $config 3 2).Speeds
        [pscustomobject]@{ Configuration = $name; Machine = $load; '1 thread tok/s' = [long]$one; '2 threads tok/s' = [long]$two; 'Speed-up' = [math]::Round($two / $one, 2) }
    }
}
$threadRows = @(Measure-Threads 'idle')
$busy = Start-Process $python -ArgumentList '-c', '"while True: pass"' -PassThru
try { $threadRows += Measure-Threads 'one core busy' } finally { Stop-Process $busy -ErrorAction Ignore }
$threadRows | Format-Table -AutoSize | Out-String -Width 300 | Write-Host
$rows
