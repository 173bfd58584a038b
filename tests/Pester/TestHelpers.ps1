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

function Get-PSRnnError([scriptblock] $Action) {
    <# The ErrorRecord the action ends with (binder errors on pipeline input are non-terminating, hence
       'Stop'); fails the test when it ends without one. #>
    $ErrorActionPreference = 'Stop'
    try { & $Action | Out-Null } catch { return $_ }
    throw 'Expected the command to fail, but it succeeded.'
}

function Get-FolderState([string] $Folder) {
    <# Every entry under the folder (hidden ones too): regular files with their SHA-256, anything else
       (a FIFO, a device node, a link) by its kind, since reading a FIFO would block. #>
    foreach ($entry in [System.IO.Directory]::GetFileSystemEntries($Folder, '*', 'AllDirectories') | Sort-Object) {
        $kind = [PSRnn.Engine.IO.FileKinds]::Of($entry, $false).Kind
        $content = if ($kind -eq 'Regular') { [Convert]::ToHexString([System.Security.Cryptography.SHA256]::HashData([System.IO.File]::ReadAllBytes($entry))) } else { $kind }
        '{0} {1}' -f $content, $entry
    }
}

function Assert-Refusal {
    <# A bad input's contract: the command ends with an error record whose ErrorId, category and
       advice are the documented ones, and no file under TestDrive nor the model changed. #>
    param([scriptblock] $Action, [string] $Id, [string] $Category, [string] $Advice, $Model, [string[]] $ProbeText)
    $state = { param($m) if ($m -and -not $m.IsDisposed) { '{0} epochs, perplexity {1:R}' -f $m.EpochsTrained, ($ProbeText | Measure-Perplexity -Model $m).Perplexity } }
    $filesBefore = Get-FolderState $TestDrive
    $modelBefore = & $state $Model

    $err = Get-PSRnnError $Action

    $err.FullyQualifiedErrorId | Should -BeLike "$Id,PSRnn.Commands.*"
    $err.CategoryInfo.Category | Should -Be $Category
    $err.Exception.Message | Should -Match $Advice
    # Errors speak of the user's file and parameters, not of the zip reader's internals.
    $err.Exception.Message | Should -Not -Match 'central directory'
    Get-FolderState $TestDrive | Should -Be $filesBefore -Because 'a refused command creates, changes and deletes no file'
    & $state $Model | Should -Be $modelBefore -Because 'a refused command leaves the model as it was'
}

function Find-TorchPython {
    <# A Python that imports torch ($env:PSRNN_PYTHON, then Debian's /usr/bin/python3, then python3), or nothing. #>
    foreach ($candidate in @($env:PSRNN_PYTHON, '/usr/bin/python3', 'python3') | Where-Object { $_ }) {
        try {
            $null = & $candidate -c 'import torch' 2>&1
            if ($LASTEXITCODE -eq 0) { return $candidate }
        }
        catch [System.Management.Automation.CommandNotFoundException] {
            # Not installed under that name: try the next.
        }
    }
}
