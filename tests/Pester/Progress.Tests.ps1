# Progress as a host shows it: the records Invoke-RnnTraining writes to the Progress stream of a
# [powershell] of its own (what a console would draw as two bars). Counts and texts are asserted,
# never how long anything took.

BeforeAll {
    Import-Module $env:PSRNN_TEST_MODULE -Force
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $text = New-TestText -Length 2000 -Seed 4

    # Trains in a fresh runspace and returns its progress records, its output and the wall-clock seconds.
    function Invoke-TrainingWithProgress([hashtable] $Arguments) {
        $shell = [powershell]::Create()
        try {
            [void]$shell.AddScript('param($Module, $Text, $Arguments)
                Import-Module $Module
                $Text | Invoke-RnnTraining @Arguments')
            [void]$shell.AddParameters(@{ Module = $env:PSRNN_TEST_MODULE; Text = $text; Arguments = $Arguments })
            $clock = [System.Diagnostics.Stopwatch]::StartNew()
            $output = @($shell.Invoke())
            $clock.Stop()
            $shell.Streams.Error.Count | Should -Be 0
            [pscustomobject]@{ Progress = @($shell.Streams.Progress); Output = $output; Seconds = $clock.Elapsed.TotalSeconds }
        }
        finally { $shell.Dispose() }
    }
}

Describe 'Invoke-RnnTraining progress' {
    BeforeAll {
        # One row per minibatch and 4 steps: hundreds of minibatches per epoch, so the throttle shows.
        $model = New-TestModel -Text $text -HiddenSize 8 -Seed 2
        $result = Invoke-TrainingWithProgress @{ Model = $model; Epochs = 4; BatchSize = 1; NumSteps = 4 }
        $runId = 1
        $run = @($result.Progress | Where-Object ActivityId -EQ $runId)
        $epochs = @($result.Progress | Where-Object ActivityId -NE $runId)
        $minibatches = $model.History[0].Tokens / 4   # minibatches in the first epoch
    }

    It 'shows "Epoch k of N" for the whole run, ending with the epochs done' {
        $run[0].StatusDescription | Should -Be 'Epoch 1 of 4'
        $run[0].Activity | Should -Match '^Training Fused Rnn'
        $statuses = $run.StatusDescription | Where-Object { $_ -match '^Epoch (\d) of 4' } | ForEach-Object { [int]($_ -replace '^Epoch (\d).*', '$1') }
        $statuses | Select-Object -Unique | Should -Be @(1, 2, 3, 4)
        # After an epoch, the bar names its results: "Epoch 3 of 4 (epoch 2: perplexity 9.876, 12,345 tokens/s)".
        $run.StatusDescription | Should -Contain ('Epoch 3 of 4 (epoch 2: perplexity {0:F3}, {1:N0} tokens/s)' -f $result.Output[1].Perplexity, $result.Output[1].TokensPerSecond)
        $run[-2].StatusDescription | Should -Match '^4 of 4 epochs done: perplexity '
        $run[-1].RecordType | Should -Be 'Completed'
    }

    It 'gives a percentage that only grows, from 0 to 100' {
        $percents = @($run | Where-Object RecordType -EQ 'Processing' | ForEach-Object PercentComplete)
        $percents[0] | Should -Be 0
        $percents[-1] | Should -Be 100
        for ($i = 1; $i -lt $percents.Count; $i++) { $percents[$i] | Should -BeGreaterOrEqual $percents[$i - 1] }
        # Epoch boundaries land on quarters.
        $percents | Should -Contain 25
        $percents | Should -Contain 50
    }

    It 'estimates the seconds remaining once there is a pace to go by, and says 0 at the end' {
        $run[0].SecondsRemaining | Should -Be -1          # nothing measured yet
        $estimates = @($run | Where-Object { $_.RecordType -eq 'Processing' -and $_.SecondsRemaining -ge 0 })
        $estimates.Count | Should -BeGreaterThan 2
        ($run | Where-Object RecordType -EQ 'Processing')[-1].SecondsRemaining | Should -Be 0
    }

    It 'shows the minibatches of the epoch in flight as a child of the run''s bar' {
        $epochs | Should -Not -BeNullOrEmpty
        $epochs.ParentActivityId | Select-Object -Unique | Should -Be $runId
        $epochs.ActivityId | Select-Object -Unique | Should -Not -Be $runId
        $processing = @($epochs | Where-Object RecordType -EQ 'Processing')
        $processing.Activity | Select-Object -Unique | Should -Be @('Epoch 1 of 4', 'Epoch 2 of 4', 'Epoch 3 of 4', 'Epoch 4 of 4')
        # The first minibatch of every epoch is always shown, with that epoch's count (sequential
        # sampling's random offset makes it vary by one).
        foreach ($k in 1..4) {
            $count = $model.History[$k - 1].Tokens / 4
            $ofEpoch = @($processing | Where-Object Activity -EQ "Epoch $k of 4")
            $ofEpoch[0].StatusDescription | Should -Be "Minibatch 1 of $count"
            $ofEpoch.StatusDescription | ForEach-Object { $_ | Should -Match "^Minibatch \d+ of $count$" }
        }
        $epochs[-1].RecordType | Should -Be 'Completed'
    }

    It 'throttles the minibatch updates: the first of each epoch, then at most 4 a second' {
        $minibatches | Should -BeGreaterThan 300
        $shown = @($epochs | Where-Object RecordType -EQ 'Processing').Count
        $shown | Should -BeLessOrEqual (4 + [Math]::Ceiling(4 * $result.Seconds))
        $shown | Should -BeLessThan (4 * $minibatches / 10)
    }
}

Describe 'Progress of a sweep' {
    It 'examples/Sweep.ps1 draws one overall bar, trial k of N, and no bar of its trials' {
        $shell = [powershell]::Create()
        try {
            [void]$shell.AddScript('param($Script, $Module, $Text, $Csv)
                & $Script -Text $Text -HiddenSize 8 -LearningRate 1 -StateReset EveryBatch, EveryEpoch -Epochs 2 -BatchSize 4 -NumSteps 8 `
                    -MaxTokens 0 -ThrottleLimit 2 -CsvPath $Csv -ModulePath $Module 6>$null')
            [void]$shell.AddParameters(@{ Script = (Join-Path $PSScriptRoot '../../examples/Sweep.ps1'); Module = $env:PSRNN_TEST_MODULE
                                          Text = $text; Csv = (Join-Path $TestDrive 'sweep.csv') })
            $results = @($shell.Invoke())
            $shell.Streams.Error.Count | Should -Be 0
            $results | Should -HaveCount 2
            $progress = @($shell.Streams.Progress)
            $progress.Activity | Select-Object -Unique | Should -Be 'Sweep'
            $progress.ActivityId | Select-Object -Unique | Should -HaveCount 1
            $status = @($progress | Where-Object RecordType -EQ 'Processing').StatusDescription
            $status | Should -Contain '0 of 2 trials done'
            $status | Should -Contain '2 of 2 trials done'
            $progress[-1].RecordType | Should -Be 'Completed'
        }
        finally { $shell.Dispose() }
    }
}
