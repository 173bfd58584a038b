# Tab completion of parameter values, through the same API as the console (CommandCompletion.CompleteInput).

BeforeDiscovery {
    Import-Module $env:PSRNN_TEST_MODULE -Force
    # Every parameter of an exported cmdlet whose values are a fixed set: enums, ValidateSet, and
    # attributes that publish ValidValues (-Device). Each must complete to its values.
    $Choices = @(foreach ($command in (Get-Module PSRnn).ExportedCmdlets.Values | Sort-Object Name) {
            foreach ($parameter in $command.Parameters.Values | Where-Object Name -NotIn ([System.Management.Automation.PSCmdlet]::CommonParameters)) {
                $type = [Nullable]::GetUnderlyingType($parameter.ParameterType) ?? $parameter.ParameterType
                $values = if ($type.IsEnum) { [Enum]::GetNames($type) }
                          else { $parameter.Attributes | Where-Object { $_.PSObject.Properties['ValidValues'] } | ForEach-Object ValidValues }
                if ($values) { @{ Command = $command.Name; Parameter = $parameter.Name; Values = @($values) } }
            }
        })
}

BeforeAll {
    Import-Module $env:PSRNN_TEST_MODULE -Force
    $cuda = [PSRnn.Engine.Models.Devices]::CudaAvailable
    function Get-Completion([string] $line) {
        @([System.Management.Automation.CommandCompletion]::CompleteInput($line, $line.Length, $null).CompletionMatches)
    }
}

Describe '-Device completes the devices this machine has' {
    It '<Line> offers Auto and Cpu, and Cuda only when CUDA is available' -ForEach @(
        @{ Line = 'New-RnnModel -Device ' }
        @{ Line = 'Import-RnnModel ./model.psrnn -Device ' }
    ) {
        $expected = @('Auto', 'Cpu') + @(if ($cuda) { 'Cuda' })
        (Get-Completion $Line).CompletionText | Should -Be $expected
    }

    It 'completes a prefix in any case, and keeps the quote the user opened' {
        (Get-Completion 'New-RnnModel -Device c').CompletionText | Should -Be (@('Cpu') + @(if ($cuda) { 'Cuda' }))
        (Get-Completion 'New-RnnModel -Device A').CompletionText | Should -Be 'Auto'
        (Get-Completion "New-RnnModel -Device 'c").CompletionText | Should -Be (@("'Cpu'") + @(if ($cuda) { "'Cuda'" }))
    }

    It 'says in the tooltip what Auto means on this machine' {
        $auto = (Get-Completion 'New-RnnModel -Device Au')[0]
        $auto.ToolTip | Should -Match $(if ($cuda) { 'CUDA GPU' } else { 'CPU' })
        $auto.ResultType | Should -Be 'ParameterValue'
    }

    It 'still binds any case, and refuses a name that is not a device before the cmdlet runs' {
        (New-RnnModel -Vocabulary a, b -HiddenSize 4 -Seed 1 -Threads 1 -Device cPU).Device | Should -Be 'Cpu'
        { New-RnnModel -Vocabulary a, b -HiddenSize 4 -Threads 1 -Device Gpu } |
            Should -Throw -ErrorId 'ParameterArgumentValidationError,PSRnn.Commands.NewRnnModelCommand'
        { New-RnnModel -Vocabulary a, b -HiddenSize 4 -Threads 1 -Device 1 } | Should -Throw '*Auto, Cpu, Cuda*'
    }
}

Describe 'Fixed choices complete' {
    It '<Line> gives <Expected>' -ForEach @(
        @{ Line = 'New-RnnModel -CellType L'; Expected = @('Lstm') }
        @{ Line = 'New-RnnModel -CellType '; Expected = @('Gru', 'Lstm', 'Rnn') }
        @{ Line = 'Invoke-RnnTraining -StateReset Every'; Expected = @('EveryBatch', 'EveryEpoch') }
        @{ Line = 'Invoke-RnnTraining -Sampling '; Expected = @('Random', 'Sequential') }
        @{ Line = 'Get-HiddenState -Component '; Expected = @('Cell', 'Hidden') }
        @{ Line = 'Get-RnnCorpus -Name t'; Expected = @('TimeMachine', 'TinyShakespeare') }
        @{ Line = 'Get-RnnCorpus -Name tin'; Expected = @('TinyShakespeare') }
    ) {
        (Get-Completion $Line).CompletionText | Should -Be $Expected
    }

    It 'Get-RnnCorpus -Name offers every corpus the module knows' {
        (Get-Completion 'Get-RnnCorpus -Name ').CompletionText | Should -Be @([PSRnn.Engine.Text.CorpusCatalog]::All.Name | Sort-Object)
    }

    It '<Command> -<Parameter> completes to its values' -ForEach $Choices {
        $offered = (Get-Completion "$Command -$Parameter ").CompletionText
        $offered | Should -Not -BeNullOrEmpty
        # -Device leaves out Cuda where there is no GPU; everything else offers every value.
        $expected = $Values | Where-Object { $cuda -or $_ -ne 'Cuda' -or $Parameter -ne 'Device' }
        @($offered | Sort-Object) | Should -Be @($expected | Sort-Object)
    }
}
