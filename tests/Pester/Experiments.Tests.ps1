# The experiment surface: text options, validation, optimizers, sampling predictions and state probes.

BeforeAll {
    Import-Module $env:PSRNN_TEST_MODULE -Force
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $text = New-TestText -Length 2500 -Seed 11
    $train = @{ BatchSize = 4; NumSteps = 8; Epochs = 2 }
}

Describe 'Text options' {
    It 'builds a word-level vocabulary and predicts words separated by spaces' {
        $model = $text | New-RnnModel -Tokenization Word -HiddenSize 16 -Seed 1 -Threads 1
        $model.Vocabulary.Tokens | Should -Contain 'traveller'
        $model.TextOptions.Tokenization | Should -Be 'Word'
        $prediction = Get-RnnPrediction -Model $model -Prefix 'The time' -Length 4
        $prediction.Prefix | Should -Be 'the time'
        $prediction.Tokens | Should -HaveCount 4
        $prediction.Text | Should -Be (' ' + ($prediction.Tokens -join ' '))
    }

    It 'keeps case, punctuation and any Unicode with -Preprocessing None' {
        $model = 'Ça va? Très bien! 🙂' | New-RnnModel -Preprocessing None -HiddenSize 8 -Seed 1 -Threads 1
        $model.Vocabulary.Tokens | Should -Contain 'Ç'
        $model.Vocabulary.Tokens | Should -Contain '🙂'
        $model.Vocabulary.Tokens | Should -Contain '?'
    }

    It 'appends -LineEnd after every line, keeps it through export and import, and builds one vocabulary from several texts' {
        $train = 'the cat sat', '', 'on the <unk> mat'
        $valid = 'the dog sat'
        $model = $train, $valid | ForEach-Object { $_ } | New-RnnModel -Tokenization Word -Preprocessing None -LineEnd '<eos>' -HiddenSize 8 -Seed 1 -Threads 1
        $model.TextOptions.LineEnd | Should -Be '<eos>'
        $model.Vocabulary.Tokens | Should -Contain 'dog'
        $model.Vocabulary.Tokens[1] | Should -Be '<eos>'
        @($model.Vocabulary.Tokens | Where-Object { $_ -eq '<unk>' }).Count | Should -Be 1
        $path = Join-Path $TestDrive 'eos.psrnn'
        Export-RnnModel -Model $model -Path $path
        $loaded = Import-RnnModel -Path $path
        $loaded.TextOptions.LineEnd | Should -Be '<eos>'
        # 'the dog sat <eos>': four tokens, three predictions, the same on both.
        $measured = $valid | Measure-Perplexity -Model $loaded
        $measured.Tokens | Should -Be 3
        $measured.Perplexity | Should -Be ($valid | Measure-Perplexity -Model $model).Perplexity
    }

    It 'adds -LineEnd to a -Vocabulary list that lacks it' {
        (New-RnnModel -Vocabulary a, b -LineEnd '<eos>' -HiddenSize 4 -Seed 1 -Threads 1).Vocabulary.Tokens | Should -Be @('<unk>', 'a', 'b', '<eos>')
    }

    It 'maps tokens rarer than -MinFrequency to the unknown token' {
        $model = 'aaa bb c' | New-RnnModel -MinFrequency 2 -HiddenSize 8 -Seed 1 -Threads 1
        $model.Vocabulary.Tokens | Should -Be @('<unk>', 'a', ' ', 'b')
    }
}

Describe 'Validation and optimizers' {
    It 'reports ValidationPerplexity every epoch with -ValidationFraction' {
        $model = New-TestModel -Text $text -HiddenSize 16
        $epochs = $text | Invoke-RnnTraining -Model $model @train -ValidationFraction 0.2
        $epochs.ValidationPerplexity | Should -HaveCount 2
        $epochs | ForEach-Object { $_.ValidationPerplexity | Should -BeGreaterThan 1 }
    }

    It 'measures -ValidationText exactly as Measure-Perplexity does after the epoch' {
        $model = New-TestModel -Text $text -HiddenSize 16
        $heldOut = New-TestText -Length 600 -Seed 12
        $last = $text | Invoke-RnnTraining -Model $model @train -ValidationText $heldOut -ValidationBatchSize 1 | Select-Object -Last 1
        $last.ValidationPerplexity | Should -Be ($heldOut | Measure-Perplexity -Model $model).Perplexity
    }

    It 'refuses -ValidationText together with -ValidationFraction' {
        $model = New-TestModel -Text $text -HiddenSize 16
        { $text | Invoke-RnnTraining -Model $model @train -ValidationText 'the time' -ValidationFraction 0.1 -ErrorAction Stop } |
            Should -Throw -ErrorId 'PSRnn.ParameterConflict,PSRnn.Commands.InvokeRnnTrainingCommand'
    }

    It 'trains with Adam and weight decay, recorded on every epoch' {
        $model = New-TestModel -Text $text -HiddenSize 16
        $epochs = $text | Invoke-RnnTraining -Model $model @train -Optimizer Adam -LearningRate 0.01 -WeightDecay 0.0001
        $epochs.Optimizer | Should -Be @('Adam', 'Adam')
        $epochs.WeightDecay | Should -Be @(0.0001, 0.0001)
        $epochs[-1].Perplexity | Should -BeLessThan $epochs[0].Perplexity
    }
}

Describe 'Annealing, early stopping and the best model' {
    It 'divides the rate after epochs that do not improve, stops on -Patience and keeps the best epoch in -BestModelPath' {
        $model = New-TestModel -Text $text -HiddenSize 24
        $unrelated = New-TestText -Length 400 -Seed 99
        $best = Join-Path $TestDrive 'best.psrnn'
        $verbose = $null
        $epochs = @($text | Invoke-RnnTraining -Model $model -BatchSize 4 -NumSteps 8 -Epochs 40 -LearningRate 2 -ValidationText $unrelated `
            -ValidationBatchSize 1 -LearningRateDecay 0.25 -Patience 2 -BestModelPath $best -Verbose 4>&1 |
            Tee-Object -Variable verbose | Where-Object { $_ -is [PSRnn.Engine.Training.EpochRecord] })
        $epochs.Count | Should -BeLessThan 40
        $epochs[-1].StopReason | Should -Match '2 epoch\(s\) in a row'
        $epochs[-1].EpochsWithoutImprovement | Should -Be 2
        ($verbose | Where-Object { $_ -is [Management.Automation.VerboseRecord] }).Message | Should -Contain $epochs[-1].StopReason
        # Each rate is the one before, divided by 4 after an epoch that set no new best.
        $rate = 2.0; $lowest = [double]::PositiveInfinity
        foreach ($epoch in $epochs) {
            $epoch.LearningRate | Should -Be $rate
            if ($epoch.ValidationLoss -lt $lowest) { $lowest = $epoch.ValidationLoss } else { $rate /= 4 }
        }
        $bestEpoch = $epochs | Sort-Object ValidationLoss | Select-Object -First 1
        $loaded = Import-RnnModel -Path $best
        $loaded.EpochsTrained | Should -Be $bestEpoch.Epoch
        ($unrelated | Measure-Perplexity -Model $loaded).Perplexity | Should -BeGreaterThan ($bestEpoch.ValidationPerplexity * 0.999999)
        ($unrelated | Measure-Perplexity -Model $loaded).Perplexity | Should -BeLessThan ($bestEpoch.ValidationPerplexity * 1.000001)
    }
}

Describe 'Predictions and hidden states' {
    BeforeAll {
        $model = New-TestModel -Text $text -HiddenSize 16
        $null = $text | Invoke-RnnTraining -Model $model @train
    }

    It 'repeats a sampled prediction with the same -Seed and varies it with another' {
        $a = Get-RnnPrediction -Model $model -Prefix 'the' -Length 40 -Temperature 1.5 -Seed 1
        $b = Get-RnnPrediction -Model $model -Prefix 'the' -Length 40 -Temperature 1.5 -Seed 1
        $c = Get-RnnPrediction -Model $model -Prefix 'the' -Length 40 -Temperature 1.5 -Seed 2
        $a.Text | Should -Be $b.Text
        $a.Text | Should -Not -Be $c.Text
        (Get-RnnPrediction -Model $model -Prefix 'the' -Length 20 -Temperature 1 -TopK 1).Text |
            Should -Be (Get-RnnPrediction -Model $model -Prefix 'the' -Length 20).Text
    }

    It 'returns a [steps, hidden] matrix with -AsMatrix that matches the per-step states' {
        $matrix = Get-HiddenState -Model $model -Text 'the time' -AsMatrix
        $steps = Get-HiddenState -Model $model -Text 'the time'
        $matrix.GetType().Name | Should -Be 'Single[,]'
        $matrix.GetLength(0) | Should -Be 8
        $matrix.GetLength(1) | Should -Be 16
        $matrix[7, 3] | Should -Be $steps[7].State[3]
    }

    It 'continues from an earlier step with -InitialState' {
        $steps = Get-HiddenState -Model $model -Text 'the time'
        $resumed = Get-HiddenState -Model $model -Text 'time' -InitialState $steps[3].FullState
        [math]::Abs($resumed[-1].Norm - $steps[-1].Norm) | Should -BeLessThan 1e-4
    }

    It 'refuses a layer the model does not have and a cell state it does not carry' {
        { Get-HiddenState -Model $model -Text 'the' -Layer 3 -ErrorAction Stop } | Should -Throw -ErrorId 'PSRnn.InvalidLayer,PSRnn.Commands.GetHiddenStateCommand'
        { Get-HiddenState -Model $model -Text 'the' -AsMatrix -Component Cell -ErrorAction Stop } | Should -Throw -ErrorId 'PSRnn.NoCellState,PSRnn.Commands.GetHiddenStateCommand'
    }
}
