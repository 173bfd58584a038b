# What each cmdlet writes: the .NET type, its properties, the declared [OutputType], the default
# view from PSRnn.Format.ps1xml, and the hyperparameters an epoch record carries.

BeforeDiscovery {
    $Declared = @(
        @{ Command = 'Get-RnnCorpus'; Type = 'System.String' }
        @{ Command = 'New-RnnModel'; Type = 'PSRnn.Engine.Models.RnnModel' }
        @{ Command = 'Invoke-RnnTraining'; Type = 'PSRnn.Engine.Training.EpochRecord' }
        @{ Command = 'Measure-Perplexity'; Type = 'PSRnn.Engine.Evaluation.PerplexityResult' }
        @{ Command = 'Get-HiddenState'; Type = 'PSRnn.Engine.Evaluation.HiddenStateStep' }
        @{ Command = 'Get-RnnPrediction'; Type = 'PSRnn.Engine.Evaluation.Prediction' }
    )
}

BeforeAll {
    Import-Module $env:PSRNN_TEST_MODULE -Force
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $text = New-TestText -Length 1500
    $model = New-TestModel -Text $text -HiddenSize 16 -Seed 3
    $epoch = $text | Invoke-RnnTraining -Model $model -Epochs 1 -BatchSize 4 -NumSteps 8
    $steps = @(Get-HiddenState -Model $model -Text 'the time')
    $prediction = Get-RnnPrediction -Model $model -Prefix 'the' -Length 5

    function Get-PropertyNames($InputObject) { $InputObject.PSObject.Properties.Name }
}

Describe 'Declared output types' {
    It '<Command> declares [OutputType(<Type>)] among its output types' -TestCases $Declared {
        (Get-Command $Command).OutputType.Name | Should -Contain $Type
    }
}

Describe 'The objects each cmdlet writes' {
    It 'Get-RnnCorpus -Path writes strings, one per line' {
        $file = Join-Path $TestDrive 'two-lines.txt'
        Set-Content -LiteralPath $file -Value 'first line', 'second line'
        $lines = @(Get-RnnCorpus -Path $file)
        $lines | Should -Be @('first line', 'second line')
        $lines[0].PSTypeNames[0] | Should -Be 'System.String'
    }

    It 'New-RnnModel writes an RnnModel with its architecture, vocabulary and history' {
        $model.PSTypeNames[0] | Should -Be 'PSRnn.Engine.Models.RnnModel'
        $names = Get-PropertyNames $model
        foreach ($name in 'CellType', 'Implementation', 'HiddenSize', 'ParameterCount', 'VocabularySize', 'Device',
            'EpochsTrained', 'LastPerplexity', 'History', 'Vocabulary', 'Seed') {
            $names | Should -Contain $name
        }
        $model.CellType | Should -Be 'Rnn'
        $model.Implementation | Should -Be 'Fused'
        $model.ParameterCount | Should -BeGreaterThan 0
    }

    It 'a new model has no history and no perplexity yet' {
        $fresh = New-TestModel -Text $text -HiddenSize 16
        $fresh.EpochsTrained | Should -Be 0
        $fresh.History.Count | Should -Be 0
        $fresh.LastPerplexity | Should -BeNullOrEmpty
    }

    It 'Invoke-RnnTraining writes EpochRecords with figures and hyperparameters' {
        $epoch.PSTypeNames[0] | Should -Be 'PSRnn.Engine.Training.EpochRecord'
        $names = Get-PropertyNames $epoch
        foreach ($name in 'Epoch', 'Perplexity', 'Loss', 'Tokens', 'TokensPerSecond', 'ElapsedSeconds', 'CellType',
            'Implementation', 'HiddenSize', 'NumLayers', 'Sampling', 'StateReset', 'BatchSize', 'NumSteps',
            'LearningRate', 'GradientClip', 'MaxTokens', 'Seed', 'Threads', 'Device') {
            $names | Should -Contain $name
        }
        $epoch.ElapsedSeconds | Should -BeOfType [double]
        $epoch.ElapsedSeconds | Should -BeGreaterThan 0
        $epoch.Perplexity | Should -BeGreaterThan 1
    }

    It 'Measure-Perplexity writes a PerplexityResult' {
        $perplexity = $text | Measure-Perplexity -Model $model
        $perplexity.PSTypeNames[0] | Should -Be 'PSRnn.Engine.Evaluation.PerplexityResult'
        Get-PropertyNames $perplexity | Should -Be @('Perplexity', 'CrossEntropy', 'Tokens')
    }

    It 'Get-HiddenState writes one HiddenStateStep per token' {
        $steps.Count | Should -Be 8
        $steps[0].PSTypeNames[0] | Should -Be 'PSRnn.Engine.Evaluation.HiddenStateStep'
        $names = Get-PropertyNames $steps[0]
        foreach ($name in 'Step', 'Token', 'State', 'Norm') { $names | Should -Contain $name }
        , $steps[0].State | Should -BeOfType [float[]]
    }

    It 'Get-RnnPrediction writes a Prediction' {
        $prediction.PSTypeNames[0] | Should -Be 'PSRnn.Engine.Evaluation.Prediction'
        $names = Get-PropertyNames $prediction
        foreach ($name in 'Prefix', 'Text', 'Tokens') { $names | Should -Contain $name }
        $prediction.Tokens.Count | Should -Be 5
    }
}

Describe 'Default views' {
    It 'shows a model as a table of its architecture and progress' {
        $shown = $model | Out-String -Width 200
        foreach ($header in 'CellType', 'Implementation', 'HiddenSize', 'Params', 'Vocab', 'Device', 'Epochs', 'Perplexity') {
            $shown | Should -Match "\b$header\b"
        }
    }

    It 'shows epoch records as a table of the figures that change by epoch: <Case>' -ForEach @(
        @{ Case = 'no validation text, a blank Validation column'; Validation = @{} }
        @{ Case = 'with -ValidationFraction, its perplexity'; Validation = @{ ValidationFraction = 0.2 } }
    ) {
        $fresh = New-TestModel -Text $text -HiddenSize 8 -Seed 4
        $records = @($text | Invoke-RnnTraining -Model $fresh -Epochs 2 -BatchSize 4 -NumSteps 8 @Validation)
        $lines = @(($records | Format-Table | Out-String -Width 200) -split "`r?`n" | Where-Object { $_.Trim() })
        $lines[0] -split '\s+' | Where-Object { $_ } | Should -Be @('Epoch', 'Perplexity', 'Validation', 'Loss', 'Tokens/s', 'Elapsed')
        $lines | Should -HaveCount 4   # header, rule, two epochs
        $cells = $lines[3].Trim() -split '\s+'
        $cells[0] | Should -Be '2'
        $cells[1] | Should -Be $records[1].Perplexity.ToString('F3')
        if ($records[1].ValidationPerplexity) {
            $cells[2] | Should -Be $records[1].ValidationPerplexity.ToString('F3')
            $cells | Should -HaveCount 6
        }
        else { $cells | Should -HaveCount 5 }   # the Validation cell is blank
        $cells[-1] | Should -Match '^\d+\.\d\ds$'   # Elapsed as seconds, e.g. 0.03s
    }

    It 'shows the settings that tell a sweep''s runs apart with Format-Table -View Hyperparameters' {
        $lines = @(($epoch | Format-Table -View Hyperparameters | Out-String -Width 200) -split "`r?`n" | Where-Object { $_.Trim() })
        $lines[0] -split '\s+' | Where-Object { $_ } |
            Should -Be @('Epoch', 'CellType', 'Hidden', 'Layers', 'Sampling', 'StateReset', 'Optimizer', 'LearningRate', 'Batch', 'Steps', 'Perplexity', 'Validation')
        $lines[2].Trim() -split '\s+' | Select-Object -First 10 | Should -Be @('1', 'Rnn', '16', '1', 'Sequential', 'EveryEpoch', 'Sgd', '1', '4', '8')
    }

    It 'shows a perplexity result as a table' {
        $perplexity = $text | Measure-Perplexity -Model $model
        $shown = $perplexity | Format-Table | Out-String -Width 200
        foreach ($header in 'Perplexity', 'CrossEntropy', 'Tokens') { $shown | Should -Match $header }
    }

    It 'shows hidden states as a table with the first values and the count' {
        $shown = $steps | Format-Table | Out-String -Width 200
        foreach ($header in 'Step', 'Token', 'Norm', 'State') { $shown | Should -Match $header }
        $shown | Should -Match '\(16 values\)'
        $shown | Should -Match "'t'"
    }

    It 'shows a prediction as a list of Prefix and Text' {
        $shown = $prediction | Out-String -Width 200
        $shown | Should -Match 'Prefix\s*:\s*the'
        $shown | Should -Match 'Text\s*:'
        $shown | Should -Not -Match 'Tokens\s*:'
    }
}

Describe 'Hyperparameters on the epoch record' {
    It 'are exactly the values passed to New-RnnModel and Invoke-RnnTraining' {
        $scratch = New-TestModel -Text $text -HiddenSize 24 -Implementation Scratch -Seed 11
        $record = $text | Invoke-RnnTraining -Model $scratch -Epochs 1 -BatchSize 4 -NumSteps 5 -LearningRate 0.5 `
            -GradientClip 2 -MaxTokens 1200 -Sampling Random -StateReset EveryEpoch
        $record.CellType | Should -Be 'Rnn'
        $record.Implementation | Should -Be 'Scratch'
        $record.HiddenSize | Should -Be 24
        $record.NumLayers | Should -Be 1
        $record.BatchSize | Should -Be 4
        $record.NumSteps | Should -Be 5
        $record.LearningRate | Should -Be 0.5
        $record.GradientClip | Should -Be 2
        $record.MaxTokens | Should -Be 1200
        $record.Sampling | Should -Be 'Random'
        $record.StateReset | Should -Be 'EveryEpoch'
        $record.Seed | Should -Be 11
        $record.Threads | Should -Be 1
        $record.Device | Should -Be 'Cpu'
        $record.Tokens | Should -BeLessOrEqual 1200
        $record.Tokens % (4 * 5) | Should -Be 0
    }

    It 'default to sequential sampling, a state reset every epoch, and MaxTokens 0' {
        $record = $text | Invoke-RnnTraining -Model $model -Epochs 1 -BatchSize 4 -NumSteps 8
        $record.Sampling | Should -Be 'Sequential'
        $record.StateReset | Should -Be 'EveryEpoch'
        $record.MaxTokens | Should -Be 0
        $record.LearningRate | Should -Be 1
        $record.GradientClip | Should -Be 1
    }

    It 'StateReset follows the sampler when not given: <Sampling> -> <Expected>' -TestCases @(
        @{ Sampling = 'Random'; Expected = 'EveryBatch' }
        @{ Sampling = 'Sequential'; Expected = 'EveryEpoch' }
    ) {
        $record = $text | Invoke-RnnTraining -Model $model -Epochs 1 -BatchSize 4 -NumSteps 8 -Sampling $Sampling
        $record.Sampling | Should -Be $Sampling
        $record.StateReset | Should -Be $Expected
    }

    It 'an explicit -StateReset overrides the sampler default' {
        $record = $text | Invoke-RnnTraining -Model $model -Epochs 1 -BatchSize 4 -NumSteps 8 -Sampling Sequential -StateReset EveryBatch
        $record.StateReset | Should -Be 'EveryBatch'
    }
}
