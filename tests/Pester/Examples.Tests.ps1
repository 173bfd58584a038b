# The example scripts run as a user runs them (a child pwsh, -File-like), on generated text so that
# they never need The Time Machine; and the notebook stays the script's steps, cell for cell.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $examples = Join-Path $PSScriptRoot '../../examples'
    $helpers = Join-Path $PSScriptRoot 'TestHelpers.ps1'

    # Runs PowerShell code in a child pwsh started the way this one was (dotnet local tool or plain pwsh).
    function Invoke-ChildPwsh([string] $command) {
        $output = Invoke-Pwsh -Command "`$ErrorActionPreference = 'Stop'; `$PSStyle.OutputRendering = 'PlainText'; $command" 2>&1
        if ($LASTEXITCODE -ne 0) { throw "The child pwsh failed (exit code $LASTEXITCODE):`n$($output -join "`n")" }
        $output -join "`n"
    }

    function Get-NormalisedCode([string] $code) { ($code -replace '\s+', ' ').Trim() }

    # The script's steps: the body of every '#region Step N: title' ... '#endregion' block, in order.
    function Get-ScriptStep([string] $path) {
        $source = Get-Content -Raw -LiteralPath $path
        foreach ($match in [regex]::Matches($source, '(?ms)^#region Step (\d+): ([^\r\n]*)\r?\n(.*?)^#endregion')) {
            [pscustomobject]@{ Number = [int]$match.Groups[1].Value; Title = $match.Groups[2].Value; Code = $match.Groups[3].Value }
        }
    }
}

Describe 'examples/WordLanguageModel.ps1 on generated text' {
    BeforeAll {
        $xml = Join-Path $TestDrive 'word.xml'
        $script = Join-Path $examples 'WordLanguageModel.ps1'
        $null = Invoke-ChildPwsh (". '$helpers'; `$text = New-TestText -Length 6000 -Seed 5; " +
            "& '$script' -Text `$text -Epochs 2 -EmbeddingSize 16 -HiddenSize 16 -Patience 1 -Prompt 'the' -OutputFolder '$TestDrive' " +
            "-ModulePath '$env:PSRNN_TEST_MODULE' | Export-Clixml -LiteralPath '$xml'")
        $results = @(Import-Clixml -LiteralPath $xml)
    }

    It 'compares untied and tied models, the tied one smaller by a vocabulary x hidden matrix' {
        $results.Configuration | Should -Be @('untied', 'tied')
        $results[0].Vocabulary | Should -Be $results[1].Vocabulary
        $results[0].Parameters - $results[1].Parameters | Should -Be ($results[0].Vocabulary * 16)
    }

    It 'reports the best validation epoch, its test perplexity and a sample from it' {
        foreach ($result in $results) {
            $result.Epochs | Should -BeIn 1, 2
            $result.BestEpoch | Should -BeLessOrEqual $result.Epochs
            $result.ValidationPerplexity | Should -BeGreaterThan 1
            $result.TestPerplexity | Should -BeGreaterThan 1
            $result.Sample | Should -Match '^the( \S+){20}$'
            Join-Path $TestDrive "$($result.Configuration).psrnn" | Should -Exist
        }
    }
}

Describe 'examples/BatchReset.ps1 -Quick on generated text' {
    BeforeAll {
        $csv = Join-Path $TestDrive 'batchreset.csv'
        $xml = Join-Path $TestDrive 'batchreset.xml'
        $png = Join-Path $TestDrive 'batchreset.png'
        $script = Join-Path $examples 'BatchReset.ps1'
        $hostOutput = Invoke-ChildPwsh (". '$helpers'; `$text = New-TestText -Length 4000 -Seed 7; " +
            "& '$script' -Quick -Text `$text -ModulePath '$env:PSRNN_TEST_MODULE' -CsvPath '$csv' -PlotPath '$png' | Export-Clixml -LiteralPath '$xml'")
        $results = @(Import-Clixml -LiteralPath $xml)
        $rows = @(Import-Csv -LiteralPath $csv)
        $expected = foreach ($steps in 5, 35) { foreach ($sampling in 'Random', 'Sequential') { foreach ($reset in 'EveryBatch', 'EveryEpoch') {
            "$sampling/$reset/$steps" } } }
    }

    It 'emits one result per configuration of the 2 x 2 x 2 grid' {
        $results.Count | Should -Be 8
        $results.Configuration | Sort-Object | Should -Be ($expected | Sort-Object)
    }

    It 'gives each result the sampling, state reset and window length its name claims, and the quick setting' {
        foreach ($result in $results) {
            "$($result.Sampling)/$($result.StateReset)/$($result.NumSteps)" | Should -Be $result.Configuration
            $result.Implementation | Should -Be 'Fused'
            $result.HiddenSize | Should -Be 32
            $result.Epochs | Should -Be 4
            $result.Perplexity | Should -BeGreaterThan 1
            $result.ValidationPerplexity | Should -BeGreaterThan 1
            $result.BestValidationPerplexity | Should -BeLessOrEqual $result.ValidationPerplexity
            $result.Prediction | Should -Match '^time traveller'
        }
    }

    It 'draws the per-epoch curves with Export-RnnPlot' {
        $bytes = [System.IO.File]::ReadAllBytes($png)
        [System.Text.Encoding]::ASCII.GetString($bytes, 1, 3) | Should -Be 'PNG'
    }

    It 'sorts the results by final validation perplexity, best first' {
        $values = @($results.ValidationPerplexity)
        $values | Should -Be @($values | Sort-Object)
    }

    It 'writes every epoch of every configuration to the CSV, with the hyperparameters it trained with' {
        $rows.Count | Should -Be 32
        foreach ($group in $rows | Group-Object Sampling, StateReset, NumSteps) {
            $group.Count | Should -Be 4
            $group.Group.Epoch | Should -Be @('1', '2', '3', '4')
            $group.Group | ForEach-Object {
                $_.HiddenSize | Should -Be '32'
                $_.MaxTokens | Should -Be '2000'
                $_.BatchSize | Should -Be '8'
                $_.Seed | Should -Be '42'
                $_.Threads | Should -Be '1'
                $_.ValidationPerplexity | Should -Not -BeNullOrEmpty
            }
        }
        ($rows | ForEach-Object { "$($_.Sampling)/$($_.StateReset)/$($_.NumSteps)" } | Sort-Object -Unique) | Should -Be ($expected | Sort-Object)
    }

    It 'keeps the state policy asked for even where it is not the sampler''s default' {
        @($rows | Where-Object Sampling -eq 'Random' | Where-Object StateReset -eq 'EveryEpoch').Count | Should -Be 8
        @($rows | Where-Object Sampling -eq 'Sequential' | Where-Object StateReset -eq 'EveryBatch').Count | Should -Be 8
    }

    It 'reports the final epoch of the CSV as each result' {
        foreach ($result in $results) {
            $last = $rows | Where-Object { "$($_.Sampling)/$($_.StateReset)/$($_.NumSteps)" -eq $result.Configuration -and $_.Epoch -eq '4' }
            [double]$last.Perplexity | Should -Be $result.Perplexity
        }
    }

    It 'prints the hidden-state probe, the results and the per-epoch comparison' {
        $hostOutput | Should -Match 'NormFromZeros'
        $hostOutput | Should -Match 'Perplexity at epoch:'
        $hostOutput | Should -Match 'ValidationPerplexity at epoch:'
        $hostOutput | Should -Match '32 epoch records written to'
    }
}

Describe 'examples/BatchReset.ipynb' {
    BeforeAll {
        $notebookPath = Join-Path $examples 'BatchReset.ipynb'
        $notebook = Get-Content -Raw -LiteralPath $notebookPath | ConvertFrom-Json -AsHashtable
        $codeCells = @($notebook.cells | Where-Object { $_.cell_type -eq 'code' })
        $steps = @(Get-ScriptStep (Join-Path $examples 'BatchReset.ps1'))
        $scriptParameters = ([System.Management.Automation.Language.Parser]::ParseFile(
            (Join-Path $examples 'BatchReset.ps1'), [ref]$null, [ref]$null)).ParamBlock.Parameters.Name.VariablePath.UserPath
    }

    It 'is a Polyglot notebook: nbformat 4 with the .NET (PowerShell) kernel' {
        $notebook.nbformat | Should -Be 4
        $notebook.nbformat_minor | Should -BeGreaterOrEqual 4
        $notebook.metadata.kernelspec.display_name | Should -Be '.NET (PowerShell)'
        $notebook.metadata.kernelspec.language | Should -Be 'PowerShell'
        # Polyglot Notebooks in VS Code writes .net-pwsh; dotnet repl --default-kernel pwsh, which made the stored outputs, .net-powershell.
        $notebook.metadata.kernelspec.name | Should -BeIn '.net-pwsh', '.net-powershell'
        $notebook.metadata.language_info.name | Should -Be 'PowerShell'
    }

    It 'runs every code cell in the pwsh kernel' {
        foreach ($cell in $codeCells) {
            $cell.metadata.dotnet_interactive.language | Should -Be 'pwsh'
            $cell.metadata.polyglot_notebook.kernelName | Should -Be 'pwsh'
        }
    }

    It 'has the script''s steps numbered 1, 2, ... in order' {
        $steps.Count | Should -BeGreaterThan 5
        $steps.Number | Should -Be (1..$steps.Count)
    }

    It 'opens with a cell that sets every parameter of the script' {
        $settings = -join $codeCells[0].source
        foreach ($name in $scriptParameters) { $settings | Should -Match "(?m)^\s*\`$$name\s*=" }
    }

    It 'has, after the settings, one code cell per step of the script with the same code (whitespace aside)' {
        $codeCells.Count | Should -Be ($steps.Count + 1)
        for ($i = 0; $i -lt $steps.Count; $i++) {
            Get-NormalisedCode (-join $codeCells[$i + 1].source) | Should -BeExactly (Get-NormalisedCode $steps[$i].Code) -Because "cell $($i + 2) is step $($steps[$i].Number): $($steps[$i].Title)"
        }
    }

    It 'keeps the text output of the full run in every step cell' {
        for ($i = 1; $i -lt $codeCells.Count; $i++) {
            $streams = @($codeCells[$i].outputs | Where-Object { $_.output_type -eq 'stream' })
            $streams.Count | Should -BeGreaterThan 0 -Because "step $i has output"
            (-join $streams[0].text) | Should -Not -BeNullOrEmpty
        }
    }

    It 'states the command that reproduces its numbers' {
        $markdown = -join ($notebook.cells | Where-Object { $_.cell_type -eq 'markdown' } | ForEach-Object { -join $_.source })
        $markdown | Should -Match '\./examples/BatchReset\.ps1 -Epochs \d+'
    }
}

Describe 'examples/Sweep.ps1 on generated text' {
    It 'runs a 2-trial grid in parallel runspaces, one row per trial, best first by <SortedBy>' -TestCases @(
        @{ SortedBy = 'ValidationPerplexity'; Grid = '-LearningRate 0.5, 1 -StateReset EveryEpoch'; Fraction = 0.1 }
        @{ SortedBy = 'Perplexity'; Grid = '-LearningRate 1 -StateReset EveryBatch, EveryEpoch'; Fraction = 0 }
    ) {
        $csv = Join-Path $TestDrive "sweep-$SortedBy.csv"
        $script = Join-Path $examples 'Sweep.ps1'
        $null = Invoke-ChildPwsh (". '$helpers'; `$text = New-TestText -Length 3000 -Seed 7; " +
            "`$null = & '$script' -Text `$text -HiddenSize 16 $Grid -Epochs 3 -BatchSize 8 -NumSteps 10 -MaxTokens 0 " +
            "-ValidationFraction $Fraction -ThrottleLimit 2 -ModulePath '$env:PSRNN_TEST_MODULE' -CsvPath '$csv'")
        $rows = @(Import-Csv -LiteralPath $csv)
        $rows.Count | Should -Be 2
        @($rows | ForEach-Object { "$($_.LearningRate)/$($_.StateReset)" } | Sort-Object -Unique).Count | Should -Be 2
        $rows | ForEach-Object {
            $_.Epoch | Should -Be '3'
            $_.Threads | Should -Be '1'
            $_.HiddenSize | Should -Be '16'
        }
        $values = @($rows | ForEach-Object { [double]$_.$SortedBy })
        $values | Should -Be @($values | Sort-Object)
        if ($Fraction -eq 0) { $rows.ValidationPerplexity | ForEach-Object { $_ | Should -BeNullOrEmpty } }
    }
}

Describe 'examples/BatchReset.ipynb run headless with dotnet repl, quick setting' {
    # The README's command, with PSRNN_NOTEBOOK_QUICK=1 (the script's -Quick setting, read by the first
    # cell) and generated text: the whole notebook in well under a minute.
    BeforeDiscovery {
        $repo = Join-Path $PSScriptRoot '../..'
        Push-Location $repo
        try { $null = & dotnet repl --version 2>&1; $noRepl = $LASTEXITCODE -ne 0 } finally { Pop-Location }
        $noModule = -not (Test-Path (Join-Path $repo 'out/PSRnn/PSRnn.psd1'))
        $skip = $noRepl -or $noModule
        # Skipped where dotnet tool restore has not brought dotnet-repl, or the module is not built in out/PSRnn (the notebook's ../out/PSRnn).
    }

    BeforeAll {
        $textPath = Join-Path $TestDrive 'text.txt'
        New-TestText -Length 4000 -Seed 7 | Set-Content -LiteralPath $textPath
        $outputPath = Join-Path $TestDrive 'BatchReset.ipynb'
        $saved = @{ Quick = $env:PSRNN_NOTEBOOK_QUICK; Text = $env:PSRNN_NOTEBOOK_TEXT; Modules = $env:PSModulePath }
        # dotnet repl's PowerShell kernel has no Microsoft.PowerShell.Utility of its own: lend it this pwsh's.
        ($env:PSRNN_NOTEBOOK_QUICK, $env:PSRNN_NOTEBOOK_TEXT, $env:PSModulePath) = ('1', $textPath, (Join-Path $PSHOME 'Modules'))
        Push-Location $examples
        try {
            $log = & dotnet repl --run BatchReset.ipynb --default-kernel pwsh --exit-after-run --output-path $outputPath 2>&1
            $exitCode = $LASTEXITCODE
        }
        finally {
            Pop-Location
            ($env:PSRNN_NOTEBOOK_QUICK, $env:PSRNN_NOTEBOOK_TEXT, $env:PSModulePath) = ($saved.Quick, $saved.Text, $saved.Modules)
        }
        $ran = if (Test-Path -LiteralPath $outputPath) { Get-Content -Raw -LiteralPath $outputPath | ConvertFrom-Json -AsHashtable }
        $codeCells = @($ran.cells | Where-Object { $_.cell_type -eq 'code' })
        $outputs = @($codeCells | ForEach-Object { $_.outputs })
        $text = -join ($outputs | ForEach-Object { -join $_.text })
    }

    It 'runs to the end and writes the notebook with its outputs' -Skip:$skip {
        $exitCode | Should -Be 0 -Because ($log -join "`n")
        $codeCells.Count | Should -Be 8
    }

    It 'has text output in every step cell and no error output anywhere' -Skip:$skip {
        for ($i = 1; $i -lt $codeCells.Count; $i++) {
            @($codeCells[$i].outputs | Where-Object output_type -eq 'stream').Count | Should -BeGreaterThan 0 -Because "step $i prints"
        }
        @($outputs | Where-Object output_type -eq 'error') | Should -BeNullOrEmpty
    }

    It 'keeps its outputs plain text: no ANSI escapes, no progress records' -Skip:$skip {
        $text | Should -Not -Match "`e\["
        @($outputs | Where-Object output_type -eq 'display_data') | Should -BeNullOrEmpty
        $text | Should -Match 'Configuration\s+Perplexity\s+Validation'
    }

    It 'ran the quick setting on the given text: 8 configurations of 4 epochs' -Skip:$skip {
        $text | Should -Match '32 epoch records written to'
        ([regex]::Matches($text, '(?m)^\S+/\S+/\d+\s+4 epochs in')).Count | Should -Be 8
    }
}
