# The model works inside its own training pipeline: between epochs, while a record flows downstream,
# the same runspace can predict, measure, trace, export and plot (d2l prints a prediction every 10
# epochs, and so will users). What must not interleave (a nested run on the same model) is refused
# with the reason; a second runspace is refused too (Parallel.Tests.ps1).

BeforeAll {
    Import-Module $env:PSRNN_TEST_MODULE -Force
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $text = New-TestText -Length 2000 -Seed 4
    $train = @{ BatchSize = 4; NumSteps = 8 }
}

Describe 'Inside Invoke-RnnTraining''s own pipeline' {
    BeforeAll {
        $model = New-TestModel -Text $text -HiddenSize 16 -Seed 3
        $twin = New-TestModel -Text $text -HiddenSize 16 -Seed 3
        $folder = New-Item -ItemType Directory (Join-Path $TestDrive 'per-epoch')
        # d2l's idiom, and its export, measure, trace and plot variants, all on the model being trained.
        $seen = [System.Collections.Generic.List[object]]::new()
        $predictions = @($text | Invoke-RnnTraining -Model $model -Epochs 6 @train | ForEach-Object {
                $seen.Add($_)
                Export-RnnModel -Model $model -Path (Join-Path $folder "epoch-$($_.Epoch).psrnn")
                $measured = $text | Measure-Perplexity -Model $model
                $steps = @(Get-HiddenState -Model $model -Text 'the time')
                $seen | Export-RnnPlot -Path (Join-Path $folder 'curve.png')
                [pscustomobject]@{ Epoch = $_.Epoch; Measured = $measured.Perplexity; Steps = $steps.Count; EpochsAtThatPoint = $model.EpochsTrained }
                if ($_.Epoch % 2 -eq 0) { Get-RnnPrediction -Model $model -Prefix 'time traveller' -Length 30 }
            })
        $undisturbed = @($text | Invoke-RnnTraining -Model $twin -Epochs 6 @train)
    }

    It 'predicts every second epoch, as d2l prints a prediction during training' {
        $texts = @($predictions | Where-Object { $_ -is [PSRnn.Engine.Evaluation.Prediction] })
        $texts.Count | Should -Be 3
        $texts | ForEach-Object { $_.Text.Length | Should -Be 30 }
    }

    It 'sees the model as it is after each epoch: its History, its perplexity and its exported file' {
        $rows = @($predictions | Where-Object Epoch)
        $rows.Epoch | Should -Be @(1..6)
        $rows.EpochsAtThatPoint | Should -Be @(1..6)
        $rows.Steps | Should -Be @(8, 8, 8, 8, 8, 8)
        foreach ($row in $rows) {
            $saved = Import-RnnModel -LiteralPath (Join-Path $folder "epoch-$($row.Epoch).psrnn")
            $saved.EpochsTrained | Should -Be $row.Epoch
            ($text | Measure-Perplexity -Model $saved).Perplexity | Should -Be $row.Measured
        }
        Test-Path -LiteralPath (Join-Path $folder 'curve.png') | Should -BeTrue
    }

    It 'trains exactly as an undisturbed run does: the work downstream changes nothing' {
        $seen.Perplexity | Should -Be $undisturbed.Perplexity
        ($text | Measure-Perplexity -Model $model).Perplexity | Should -Be ($text | Measure-Perplexity -Model $twin).Perplexity
    }

    It 'refuses a nested run on the same model with the reason, and the outer run goes on' {
        $outer = New-TestModel -Text $text -HiddenSize 8 -Seed 2
        $errors = [System.Collections.Generic.List[object]]::new()
        $records = @($text | Invoke-RnnTraining -Model $outer -Epochs 3 @train | ForEach-Object {
                try { $text | Invoke-RnnTraining -Model $outer -Epochs 1 @train -ErrorAction Stop } catch { $errors.Add($_) }
                $_
            })
        $records.Epoch | Should -Be @(1, 2, 3)
        $errors.Count | Should -Be 3
        $errors[0].FullyQualifiedErrorId | Should -Be 'PSRnn.ModelBusy,PSRnn.Commands.InvokeRnnTrainingCommand'
        $errors[0].CategoryInfo.Category | Should -Be 'ResourceBusy'
        $errors[0].Exception.Message | Should -Match 'already being trained by an Invoke-RnnTraining earlier in this pipeline \(1 of 3 epochs done\).*interleave'
        $outer.EpochsTrained | Should -Be 3
    }

    It 'lets another model train inside the pipeline' {
        $outer = New-TestModel -Text $text -HiddenSize 8 -Seed 2
        $inner = New-TestModel -Text $text -HiddenSize 8 -Seed 5
        $null = $text | Invoke-RnnTraining -Model $outer -Epochs 2 @train | ForEach-Object { $text | Invoke-RnnTraining -Model $inner -Epochs 1 @train }
        ($outer.EpochsTrained, $inner.EpochsTrained) | Should -Be @(2, 2)
    }

    It 'frees the model when the pipeline ends early (Select-Object -First)' {
        $short = New-TestModel -Text $text -HiddenSize 8 -Seed 6
        $first = @($text | Invoke-RnnTraining -Model $short -Epochs 50 @train | Select-Object -First 2)
        $first.Epoch | Should -Be @(1, 2)
        $short.EpochsTrained | Should -Be 2
        ($text | Invoke-RnnTraining -Model $short -Epochs 1 @train).Epoch | Should -Be 3
    }
}

Describe 'What a model shows cannot be changed behind its back' {
    It 'History and the vocabulary are read-only views' {
        $model = New-TestModel -Text $text -HiddenSize 8
        $null = $text | Invoke-RnnTraining -Model $model -Epochs 1 @train
        { $model.History.Clear() } | Should -Throw
        { $model.Vocabulary.Tokens.Add('x') } | Should -Throw
        ($model.History.Count, $model.Vocabulary.Count) | Should -Be @(1, $model.VocabularySize)
    }
}

Describe 'Dropping and disposing models' {
    It 'says how to free a model at once, and refuses it afterwards with PSRnn.ModelDisposed' {
        $model = New-TestModel -Text $text -HiddenSize 8
        $model.Dispose()
        $model.IsDisposed | Should -BeTrue
        "$model" | Should -Match '\(disposed\)$'
        { Get-RnnPrediction -Model $model -Prefix 'the' -ErrorAction Stop } |
            Should -Throw -ErrorId 'PSRnn.ModelDisposed,PSRnn.Commands.GetRnnPredictionCommand' -ExpectedMessage '*was disposed*New-RnnModel*Import-RnnModel*'
    }

    It 'a model disposed from inside its own training pipeline ends the run after the epoch in hand' {
        $model = New-TestModel -Text $text -HiddenSize 8
        $err = $null
        $records = @(try { $text | Invoke-RnnTraining -Model $model -Epochs 5 @train -ErrorAction Stop | ForEach-Object { $model.Dispose(); $_ } } catch { $err = $_ })
        $err.FullyQualifiedErrorId | Should -Be 'PSRnn.ModelDisposed,PSRnn.Commands.InvokeRnnTrainingCommand'
        $model.IsDisposed | Should -BeTrue
        $model.EpochsTrained | Should -Be 1
    }
}
