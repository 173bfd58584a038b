<#
.SYNOPSIS
    PSRnn against pytorch/examples' word-level protocol (bench/reference_word_lm.py), side by side.
.DESCRIPTION
    On the same word corpus (a folder with train.txt, valid.txt, test.txt; by default a seeded Zipf
    corpus from New-ZipfCorpus.ps1) and the same configuration (a 2-layer LSTM, embedding 200, hidden
    200, dropout 0.2, SGD at rate 20 annealed by 4, clip 0.25, batch 20, 35 steps, validation in 10
    streams), alternates a PSRnn run through the cmdlets and a reference run, each in its own process
    with one thread, and prints per epoch: training tokens/s on both sides and their ratio, validation
    perplexity on both sides with each side's own spread over -Seeds (both run every seed, in turn), so
    a gap between the two means can be read against the seed-to-seed variation: the first epoch at rate
    20 is chaotic (the same initial weights on a cut 17 tokens later: 5% apart), so the table also gives the
    standard error of the difference of the means, and four seeds a side by default. Then peak RSS of both
    on a large corpus (-LargeTokens, -LargeVocabulary), trained for a few hundred minibatches: memory
    should follow the corpus, not corpus x vocabulary.
.EXAMPLE
    dotnet pwsh ./bench/WordBench.ps1 -Tokens 300000 -Vocabulary 10000 -Epochs 3
#>
[CmdletBinding()]
param(
    [string] $ModulePath = (Join-Path $PSScriptRoot '../out/PSRnn'),
    # A corpus folder (train.txt, valid.txt, test.txt); default: a Zipf corpus written under out/bench.
    [string] $DataPath,
    [int] $Tokens = 300000,
    [int] $Vocabulary = 10000,
    [int] $Epochs = 3,
    [switch] $Tied,
    # Strings, split on commas: from bash, `-Seeds 3333,4444` arrives as one string that [int[]] would read as 33334444.
    [Alias('ReferenceSeeds')]
    [string[]] $Seeds = @('1111', '2222', '3333', '4444'),
    [int] $LargeTokens = 2000000,
    [int] $LargeVocabulary = 33000,
    [int] $LargeBatches = 200
)
$ErrorActionPreference = 'Stop'
[int[]] $Seeds = $Seeds -split ',' | ForEach-Object Trim | Where-Object { $_ }
. (Join-Path $PSScriptRoot 'Common.ps1')
$work = Join-Path $PSScriptRoot '../out/bench'
New-Item -ItemType Directory -Force $work | Out-Null

function Get-Corpus([int] $tokens, [int] $vocabulary) {
    $folder = Join-Path $work "zipf-$tokens-$vocabulary"
    if (-not (Test-Path (Join-Path $folder 'test.txt'))) {
        & (Join-Path $PSScriptRoot 'New-ZipfCorpus.ps1') -Path $folder -Tokens $tokens -Vocabulary $vocabulary | Out-Null
    }
    $folder
}

# One PSRnn run: the model, its vocabulary over all splits, -Epochs of training with pytorch/examples'
# schedule. Prints one JSON line with the records and the peak RSS.
function Invoke-PSRnnRun([string] $folder, [int] $epochs, [int] $seed, [int] $maxTokens = 0) {
    $tie = if ($Tied) { '-TieWeights' } else { '' }
    $json = Invoke-Pwsh @"
Import-Module '$ModulePath'
`$train = Get-Content -LiteralPath '$folder/train.txt'; `$valid = Get-Content -LiteralPath '$folder/valid.txt'; `$test = Get-Content -LiteralPath '$folder/test.txt'
`$model = `$train + `$valid + `$test | New-RnnModel -Tokenization Word -Preprocessing None -LineEnd '<eos>' -CellType Lstm -NumLayers 2 -EmbeddingSize 200 -HiddenSize 200 -Dropout 0.2 $tie -Seed $seed -Threads 1
`$records = @(`$train | Invoke-RnnTraining -Model `$model -Epochs $epochs -BatchSize 20 -NumSteps 35 -LearningRate 20 -GradientClip 0.25 -MaxTokens $maxTokens -ValidationText `$valid -ValidationBatchSize 10 -LearningRateDecay 0.25)
`$rss = [long]((Get-Content /proc/self/status | Select-String '^VmHWM:\s+(\d+)').Matches[0].Groups[1].Value) * 1KB
@{ Vocabulary = `$model.VocabularySize; Speeds = @(`$records.TokensPerSecond); Validation = @(`$records.ValidationPerplexity); Rates = @(`$records.LearningRate); PeakRss = `$rss } | ConvertTo-Json -Compress
"@
    $json | Select-Object -Last 1 | ConvertFrom-Json
}

function Invoke-ReferenceRun([string] $folder, [int] $epochs, [int] $seed, [int] $maxBatches = 0) {
    $arguments = @('--data', $folder, '--epochs', $epochs, '--seed', $seed, '--threads', 1, '--max-batches', $maxBatches, '--csv')
    if ($Tied) { $arguments += '--tied' }
    $out = Invoke-Reference (@(Join-Path $PSScriptRoot 'reference_word_lm.py') + $arguments)
    if ($LASTEXITCODE -ne 0) { throw "The reference failed: $out" }
    $rows = @($out | Where-Object { "$_" -match '^\d+,' } | ForEach-Object { , ("$_" -split ',') })
    $summary = "$($out | Where-Object { "$_" -match 'peak_rss_mib=' } | Select-Object -Last 1)"
    [pscustomobject]@{
        Speeds = @($rows | ForEach-Object { [double]$_[1] })
        Validation = @($rows | ForEach-Object { [double]$_[3] })
        Rates = @($rows | ForEach-Object { [double]$_[4] })
        PeakRss = [double]($summary -replace '.*peak_rss_mib=([\d.]+).*', '$1') * 1MB
    }
}

$cpu = Get-CpuName
Write-Host "CPU: $cpu, $([Environment]::ProcessorCount) logical processors; one thread on each side."
$folder = if ($DataPath) { (Resolve-Path $DataPath).Path } else { Get-Corpus $Tokens $Vocabulary }
Write-Host "Corpus: $folder; 2-layer LSTM, embedding 200, hidden 200, dropout 0.2$(if ($Tied) { ', tied' }); lr 20 / 4, clip 0.25, batch 20 x 35"

# Alternate the sides seed by seed, so a slow spell on the machine does not land on one side only.
$ours = @(); $theirs = @()
foreach ($seed in $Seeds) {
    $ours += Invoke-PSRnnRun $folder $Epochs $seed
    $theirs += Invoke-ReferenceRun $folder $Epochs $seed
}
function Get-Spread([double[]] $values) {
    '{0:N1}..{1:N1}' -f ($values | Measure-Object -Minimum).Minimum, ($values | Measure-Object -Maximum).Maximum
}
# The squared standard error of a mean of seeds (sample variance / n); NaN for a single seed, which has none.
function Get-MeanVariance([double[]] $values) {
    if ($values.Count -lt 2) { return [double]::NaN }
    $mean = ($values | Measure-Object -Average).Average
    (($values | ForEach-Object { ($_ - $mean) * ($_ - $mean) } | Measure-Object -Sum).Sum / ($values.Count - 1)) / $values.Count
}
$rows = for ($e = 0; $e -lt $Epochs; $e++) {
    $mine = @($ours | ForEach-Object { $_.Validation[$e] })
    $reference = @($theirs | ForEach-Object { $_.Validation[$e] })
    $myMean = ($mine | Measure-Object -Average).Average
    $mean = ($reference | Measure-Object -Average).Average
    $mySpeed = ($ours | ForEach-Object { $_.Speeds[$e] } | Measure-Object -Average).Average
    $speed = ($theirs | ForEach-Object { $_.Speeds[$e] } | Measure-Object -Average).Average
    [pscustomobject]@{
        Epoch = $e + 1
        'PSRnn tok/s' = [long]$mySpeed
        'PyTorch tok/s' = [long]$speed
        Ratio = [math]::Round($mySpeed / $speed, 2)
        'PSRnn valid ppl' = [math]::Round($myMean, 1)
        'PSRnn seed spread' = Get-Spread $mine
        'PyTorch valid ppl' = [math]::Round($mean, 1)
        'PyTorch seed spread' = Get-Spread $reference
        'Difference' = '{0:P1}' -f (($myMean - $mean) / $mean)
        # Of the difference of the two means, relative to the reference's mean.
        'Std. error' = $(
            $variance = (Get-MeanVariance $mine) + (Get-MeanVariance $reference)
            if ([double]::IsNaN($variance)) { 'n/a (one seed)' } else { '{0:P1}' -f ([math]::Sqrt($variance) / $mean) })
        'PSRnn lr' = $ours[0].Rates[$e]
        'PyTorch lr' = $theirs[0].Rates[$e]
    }
}
Write-Host "Vocabulary: $($ours[0].Vocabulary); seeds $($Seeds -join ', ') on both sides"
$rows | Format-Table -AutoSize | Out-String -Width 300 | Write-Host

# Memory on a large corpus: both read all of it and build the full vocabulary, then train a few hundred minibatches.
$large = Get-Corpus $LargeTokens $LargeVocabulary
$oursLarge = Invoke-PSRnnRun $large 1 $Seeds[0] ($LargeBatches * 20 * 35)
$theirsLarge = Invoke-ReferenceRun $large 1 $Seeds[0] $LargeBatches
Write-Host ("{0:N0}-token corpus, vocabulary {1:N0}, {2} minibatches: peak RSS PSRnn {3:N0} MB, PyTorch {4:N0} MB; training tokens/s PSRnn {5:N0}, PyTorch {6:N0}" -f
    $LargeTokens, $oursLarge.Vocabulary, $LargeBatches, ($oursLarge.PeakRss / 1MB), ($theirsLarge.PeakRss / 1MB), $oursLarge.Speeds[0], $theirsLarge.Speeds[0])
$rows
