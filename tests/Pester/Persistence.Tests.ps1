# Export-RnnModel / Import-RnnModel and training checkpoints, as a user drives them.

BeforeAll {
    Import-Module $env:PSRNN_TEST_MODULE -Force
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $text = New-TestText -Length 2000 -Seed 3
    $train = @{ BatchSize = 4; NumSteps = 8 }
}

Describe 'Export-RnnModel and Import-RnnModel' {
    BeforeAll {
        $model = New-TestModel -Text $text -HiddenSize 16 -Seed 5
        $null = $text | Invoke-RnnTraining -Model $model -Epochs 2 @train -Optimizer Adam -LearningRate 0.01
        $alone = New-TestModel -Text $text -HiddenSize 8 -Seed 6
    }

    It 'round-trips a model: same perplexity, prediction, history and architecture' {
        $path = Join-Path $TestDrive 'model.psrnn'
        $model | Export-RnnModel -Path $path
        $loaded = Import-RnnModel -Path $path
        $loaded | Should -BeOfType ([PSRnn.Engine.Models.RnnModel])
        ($text | Measure-Perplexity -Model $loaded).Perplexity | Should -Be ($text | Measure-Perplexity -Model $model).Perplexity
        (Get-RnnPrediction -Model $loaded -Prefix 'the time' -Length 40).Text | Should -Be (Get-RnnPrediction -Model $model -Prefix 'the time' -Length 40).Text
        $loaded.EpochsTrained | Should -Be 2
        $loaded.History.Optimizer | Should -Be @('Adam', 'Adam')
        ($loaded.HiddenSize, $loaded.Seed) | Should -Be @(16, 5)
    }

    It 'continues training an imported model from its epoch count' {
        $path = Join-Path $TestDrive 'continue.psrnn'
        Export-RnnModel -Model $model -Path $path
        $loaded = Import-RnnModel -LiteralPath $path
        ($text | Invoke-RnnTraining -Model $loaded -Epochs 1 @train -Optimizer Adam -LearningRate 0.01).Epoch | Should -Be 3
    }

    It 'refuses to replace a model file without -Force, and replaces it with -Force' {
        $path = Join-Path $TestDrive 'exists.psrnn'
        Export-RnnModel -Model $alone -Path $path
        { Export-RnnModel -Model $model -Path $path -ErrorAction Stop } | Should -Throw -ErrorId 'PSRnn.FileExists,PSRnn.Commands.ExportRnnModelCommand'
        (Import-RnnModel -LiteralPath $path).HiddenSize | Should -Be $alone.HiddenSize
        $file = Export-RnnModel -Model $model -Path $path -Force -PassThru
        $file | Should -BeOfType ([System.IO.FileInfo])
        (Import-RnnModel -LiteralPath $path).EpochsTrained | Should -Be $model.EpochsTrained
    }

    It 'never replaces a file that is not a model, not even with -Force' {
        $path = Join-Path $TestDrive 'notes.psrnn'
        Set-Content -LiteralPath $path -Value 'keep me'
        foreach ($force in $false, $true) {
            { Export-RnnModel -Model $model -Path $path -Force:$force -ErrorAction Stop } |
                Should -Throw -ErrorId 'PSRnn.FileExists,PSRnn.Commands.ExportRnnModelCommand' -ExpectedMessage '*is not a PSRnn model file*Remove-Item*'
        }
        Get-Content -LiteralPath $path | Should -Be 'keep me'
    }

    It 'writes nothing under -WhatIf' {
        $path = Join-Path $TestDrive 'whatif.psrnn'
        Export-RnnModel -Model $model -Path $path -WhatIf
        Test-Path -LiteralPath $path | Should -BeFalse
    }

    It 'names a model file that is not one: <Case>' -ForEach @(
        @{ Case = 'missing'; Id = 'FileNotFound'; Category = 'ObjectNotFound'; Content = $null }
        @{ Case = 'empty'; Id = 'InvalidModelFile'; Category = 'InvalidData'; Content = '' }
        @{ Case = 'JSON of something else'; Id = 'InvalidModelFile'; Category = 'InvalidData'; Content = '{"format":"other"}' }
    ) {
        $path = Join-Path $TestDrive "bad-$($Case -replace ' ', '-').psrnn"
        if ($null -ne $Content) { Set-Content -LiteralPath $path -Value $Content -NoNewline }
        $err = { Import-RnnModel -LiteralPath $path -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike "PSRnn.$Id,*"
        $err.CategoryInfo.Category | Should -Be $Category
        # Advice in the user's terms: check the path, or give a file that Export-RnnModel wrote.
        $err.Exception.Message | Should -Match 'Check the path|give the path of one of those'
    }
}

Describe 'Training checkpoints' {
    It 'rewrites the checkpoint every N epochs and after the last; it loads as the trained model' {
        $model = New-TestModel -Text $text -HiddenSize 16 -Seed 6
        $path = Join-Path $TestDrive 'checkpoint.psrnn'
        $verbose = $text | Invoke-RnnTraining -Model $model -Epochs 5 @train -CheckpointPath $path -CheckpointEvery 2 -Verbose 4>&1 |
            Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }
        ($verbose.Message -match '^Checkpoint after epoch') | Should -HaveCount 3   # epochs 2, 4 and the last, 5
        $loaded = Import-RnnModel -Path $path
        $loaded.EpochsTrained | Should -Be 5
        ($text | Measure-Perplexity -Model $loaded).Perplexity | Should -Be ($text | Measure-Perplexity -Model $model).Perplexity
        Get-ChildItem $TestDrive -Filter '*.tmp' -Force | Should -BeNullOrEmpty
    }
}
