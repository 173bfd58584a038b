<#
.SYNOPSIS
    PSRnn's main job: train a character-level RNN on The Time Machine and let it write.
.DESCRIPTION
    d2l's concise setting: the first 10,000 characters, batch 32, 35 steps, learning rate 1,
    gradient clipping 1, sequential partitioning with the hidden state carried across minibatches.
#>
param(
    [string] $ModulePath = (Join-Path $PSScriptRoot '../out/PSRnn'),
    [int] $Epochs = 500,
    [int] $HiddenSize = 256,
    [string] $Implementation = 'Fused'
)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath

$text = Get-RnnCorpus -Name TimeMachine
$model = $text | New-RnnModel -CellType Rnn -Implementation $Implementation -HiddenSize $HiddenSize -Seed 42
$model | Format-Table | Out-Host

Write-Host ('{0,6} {1,11} {2,12} {3,9}' -f 'Epoch', 'Perplexity', 'Tokens/s', 'Elapsed')
$text | Invoke-RnnTraining -Model $model -Epochs $Epochs -MaxTokens 10000 -BatchSize 32 -NumSteps 35 `
    -LearningRate 1 -GradientClip 1 -Sampling Sequential |
    Where-Object { $_.Epoch -eq 1 -or $_.Epoch % 25 -eq 0 } |
    ForEach-Object { Write-Host ('{0,6} {1,11:F3} {2,12:N0} {3,8:F2}s' -f $_.Epoch, $_.Perplexity, $_.TokensPerSecond, $_.ElapsedSeconds) }

Get-RnnPrediction -Model $model -Prefix 'time traveller' -Length 50 | Format-List | Out-Host
Write-Host 'Perplexity on the whole book (the model saw only its first 10,000 characters):'
$text | Measure-Perplexity -Model $model | Format-Table | Out-Host
