<#
.SYNOPSIS
    A grid sweep over hidden size x learning rate x state reset, trials in parallel runspaces.
.DESCRIPTION
    Every combination of -HiddenSize, -LearningRate and -StateReset is one trial. Trials run with
    ForEach-Object -Parallel, -ThrottleLimit at a time (default: one per processor). Each trial imports
    the module by path and builds its own model inside its runspace: a model belongs to the runspace
    that trains it (PSRnn refuses to train one model from two runspaces at once), so nothing but the
    text and the settings crosses into the parallel block.

    Every trial's model gets -Threads 1. libtorch's thread count (torch.set_num_threads) is a setting
    of the whole process, not of one model, and all runspaces share the process: N trials of 1 thread
    each fill N cores, whereas N trials asking for several threads each would put N x T threads on N
    cores and slow every trial down by oversubscription (on a small machine, more than the extra
    threads could ever gain).

    Progress: one bar for the whole grid, "k of N trials done", drawn by this script as trials
    finish. Each trial's own Invoke-RnnTraining bars are switched off inside the parallel block:
    ForEach-Object -Parallel forwards every runspace's progress under the same activity ids, so the
    trials' bars would take turns in one place.

    The last epoch record of every trial (its hyperparameters, final training and validation
    perplexity) goes to -CsvPath and to the pipeline, best trial first: sorted by validation perplexity,
    or by training perplexity when there is no validation text (-ValidationFraction 0).
.EXAMPLE
    ./examples/Sweep.ps1 -HiddenSize 128, 256 -LearningRate 0.5, 1 -Epochs 50
.EXAMPLE
    ./examples/Sweep.ps1 -Text (Get-Content my.txt) -HiddenSize 64 -LearningRate 1 -StateReset EveryBatch, EveryEpoch -Epochs 5 -CsvPath sweep.csv
#>
[CmdletBinding()]
param(
    # The text as lines; default: The Time Machine (Get-RnnCorpus -Name TimeMachine).
    [string[]] $Text,
    # A text file to read instead of -Text.
    [string] $Path,
    [int[]] $HiddenSize = @(128, 256),
    [double[]] $LearningRate = @(0.5, 1),
    [ValidateSet('EveryBatch', 'EveryEpoch')]
    [string[]] $StateReset = @('EveryBatch', 'EveryEpoch'),
    [ValidateSet('Random', 'Sequential')]
    [string] $Sampling = 'Sequential',
    [ValidateSet('Scratch', 'Fused')]
    [string] $Implementation = 'Fused',
    [int] $Epochs = 50,
    [int] $BatchSize = 32,
    [int] $NumSteps = 35,
    [double] $GradientClip = 1,
    [int] $MaxTokens = 10000,
    # Share of the (first -MaxTokens) text held out from its end for validation; 0 for none.
    [double] $ValidationFraction = 0.1,
    [long] $Seed = 42,
    # Trials at a time: one per processor, each with one libtorch thread.
    [int] $ThrottleLimit = [Environment]::ProcessorCount,
    [string] $CsvPath = 'Sweep.csv',
    [string] $ModulePath = (Join-Path $PSScriptRoot '../out/PSRnn')
)
$ErrorActionPreference = 'Stop'

# Resolve before the parallel block: runspaces do not share this script's location.
$ModulePath = (Resolve-Path -LiteralPath $ModulePath).Path
Import-Module $ModulePath
if ($Path) { $Text = Get-RnnCorpus -Path $Path }
elseif (-not $Text) { $Text = Get-RnnCorpus -Name TimeMachine }

$trials = foreach ($hidden in $HiddenSize) {
    foreach ($rate in $LearningRate) {
        foreach ($reset in $StateReset) {
            @{ HiddenSize = $hidden; LearningRate = $rate; StateReset = $reset }
        }
    }
}
$trials = @($trials)
Write-Host "$($trials.Count) trials, $ThrottleLimit at a time, 1 libtorch thread each."

$settings = @{ Epochs = $Epochs; BatchSize = $BatchSize; NumSteps = $NumSteps; GradientClip = $GradientClip
               MaxTokens = $MaxTokens; Sampling = $Sampling; ValidationFraction = $ValidationFraction }
$finished = 0
Write-Progress -Activity 'Sweep' -Status "0 of $($trials.Count) trials done" -PercentComplete 0
$results = $trials | ForEach-Object -ThrottleLimit $ThrottleLimit -Parallel {
    $ErrorActionPreference = 'Stop'
    $ProgressPreference = 'SilentlyContinue'   # the sweep's own bar stands for every trial
    Import-Module $using:ModulePath
    $trial = $_
    $settings = $using:settings
    $clock = [System.Diagnostics.Stopwatch]::StartNew()
    # The model is built here, in this trial's runspace, and never leaves it.
    $model = $using:Text | New-RnnModel -CellType Rnn -Implementation $using:Implementation -HiddenSize $trial.HiddenSize `
        -Seed $using:Seed -Threads 1
    $last = $using:Text | Invoke-RnnTraining -Model $model -LearningRate $trial.LearningRate -StateReset $trial.StateReset @settings |
        Select-Object -Last 1
    $clock.Stop()
    Write-Host ('hidden {0,4}, lr {1,5}, {2,-10}: perplexity {3:F3}, validation {4:F3} ({5:F1} s)' -f
        $trial.HiddenSize, $trial.LearningRate, $trial.StateReset, $last.Perplexity, $last.ValidationPerplexity, $clock.Elapsed.TotalSeconds)
    $last | Select-Object *, @{ n = 'TrialSeconds'; e = { [Math]::Round($clock.Elapsed.TotalSeconds, 2) } }
} | ForEach-Object {
    $finished++
    Write-Progress -Activity 'Sweep' -Status "$finished of $($trials.Count) trials done" -PercentComplete (100 * $finished / $trials.Count)
    $_
}
Write-Progress -Activity 'Sweep' -Completed

$results = @($results | Sort-Object { if ($null -ne $_.ValidationPerplexity) { $_.ValidationPerplexity } else { $_.Perplexity } })
$results | Export-Csv -LiteralPath $CsvPath -NoTypeInformation
Write-Host "$($results.Count) trials written to $CsvPath, best first."
$results
