<#
.SYNOPSIS
    The field's standard word-level experiment (pytorch/examples' word_language_model), tied against
    untied weights: from a corpus to validation and test perplexity and a sample.
.DESCRIPTION
    A 2-layer LSTM with an embedding (200 wide, 200 hidden, dropout 0.2 by default), trained with
    plain SGD at rate 20, global-norm clipping 0.25, batch 20 and 35 steps, the state carried across
    minibatches. After every epoch the validation text is measured in 10 parallel streams; an epoch
    that does not improve on the best divides the rate by 4 (-LearningRateDecay 0.25), -Patience such
    epochs in a row stop the run, and the best epoch's model is kept in a file (-BestModelPath). That
    model is then measured on the test text and continues a prompt.

    The text: a folder with train.txt, valid.txt and test.txt (WikiText-2's and Penn Treebank's
    layout, already tokenized: words split on whitespace, every line ended with <eos>), or one text
    file, or The Time Machine by default, split by lines into 80% training, 10% validation, 10% test.
    One vocabulary is built over all three splits, as pytorch/examples builds its dictionary.

    One object per configuration goes to the pipeline: its settings, epochs run, the best validation
    perplexity, the test perplexity of the best model, and a sample.
.EXAMPLE
    ./examples/WordLanguageModel.ps1 -Epochs 6
.EXAMPLE
    ./examples/WordLanguageModel.ps1 -Path ./wikitext-2 -Epochs 40 | Format-Table Configuration, Epochs, ValidationPerplexity, TestPerplexity
#>
[CmdletBinding()]
param(
    # A folder with train.txt, valid.txt and test.txt, or one text file; default: The Time Machine.
    [string] $Path,
    # The text as lines instead of -Path (split 80/10/10 by lines).
    [string[]] $Text,
    [int] $Epochs = 6,
    [int] $EmbeddingSize = 200,
    [int] $HiddenSize = 200,
    [int] $NumLayers = 2,
    [double] $Dropout = 0.2,
    [double] $LearningRate = 20,
    [int] $Patience = 3,
    [int] $BatchSize = 20,
    [int] $NumSteps = 35,
    # Keep only the first N training tokens (0: all), for a quick look.
    [int] $MaxTokens = 0,
    [long] $Seed = 1111,
    [string] $Prompt = 'the time',
    # Where the best models go; default: a new folder under the temporary folder.
    [string] $OutputFolder = (Join-Path ([IO.Path]::GetTempPath()) "psrnn-word-$PID"),
    [string] $ModulePath = (Join-Path $PSScriptRoot '../out/PSRnn')
)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath

#region Step 1: Read the corpus as three splits
function Split-Lines([string[]] $lines) {
    $train = [math]::Floor($lines.Count * 0.8); $valid = [math]::Floor($lines.Count * 0.9)
    @{ Train = $lines[0..($train - 1)]; Valid = $lines[$train..($valid - 1)]; Test = $lines[$valid..($lines.Count - 1)] }
}
$splits = if ($Text) { Split-Lines $Text }
    elseif ($Path -and (Test-Path -LiteralPath $Path -PathType Container)) {
        @{ Train = Get-Content -LiteralPath (Join-Path $Path 'train.txt'); Valid = Get-Content -LiteralPath (Join-Path $Path 'valid.txt')
           Test = Get-Content -LiteralPath (Join-Path $Path 'test.txt') }
    }
    elseif ($Path) { Split-Lines (Get-Content -LiteralPath $Path) }
    # The book's blank lines (and lines of punctuation, empty once preprocessed) would each be a lone <eos>.
    else { Split-Lines @(Get-RnnCorpus -Name TimeMachine | Where-Object { $_ -match '[A-Za-z]' }) }
# WikiText's and PTB's files are tokenized already: keep their tokens as they stand. Raw text (The
# Time Machine) gets d2l's preprocessing: letters only, lowercased.
$preprocessing = if ($Path -or $Text) { 'None' } else { 'D2l' }
#endregion

#region Step 2: Train a model with annealing, early stopping and the best epoch kept; measure and sample it
function Measure-Configuration([bool] $tied) {
    $name = if ($tied) { 'tied' } else { 'untied' }
    $model = ($splits.Train + $splits.Valid + $splits.Test) |
        New-RnnModel -Tokenization Word -Preprocessing $preprocessing -LineEnd '<eos>' -CellType Lstm -NumLayers $NumLayers `
            -EmbeddingSize $EmbeddingSize -HiddenSize $HiddenSize -Dropout $Dropout -TieWeights:$tied -Seed $Seed
    $best = Join-Path $OutputFolder "$name.psrnn"
    $records = @($splits.Train | Invoke-RnnTraining -Model $model -Epochs $Epochs -BatchSize $BatchSize -NumSteps $NumSteps `
        -LearningRate $LearningRate -GradientClip 0.25 -MaxTokens $MaxTokens -ValidationText $splits.Valid -ValidationBatchSize 10 `
        -LearningRateDecay 0.25 -Patience $Patience -BestModelPath $best)
    # The test text is measured once, on the model of the best validation epoch.
    $bestModel = Import-RnnModel -Path $best
    $test = $splits.Test | Measure-Perplexity -Model $bestModel
    $sample = Get-RnnPrediction -Model $bestModel -Prefix $Prompt -Length 20 -Temperature 0.8 -TopK 40 -Seed 1
    [pscustomobject]@{
        Configuration = $name
        Vocabulary = $model.VocabularySize
        Parameters = $model.ParameterCount
        Epochs = $records.Count
        BestEpoch = $bestModel.EpochsTrained
        ValidationPerplexity = ($records | Measure-Object ValidationPerplexity -Minimum).Minimum
        TestPerplexity = $test.Perplexity
        TokensPerSecond = ($records | Measure-Object TokensPerSecond -Average).Average
        FinalLearningRate = $records[-1].LearningRate
        StopReason = $records[-1].StopReason
        Sample = $sample.FullText
    }
    $model.Dispose(); $bestModel.Dispose()
}
#endregion

#region Step 3: Untied, then tied (the output layer is the embedding matrix)
New-Item -ItemType Directory -Force $OutputFolder | Out-Null
Measure-Configuration $false
Measure-Configuration $true
#endregion
