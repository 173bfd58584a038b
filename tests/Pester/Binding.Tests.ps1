# How input binds: text that looks like a file path, and (one rule for every cmdlet) the model.

BeforeAll {
    Import-Module $env:PSRNN_TEST_MODULE -Force
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $text = New-TestText -Length 1500 -Seed 6
    $model = New-TestModel -Text $text -HiddenSize 8 -Seed 2
    $book = Join-Path $TestDrive 'book.txt'
    Set-Content -LiteralPath $book -Value $text

    # The warnings a call writes, as strings; its objects are dropped.
    function Get-WarningText([scriptblock] $Action) {
        @(& $Action 3>&1 | Where-Object { $_ -is [System.Management.Automation.WarningRecord] } | ForEach-Object Message)
    }
}

Describe 'A file path piped as the text' {
    It '<Command> warns that the one line it was given is the path of a file, and how to read the file' -ForEach @(
        @{ Command = 'New-RnnModel'; Action = { $book | New-RnnModel -HiddenSize 8 -Threads 1 } }
        @{ Command = 'Measure-Perplexity'; Action = { $book | Measure-Perplexity -Model $model -ErrorAction SilentlyContinue } }
        @{ Command = 'Invoke-RnnTraining'; Action = { $book | Invoke-RnnTraining -Model $model -Epochs 1 -BatchSize 1 -NumSteps 2 -ErrorAction SilentlyContinue } }
    ) {
        $warnings = @(Get-WarningText $Action)
        $warnings | Should -HaveCount 1
        $warnings[0] | Should -BeLike "The only text $Command was given is one line, '$book', which is the path of an existing file*"
        $warnings[0] | Should -Match ([regex]::Escape("use Get-Content '$book' | $Command ... or $Command -Path '$book'"))
    }

    It 'says it for a relative path too, resolved against the current location' {
        Push-Location $TestDrive
        try { Get-WarningText { './book.txt' | New-RnnModel -HiddenSize 8 -Threads 1 } | Should -HaveCount 1 }
        finally { Pop-Location }
    }

    It 'says nothing for <Case>' -ForEach @(
        @{ Case = 'the file read with Get-Content'; Action = { Get-Content -LiteralPath $book | New-RnnModel -HiddenSize 8 -Threads 1 } }
        @{ Case = 'the file read with -Path'; Action = { New-RnnModel -Path $book -HiddenSize 8 -Threads 1 } }
        @{ Case = 'a FileInfo piped in'; Action = { Get-Item -LiteralPath $book | New-RnnModel -HiddenSize 8 -Threads 1 } }
        @{ Case = 'one line naming no file'; Action = { 'the time traveller' | New-RnnModel -HiddenSize 8 -Threads 1 } }
        @{ Case = 'a path among other lines'; Action = { @($book, 'more text') | New-RnnModel -HiddenSize 8 -Threads 1 } }
        @{ Case = 'the path of a folder'; Action = { $TestDrive | New-RnnModel -HiddenSize 8 -Threads 1 } }
        @{ Case = 'text no path can be made of'; Action = { 'a<b>:"c"|?*' | New-RnnModel -HiddenSize 8 -Threads 1 } }
    ) {
        Get-WarningText $Action | Should -BeNullOrEmpty
    }

    It 'still builds the model from the path string, as it was asked to' {
        $built = $book | New-RnnModel -HiddenSize 8 -Threads 1 -Preprocessing None 3>$null
        $built.VocabularySize | Should -BeLessOrEqual ($book.Length + 1)   # the letters of the path, and <unk>
    }
}

Describe 'How -Model binds: by name, by position 0, or from the pipeline where the pipeline carries no text' {
    BeforeAll {
        $folder = New-Item -ItemType Directory (Join-Path $TestDrive 'models')
        $expected = Get-RnnPrediction -Model $model -Prefix 'the' -Length 5
        $expectedSteps = @(Get-HiddenState -Model $model -Text 'the')
        $expectedPerplexity = ($text | Measure-Perplexity -Model $model).Perplexity
        # Any prompt for a missing mandatory parameter would fail: this host cannot prompt.
        function Invoke-NoPrompt([scriptblock] $Action, $Model = $model) {
            $shell = [powershell]::Create()
            try {
                [void]$shell.AddScript('param($Module, $Model, $Text, $Folder, $Action) Import-Module $Module; $model = $Model; $text = $Text; $folder = $Folder; & ([scriptblock]::Create($Action))')
                [void]$shell.AddParameters(@{ Module = $env:PSRNN_TEST_MODULE; Model = $Model; Text = $text; Folder = $folder.FullName; Action = "$Action" })
                $output = @($shell.Invoke())
                $shell.Streams.Error | ForEach-Object { throw $_ }
                , $output
            }
            finally { $shell.Dispose() }
        }
    }

    It 'Get-RnnPrediction: <Form>' -ForEach @(
        @{ Form = '$m | Get-RnnPrediction -Prefix x'; Action = { $model | Get-RnnPrediction -Prefix 'the' -Length 5 } }
        @{ Form = '$m | Get-RnnPrediction x'; Action = { $model | Get-RnnPrediction 'the' -Length 5 } }
        @{ Form = 'Get-RnnPrediction $m x'; Action = { Get-RnnPrediction $model 'the' -Length 5 } }
        @{ Form = 'Get-RnnPrediction x -Model $m'; Action = { Get-RnnPrediction 'the' -Model $model -Length 5 } }
        @{ Form = '"x" | Get-RnnPrediction -Model $m'; Action = { 'the' | Get-RnnPrediction -Model $model -Length 5 } }
        @{ Form = '"x" | Get-RnnPrediction $m'; Action = { 'the' | Get-RnnPrediction $model -Length 5 } }
    ) {
        $result = Invoke-NoPrompt $Action
        $result | Should -HaveCount 1
        $result[0].Text | Should -Be $expected.Text
    }

    It 'Get-HiddenState: <Form>' -ForEach @(
        @{ Form = '$m | Get-HiddenState -Text x'; Action = { $model | Get-HiddenState -Text 'the' } }
        @{ Form = '$m | Get-HiddenState x'; Action = { $model | Get-HiddenState 'the' } }
        @{ Form = 'Get-HiddenState $m x'; Action = { Get-HiddenState $model 'the' } }
        @{ Form = '"x" | Get-HiddenState -Model $m'; Action = { 'the' | Get-HiddenState -Model $model } }
    ) {
        $result = Invoke-NoPrompt $Action
        $result | Should -HaveCount 3
        $result[-1].Norm | Should -Be $expectedSteps[-1].Norm
    }

    It 'Export-RnnModel: <Form>' -ForEach @(
        @{ Form = '$m | Export-RnnModel file'; File = 'piped.psrnn'; Action = { $model | Export-RnnModel (Join-Path $folder 'piped.psrnn') } }
        @{ Form = 'Export-RnnModel $m file'; File = 'positional.psrnn'; Action = { Export-RnnModel $model (Join-Path $folder 'positional.psrnn') } }
        @{ Form = 'Export-RnnModel file -Model $m'; File = 'named.psrnn'; Action = { Export-RnnModel (Join-Path $folder 'named.psrnn') -Model $model } }
    ) {
        $null = Invoke-NoPrompt $Action
        $saved = Import-RnnModel -LiteralPath (Join-Path $folder $File)
        ($text | Measure-Perplexity -Model $saved).Perplexity | Should -Be $expectedPerplexity
    }

    It 'Export-RnnStateDict and Import-RnnStateDict: <Form>' -ForEach @(
        @{ Form = '$m | Export-RnnStateDict file, $m2 | Import-RnnStateDict file'
           Export = { $model | Export-RnnStateDict (Join-Path $folder 'piped.pt') }; Import = { $model | Import-RnnStateDict (Join-Path $folder 'piped.pt') } }
        @{ Form = 'Export-RnnStateDict $m file, Import-RnnStateDict $m2 file'
           Export = { Export-RnnStateDict $model (Join-Path $folder 'positional.pt') }; Import = { Import-RnnStateDict $model (Join-Path $folder 'positional.pt') } }
        @{ Form = 'named, and Import-RnnStateDict $m2 -LiteralPath file'
           Export = { Export-RnnStateDict -Path (Join-Path $folder 'named.pt') -Model $model }; Import = { Import-RnnStateDict $model -LiteralPath (Join-Path $folder 'named.pt') } }
    ) {
        $null = Invoke-NoPrompt $Export
        # Invoke-NoPrompt's $model is the second model here: the one that takes the weights.
        $other = New-TestModel -Text $text -HiddenSize 8 -Seed 9
        $null = Invoke-NoPrompt $Import -Model $other
        ($text | Measure-Perplexity -Model $other).Perplexity | Should -BeGreaterThan ($expectedPerplexity * 0.99999)
        ($text | Measure-Perplexity -Model $other).Perplexity | Should -BeLessThan ($expectedPerplexity * 1.00001)
    }

    It 'Measure-Perplexity and Invoke-RnnTraining take the text from the pipeline and the model at position 0' {
        (Invoke-NoPrompt { $text | Measure-Perplexity $model })[0].Perplexity | Should -Be $expectedPerplexity
        (Invoke-NoPrompt { Measure-Perplexity $model -InputObject $text })[0].Perplexity | Should -Be $expectedPerplexity
        $trained = New-TestModel -Text $text -HiddenSize 8 -Seed 5
        $twin = New-TestModel -Text $text -HiddenSize 8 -Seed 5
        $records = Invoke-NoPrompt { $text | Invoke-RnnTraining $model -Epochs 1 -BatchSize 4 -NumSteps 8 } -Model $trained
        $records[0].Perplexity | Should -Be ($text | Invoke-RnnTraining -Model $twin -Epochs 1 -BatchSize 4 -NumSteps 8).Perplexity
        $trained.EpochsTrained | Should -Be 1
    }

    It 'documents the rule in every cmdlet''s -Model help' {
        foreach ($command in 'Export-RnnModel', 'Export-RnnStateDict', 'Import-RnnStateDict', 'Get-RnnPrediction', 'Get-HiddenState', 'Measure-Perplexity', 'Invoke-RnnTraining') {
            $help = Get-Help $command -Parameter Model
            $help.position | Should -Be '0' -Because "$command -Model is position 0"
            ($help.description.Text -join ' ') | Should -Match 'by name, by position 0' -Because "docs/help/$command.md states the binding rule"
        }
    }
}
