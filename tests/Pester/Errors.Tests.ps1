# Bad input ends the command with a PSRnn error record: a stable ErrorId ("PSRnn.<Id>,<cmdlet class>"),
# a fitting ErrorCategory, and a message that says what to do instead.

BeforeAll {
    Import-Module $env:PSRNN_TEST_MODULE -Force
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $text = New-TestText -Length 1500
    $model = New-TestModel -Text $text -HiddenSize 16
    # Built from a token list: its vocabulary is <unk>, a, b, c.
    $abcModel = New-RnnModel -Vocabulary a, b, c -HiddenSize 16 -Seed 1 -Threads 1 -Device Cpu

    $missingFile = Join-Path $TestDrive 'no-such-file.txt'
    $binaryFile = Join-Path $TestDrive 'binary.dat'
    [System.IO.File]::WriteAllBytes($binaryFile, [byte[]](0x74, 0x68, 0x65, 0x00, 0x00, 0x01, 0x02, 0x74))
    $latin1File = Join-Path $TestDrive 'latin1.txt'
    # "café" in Latin-1: 0xE9 on its own is not valid UTF-8.
    [System.IO.File]::WriteAllBytes($latin1File, [byte[]](0x63, 0x61, 0x66, 0xE9, 0x0A))

    function Get-PSRnnError([scriptblock] $Action) {
        # Returns the ErrorRecord the action ends with; fails the test when it ends without one.
        try { & $Action | Out-Null } catch { return $_ }
        throw 'Expected the command to fail, but it succeeded.'
    }
}

Describe 'Errors from bad input' {
    It '<Case> -> PSRnn.<Id> (<Category>)' -TestCases @(
        # Empty text
        @{ Case = 'New-RnnModel with an empty string'; Id = 'EmptyText'; Category = 'InvalidData'; Advice = 'Pipe the training text in|-Vocabulary'
            Action = { '' | New-RnnModel -Threads 1 } }
        @{ Case = 'New-RnnModel with whitespace-only lines'; Id = 'EmptyText'; Category = 'InvalidData'; Advice = 'Pipe the training text in|-Vocabulary'
            Action = { '   ', "`t", '' | New-RnnModel -Threads 1 } }
        @{ Case = 'New-RnnModel with digits and punctuation only (d2l keeps letters only)'; Id = 'EmptyText'; Category = 'InvalidData'; Advice = 'Pipe the training text in'
            Action = { '1234 !!', '42.' | New-RnnModel -Threads 1 } }
        @{ Case = 'Invoke-RnnTraining with whitespace-only text'; Id = 'EmptyText'; Category = 'InvalidData'; Advice = 'Give text that has letters'
            Action = { '   ', '' | Invoke-RnnTraining -Model $model -Epochs 1 } }
        @{ Case = 'Invoke-RnnTraining on digits only for an a,b,c model'; Id = 'EmptyText'; Category = 'InvalidData'; Advice = 'Give text that has letters'
            Action = { '1234 !!' | Invoke-RnnTraining -Model $abcModel -Epochs 1 } }

        # Too little text, or text the model cannot read
        @{ Case = 'Invoke-RnnTraining with fewer tokens than one batch needs'; Id = 'CorpusTooShort'; Category = 'InvalidData'; Advice = 'lower -BatchSize or -NumSteps'
            Action = { 'the time machine' | Invoke-RnnTraining -Model $model -Epochs 1 -BatchSize 8 -NumSteps 10 } }
        @{ Case = 'Measure-Perplexity with a single token'; Id = 'CorpusTooShort'; Category = 'InvalidData'; Advice = 'Give more text'
            Action = { 'a' | Measure-Perplexity -Model $model } }
        @{ Case = 'Invoke-RnnTraining with no letter in the vocabulary'; Id = 'UnknownText'; Category = 'InvalidData'; Advice = 'build a new model from this text'
            Action = { 'xyz zyx', 'yyy' | Invoke-RnnTraining -Model $abcModel -Epochs 1 } }
        @{ Case = 'Measure-Perplexity with no letter in the vocabulary'; Id = 'UnknownText'; Category = 'InvalidData'; Advice = 'Use text like the model''s training text'
            Action = { 'xyz zyx' | Measure-Perplexity -Model $abcModel } }

        # Hyperparameters
        @{ Case = 'Invoke-RnnTraining -Epochs 0'; Id = 'InvalidHyperparameter'; Category = 'InvalidArgument'; Advice = 'Epochs is 0.*positive whole number'
            Action = { $text | Invoke-RnnTraining -Model $model -Epochs 0 } }
        @{ Case = 'Invoke-RnnTraining -LearningRate NaN'; Id = 'InvalidHyperparameter'; Category = 'InvalidArgument'; Advice = 'LearningRate is NaN.*positive finite number'
            Action = { $text | Invoke-RnnTraining -Model $model -Epochs 1 -LearningRate ([double]::NaN) } }
        @{ Case = 'Invoke-RnnTraining -GradientClip -1'; Id = 'InvalidHyperparameter'; Category = 'InvalidArgument'; Advice = 'GradientClip is -1.*positive finite number'
            Action = { $text | Invoke-RnnTraining -Model $model -Epochs 1 -GradientClip -1 } }
        @{ Case = 'Invoke-RnnTraining -MaxTokens -1'; Id = 'InvalidHyperparameter'; Category = 'InvalidArgument'; Advice = 'MaxTokens is -1.*0 \(all tokens\) or positive'
            Action = { $text | Invoke-RnnTraining -Model $model -Epochs 1 -MaxTokens -1 } }
        @{ Case = 'New-RnnModel -HiddenSize 0'; Id = 'InvalidHyperparameter'; Category = 'InvalidArgument'; Advice = 'HiddenSize is 0.*positive whole number'
            Action = { $text | New-RnnModel -HiddenSize 0 -Threads 1 } }
        @{ Case = 'New-RnnModel -Threads 0'; Id = 'InvalidHyperparameter'; Category = 'InvalidArgument'; Advice = 'Threads is 0.*give a number from 1'
            Action = { $text | New-RnnModel -HiddenSize 16 -Threads 0 } }
        @{ Case = 'New-RnnModel -Vocabulary with a token twice'; Id = 'InvalidVocabulary'; Category = 'InvalidArgument'; Advice = 'Give each token once'
            Action = { New-RnnModel -Vocabulary a, b, a -HiddenSize 16 -Threads 1 } }

        # Files
        @{ Case = 'Invoke-RnnTraining -Path to a missing file'; Id = 'FileNotFound'; Category = 'ObjectNotFound'; Advice = 'Check the path'
            Action = { Invoke-RnnTraining -Model $model -Path $missingFile -Epochs 1 } }
        @{ Case = 'Measure-Perplexity -LiteralPath to a missing file'; Id = 'FileNotFound'; Category = 'ObjectNotFound'; Advice = 'Check the path'
            Action = { Measure-Perplexity -Model $model -LiteralPath $missingFile } }
        @{ Case = 'Invoke-RnnTraining -Path to a folder'; Id = 'PathIsDirectory'; Category = 'InvalidArgument'; Advice = 'Give a text file.*Get-ChildItem'
            Action = { Invoke-RnnTraining -Model $model -Path $TestDrive -Epochs 1 } }
        @{ Case = 'Invoke-RnnTraining -LiteralPath to a binary file'; Id = 'InvalidTextFile'; Category = 'InvalidData'; Advice = 'binary.*Give a plain text file'
            Action = { Invoke-RnnTraining -Model $model -LiteralPath $binaryFile -Epochs 1 } }
        @{ Case = 'New-RnnModel -Path to a file that is not valid UTF-8'; Id = 'InvalidTextFile'; Category = 'InvalidData'; Advice = 'not valid UTF-8.*Convert it to UTF-8'
            Action = { New-RnnModel -Path $latin1File -Threads 1 } }

        # Wrong kind of input
        @{ Case = 'a model piped into Invoke-RnnTraining as its text'; Id = 'TextExpected'; Category = 'InvalidType'; Advice = 'pass a model with -Model'
            Action = { $model | Invoke-RnnTraining -Model $model -Epochs 1 } }
        @{ Case = 'a number piped into Measure-Perplexity'; Id = 'TextExpected'; Category = 'InvalidType'; Advice = 'Give strings'
            Action = { 42 | Measure-Perplexity -Model $model } }
        @{ Case = 'Get-RnnPrediction -Length -1'; Id = 'InvalidLength'; Category = 'InvalidArgument'; Advice = '0 or more'
            Action = { Get-RnnPrediction -Model $model -Prefix 'the' -Length -1 } }
        @{ Case = 'Get-HiddenState -InitialState of the wrong length'; Id = 'InvalidInitialState'; Category = 'InvalidArgument'; Advice = 'this model''s state has 16'
            Action = { Get-HiddenState -Model $model -Text 'the' -InitialState ([float[]](1, 2, 3)) } }
    ) {
        $err = Get-PSRnnError $Action
        $err.FullyQualifiedErrorId | Should -BeLike "PSRnn.$Id,PSRnn.Commands.*"
        $err.CategoryInfo.Category | Should -Be $Category
        $err.Exception.Message | Should -Match $Advice
    }

    It 'New-RnnModel -Device Cuda where there is no CUDA -> PSRnn.CudaUnavailable (ResourceUnavailable)' {
        if ([PSRnn.Engine.Models.Devices]::CudaAvailable) {
            Set-ItResult -Skipped -Because 'this machine has CUDA, so -Device Cuda succeeds'
            return
        }
        $err = Get-PSRnnError { $text | New-RnnModel -HiddenSize 16 -Device Cuda -Threads 1 }
        $err.FullyQualifiedErrorId | Should -BeLike 'PSRnn.CudaUnavailable,PSRnn.Commands.NewRnnModelCommand'
        $err.CategoryInfo.Category | Should -Be 'ResourceUnavailable'
        $err.Exception.Message | Should -Match 'Use -Device Cpu'
    }
}

Describe 'What a failed command leaves behind' {
    It 'writes no epoch and leaves the model untouched when training is refused' {
        $before = $model.EpochsTrained
        $records = @(try { $text | Invoke-RnnTraining -Model $model -Epochs 0 } catch { })
        $records.Count | Should -Be 0
        $model.EpochsTrained | Should -Be $before
    }

    It 'leaves the model usable after an error' {
        { 'a' | Measure-Perplexity -Model $model } | Should -Throw
        (Get-RnnPrediction -Model $model -Prefix 'the' -Length 3).Text.Length | Should -Be 3
    }

    It 'names the file in the error''s target' {
        $err = Get-PSRnnError { Invoke-RnnTraining -Model $model -LiteralPath $binaryFile -Epochs 1 }
        $err.TargetObject | Should -Be $binaryFile
    }
}
