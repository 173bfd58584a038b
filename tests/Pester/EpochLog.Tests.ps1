# Invoke-RnnTraining -LogPath: a CSV row per epoch, on disk when the epoch's record reaches the pipeline.

BeforeAll {
    Import-Module $env:PSRNN_TEST_MODULE -Force
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $text = New-TestText -Length 1500 -Seed 8
    $train = @{ BatchSize = 4; NumSteps = 8 }
}

Describe 'Invoke-RnnTraining -LogPath' {
    BeforeAll {
        $model = New-TestModel -Text $text -HiddenSize 8 -Seed 3
        $log = Join-Path $TestDrive 'run.csv'
        # What the file holds at the moment each record arrives downstream.
        $seen = [System.Collections.Generic.List[int]]::new()
        $records = @($text | Invoke-RnnTraining -Model $model -Epochs 3 @train -LogPath $log | ForEach-Object {
                $seen.Add(@(Get-Content -LiteralPath $log).Count); $_ })
    }

    It 'has the row of each epoch on disk before its record reaches the next command' {
        $seen | Should -Be @(2, 3, 4)   # the header, then one row per epoch
    }

    It 'has Export-Csv''s header and quoting, and Import-Csv gives back the records'' figures exactly' {
        $header = (Get-Content -LiteralPath $log -TotalCount 1)
        $header | Should -Be ((($records[0] | ConvertTo-Csv -NoTypeInformation) | Select-Object -First 1))
        $rows = @(Import-Csv -LiteralPath $log)
        $rows | Should -HaveCount 3
        foreach ($i in 0..2) {
            [int]$rows[$i].Epoch | Should -Be $records[$i].Epoch
            [double]$rows[$i].Perplexity | Should -Be $records[$i].Perplexity
            [double]$rows[$i].Loss | Should -Be $records[$i].Loss
            [double]$rows[$i].ElapsedSeconds | Should -Be $records[$i].ElapsedSeconds
            $rows[$i].StateReset | Should -Be 'EveryEpoch'
            $rows[$i].ValidationPerplexity | Should -Be ''
        }
    }

    It 'appends a later run to the same log under the one header' {
        $more = @($text | Invoke-RnnTraining -Model $model -Epochs 2 @train -LogPath $log)
        $lines = @(Get-Content -LiteralPath $log)
        $lines | Should -HaveCount 6
        @($lines | Where-Object { $_ -like '"Epoch",*' }) | Should -HaveCount 1
        (Import-Csv -LiteralPath $log).Epoch | Should -Be @('1', '2', '3', '4', '5')
        [double](Import-Csv -LiteralPath $log)[-1].Perplexity | Should -Be $more[-1].Perplexity
    }

    It 'writes validation figures when there are some, and says where it logs with -Verbose' {
        $validated = Join-Path $TestDrive 'validated.csv'
        $fresh = New-TestModel -Text $text -HiddenSize 8 -Seed 4
        $verbose = $text | Invoke-RnnTraining -Model $fresh -Epochs 1 @train -ValidationFraction 0.2 -LogPath $validated -Verbose 4>&1 |
            Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }
        "$verbose" | Should -Match ([regex]::Escape("Logging every epoch to $validated."))
        [double](Import-Csv -LiteralPath $validated).ValidationPerplexity | Should -Be $fresh.History[0].ValidationPerplexity
    }
}
