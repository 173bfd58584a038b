# Parallel runs in one process: trials in separate runspaces (ForEach-Object -Parallel) give exactly what
# they give one after another, and one model used from two runspaces at once refuses the second caller.

BeforeAll {
    Import-Module $env:PSRNN_TEST_MODULE -Force
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $text = New-TestText -Length 1200 -Seed 13

    # One trial, as text so that each runspace can make its own script block of it (ForEach-Object
    # -Parallel refuses script blocks passed with $using:). Everything it uses is its own.
    $trial = @'
param([int] $Seed, [string[]] $Text)
Import-Module $env:PSRNN_TEST_MODULE
$implementation = if ($Seed % 2) { 'Scratch' } else { 'Fused' }
$sampling = if ($Seed % 3) { 'Random' } else { 'Sequential' }
$model = $Text | New-RnnModel -Implementation $implementation -HiddenSize 12 -Seed $Seed -Threads 1 -Device Cpu
$epochs = @($Text | Invoke-RnnTraining -Model $model -Epochs 3 -BatchSize 4 -NumSteps 8 -MaxTokens 600 -Sampling $sampling)
[pscustomobject]@{
    Seed = $Seed
    Perplexities = [double[]]$epochs.Perplexity
    Measured = ($Text | Measure-Perplexity -Model $model).Perplexity
    History = [int[]]$model.History.Epoch
    Prediction = (Get-RnnPrediction -Model $model -Prefix 'the' -Length 20).Text
}
'@
}

Describe '8 trials with ForEach-Object -Parallel -ThrottleLimit 4' {
    BeforeAll {
        $seeds = 101..108
        $parallel = @($seeds | ForEach-Object -ThrottleLimit 4 -Parallel {
            & ([scriptblock]::Create($using:trial)) -Seed $_ -Text $using:text
        } | Sort-Object Seed)
        $serial = @(foreach ($seed in $seeds) { & ([scriptblock]::Create($trial)) -Seed $seed -Text $text })
    }

    It 'returns one result per trial' {
        $parallel.Seed | Should -Be $seeds
        $serial.Seed | Should -Be $seeds
    }

    It 'gives trial <_> exactly the per-epoch perplexities, perplexity and prediction it gives alone' -ForEach (0..7) {
        $parallel[$_].Perplexities | Should -HaveCount 3
        $parallel[$_].Perplexities | Should -Be $serial[$_].Perplexities
        $parallel[$_].Measured | Should -Be $serial[$_].Measured
        $parallel[$_].Prediction | Should -Be $serial[$_].Prediction
    }

    It 'lets no trial see another''s model: each model holds exactly its own 3 epochs' {
        foreach ($result in $parallel) { $result.History | Should -Be @(1, 2, 3) }
    }

    It 'gives different trials different results (the seeds matter)' {
        @($parallel | ForEach-Object { $_.Perplexities[-1] } | Sort-Object -Unique).Count | Should -Be 8
    }
}

Describe 'One model trained from two runspaces at once' {
    BeforeAll {
        $training = @{ Epochs = 8; BatchSize = 4; NumSteps = 8; MaxTokens = 800 }
        $alone = New-TestModel -Text $text -HiddenSize 12 -Seed 7
        $undisturbed = @($text | Invoke-RnnTraining -Model $alone @training).Perplexity

        $model = New-TestModel -Text $text -HiddenSize 12 -Seed 7
        $shell = [powershell]::Create()
        [void]$shell.AddScript('param($Module, $Model, $Text, $Training)
            Import-Module $Module
            $Text | Invoke-RnnTraining -Model $Model @Training')
        [void]$shell.AddParameters(@{ Module = $env:PSRNN_TEST_MODULE; Model = $model; Text = $text; Training = $training })
        $noInput = [System.Management.Automation.PSDataCollection[psobject]]::new()
        $noInput.Complete()
        $output = [System.Management.Automation.PSDataCollection[psobject]]::new()
        $run = $shell.BeginInvoke($noInput, $output)
        while ($output.Count -lt 1 -and -not $run.IsCompleted) { Start-Sleep -Milliseconds 5 }

        # This runspace is the second user of the model, while the first still trains it.
        $refusals = [ordered]@{}
        foreach ($attempt in @(
            @{ Name = 'Invoke-RnnTraining'; Action = { $text | Invoke-RnnTraining -Model $model -Epochs 1 -BatchSize 4 -NumSteps 8 } }
            @{ Name = 'Measure-Perplexity'; Action = { $text | Measure-Perplexity -Model $model } }
            @{ Name = 'Get-RnnPrediction'; Action = { Get-RnnPrediction -Model $model -Prefix 'the' } }
            @{ Name = 'Export-RnnModel'; Action = { Export-RnnModel -Model $model -Path (Join-Path $TestDrive 'busy.psrnn') } }
        )) {
            $refusals[$attempt.Name] = try { & $attempt.Action | Out-Null; $null } catch { $_ }
        }
        $firstStillRunning = -not $run.IsCompleted
        $null = $shell.EndInvoke($run)
        $records = @($output)
    }

    AfterAll { $shell.Dispose() }

    It 'tried while the first runspace was still training' {
        $firstStillRunning | Should -BeTrue
    }

    It '<_> from the second runspace fails with PSRnn.ModelBusy (ResourceBusy) and says what to do' -ForEach @(
        'Invoke-RnnTraining', 'Measure-Perplexity', 'Get-RnnPrediction', 'Export-RnnModel'
    ) {
        $err = $refusals[$_]
        $err | Should -Not -BeNullOrEmpty
        $err.FullyQualifiedErrorId | Should -BeLike 'PSRnn.ModelBusy,PSRnn.Commands.*'
        $err.CategoryInfo.Category | Should -Be 'ResourceBusy'
        $err.Exception.Message | Should -Match 'in use by training \(.*epochs done\) in another runspace.*one runspace at a time.*its own model'
    }

    It 'wrote no file for the refused export' {
        Test-Path -LiteralPath (Join-Path $TestDrive 'busy.psrnn') | Should -BeFalse
    }

    It 'lets the first finish unharmed: all its epochs, no errors, exactly the perplexities of an undisturbed run' {
        $shell.InvocationStateInfo.State | Should -Be 'Completed'
        $shell.Streams.Error.Count | Should -Be 0
        $records.Epoch | Should -Be @(1..8)
        $records.Perplexity | Should -Be $undisturbed
        $model.History.Epoch | Should -Be @(1..8)
    }

    It 'frees the model when the first run ends: the second runspace may use it now' {
        ($text | Measure-Perplexity -Model $model).Perplexity | Should -Be ($text | Measure-Perplexity -Model $alone).Perplexity
    }
}
