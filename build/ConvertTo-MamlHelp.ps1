#Requires -Version 7.4
<#
.SYNOPSIS
    Turns docs/help/<Verb-Noun>.md into the MAML file that Get-Help reads for a binary module.
.DESCRIPTION
    The markdown (its structure is described in docs/help/README.md) is the single source of the prose.
    Parameter metadata - type, parameter sets, required, position, pipeline input, aliases, wildcards,
    the valid values of enums and of attributes with ValidValues - comes from Get-Command on the imported
    module instead. That is PowerShell's own view of the compiled cmdlets, after it has merged inherited
    parameters and parameter sets, so the help's syntax cannot disagree with what the binder does, and
    nothing the code already says is written twice. Reflecting over PSRnn.dll ourselves would mean
    re-implementing those binder rules here. Import-Module loads libtorch, so build.ps1 runs this script
    in a child pwsh. XML is written with XmlWriter, which escapes every text and attribute value.
    Usage: ConvertTo-MamlHelp.ps1 -Path docs/help -Module out/PSRnn/PSRnn.psd1 -OutputPath out/PSRnn/en-US/PSRnn.dll-Help.xml
#>
[CmdletBinding()]
param([Parameter(Mandatory)] [string] $Path, [Parameter(Mandatory)] [string] $Module, [Parameter(Mandatory)] [string] $OutputPath)
$ErrorActionPreference = 'Stop'; Set-StrictMode -Version Latest
$sections = 'Synopsis', 'Description', 'Parameters', 'Examples', 'Inputs', 'Outputs', 'Notes', 'Related Links'
$ns = @{ maml = 'http://schemas.microsoft.com/maml/2004/10'; command = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
         dev = 'http://schemas.microsoft.com/maml/dev/2004/10' }

# A markdown file as @{ Name; Sections = @{ <section> = list of @{ Title; Lines } } }: '#' names the
# command, '##' opens one of $sections, '###' opens a titled block (a parameter, an example, a type).
function Read-HelpMarkdown([string] $file) {
    $doc = @{ Name = $null; Sections = @{} }; $block = $null; $inCode = $false; $section = $null
    foreach ($line in Get-Content -LiteralPath $file -Encoding utf8) {
        if ($line -match '^```') { $inCode = -not $inCode }
        elseif (-not $inCode -and $line -match '^(#{1,3}) +(.+?) *$') {
            $level, $title = $Matches[1].Length, $Matches[2]
            if ($level -eq 1) { $doc.Name = $title; continue }
            if ($level -eq 2) {
                if ($title -notin $sections) { throw "${file}: unknown section '## $title'; use: $($sections -join ', ')." }
                $section = $title; $doc.Sections[$section] = [Collections.Generic.List[object]]::new()
            } elseif (-not $section) { throw "${file}: '### $title' comes before any '##' section." }
            $block = @{ Title = if ($level -eq 3) { $title }; Lines = [Collections.Generic.List[string]]::new() }
            $doc.Sections[$section].Add($block); continue
        }
        if ($block) { $block.Lines.Add($line) } elseif ($line.Trim()) { throw "${file}: text outside a '##' section: $line" }
    }
    if ($doc.Name -ne [IO.Path]::GetFileNameWithoutExtension($file)) { throw "${file}: the '# ' title must be the command name, as in the file name." }
    $doc
}

# Lines -> paragraphs (a blank line ends one; a list item or 'Default:' starts one) and fenced code blocks.
function Split-Block([string[]] $lines) {
    $text = @{ Paras = [Collections.Generic.List[string]]::new(); Codes = [Collections.Generic.List[string]]::new() }
    $current = $null; $code = $null
    foreach ($line in @($lines) + '') {
        if ($line -match '^```') { if ($null -ne $code) { $text.Codes.Add($code -join "`n"); $code = $null } else { $code = @() }; continue }
        if ($null -ne $code) { $code += $line; continue }
        if (-not $line.Trim() -or $line -match '^\s*([-*]|\d+\.) |^Default: ') { if ($current) { $text.Paras.Add($current) }; $current = $null }
        if ($line.Trim()) { $current = if ($current) { "$current $($line.Trim())" } else { $line.Trim() } }
    }
    $text
}
# The paragraphs of some blocks (a section, or one titled block); fenced code belongs in examples only.
function Get-Paras([object[]] $blocks, [string] $where) {
    $text = Split-Block @($blocks | Where-Object { $_ } | ForEach-Object { $_.Lines })
    if ($text.Codes.Count) { throw "${where}: fenced code is for examples only." }
    $text.Paras
}
# XmlWriter shorthands: Open 'command:details' @{ attribute = value }, Leaf 'maml:name' 'text', Close.
function Open([string] $name, [hashtable] $attributes = @{}) {
    $prefix, $local = $name -split ':'; $w.WriteStartElement($prefix, $local, $ns[$prefix])
    foreach ($key in $attributes.Keys | Sort-Object) { $w.WriteAttributeString($key, [string]$attributes[$key]) }
}
function Close { $w.WriteEndElement() }; function Lower($value) { "$value".ToLowerInvariant() }
function Leaf([string] $name, [string] $text, [hashtable] $attributes = @{}) { Open $name $attributes; $w.WriteString($text); Close }
function Paras([string] $name, [string[]] $paras) {
    Open $name; foreach ($p in $paras) { Leaf 'maml:para' ($p -replace '`([^`]+)`', '$1') }; Close   # inline `code` loses its backticks
}
function TypeOf([string] $name) { Open 'dev:type'; Leaf 'maml:name' $name; Close }   # not 'Type': an alias on Windows

# One <command:parameter>. $meta: ParameterMetadata; $info: the CommandParameterInfo of one parameter set
# (a syntax item), or $null for the PARAMETERS list, where any set's position or mandatory flag counts.
function Write-Parameter($meta, $info, $block) {
    $type = [Nullable]::GetUnderlyingType($meta.ParameterType) ?? $meta.ParameterType
    $sets = @($meta.ParameterSets.Values)
    $how = @(if ($sets.ValueFromPipeline -contains $true) { 'ByValue' }; if ($sets.ValueFromPipelineByPropertyName -contains $true) { 'ByPropertyName' })
    $positions = @(@(if ($info) { $info.Position } else { $sets.Position }) -ge 0)
    Open 'command:parameter' @{
        required = Lower $(if ($info) { $info.IsMandatory } else { $sets.IsMandatory -contains $true })
        variableLength = Lower $type.IsArray
        globbing = Lower (@($meta.Attributes | Where-Object { $_ -is [System.Management.Automation.SupportsWildcardsAttribute] }).Count -gt 0)
        pipelineInput = $(if ($how) { "True ($($how -join ', '))" } else { 'False' })
        position = $(if ($positions.Count) { $positions[0] } else { 'named' })
        aliases = $(if ($meta.Aliases.Count) { $meta.Aliases -join ', ' } else { 'none' })
    }
    Leaf 'maml:name' $meta.Name
    $paras = @(if ($block) { Get-Paras $block "-$($meta.Name)" })
    Paras 'maml:description' ($paras | Where-Object { $_ -notmatch '^Default: ' })
    $element = $type.IsArray ? $type.GetElementType() : $type
    $choices = if ($element.IsEnum) { [Enum]::GetNames($element) } else { $meta.Attributes | Where-Object { $_.PSObject.Properties['ValidValues'] } | ForEach-Object ValidValues }
    if ($choices) { Open 'command:parameterValueGroup'; foreach ($c in $choices) { Leaf 'command:parameterValue' $c @{ required = 'false' } }; Close }
    if ($type -ne [switch] -or -not $info) {   # a switch shows no value in the syntax
        Leaf 'command:parameterValue' $type.Name @{ required = Lower ($type -ne [switch]); variableLength = Lower $type.IsArray }
    }
    TypeOf $type.FullName
    $default = @($paras | Where-Object { $_ -match '^Default: ' })
    Leaf 'dev:defaultValue' $(if ($default) { $default[0].Substring(9) } else { 'None' })
    Close
}
function Write-Command($doc, $cmd) {
    if (-not $cmd) { throw "$($doc.Name).md documents a command that $($imported.Name) does not export." }
    $documented = @{}; foreach ($p in $doc.Sections['Parameters']) { if ($p.Title) { $documented[$p.Title.TrimStart('-')] = $p } }
    $own = @($cmd.Parameters.Values | Where-Object Name -NotIn ([System.Management.Automation.PSCmdlet]::CommonParameters))
    foreach ($name in $documented.Keys | Where-Object { $_ -notin $own.Name }) { throw "$($doc.Name).md documents -$name, which $($doc.Name) does not have." }
    foreach ($p in $own | Where-Object Name -NotIn $documented.Keys) { Write-Warning "$($doc.Name) -$($p.Name) is not documented in $($doc.Name).md." }
    Open 'command:command'; foreach ($prefix in 'maml', 'command', 'dev') { $w.WriteAttributeString('xmlns', $prefix, $null, $ns[$prefix]) }
    Open 'command:details'; Leaf 'command:name' $cmd.Name
    Leaf 'command:verb' ($cmd.Name -split '-', 2)[0]; Leaf 'command:noun' ($cmd.Name -split '-', 2)[1]
    Paras 'maml:description' (Get-Paras $doc.Sections['Synopsis'] "$($doc.Name) Synopsis"); Close
    Paras 'maml:description' (Get-Paras $doc.Sections['Description'] "$($doc.Name) Description")
    Open 'command:syntax'
    foreach ($set in $cmd.ParameterSets) {   # one item per parameter set: positional first, then mandatory, then the rest
        Open 'command:syntaxItem'; Leaf 'maml:name' $cmd.Name
        $set.Parameters | Where-Object Name -In $own.Name |
            Sort-Object { if ($_.Position -ge 0) { $_.Position } else { [int]::MaxValue } }, { -not $_.IsMandatory }, { [array]::IndexOf($own.Name, $_.Name) } |
            ForEach-Object { Write-Parameter $cmd.Parameters[$_.Name] $_ $documented[$_.Name] }
        Close
    }
    Close
    Open 'command:parameters'   # the markdown's order, then undocumented ones (listed, without a description)
    $order = @($doc.Sections['Parameters'] | Where-Object Title | ForEach-Object { $_.Title.TrimStart('-') }) + @($own.Name | Where-Object { $_ -notin $documented.Keys })
    foreach ($name in $order) { Write-Parameter $cmd.Parameters[$name] $null $documented[$name] }
    Close
    foreach ($kind in ('Inputs', 'command:inputTypes', 'command:inputType'), ('Outputs', 'command:returnValues', 'command:returnValue')) {
        Open $kind[1]
        foreach ($block in $doc.Sections[$kind[0]] | Where-Object Title) { Open $kind[2]; TypeOf $block.Title; Paras 'maml:description' (Get-Paras $block "$($doc.Name) $($block.Title)"); Close }
        Close
    }
    if ($doc.Sections['Notes']) { Open 'maml:alertSet'; Paras 'maml:alert' (Get-Paras $doc.Sections['Notes'] "$($doc.Name) Notes"); Close }
    Open 'command:examples'
    foreach ($example in $doc.Sections['Examples'] | Where-Object Title) {
        $body = Split-Block $example.Lines
        if ($body.Codes.Count -ne 1) { throw "$($doc.Name).md: example '$($example.Title)' needs exactly one fenced code block." }
        Open 'command:example'; Leaf 'maml:title' "---------- $($example.Title) ----------"; Leaf 'dev:code' $body.Codes[0]
        Paras 'dev:remarks' (@($body.Paras) + ''); Close   # the empty para leaves a blank line before the next example
    }
    Close
    Open 'command:relatedLinks'
    foreach ($line in @($doc.Sections['Related Links'] | Where-Object { $_ } | ForEach-Object { $_.Lines })) {
        if ($line -match '^\s*- +(\[(?<text>.+)\]\((?<uri>.+)\)|(?<text>.+))$') { Open 'maml:navigationLink'; Leaf 'maml:linkText' $Matches.text.Trim(); Leaf 'maml:uri' "$($Matches['uri'])"; Close }
    }
    Close; Close
}

$imported = Import-Module $Module -PassThru -Force -WarningAction SilentlyContinue -Verbose:$false
$commands = @(Get-Command -Module $imported.Name -CommandType Cmdlet, Function)
$docs = @(Get-ChildItem -LiteralPath $Path -Filter '*-*.md' | Sort-Object Name | ForEach-Object { Read-HelpMarkdown $_.FullName })
foreach ($c in $commands | Where-Object Name -NotIn $docs.Name) { Write-Warning "$($c.Name) has no $($c.Name).md in $Path, so it has no help." }
$target = [IO.Path]::GetFullPath($OutputPath)
New-Item -ItemType Directory -Force (Split-Path -Parent $target) | Out-Null
$w = [Xml.XmlWriter]::Create($target, [Xml.XmlWriterSettings]@{ Indent = $true; Encoding = [Text.UTF8Encoding]::new($false) })
try {
    $w.WriteStartElement('helpItems', 'http://msh'); $w.WriteAttributeString('schema', 'maml')
    foreach ($doc in $docs) { Write-Command $doc ($commands | Where-Object Name -EQ $doc.Name) }
    Close
} catch { $w.Dispose(); Remove-Item -LiteralPath $target -ErrorAction Ignore; throw } finally { $w.Dispose() }
Write-Verbose "Wrote help for $($docs.Count) command(s) to $target"
