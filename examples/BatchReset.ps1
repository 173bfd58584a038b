<#
.SYNOPSIS
    The batch-reset tutorial: does carrying the hidden state from one minibatch to the next help a
    character-level RNN, and does it matter how the minibatches were cut?
.DESCRIPTION
    An RNN reads text one character at a time and keeps a summary of everything it has read in its
    hidden state. Training cuts the text into windows of -NumSteps characters. Between two windows the
    trainer either throws the state away (-StateReset EveryBatch: each window starts from zeros) or
    keeps it (-StateReset EveryEpoch: it is reset once per epoch, and within the epoch each window
    starts from the state the previous window ended in, detached from the graph so that gradients
    stop at the window boundary while the information does not).

    Keeping the state only makes sense if the next window really continues the previous one. With
    -Sampling Sequential row i of a minibatch continues row i of the previous minibatch; with
    -Sampling Random the windows come from anywhere in the text, so a carried state describes some
    unrelated passage. d2l pairs Sequential with carrying and Random with resetting; PSRnn lets us
    cross the two and measure all four, here for two window lengths: short windows (5 characters)
    are where a carried state should matter most, since a model that starts every window from zeros
    can never use more than 4 characters of context; at 35 characters most of the useful context of
    a character model already fits in the window.

    The steps are #region blocks; examples/BatchReset.ipynb has one code cell per step with the same
    commands, plus a first cell that sets the parameters below to the values of the full run.

    Objects out: one result per configuration (final training and validation perplexity, best
    validation perplexity and its epoch, time, greedy prediction); every epoch record goes to -CsvPath.
.EXAMPLE
    ./examples/BatchReset.ps1 -Quick
    A small model on a few thousand characters for a few epochs: the whole tutorial in well under a minute.
.EXAMPLE
    ./examples/BatchReset.ps1 -Epochs 500 -Implementation Fused -HiddenSize 256 -NumSteps 5, 35 -MaxTokens 10000 -ValidationTokens 5000 -Seed 42 -Threads 1 -CsvPath out/BatchReset.csv
    The full run of the notebook (these are also the defaults): d2l's concise RNN and training setting,
    8 configurations. The fused layer is about 3x faster than the from-scratch RNN of 512 units, which
    makes 8 x 500 epochs affordable on two shared cores; the state policy acts on both the same way.
.EXAMPLE
    $results = ./examples/BatchReset.ps1 -Text (Get-Content my.txt) -Epochs 50 -HiddenSize 128 -Implementation Fused
    Any text: the first -MaxTokens characters train, the lines that follow validate.
#>
[CmdletBinding()]
param(
    # The text as lines; default: The Time Machine (Get-RnnCorpus -Name TimeMachine).
    [string[]] $Text,
    # A text file to read instead of -Text.
    [string] $Path,
    [int] $Epochs = 500,
    [ValidateSet('Scratch', 'Fused')]
    [string] $Implementation = 'Fused',
    [int] $HiddenSize = 256,
    # The third axis of the grid: window lengths.
    [int[]] $NumSteps = @(5, 35),
    [int] $BatchSize = 32,
    [double] $LearningRate = 1,
    [double] $GradientClip = 1,
    # Characters trained on: the first -MaxTokens of the text (d2l: 10,000).
    [int] $MaxTokens = 10000,
    # About this many characters of the lines after the training part are held out for validation.
    [int] $ValidationTokens = 5000,
    [long] $Seed = 42,
    # libtorch threads per model; 0 keeps the module's default (one thread).
    [int] $Threads = 0,
    # Epochs of the probe model of step 2 (d2l's default policy, trained only to look at its state).
    [int] $ProbeEpochs = 100,
    [string] $Prefix = 'time traveller',
    [int] $PredictionLength = 50,
    # Epochs shown in the per-epoch comparison; default: 1 and about 2, 5, 10, 20, 40, 60 and 100% of -Epochs.
    [int[]] $ReportEpochs,
    # Every epoch record of every configuration, as CSV.
    [string] $CsvPath = 'BatchReset.csv',
    # Training (solid) and validation (dashed) perplexity of every configuration, as a PNG or SVG.
    [string] $PlotPath = 'BatchReset.png',
    [string] $ModulePath = (Join-Path $PSScriptRoot '../out/PSRnn'),
    # A fast setting: small fused model, 2,000 characters, 4 epochs (explicit parameters still win).
    [switch] $Quick
)
$ErrorActionPreference = 'Stop'

if ($Quick) {
    $quickSettings = @{ Epochs = 4; Implementation = 'Fused'; HiddenSize = 32; MaxTokens = 2000; ValidationTokens = 500
                        ProbeEpochs = 2; BatchSize = 8; Threads = 1; PredictionLength = 20 }
    foreach ($name in $quickSettings.Keys) {
        if (-not $PSBoundParameters.ContainsKey($name)) { Set-Variable -Name $name -Value $quickSettings[$name] }
    }
}

#region Step 1: Load the module and the text; split training and validation text
Import-Module $ModulePath
if ($Path) { $Text = Get-RnnCorpus -Path $Path }
elseif (-not $Text) { $Text = Get-RnnCorpus -Name TimeMachine }

# d2l's preprocessing of one line (as the module does it): runs of non-letters become one space,
# trimmed, lowercased; lines are joined with nothing between them. Counting characters per line this
# way tells which lines lie wholly after the first $MaxTokens characters: those validate.
function ConvertTo-D2lLine([string] $line) { ($line -creplace '[^A-Za-z]+', ' ').Trim().ToLowerInvariant() }
$validationText = [System.Collections.Generic.List[string]]::new()
$position = 0
$validationLength = 0
foreach ($line in $Text) {
    $length = (ConvertTo-D2lLine $line).Length
    if ($position -ge $MaxTokens -and $validationLength -lt $ValidationTokens) {
        $validationText.Add($line)
        $validationLength += $length
    }
    $position += $length
}
if ($validationLength -lt 2) { throw "The text has $position characters after preprocessing: give more than -MaxTokens ($MaxTokens) so that some lines are left for validation." }
$context = (ConvertTo-D2lLine ($validationText -join ' ')).Substring(0, [Math]::Min(200, $validationLength))
$threadArgs = if ($Threads -gt 0) { @{ Threads = $Threads } } else { @{} }
$trainingArgs = @{ MaxTokens = $MaxTokens; BatchSize = $BatchSize; LearningRate = $LearningRate; GradientClip = $GradientClip }
Write-Host ("{0:N0} characters of text: training on the first {1:N0}, validating on the {2:N0} characters of the {3} lines after them." -f
    $position, [Math]::Min($MaxTokens, $position), $validationLength, $validationText.Count)
#endregion

#region Step 2: What the hidden state carries
# A probe model with d2l's default policy (sequential windows, state carried) and the longest window.
$probe = $Text | New-RnnModel -CellType Rnn -Implementation $Implementation -HiddenSize $HiddenSize -Seed $Seed @threadArgs
$probeRun = @($Text | Invoke-RnnTraining -Model $probe -Epochs $ProbeEpochs -NumSteps ($NumSteps | Measure-Object -Maximum).Maximum `
    -Sampling Sequential -StateReset EveryEpoch @trainingArgs)
Write-Host ("Probe model: {0} RNN, {1} hidden, {2} epochs, training perplexity {3:F3}." -f
    $Implementation, $HiddenSize, $ProbeEpochs, $probeRun[-1].Perplexity)

# Read the phrase twice: from zeros (what a reset gives every window) and after 200 characters of
# context (what a carried state gives). The distance between the two states, step by step, is how much
# of the earlier text the state still holds after reading that much of the phrase.
function Compare-State($model, [string] $phrase, [string] $context) {
    $afterContext = (Get-HiddenState -Model $model -Text $context)[-1].FullState
    $cold = @(Get-HiddenState -Model $model -Text $phrase)
    $warm = @(Get-HiddenState -Model $model -Text $phrase -InitialState $afterContext)
    for ($i = 0; $i -lt $cold.Count; $i++) {
        $sum = 0.0
        for ($j = 0; $j -lt $cold[$i].State.Count; $j++) { $d = [double]$cold[$i].State[$j] - $warm[$i].State[$j]; $sum += $d * $d }
        [pscustomobject]@{ Step = $cold[$i].Step; Token = $cold[$i].Token; NormFromZeros = $cold[$i].Norm
                           NormAfterContext = $warm[$i].Norm; Distance = [Math]::Sqrt($sum) }
    }
}
$probeSteps = @(Compare-State $probe $Prefix $context)
$probeSteps | Format-Table Step, Token, @{ n = 'NormFromZeros'; e = { '{0:F3}' -f $_.NormFromZeros }; a = 'right' },
    @{ n = 'NormAfterContext'; e = { '{0:F3}' -f $_.NormAfterContext }; a = 'right' },
    @{ n = 'Distance'; e = { '{0:F3}' -f $_.Distance }; a = 'right' } | Out-String | Write-Host
Write-Host ("After '{0}' from zeros the state has norm {1:F3} (a reset state has norm 0, the largest possible is sqrt({2}) = {3:F1});" -f
    $Prefix, $probeSteps[-1].NormFromZeros, $HiddenSize, [Math]::Sqrt($HiddenSize))
Write-Host ("with the context before it, the state after the phrase still differs by {0:F3} (after its first character: {1:F3})." -f
    $probeSteps[-1].Distance, $probeSteps[0].Distance)
#endregion

#region Step 3: The sweep: sampling x state reset x window length, one seed
$records = [System.Collections.Generic.List[object]]::new()
$models = [ordered]@{}
$runs = @{}
$seconds = @{}
foreach ($steps in $NumSteps) {
    foreach ($sampling in 'Random', 'Sequential') {
        foreach ($reset in 'EveryBatch', 'EveryEpoch') {
            $name = "$sampling/$reset/$steps"
            $model = $Text | New-RnnModel -CellType Rnn -Implementation $Implementation -HiddenSize $HiddenSize -Seed $Seed @threadArgs
            $clock = [System.Diagnostics.Stopwatch]::StartNew()
            $run = @($Text | Invoke-RnnTraining -Model $model -Epochs $Epochs -NumSteps $steps -Sampling $sampling -StateReset $reset `
                -ValidationText $validationText @trainingArgs)
            $clock.Stop()
            $records.AddRange($run)
            $models[$name] = $model
            $runs[$name] = $run
            $seconds[$name] = $clock.Elapsed.TotalSeconds
            $last = $run[-1]
            Write-Host ("{0,-26} {1} epochs in {2,6:F1} s: perplexity {3,7:F3}, validation {4,7:F3}, {5,7:N0} tokens/s ({6} thread(s))" -f
                $name, $Epochs, $seconds[$name], $last.Perplexity, $last.ValidationPerplexity, $last.TokensPerSecond, $last.Threads)
        }
    }
}
$records | Export-Csv -LiteralPath $CsvPath -NoTypeInformation
Write-Host "$($records.Count) epoch records written to $CsvPath"
#endregion

#region Step 4: Results: final training and validation perplexity per configuration
$results = foreach ($name in $models.Keys) {
    $run = $runs[$name]
    $best = $run | Sort-Object ValidationPerplexity | Select-Object -First 1
    [pscustomobject]@{
        Configuration = $name; Sampling = "$($run[-1].Sampling)"; StateReset = "$($run[-1].StateReset)"; NumSteps = $run[-1].NumSteps
        Implementation = "$($run[-1].Implementation)"; HiddenSize = $run[-1].HiddenSize; Epochs = $run[-1].Epoch
        Perplexity = $run[-1].Perplexity; ValidationPerplexity = $run[-1].ValidationPerplexity
        BestValidationPerplexity = $best.ValidationPerplexity; BestValidationEpoch = $best.Epoch
        Seconds = $seconds[$name]; Prediction = $null
    }
}
$results = @($results | Sort-Object ValidationPerplexity, Perplexity)
$results | Format-Table Configuration, @{ n = 'Perplexity'; e = { '{0:F3}' -f $_.Perplexity }; a = 'right' },
    @{ n = 'Validation'; e = { '{0:F3}' -f $_.ValidationPerplexity }; a = 'right' },
    @{ n = 'BestValidation'; e = { '{0:F3}' -f $_.BestValidationPerplexity }; a = 'right' },
    @{ n = 'AtEpoch'; e = { $_.BestValidationEpoch } }, @{ n = 'Seconds'; e = { '{0:F0}' -f $_.Seconds }; a = 'right' } | Out-String | Write-Host
#endregion

#region Step 5: Perplexity per epoch, configuration by configuration
if (-not $ReportEpochs) {
    $ReportEpochs = @(1) + @(0.02, 0.05, 0.1, 0.2, 0.4, 0.6, 1.0 | ForEach-Object { [int][Math]::Max(1, [Math]::Round($Epochs * $_)) })
}
$ReportEpochs = @($ReportEpochs | Where-Object { $_ -le $Epochs } | Sort-Object -Unique)
foreach ($measure in 'Perplexity', 'ValidationPerplexity') {
    $table = foreach ($name in $models.Keys) {
        $row = [ordered]@{ Configuration = $name }
        foreach ($epoch in $ReportEpochs) { $row["$epoch"] = [Math]::Round($runs[$name][$epoch - 1].$measure, 2) }
        [pscustomobject]$row
    }
    Write-Host "$measure at epoch:"
    $table | Format-Table | Out-String | Write-Host
}
$records | Export-RnnPlot -Path $PlotPath -GroupBy Sampling, StateReset, NumSteps -LogScale -Width 1000 -Height 620
Write-Host "Curves drawn to $PlotPath"
#endregion

#region Step 6: Greedy predictions from each model
foreach ($result in $results) {
    $result.Prediction = (Get-RnnPrediction -Model $models[$result.Configuration] -Prefix $Prefix -Length $PredictionLength -Temperature 0).FullText
}
foreach ($result in $results) { Write-Host ('{0,-25} {1}' -f $result.Configuration, $result.Prediction) }
#endregion

#region Step 7: How much of the earlier text each trained model's state still holds
$memory = foreach ($name in $models.Keys) {
    $steps = @(Compare-State $models[$name] $Prefix $context)
    [pscustomobject]@{ Configuration = $name; NormFromZeros = $steps[-1].NormFromZeros
                       DistanceAtStep1 = $steps[0].Distance; DistanceAtStep5 = $steps[[Math]::Min(4, $steps.Count - 1)].Distance
                       DistanceAtEnd = $steps[-1].Distance }
}
$memory | Format-Table Configuration, @{ n = 'NormFromZeros'; e = { '{0:F3}' -f $_.NormFromZeros }; a = 'right' },
    @{ n = 'Distance@1'; e = { '{0:F3}' -f $_.DistanceAtStep1 }; a = 'right' },
    @{ n = 'Distance@5'; e = { '{0:F3}' -f $_.DistanceAtStep5 }; a = 'right' },
    @{ n = "Distance@$($Prefix.Length)"; e = { '{0:F3}' -f $_.DistanceAtEnd }; a = 'right' } | Out-String | Write-Host
Write-Host "NormFromZeros: norm of the state after '$Prefix' read from zeros. Distance@k: how far the state after"
Write-Host "200 characters of context and then k characters of the phrase is from the state after the same k from zeros."
#endregion

$results
