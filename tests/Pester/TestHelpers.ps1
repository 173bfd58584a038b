# Shared by the *.Tests.ps1 files (dot-sourced in BeforeAll); not a test file itself.

function New-TestText {
    <#
    .SYNOPSIS
        English-like lines built from a fixed word list and a seeded System.Random: repetitive enough for a
        tiny RNN to learn in seconds, varied enough that the task is not trivial. Same seed, same text.
    #>
    param([int] $Length = 3000, [int] $Seed = 7)
    $words = @('the', 'time', 'traveller', 'said', 'machine', 'and', 'of', 'a', 'to', 'in', 'was', 'it',
        'that', 'he', 'we', 'my', 'one', 'his', 'at', 'as', 'little', 'people', 'there', 'had', 'with',
        'strange', 'light', 'upon', 'before', 'very', 'could', 'into', 'night', 'world', 'again')
    $random = [System.Random]::new($Seed)
    $lines = [System.Collections.Generic.List[string]]::new()
    $line = [System.Text.StringBuilder]::new()
    $total = 0
    while ($total -lt $Length) {
        $count = $random.Next(4, 12)
        $sentence = (1..$count | ForEach-Object { $words[$random.Next($words.Count)] }) -join ' '
        $sentence = [char]::ToUpperInvariant($sentence[0]) + $sentence.Substring(1) + '.'
        foreach ($word in $sentence -split ' ') {
            if ($line.Length + $word.Length -gt 60) {
                $lines.Add($line.ToString())
                $total += $line.Length + 1
                [void]$line.Clear()
            }
            if ($line.Length -gt 0) { [void]$line.Append(' ') }
            [void]$line.Append($word)
        }
    }
    if ($line.Length -gt 0) { $lines.Add($line.ToString()) }
    , $lines.ToArray()
}

function New-TestModel {
    <# A small, seeded, single-threaded CPU model built from the given text. #>
    param(
        [Parameter(Mandatory)] [string[]] $Text,
        [int] $HiddenSize = 32,
        [string] $Implementation = 'Fused',
        [long] $Seed = 1
    )
    $Text | New-RnnModel -Implementation $Implementation -HiddenSize $HiddenSize -Seed $Seed -Threads 1 -Device Cpu
}

function Get-PwshCommand {
    <#
    .SYNOPSIS
        The command line that starts a pwsh like the one running the tests: its executable first, then
        what comes before pwsh's own arguments (a dotnet local tool runs as 'dotnet pwsh.dll').
    #>
    $process = [Environment]::ProcessPath
    , [string[]](@($process) + @(if ((Split-Path -Leaf $process) -like 'dotnet*') { Join-Path $PSHOME 'pwsh.dll' }))
}

function Invoke-Pwsh {
    <# Runs a child pwsh (no profile, non-interactive) with the given arguments and returns its output. #>
    param([Parameter(ValueFromRemainingArguments)] [string[]] $Arguments)
    $pwsh = Get-PwshCommand
    & $pwsh[0] @($pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive @Arguments
}
