# -Verbose says what each cmdlet is doing: device, threads, tokens, vocabulary, files and checkpoints.

BeforeAll {
    Import-Module $env:PSRNN_TEST_MODULE -Force
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $text = New-TestText -Length 800
    $model = New-TestModel -Text $text -HiddenSize 8

    function Get-VerboseText([scriptblock] $Action) {
        # The verbose messages of one call, joined; the objects it writes are dropped. The action runs in a
        # child scope of this function, so its cmdlets see this preference as -Verbose would set it.
        $VerbosePreference = 'Continue'
        (& $Action 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message -join "`n"
    }
}

Describe 'Verbose messages' {
    It 'Invoke-RnnTraining names the device, threads, tokens and vocabulary size' {
        $messages = Get-VerboseText { $text | Invoke-RnnTraining -Model $model -Epochs 1 -BatchSize 4 -NumSteps 8 }
        $tokens = ($text | Measure-Perplexity -Model $model).Tokens + 1
        $messages | Should -Match "\b$tokens tokens"
        $messages | Should -Match "vocabulary $($model.VocabularySize)\b"
        $messages | Should -Match 'device Cpu'
        $messages | Should -Match '\b1 thread'
    }

    It 'Invoke-RnnTraining says when it writes a checkpoint' {
        $path = Join-Path $TestDrive 'checkpoint.psrnn'
        $messages = Get-VerboseText { $text | Invoke-RnnTraining -Model $model -Epochs 1 -BatchSize 4 -NumSteps 8 -CheckpointPath $path }
        $messages | Should -Match ([regex]::Escape("written to $path"))
    }

    It '<Command> names <Expected>' -ForEach @(
        @{ Command = 'New-RnnModel'; Expected = 'tokens, vocabulary, device and threads'; Patterns = '\d+ Char tokens', 'vocabulary \d+', 'device Cpu', '1 thread'
            Action = { $text | New-RnnModel -HiddenSize 8 -Seed 2 -Threads 1 -Device Cpu } }
        @{ Command = 'Measure-Perplexity'; Expected = 'tokens, vocabulary, device and threads'; Patterns = '\d+ tokens', 'vocabulary \d+', 'device Cpu', '1 thread'
            Action = { $text | Measure-Perplexity -Model $model } }
        @{ Command = 'Get-HiddenState'; Expected = 'tokens, layer, device and threads'; Patterns = '8 tokens', 'layer 0', 'device Cpu', '1 thread'
            Action = { Get-HiddenState -Model $model -Text 'the time' } }
        @{ Command = 'Get-RnnPrediction'; Expected = 'prefix, length, vocabulary, device and threads'; Patterns = '3 prefix tokens', 'generating 5 greedily', 'vocabulary \d+', 'device Cpu', '1 thread'
            Action = { Get-RnnPrediction -Model $model -Prefix 'the' -Length 5 } }
        @{ Command = 'Get-RnnCorpus -Path'; Expected = 'lines and the file'; Patterns = 'Read 2 line\(s\) from .*two\.txt'
            Action = { Get-RnnCorpus -Path (Join-Path $TestDrive 'two.txt') } }
    ) {
        Set-Content -LiteralPath (Join-Path $TestDrive 'two.txt') -Value 'first', 'second'
        $messages = Get-VerboseText $Action
        foreach ($pattern in $Patterns) { $messages | Should -Match $pattern }
    }

    It 'Export-RnnModel and Import-RnnModel name the file, and import the device and threads' {
        $path = Join-Path $TestDrive 'model.psrnn'
        Get-VerboseText { Export-RnnModel -Model $model -Path $path } | Should -Match ([regex]::Escape("to $path"))
        $messages = Get-VerboseText { Import-RnnModel -LiteralPath $path }
        $messages | Should -Match ([regex]::Escape("from $path"))
        $messages | Should -Match 'device Cpu, 1 thread'
    }
}
