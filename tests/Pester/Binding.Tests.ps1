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
