<#
.SYNOPSIS
    Fans a hyperparameter grid out to other machines over PowerShell remoting (SSH) and gathers
    every epoch record back.
.DESCRIPTION
    When a sweep outgrows one machine, PowerShell remoting is the scale-out engine: each host gets
    a share of the trials, trains them with its own PSRnn, and streams the epoch records home.
    The records come back as deserialized objects that keep their type names, so PSRnn's views,
    Sort-Object, Export-Csv and Export-RnnPlot treat them like local ones.

    Each host needs PowerShell 7 as its SSH "powershell" subsystem and PSRnn installed (or a path
    to it: -RemoteModulePath). Trials run one after another on a host, each with all its cores;
    give a host several entries in -HostName to run that many trials on it at once.
.EXAMPLE
    ./examples/RemoteSweep.ps1 -HostName gpu1, gpu2 -UserName me -HiddenSize 128, 256 -StateReset EveryBatch, EveryEpoch -CsvPath sweep.csv
    Four trials, two per host; all epoch records in sweep.csv, the final ones shown best first.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string[]] $HostName,
    [string] $UserName = [Environment]::UserName,
    [int] $Port = 22,
    [string] $KeyFilePath,
    # Extra ssh options, e.g. @{ StrictHostKeyChecking = 'no' } for throwaway test hosts.
    [hashtable] $Options,
    # The module as the hosts see it: a name on their PSModulePath, or a path.
    [string] $RemoteModulePath = 'PSRnn',
    # Training text sent to every host; by default each host loads The Time Machine itself.
    [string[]] $Text,
    [int[]] $HiddenSize = @(128, 256),
    [ValidateSet('EveryBatch', 'EveryEpoch')] [string[]] $StateReset = @('EveryBatch', 'EveryEpoch'),
    [ValidateSet('Random', 'Sequential')] [string] $Sampling = 'Sequential',
    [int] $Epochs = 50,
    [int] $BatchSize = 32,
    [int] $NumSteps = 35,
    [int] $MaxTokens = 10000,
    [long] $Seed = 42,
    [string] $CsvPath
)
$ErrorActionPreference = 'Stop'

$trials = foreach ($hidden in $HiddenSize) { foreach ($reset in $StateReset) {
    @{ HiddenSize = $hidden; StateReset = $reset; Sampling = $Sampling; Epochs = $Epochs; BatchSize = $BatchSize
       NumSteps = $NumSteps; MaxTokens = $MaxTokens; Seed = $Seed }
} }

# Runs on a host: every trial given to it, one after another, streaming epoch records back.
$runTrials = {
    param($modulePath, $trials, $text)
    $ErrorActionPreference = 'Stop'
    Import-Module $modulePath
    if (-not $text) { $text = Get-RnnCorpus -Name TimeMachine }
    foreach ($trial in $trials) {
        $model = $text | New-RnnModel -HiddenSize $trial.HiddenSize -Seed $trial.Seed
        $text | Invoke-RnnTraining -Model $model -Epochs $trial.Epochs -BatchSize $trial.BatchSize -NumSteps $trial.NumSteps `
            -MaxTokens $trial.MaxTokens -Sampling $trial.Sampling -StateReset $trial.StateReset
    }
}

$connection = @{ UserName = $UserName; Port = $Port }
if ($KeyFilePath) { $connection.KeyFilePath = $KeyFilePath }
if ($Options) { $connection.Options = $Options }
$sessions = foreach ($name in $HostName) { New-PSSession -HostName $name @connection }
try {
    # Trial i goes to session i mod N; all sessions work at once.
    $jobs = for ($i = 0; $i -lt $sessions.Count; $i++) {
        $share = @(for ($t = $i; $t -lt $trials.Count; $t += $sessions.Count) { $trials[$t] })
        if ($share.Count -gt 0) {
            Invoke-Command -Session $sessions[$i] -ScriptBlock $runTrials -ArgumentList $RemoteModulePath, $share, $Text -AsJob
        }
    }
    $records = $jobs | Receive-Job -Wait -AutoRemoveJob
}
finally {
    $sessions | Remove-PSSession
}

if ($CsvPath) { $records | Export-Csv -LiteralPath $CsvPath -NoTypeInformation }
# Every record goes down the pipeline; the summary is for people.
$records |
    Group-Object HiddenSize, StateReset |
    ForEach-Object { $_.Group | Sort-Object Epoch | Select-Object -Last 1 } |
    Sort-Object Perplexity |
    Format-Table PSComputerName, HiddenSize, StateReset, Epoch, Perplexity | Out-Host
$records
