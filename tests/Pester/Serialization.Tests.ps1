# Records leave PowerShell as users expect: ConvertTo-Json (without -EnumsAsStrings), Export-Clixml /
# Import-Clixml and remoting give the settings as names and the time in seconds. (Remoting over SSH
# is Remote.Tests.ps1; here PSSerializer, which remoting uses, stands in for it.)

BeforeAll {
    Import-Module $env:PSRNN_TEST_MODULE -Force
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $text = New-TestText -Length 1200 -Seed 12
    $model = $text | New-RnnModel -CellType Lstm -HiddenSize 8 -Seed 4 -Threads 1 -Device Cpu
    $record = $text | Invoke-RnnTraining -Model $model -Epochs 1 -BatchSize 4 -NumSteps 8 -Sampling Random -Optimizer Adam -LearningRate 0.01 -ValidationFraction 0.2
    $settings = [ordered]@{ CellType = 'Lstm'; Implementation = 'Fused'; Sampling = 'Random'; StateReset = 'EveryBatch'; Optimizer = 'Adam'; Device = 'Cpu' }
}

Describe 'An epoch record in JSON' {
    BeforeAll { $json = $record | ConvertTo-Json -Compress }

    It 'names the settings: <Name> is "<Value>"' -ForEach @(
        @{ Name = 'CellType'; Value = 'Lstm' }, @{ Name = 'Implementation'; Value = 'Fused' }, @{ Name = 'Sampling'; Value = 'Random' }
        @{ Name = 'StateReset'; Value = 'EveryBatch' }, @{ Name = 'Optimizer'; Value = 'Adam' }, @{ Name = 'Device'; Value = 'Cpu' }
    ) {
        $json | Should -Match ('"{0}":"{1}"' -f $Name, $Value)
    }

    It 'gives the time as ElapsedSeconds, a number, and no TimeSpan object' {
        $json | Should -Match ('"ElapsedSeconds":{0}' -f [regex]::Escape($record.ElapsedSeconds.ToString('R', [cultureinfo]::InvariantCulture)))
        $json | Should -Not -Match 'Ticks|TotalMilliseconds|"Elapsed":'
    }

    It 'reads back with ConvertFrom-Json to the same figures and names' {
        $back = $json | ConvertFrom-Json
        $back.Perplexity | Should -Be $record.Perplexity
        $back.ValidationPerplexity | Should -Be $record.ValidationPerplexity
        $back.ElapsedSeconds | Should -Be $record.ElapsedSeconds
        foreach ($name in $settings.Keys) { $back.$name | Should -Be $settings[$name] }
    }

    It 'writes a model''s History the same way' {
        $history = $model.History | ConvertTo-Json -Compress -AsArray
        $history | Should -Match '"CellType":"Lstm"'
        $history | Should -Not -Match '"CellType":\d'
    }
}

Describe 'An epoch record through Export-Clixml / Import-Clixml and remoting serialization' {
    It 'keeps names, seconds and the default view through <Way>' -ForEach @(
        @{ Way = 'Export-Clixml and Import-Clixml'; RoundTrip = { param($r) $file = Join-Path $TestDrive 'records.xml'; $r | Export-Clixml -LiteralPath $file; Import-Clixml -LiteralPath $file } }
        @{ Way = 'PSSerializer (what remoting sends)'; RoundTrip = { param($r) [System.Management.Automation.PSSerializer]::Deserialize([System.Management.Automation.PSSerializer]::Serialize($r)) } }
    ) {
        $back = & $RoundTrip $record
        $back.PSObject.TypeNames[0] | Should -Be 'Deserialized.PSRnn.Engine.Training.EpochRecord'
        foreach ($name in $settings.Keys) {
            $back.$name | Should -BeOfType [string]
            $back.$name | Should -Be $settings[$name]
        }
        $back.ElapsedSeconds | Should -BeOfType [double]
        $back.ElapsedSeconds | Should -Be $record.ElapsedSeconds
        $back.Perplexity | Should -Be $record.Perplexity
        $table = @(($back | Format-Table | Out-String -Width 200) -split "`r?`n" | Where-Object { $_.Trim() })
        $table[0] -split '\s+' | Where-Object { $_ } | Should -Be @('Epoch', 'Perplexity', 'Validation', 'Loss', 'Tokens/s', 'Elapsed')
        $table[2] | Should -Match ([regex]::Escape('{0:N2}s' -f $record.ElapsedSeconds))
    }
}
