# Get-Help for every exported cmdlet, as a user reads it; and the markdown -> MAML generator on a sample.
# The cmdlets and parameters are enumerated from the imported module, so a new cmdlet or parameter
# without docs/help/<Verb-Noun>.md text fails here.

BeforeDiscovery {
    Import-Module $env:PSRNN_TEST_MODULE -Force
    $common = [System.Management.Automation.PSCmdlet]::CommonParameters
    $Cmdlets = @((Get-Module PSRnn).ExportedCmdlets.Values | Sort-Object Name | ForEach-Object { @{ Name = $_.Name } })
    $Parameters = @(foreach ($command in (Get-Module PSRnn).ExportedCmdlets.Values | Sort-Object Name) {
            foreach ($name in $command.Parameters.Keys | Where-Object { $_ -notin $common } | Sort-Object) { @{ Command = $command.Name; Parameter = $name } }
        })
}

BeforeAll {
    Import-Module $env:PSRNN_TEST_MODULE -Force
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $generator = Join-Path $PSScriptRoot '../../build/ConvertTo-MamlHelp.ps1'

    # Defaults with no compiled value (null): the words each help file must show, and what the cmdlet
    # does without the parameter, which the words must describe.
    $RunTimeDefaults = @{
        'Get-HiddenState -Layer' = @{ Text = 'the top layer (NumLayers - 1)'; Check = {
                $deep = New-TestText -Length 400 | New-RnnModel -HiddenSize 4 -NumLayers 2 -Seed 1 -Threads 1 -Device Cpu
                (Get-HiddenState -Model $deep -Text 'the').Layer | Should -Be @(1, 1, 1) } }
        'Get-RnnCorpus -CacheDirectory' = @{ Text = 'the per-user cache folder'; Check = {
                $expected = if ($IsWindows) { Join-Path $env:LOCALAPPDATA 'PSRnn/data' }
                            elseif ($env:XDG_CACHE_HOME) { Join-Path $env:XDG_CACHE_HOME 'psrnn' } else { Join-Path $HOME '.cache/psrnn' }
                [PSRnn.Engine.Text.CorpusStore]::DefaultCacheDirectory | Should -Be ([System.IO.Path]::GetFullPath($expected)) } }
        'Invoke-RnnTraining -StateReset' = @{ Text = 'EveryBatch with Random sampling, EveryEpoch with Sequential'; Check = {
                $lines = New-TestText -Length 600
                $small = $lines | New-RnnModel -HiddenSize 4 -Seed 1 -Threads 1 -Device Cpu
                ($lines | Invoke-RnnTraining -Model $small -Epochs 1 -BatchSize 2 -NumSteps 4 -Sampling Random).StateReset | Should -Be 'EveryBatch'
                ($lines | Invoke-RnnTraining -Model $small -Epochs 1 -BatchSize 2 -NumSteps 4 -Sampling Sequential).StateReset | Should -Be 'EveryEpoch' } }
        'New-RnnModel -EmbeddingSize' = @{ Text = '0 for -Tokenization Char, 200 for -Tokenization Word'; Check = {
                $lines = New-TestText -Length 600
                ($lines | New-RnnModel -HiddenSize 4 -Seed 1 -Threads 1 -Device Cpu).EmbeddingSize | Should -Be 0
                ($lines | New-RnnModel -HiddenSize 4 -Seed 1 -Threads 1 -Device Cpu -Tokenization Word).EmbeddingSize | Should -Be 200 } }
        'New-RnnModel -Seed' = @{ Text = 'a random seed, kept on the model'; Check = {
                $lines = New-TestText -Length 400
                $first = $lines | New-RnnModel -HiddenSize 4 -Threads 1 -Device Cpu
                $second = $lines | New-RnnModel -HiddenSize 4 -Threads 1 -Device Cpu
                $first.Seed | Should -Not -Be $second.Seed
                $again = $lines | New-RnnModel -HiddenSize 4 -Threads 1 -Device Cpu -Seed $first.Seed
                ($lines | Measure-Perplexity -Model $again).Perplexity | Should -Be ($lines | Measure-Perplexity -Model $first).Perplexity } }
    }
    function Get-Paragraphs($node) { @($node | Where-Object { $_ } | ForEach-Object { $_.Text }) -join "`n" }
}

Describe 'Get-Help <Name>' -ForEach $Cmdlets {
    BeforeAll { $help = Get-Help $Name -Full }

    It 'comes from the module help file, with a synopsis that is not the generated syntax stub' {
        $help.Synopsis.Trim() | Should -Not -BeNullOrEmpty
        # Without help, Get-Help shows the syntax ("Name [-Param] <type> ...") as the synopsis.
        $help.Synopsis.Trim() | Should -Not -Match "^$([regex]::Escape($Name))(\s|$)"
        $help.Synopsis | Should -Not -Match '\[<CommonParameters>\]'
    }

    It 'has a description' {
        Get-Paragraphs $help.description | Should -Not -BeNullOrEmpty
    }

    It 'has at least two examples, each with code and a sentence after it' {
        $examples = @($help.examples.example)
        $examples.Count | Should -BeGreaterOrEqual 2
        foreach ($example in $examples) {
            $example.code | Should -Not -BeNullOrEmpty
            (Get-Paragraphs $example.remarks).Trim() | Should -Not -BeNullOrEmpty
        }
    }

    It 'names every output type the cmdlet declares with [OutputType], and says what it is' {
        $declared = @((Get-Command $Name).OutputType.Name)
        $declared | Should -Not -BeNullOrEmpty
        $documented = @($help.returnValues.returnValue)
        foreach ($type in $declared) { $documented.type.name | Should -Contain $type }
        foreach ($value in $documented) { Get-Paragraphs $value.description | Should -Not -BeNullOrEmpty }
    }

    It 'names its pipeline input' {
        @($help.inputTypes.inputType.type.name | Where-Object { $_ }) | Should -Not -BeNullOrEmpty
    }

    It 'shows as every "Default:" the compiled default, or for a default decided at run time the rule that decides it' {
        $command = Get-Command $Name
        $fresh = [Activator]::CreateInstance($command.ImplementingType)
        foreach ($parameter in $help.parameters.parameter | Where-Object { $_.defaultValue -and $_.defaultValue -ne 'None' }) {
            $key = "$Name -$($parameter.name)"
            $says = "$key says 'Default: $($parameter.defaultValue)'"
            $compiled = $fresh.($parameter.name)
            if ($null -eq $compiled) {
                # No compiled value: the default is decided when the cmdlet runs, so the help must say the
                # rule in words, and the rule is checked against what the cmdlet does.
                $RunTimeDefaults.Keys | Should -Contain $key -Because "$says, but the compiled default is null: add the rule to `$RunTimeDefaults"
                $parameter.defaultValue | Should -Be $RunTimeDefaults[$key].Text -Because $says
                & $RunTimeDefaults[$key].Check
                continue
            }
            $type = $command.Parameters[$parameter.name].ParameterType
            $type = [Nullable]::GetUnderlyingType($type) ?? $type
            $read = $null
            [System.Management.Automation.LanguagePrimitives]::TryConvertTo($parameter.defaultValue, $type, [ref] $read) |
                Should -BeTrue -Because "$says, which is not a $($type.Name) like the compiled default '$compiled'"
            $read | Should -Be $compiled -Because $says
        }
    }
}

Describe 'Parameter help' {
    BeforeAll {
        $full = @{}
        foreach ($command in (Get-Module PSRnn).ExportedCmdlets.Keys) { $full[$command] = Get-Help $command -Full }
    }

    It '<Command> -<Parameter> has a description' -ForEach $Parameters {
        $help = @($full[$Command].parameters.parameter | Where-Object name -EQ $Parameter)
        $help | Should -Not -BeNullOrEmpty -Because "docs/help/$Command.md needs a '### -$Parameter' block"
        Get-Paragraphs $help[0].description | Should -Not -BeNullOrEmpty -Because "docs/help/$Command.md needs a '### -$Parameter' block"
    }

    It 'takes required, position, pipeline input, aliases and wildcards from the compiled cmdlet' {
        $path = Get-Help Import-RnnModel -Parameter Path
        ($path.required, $path.position, $path.pipelineInput, $path.globbing) | Should -Be @('true', '0', 'True (ByValue)', 'true')
        $literal = Get-Help Import-RnnModel -Parameter LiteralPath
        ($literal.pipelineInput, $literal.aliases, $literal.globbing) | Should -Be @('True (ByPropertyName)', 'PSPath, LP', 'false')
        (Get-Help New-RnnModel -Parameter Threads).position | Should -Be 'named'
    }

    It 'lists the valid values of enums and of -Device in the syntax' {
        $syntax = (Get-Help New-RnnModel).syntax | Out-String -Width 500
        $syntax | Should -Match '-CellType \{Rnn \| Gru \| Lstm\}'
        $syntax | Should -Match '-Device \{Auto \| Cpu \| Cuda\}'
    }
}

Describe 'ConvertTo-MamlHelp on a sample module' {
    BeforeAll {
        $moduleFile = Join-Path $TestDrive 'Sample/Sample.psm1'
        New-Item -ItemType Directory (Split-Path $moduleFile) -Force | Out-Null
        Set-Content -LiteralPath $moduleFile -Value @'
function Get-Sample {
    [CmdletBinding(DefaultParameterSetName = 'ByName')]
    [OutputType([string])]
    param(
        [Parameter(Mandatory, Position = 0, ValueFromPipeline, ParameterSetName = 'ByName')] [Alias('N')] [string[]] $Name,
        [Parameter(ParameterSetName = 'ByName')] [ValidateSet('Low', 'High')] [string] $Level = 'Low',
        [Parameter(Mandatory, ParameterSetName = 'ById', ValueFromPipelineByPropertyName)] [int] $Id,
        [SupportsWildcards()] [string] $Filter,
        [switch] $Force
    )
}
'@
        $docs = Join-Path $TestDrive 'docs'
        New-Item -ItemType Directory $docs -Force | Out-Null
        $sample = @'
# Get-Sample

## Synopsis

Says <unk> & "hi" to 'you'.

## Description

First paragraph, split
over two lines.

- a list item: a < b && c > d

## Parameters

### -Name

Names with <angle brackets> & "quotes".

### -Level

How loud.

Default: Low

### -Id

An id.

### -Filter

A filter.

### -Force

Force it.

## Examples

### Example 1: Escape "this" & <that>

```powershell
Get-Sample -Name '<unk>' | Where-Object { $_ -lt 1 -and "x" }
```

Returns "quoted" & <bracketed> text.

### Example 2: Second

```powershell
1 | Get-Sample -Id 2
```

Two.

## Inputs

### System.String

Names.

## Outputs

### System.String

A greeting.

## Related Links

- Get-Help
'@
        Set-Content -LiteralPath (Join-Path $docs 'Get-Sample.md') -Value $sample -Encoding utf8
        $xmlPath = Join-Path $TestDrive 'out/en-US/Sample-Help.xml'
        & $generator -Path $docs -Module $moduleFile -OutputPath $xmlPath
        $raw = Get-Content -Raw -LiteralPath $xmlPath
        $xml = [xml] $raw
        $ns = [System.Xml.XmlNamespaceManager]::new($xml.NameTable)
        $ns.AddNamespace('msh', 'http://msh')
        $ns.AddNamespace('maml', 'http://schemas.microsoft.com/maml/2004/10')
        $ns.AddNamespace('command', 'http://schemas.microsoft.com/maml/dev/command/2004/10')
        $ns.AddNamespace('dev', 'http://schemas.microsoft.com/maml/dev/2004/10')
        $command = $xml.SelectSingleNode('/msh:helpItems/command:command', $ns)
        function Select-Text([string] $xpath, $from = $command) { @($from.SelectNodes($xpath, $ns) | ForEach-Object InnerText) }
    }

    It 'writes one MAML command under helpItems, with name, verb and noun' {
        $xml.DocumentElement.LocalName | Should -Be 'helpItems'
        $xml.DocumentElement.GetAttribute('schema') | Should -Be 'maml'
        Select-Text 'command:details/command:name' | Should -Be 'Get-Sample'
        Select-Text 'command:details/command:verb' | Should -Be 'Get'
        Select-Text 'command:details/command:noun' | Should -Be 'Sample'
    }

    It 'escapes <, & and quotes so that the text reads back exactly' {
        $raw | Should -Match ([regex]::Escape('Says &lt;unk&gt; &amp;'))
        $raw | Should -Not -Match '<unk>'
        Select-Text 'command:details/maml:description/maml:para' | Should -Be "Says <unk> & `"hi`" to 'you'."
        Select-Text 'command:examples/command:example/dev:code' | Select-Object -First 1 |
            Should -Be "Get-Sample -Name '<unk>' | Where-Object { `$_ -lt 1 -and `"x`" }"
        Select-Text 'command:examples/command:example/maml:title' | Select-Object -First 1 | Should -Be '---------- Example 1: Escape "this" & <that> ----------'
    }

    It 'joins paragraph lines, keeps list items apart, and puts a "Default:" paragraph in defaultValue' {
        Select-Text 'maml:description/maml:para' | Should -Be @('First paragraph, split over two lines.', '- a list item: a < b && c > d')
        $level = $command.SelectSingleNode("command:parameters/command:parameter[maml:name='Level']", $ns)
        Select-Text 'maml:description/maml:para' $level | Should -Be 'How loud.'
        Select-Text 'dev:defaultValue' $level | Should -Be 'Low'
        Select-Text 'command:parameterValueGroup/command:parameterValue' $level | Should -Be @('Low', 'High')
    }

    It 'takes parameter sets, position, pipeline input, aliases and wildcards from the command' {
        $items = @($command.SelectNodes('command:syntax/command:syntaxItem', $ns))
        $items.Count | Should -Be 2
        $byName = $items | Where-Object { (Select-Text 'command:parameter/maml:name' $_) -contains 'Name' }
        Select-Text 'command:parameter/maml:name' $byName | Select-Object -First 1 | Should -Be 'Name'
        $name = $byName.SelectSingleNode("command:parameter[maml:name='Name']", $ns)
        ($name.required, $name.position, $name.pipelineInput, $name.aliases, $name.variableLength) | Should -Be @('true', '0', 'True (ByValue)', 'N', 'true')
        $id = $command.SelectSingleNode("command:parameters/command:parameter[maml:name='Id']", $ns)
        ($id.pipelineInput, $id.position, (Select-Text 'dev:type/maml:name' $id)) | Should -Be @('True (ByPropertyName)', 'named', 'System.Int32')
        $command.SelectSingleNode("command:parameters/command:parameter[maml:name='Filter']", $ns).globbing | Should -Be 'true'
        # A switch shows no value in the syntax.
        $byName.SelectSingleNode("command:parameter[maml:name='Force']/command:parameterValue", $ns) | Should -BeNullOrEmpty
    }

    It 'writes examples, inputs, outputs and related links' {
        Select-Text 'command:examples/command:example/dev:remarks/maml:para' | Where-Object { $_ } | Should -Be @('Returns "quoted" & <bracketed> text.', 'Two.')
        Select-Text 'command:inputTypes/command:inputType/dev:type/maml:name' | Should -Be 'System.String'
        Select-Text 'command:returnValues/command:returnValue/dev:type/maml:name' | Should -Be 'System.String'
        Select-Text 'command:relatedLinks/maml:navigationLink/maml:linkText' | Should -Be 'Get-Help'
    }

    It 'refuses <Case>' -ForEach @(
        @{ Case = 'an unknown section'; From = '## Outputs'; To = '## Output'; Message = "unknown section '## Output'" }
        @{ Case = 'help for a parameter the command lacks'; From = '### -Force'; To = '### -Forced'; Message = 'documents -Forced' }
        @{ Case = 'an example without code'; From = "``````powershell`n1 | Get-Sample -Id 2`n``````"; To = ''; Message = 'needs exactly one fenced code block' }
        @{ Case = 'a title that is not the file name'; From = '# Get-Sample'; To = '# Get-Other'; Message = 'must be the command name' }
    ) {
        $bad = Join-Path $TestDrive "bad-$($Case -replace '\W', '-')"
        New-Item -ItemType Directory $bad -Force | Out-Null
        Set-Content -LiteralPath (Join-Path $bad 'Get-Sample.md') -Value ($sample.Replace($From, $To)) -Encoding utf8
        { & $generator -Path $bad -Module $moduleFile -OutputPath (Join-Path $bad 'help.xml') } | Should -Throw "*$Message*"
        Test-Path (Join-Path $bad 'help.xml') | Should -BeFalse
    }

    It 'warns about an undocumented parameter and still lists it' {
        $partial = Join-Path $TestDrive 'partial'
        New-Item -ItemType Directory $partial -Force | Out-Null
        Set-Content -LiteralPath (Join-Path $partial 'Get-Sample.md') -Value ($sample -replace '(?s)### -Force.*?(?=## Examples)', '') -Encoding utf8
        $output = Join-Path $partial 'help.xml'
        $warnings = & $generator -Path $partial -Module $moduleFile -OutputPath $output 3>&1
        "$warnings" | Should -Match 'Get-Sample -Force is not documented'
        ([xml](Get-Content -Raw $output)).helpItems.command.parameters.parameter.name | Should -Contain 'Force'
    }
}
