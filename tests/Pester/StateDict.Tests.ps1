# Export-RnnStateDict / Import-RnnStateDict as a user drives them: round trips, the errors, and a greedy
# continuation computed by real PyTorch (the torch.nn model of the help's Example 2) from the exported file.

BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $NoTorch = -not (Find-TorchPython)
}

BeforeAll {
    Import-Module $env:PSRNN_TEST_MODULE -Force
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $text = New-TestText -Length 1500 -Seed 4
    $python = Find-TorchPython
    $help = Join-Path $PSScriptRoot '../../docs/help/Export-RnnStateDict.md'
    function New-Lstm([long] $Seed) { $text | New-RnnModel -CellType Lstm -Implementation Fused -HiddenSize 12 -Seed $Seed -Threads 1 -Device Cpu }
}

Describe 'Export-RnnStateDict and Import-RnnStateDict' {
    It 'gives a model with other initial weights the same perplexity and predictions' -ForEach @(
        @{ Implementation = 'Fused'; CellType = 'Gru' }, @{ Implementation = 'Scratch'; CellType = 'Lstm' }
    ) {
        $path = Join-Path $TestDrive "$Implementation-$CellType.pt"
        $source = $text | New-RnnModel -CellType $CellType -Implementation $Implementation -HiddenSize 12 -Seed 1 -Threads 1
        $null = $text | Invoke-RnnTraining -Model $source -Epochs 2 -BatchSize 4 -NumSteps 8
        $source | Export-RnnStateDict -Path $path -PassThru | Should -BeOfType ([System.IO.FileInfo])
        $copy = $text | New-RnnModel -CellType $CellType -Implementation $Implementation -HiddenSize 12 -Seed 2 -Threads 1 |
            Import-RnnStateDict $path -PassThru
        $copy.EpochsTrained | Should -Be 0
        ($text | Measure-Perplexity -Model $copy).Perplexity | Should -Be ($text | Measure-Perplexity -Model $source).Perplexity
        (Get-RnnPrediction -Model $copy -Prefix 'the time' -Length 30).Text | Should -Be (Get-RnnPrediction -Model $source -Prefix 'the time' -Length 30).Text
    }

    It 'refuses a scratch GRU with advice, writing nothing' {
        $gru = $text | New-RnnModel -CellType Gru -Implementation Scratch -HiddenSize 8
        $path = Join-Path $TestDrive 'gru.pt'
        $e = { $gru | Export-RnnStateDict $path -ErrorAction Stop } | Should -Throw -ErrorId 'PSRnn.NoPyTorchEquivalent,PSRnn.Commands.ExportRnnStateDictCommand' -PassThru
        $e.CategoryInfo.Category | Should -Be 'InvalidOperation'
        $e.Exception.Message | Should -Match 'Implementation Fused'
        Test-Path $path | Should -BeFalse
    }

    It 'names the tensor whose shape differs, and leaves the model unchanged' {
        $path = Join-Path $TestDrive 'lstm12.pt'
        New-Lstm 1 | Export-RnnStateDict $path
        $small = $text | New-RnnModel -CellType Lstm -Implementation Fused -HiddenSize 10 -Seed 3 -Threads 1
        $before = ($text | Measure-Perplexity -Model $small).Perplexity
        $e = { $small | Import-RnnStateDict $path -ErrorAction Stop } | Should -Throw -ErrorId 'PSRnn.StateDictMismatch,PSRnn.Commands.ImportRnnStateDictCommand' -PassThru
        $e.CategoryInfo.Category | Should -Be 'InvalidData'
        $e.Exception.Message | Should -Match 'rnn\.weight_ih_l0 is \[48, \d+\], the model''s is \[40, \d+\].*New-RnnModel'
        ($text | Measure-Perplexity -Model $small).Perplexity | Should -Be $before
    }

    It 'refuses a file that is not a state_dict: <Name>' -ForEach @(
        @{ Name = 'text'; Content = 'just some words' }, @{ Name = 'PSRnn model'; Content = $null }
    ) {
        $path = Join-Path $TestDrive "not-a-state-dict-$($Name -replace ' ')"
        if ($Content) { Set-Content -LiteralPath $path -Value $Content } else { New-Lstm 1 | Export-RnnModel $path }
        $e = { New-Lstm 2 | Import-RnnStateDict -LiteralPath $path -ErrorAction Stop } | Should -Throw -ErrorId 'PSRnn.InvalidStateDictFile,PSRnn.Commands.ImportRnnStateDictCommand' -PassThru
        $e.Exception.Message | Should -Match 'torch\.save\(model\.state_dict\(\), path\)'
    }

    It 'keeps an existing file without -Force, and never replaces another kind of file' {
        $path = Join-Path $TestDrive 'exists.pt'
        New-Lstm 1 | Export-RnnStateDict $path
        $bytes = [IO.File]::ReadAllBytes($path)
        { New-Lstm 2 | Export-RnnStateDict $path -ErrorAction Stop } | Should -Throw -ErrorId 'PSRnn.FileExists,PSRnn.Commands.ExportRnnStateDictCommand'
        [IO.File]::ReadAllBytes($path) | Should -Be $bytes
        New-Lstm 2 | Export-RnnStateDict $path -Force
        [IO.File]::ReadAllBytes($path) | Should -Not -Be $bytes
        $csv = Join-Path $TestDrive 'keep.csv'
        Set-Content -LiteralPath $csv -Value 'a,b'
        { New-Lstm 2 | Export-RnnStateDict $csv -Force -ErrorAction Stop } | Should -Throw -ErrorId 'PSRnn.FileExists,PSRnn.Commands.ExportRnnStateDictCommand'
        Get-Content -LiteralPath $csv | Should -Be 'a,b'
    }

    It 'writes nothing with -WhatIf' {
        $path = Join-Path $TestDrive 'whatif.pt'
        New-Lstm 1 | Export-RnnStateDict $path -WhatIf
        Test-Path $path | Should -BeFalse
    }
}

Describe 'The exported file in PyTorch' -Skip:$NoTorch {
    # Skipped where no Python imports torch ($env:PSRNN_PYTHON, /usr/bin/python3, python3); .ci/run installs Debian's python3-torch.
    It 'continues a prefix greedily exactly as Get-RnnPrediction does' {
        $model = New-Lstm 5
        $null = $text | Invoke-RnnTraining -Model $model -Epochs 3 -BatchSize 4 -NumSteps 8 -Optimizer Adam -LearningRate 0.01
        $weights = Join-Path $TestDrive 'lstm.pt'
        $vocab = Join-Path $TestDrive 'vocab.json'
        $model | Export-RnnStateDict -Path $weights
        ConvertTo-Json -InputObject @($model.Vocabulary.Tokens) | Set-Content -LiteralPath $vocab
        $script = @'
import json, re, sys
help_path, weights, vocab = sys.argv[1:4]
exec(re.search(r"### Example 2:.*?```python\n(.*?)```", open(help_path).read(), re.S).group(1))
tokens = json.load(open(vocab))
model = PSRnnLanguageModel("Lstm", len(tokens), 12)
model.load_state_dict(torch.load(weights))
model.eval()
index = {t: i for i, t in enumerate(tokens)}
x = torch.tensor([[index.get(c, 0)] for c in "the time"])
out = []
with torch.no_grad():
    logits, state = model(x)
    for _ in range(30):
        nxt = int(logits[-1].argmax())
        out.append(tokens[nxt])
        logits, state = model(torch.tensor([[nxt]]), state)
print("".join(out))
'@
        $fromTorch = & $python -c $script $help $weights $vocab
        $LASTEXITCODE | Should -Be 0
        $fromTorch | Should -Be (Get-RnnPrediction -Model $model -Prefix 'the time' -Length 30).Text
    }
}
