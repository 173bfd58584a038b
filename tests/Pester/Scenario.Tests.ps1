# The user scenario end to end on the real corpus: corpus | New-RnnModel | Invoke-RnnTraining | Export-Csv,
# then Measure-Perplexity, Get-HiddenState and Get-RnnPrediction on the trained model.
# The Time Machine comes from the verified copy in ../shared/data beside the repository (via PSRNN_DATA,
# never the network);
# the tests that need it are skipped where that copy is absent, and their names say so.

BeforeDiscovery {
    $BookFolder = Join-Path $PSScriptRoot '../../../shared/data'
    $HasBook = Test-Path -LiteralPath (Join-Path $BookFolder 'timemachine.txt')
    $HasShakespeare = Test-Path -LiteralPath (Join-Path $BookFolder 'tinyshakespeare.txt')
}

BeforeAll {
    Import-Module $env:PSRNN_TEST_MODULE -Force
    $BookFolder = Join-Path $PSScriptRoot '../../../shared/data'
}

Describe 'The PSRnn module' {
    It 'exports exactly its cmdlets and nothing else' {
        $module = Get-Module PSRnn
        $module.ExportedCmdlets.Keys | Sort-Object |
            Should -Be @('Export-RnnModel', 'Export-RnnPlot', 'Export-RnnStateDict', 'Get-HiddenState', 'Get-RnnCorpus', 'Get-RnnPrediction', 'Import-RnnModel', 'Import-RnnStateDict', 'Invoke-RnnTraining', 'Measure-Perplexity', 'New-RnnModel')
        $module.ExportedFunctions.Count | Should -Be 0
        $module.ExportedAliases.Count | Should -Be 0
    }
}

Describe 'Training on The Time Machine (skipped where ../shared/data/timemachine.txt is absent)' -Skip:(-not $HasBook) {
    BeforeAll {
        $savedData = $env:PSRNN_DATA
        $env:PSRNN_DATA = $BookFolder
        $lines = Get-RnnCorpus -Name TimeMachine
        $model = $lines | New-RnnModel -HiddenSize 32 -Seed 1 -Threads 1 -Device Cpu
        # Only the first 2000 tokens: the scenario, not the learning, is under test here.
        $epochs = @($lines | Invoke-RnnTraining -Model $model -Epochs 2 -MaxTokens 2000 -BatchSize 8 -NumSteps 10)
    }

    AfterAll {
        $env:PSRNN_DATA = $savedData
    }

    Context 'Get-RnnCorpus' {
        It 'returns the 3221 lines of the book' {
            $lines.Count | Should -Be 3221
            # (Checked in one go: piping 3221 lines into Should takes seconds.)
            @($lines.Where({ $_ -isnot [string] })).Count | Should -Be 0
            $lines[0] | Should -Match 'Time Machine'
        }
    }

    Context 'New-RnnModel' {
        It 'builds the 28-token vocabulary of d2l (26 letters, space and the unknown token) from the whole book' {
            $model.VocabularySize | Should -Be 28
            $model.Vocabulary.Tokens[0] | Should -Be '<unk>'
            $model.Vocabulary.Tokens | Should -Contain ' '
        }

        It 'keeps the options it was given' {
            $model.HiddenSize | Should -Be 32
            $model.Seed | Should -Be 1
            $model.Device | Should -Be 'Cpu'
        }
    }

    Context 'Invoke-RnnTraining' {
        It 'streams one record per epoch, numbered from 1' {
            $epochs.Count | Should -Be 2
            $epochs.Epoch | Should -Be @(1, 2)
            $epochs | ForEach-Object { [double]::IsFinite($_.Perplexity) | Should -BeTrue }
        }

        It 'trains on no more than -MaxTokens tokens per epoch' {
            $epochs | ForEach-Object { $_.Tokens | Should -BeLessOrEqual 2000 }
            $epochs[0].MaxTokens | Should -Be 2000
        }

        It 'records the epochs on the model' {
            $model.EpochsTrained | Should -Be 2
            $model.LastPerplexity | Should -Be $epochs[-1].Perplexity
        }

        It 'exports to CSV with one row per epoch and the hyperparameters as columns' {
            $csv = Join-Path $TestDrive 'epochs.csv'
            $epochs | Export-Csv -LiteralPath $csv
            $rows = @(Import-Csv -LiteralPath $csv)
            $rows.Count | Should -Be 2
            $columns = $rows[0].PSObject.Properties.Name
            foreach ($column in 'Epoch', 'Perplexity', 'StateReset', 'Sampling', 'BatchSize', 'LearningRate') {
                $columns | Should -Contain $column
            }
            $rows.Epoch | Should -Be @('1', '2')
            $rows.StateReset | Should -Be @('EveryEpoch', 'EveryEpoch')
            [double]$rows[1].Perplexity | Should -BeGreaterThan 1
        }
    }

    Context 'Measure-Perplexity' {
        It 'measures the trained model on the start of the book, below the uniform guess' {
            $result = $lines | Select-Object -First 500 | Measure-Perplexity -Model $model
            $result.Perplexity | Should -BeGreaterThan 1
            $result.Perplexity | Should -BeLessThan $model.VocabularySize
            $result.CrossEntropy | Should -BeGreaterThan 0
            [math]::Exp($result.CrossEntropy) | Should -BeGreaterThan ($result.Perplexity * 0.999999)
            [math]::Exp($result.CrossEntropy) | Should -BeLessThan ($result.Perplexity * 1.000001)
            $result.Tokens | Should -BeGreaterThan 1000
        }
    }

    Context 'Get-HiddenState' {
        BeforeAll {
            $steps = @(Get-HiddenState -Model $model -Text 'time traveller')
        }

        It 'returns one step per character of "time traveller" (14)' {
            $steps.Count | Should -Be 14
            $steps.Step | Should -Be (1..14)
            -join $steps.Token | Should -Be 'time traveller'
        }

        It 'gives a state of HiddenSize values at every step' {
            $steps | ForEach-Object { $_.State.Count | Should -Be $model.HiddenSize }
        }

        It 'reports Norm as the L2 norm of State' {
            foreach ($step in $steps) {
                $sum = 0.0
                foreach ($value in $step.State) { $sum += [double]$value * $value }
                $step.Norm | Should -BeGreaterThan 0
                [math]::Abs($step.Norm - [math]::Sqrt($sum)) | Should -BeLessThan 1e-9
            }
        }
    }

    Context 'Get-RnnPrediction' {
        It 'generates 50 characters after the prefix' {
            $prediction = Get-RnnPrediction -Model $model -Prefix 'time traveller' -Length 50
            $prediction.Prefix | Should -Be 'time traveller'
            $prediction.Text.Length | Should -Be 50
            $prediction.Tokens.Count | Should -Be 50
            -join $prediction.Tokens | Should -Be $prediction.Text
            $prediction.Text | Should -Match '^[a-z ]{50}$'
        }
    }
}

Describe 'Get-RnnCorpus -Name TinyShakespeare (skipped where ../shared/data/tinyshakespeare.txt is absent)' -Skip:(-not $HasShakespeare) {
    It 'reads char-rnn''s 40,000 lines from PSRNN_DATA, verified, without the network' {
        $savedData = $env:PSRNN_DATA
        try {
            $env:PSRNN_DATA = $BookFolder
            $messages = @()
            $lines = Get-RnnCorpus -Name TinyShakespeare -Verbose 4>&1 | Where-Object { $_ -is [string] -or -not ($messages += $_.Message) }
            $lines.Count | Should -Be 40000
            $lines[0] | Should -Be 'First Citizen:'
            "$messages" | Should -Match 'tinyshakespeare\.txt from data directory.*sha1 verified'
        }
        finally { $env:PSRNN_DATA = $savedData }
    }
}
