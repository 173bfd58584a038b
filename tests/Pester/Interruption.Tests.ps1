# Interruptions never lose work: Ctrl+C mid-epoch, a process killed while it writes a model file, a
# resumed run, and a run that diverges each leave a model (in memory and on disk) that is whole, loads,
# and says truthfully how many epochs it holds. Counts, not wall-clock times, are asserted.

BeforeAll {
    Import-Module $env:PSRNN_TEST_MODULE -Force
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $text = New-TestText -Length 2000 -Seed 11

    # Starts Invoke-RnnTraining in another runspace: Ctrl+C in a console is PowerShell.Stop() on the
    # running pipeline. Returns the shell, its output collection and the async result.
    function Start-Training([hashtable] $Arguments) {
        $shell = [powershell]::Create()
        [void]$shell.AddScript('param($Module, $Text, $Arguments)
            Import-Module $Module
            $Text | Invoke-RnnTraining @Arguments')
        [void]$shell.AddParameters(@{ Module = $env:PSRNN_TEST_MODULE; Text = $text; Arguments = $Arguments })
        $noInput = [System.Management.Automation.PSDataCollection[psobject]]::new()
        $noInput.Complete()
        $output = [System.Management.Automation.PSDataCollection[psobject]]::new()
        [pscustomobject]@{ Shell = $shell; Output = $output; Run = $shell.BeginInvoke($noInput, $output) }
    }

    function Get-Perplexity($model) { ($text | Measure-Perplexity -Model $model).Perplexity }

    # A child pwsh started the way this one was (a dotnet local tool or a plain pwsh).
    function Start-ChildPwsh([string] $script) {
        $pwsh = Get-PwshCommand
        $info = [System.Diagnostics.ProcessStartInfo]::new($pwsh[0])
        $pwsh | Select-Object -Skip 1 | ForEach-Object { $info.ArgumentList.Add($_) }
        foreach ($argument in '-NoProfile', '-NonInteractive', '-Command', $script) { $info.ArgumentList.Add($argument) }
        $info.RedirectStandardInput = $true
        $info.RedirectStandardOutput = $true
        $info.RedirectStandardError = $true
        $info.UseShellExecute = $false
        [System.Diagnostics.Process]::Start($info)
    }
}

Describe 'Ctrl+C in the middle of an epoch, with a checkpoint' {
    BeforeAll {
        # One sequence per minibatch row and 3 steps: several hundred minibatches per epoch, so the
        # epoch in flight when Stop() comes is far from its end.
        $model = New-TestModel -Text $text -HiddenSize 16 -Seed 21
        $folder = New-Item -ItemType Directory (Join-Path $TestDrive 'ctrl-c')
        $checkpoint = Join-Path $folder 'stopped.psrnn'
        $job = Start-Training @{ Model = $model; Epochs = 1000; BatchSize = 1; NumSteps = 3; Optimizer = 'Adam'; LearningRate = 0.01
                                 CheckpointPath = $checkpoint }
        $clock = [System.Diagnostics.Stopwatch]::StartNew()
        while ($job.Output.Count -lt 1 -and -not $job.Run.IsCompleted -and $clock.Elapsed.TotalSeconds -lt 120) { Start-Sleep -Milliseconds 5 }
        $stateBeforeStop = $job.Shell.InvocationStateInfo.State
        $clock.Restart()
        $job.Shell.Stop()
        $stopTook = $clock.Elapsed
        $records = @($job.Output)
        # For the log only (never asserted): Stop() returns after at most one more minibatch.
        Write-Host ("    Stop() returned after {0:N0} ms; the first epoch took {1:N0} ms for {2} tokens" -f
            $stopTook.TotalMilliseconds, (1000 * $records[0].ElapsedSeconds), $records[0].Tokens)
    }

    AfterAll { $job.Shell.Dispose() }

    It 'was running when stopped and ends as Stopped, without errors' {
        $stateBeforeStop | Should -Be 'Running'
        $job.Shell.InvocationStateInfo.State | Should -Be 'Stopped'
        $job.Shell.Streams.Error.Count | Should -Be 0
    }

    It 'warns once, naming the last completed epoch, where its records are kept, and the checkpoint' {
        $warnings = @($job.Shell.Streams.Warning)
        $warnings | Should -HaveCount 1
        $message = $warnings[0].Message
        $message | Should -BeLike 'Training stopped during epoch 2. The last completed epoch is epoch 1 (1 of 1000 in this run)*'
        $message | Should -Match ([regex]::Escape('History property (e.g. $model.History) holds the record of every completed epoch'))
        $message | Should -Match ([regex]::Escape("The checkpoint $((Get-Item -LiteralPath $checkpoint).ResolvedTarget ?? $checkpoint) holds epoch 1."))
    }

    It 'stopped inside the second epoch: EpochsTrained is the one completed epoch, History holds it alone' {
        # Had the trainer looked at Ctrl+C only between epochs, the second epoch would have finished.
        $records.Count | Should -Be 1
        $model.EpochsTrained | Should -Be 1
        $model.History.Epoch | Should -Be @(1)
        $model.History[0].Perplexity | Should -Be $records[0].Perplexity
    }

    It 'put back the weights of the last completed epoch: the model measures as its checkpoint does' {
        $saved = Import-RnnModel -LiteralPath $checkpoint
        $saved.EpochsTrained | Should -Be $model.EpochsTrained
        Get-Perplexity $saved | Should -Be (Get-Perplexity $model)
    }

    It 'left no temporary file beside the checkpoint' {
        Get-ChildItem -LiteralPath $folder -Force | Select-Object -ExpandProperty Name | Should -Be @('stopped.psrnn')
    }

    It 'leaves the model usable: training on gives exactly what the checkpoint gives (Adam state included)' {
        $saved = Import-RnnModel -LiteralPath $checkpoint
        $more = @{ Epochs = 2; BatchSize = 4; NumSteps = 8; Optimizer = 'Adam'; LearningRate = 0.01 }
        $fromMemory = ($text | Invoke-RnnTraining -Model $model @more).Perplexity
        $fromFile = ($text | Invoke-RnnTraining -Model $saved @more).Perplexity
        $fromMemory | Should -Be $fromFile
        $model.History.Epoch | Should -Be @(1, 2, 3)
    }
}

Describe 'The stopped-training warning when no epoch completed, and when warnings are off' {
    It 'says the model is as it was before the run, when Ctrl+C comes in its first epoch<Case>' -ForEach @(
        @{ Case = ''; Extra = @{}; Count = 1 }
        @{ Case = ' (with -WarningAction SilentlyContinue: no warning)'; Extra = @{ WarningAction = 'SilentlyContinue' }; Count = 0 }
    ) {
        $model = New-TestModel -Text $text -HiddenSize 16 -Seed 24
        $job = Start-Training (@{ Model = $model; Epochs = 10; BatchSize = 1; NumSteps = 3 } + $Extra)
        try {
            # The first minibatch's progress record: the run is inside its first epoch of hundreds of minibatches.
            $clock = [System.Diagnostics.Stopwatch]::StartNew()
            while (-not ($job.Shell.Streams.Progress | Where-Object ParentActivityId -GE 0) -and -not $job.Run.IsCompleted -and $clock.Elapsed.TotalSeconds -lt 60) { Start-Sleep -Milliseconds 2 }
            $job.Shell.Stop()
            $job.Output.Count | Should -Be 0
            $model.EpochsTrained | Should -Be 0
            $warnings = @($job.Shell.Streams.Warning)
            $warnings | Should -HaveCount $Count
            if ($Count) { $warnings[0].Message | Should -Be 'Training stopped during epoch 1. No epoch of this run completed; the model is as it was before it (epoch 0).' }
        }
        finally { $job.Shell.Dispose() }
    }
}

Describe 'Select-Object -First is not Ctrl+C' {
    It 'ends training early without the stopped-training warning' {
        $model = New-TestModel -Text $text -HiddenSize 8 -Seed 23
        $shell = [powershell]::Create()
        try {
            [void]$shell.AddScript('param($Module, $Text, $Model)
                Import-Module $Module
                $Text | Invoke-RnnTraining -Model $Model -Epochs 50 -BatchSize 8 -NumSteps 8 | Select-Object -First 2')
            [void]$shell.AddParameters(@{ Module = $env:PSRNN_TEST_MODULE; Text = $text; Model = $model })
            $records = @($shell.Invoke())
            $records.Epoch | Should -Be @(1, 2)
            $shell.Streams.Warning.Count | Should -Be 0
            $shell.Streams.Error.Count | Should -Be 0
        }
        finally { $shell.Dispose() }
    }
}

Describe 'Ctrl+C at random moments, the checkpoint rewritten every epoch' {
    It 'leaves after every stop a complete checkpoint of exactly the epochs the model holds, and no .tmp file' {
        # Short epochs (a few dozen minibatches, each followed by a checkpoint write), so that some stops
        # land while the checkpoint is written. Whatever the moment, the file is the complete previous
        # or new model: never a partial one.
        $model = New-TestModel -Text $text -HiddenSize 16 -Seed 22
        $folder = New-Item -ItemType Directory (Join-Path $TestDrive 'random-stops')
        $checkpoint = Join-Path $folder 'every-epoch.psrnn'
        $random = [System.Random]::new(5)
        foreach ($round in 1..4) {
            $job = Start-Training @{ Model = $model; Epochs = 1000; BatchSize = 8; NumSteps = 8; CheckpointPath = $checkpoint }
            # Odd rounds wait for this round's first epoch, even rounds may stop before it ends.
            $waitFor = $round % 2
            while ($job.Output.Count -lt $waitFor -and -not $job.Run.IsCompleted) { Start-Sleep -Milliseconds 5 }
            Start-Sleep -Milliseconds $random.Next(0, 400)
            $job.Shell.Stop()
            $job.Shell.InvocationStateInfo.State | Should -Be 'Stopped'
            $job.Shell.Streams.Error.Count | Should -Be 0
            $job.Shell.Dispose()

            $model.History.Epoch | Should -Be @(1..$model.EpochsTrained)
            if ($model.EpochsTrained -eq 0) { Test-Path -LiteralPath $checkpoint | Should -BeFalse; continue }
            $saved = Import-RnnModel -LiteralPath $checkpoint
            $saved.EpochsTrained | Should -Be $model.EpochsTrained
            Get-Perplexity $saved | Should -Be (Get-Perplexity $model)
            Get-ChildItem -LiteralPath $folder -Force | Select-Object -ExpandProperty Name | Should -Be @('every-epoch.psrnn')
        }
        $model.EpochsTrained | Should -BeGreaterThan 0
    }
}

Describe 'A process killed (kill -9) while Export-RnnModel writes a large model' -Skip:(-not ($IsLinux -or $IsMacOS)) {
    BeforeAll {
        $letters = [string[]][char[]]'abcdefghijklmnopqrstuvwxyz'
        $folder = New-Item -ItemType Directory (Join-Path $TestDrive 'kill')
        $path = Join-Path $folder 'large.psrnn'
        # The previous file: 2048 hidden units, about 18 MB (4.3 million float32 weights), seed 1.
        $previous = New-RnnModel -Vocabulary $letters -HiddenSize 2048 -Seed 1 -Threads 1 -Device Cpu
        $clock = [System.Diagnostics.Stopwatch]::StartNew()
        Export-RnnModel -Model $previous -Path $path
        $exportMs = $clock.Elapsed.TotalMilliseconds
        $previousSize = (Get-Item -LiteralPath $path).Length
        # Each child overwrites it, again and again, with a model of seed 2, once told to go.
        $child = @"
Import-Module '$env:PSRNN_TEST_MODULE'
`$model = New-RnnModel -Vocabulary $($letters -join ',') -HiddenSize 2048 -Seed 2 -Threads 1 -Device Cpu
[Console]::Out.WriteLine('ready')
`$null = [Console]::In.ReadLine()
for (`$i = 1; ; `$i++) {
    [Console]::Out.WriteLine("writing `$i")
    Export-RnnModel -Model `$model -Path '$path' -Force
    [Console]::Out.WriteLine("wrote `$i")
}
"@
        # The three children start together (start-up is most of their time) and then write one at a time.
        $children = 1..3 | ForEach-Object { Start-ChildPwsh $child }
        $random = [System.Random]::new(17)
        $rounds = foreach ($round in 1..3) {
            $process = $children[$round - 1]
            while ($null -ne ($line = $process.StandardOutput.ReadLine()) -and $line -ne 'ready') { }
            $process.StandardInput.WriteLine('go')
            $process.StandardInput.Flush()
            # Kill at a random moment of the child's first write, which takes at least as long as ours did.
            while ($null -ne ($line = $process.StandardOutput.ReadLine()) -and $line -ne 'writing 1') { }
            $delay = [int]($random.NextDouble() * 0.9 * $exportMs)
            Start-Sleep -Milliseconds $delay
            kill -9 $process.Id
            $process.WaitForExit()
            $completed = @($process.StandardOutput.ReadToEnd() -split '\r?\n' | Where-Object { $_ -like 'wrote *' }).Count
            $leftovers = @(Get-ChildItem -LiteralPath $folder -Force -Filter '.large.psrnn.*.tmp')
            $loaded = Import-RnnModel -LiteralPath $path
            [pscustomobject]@{
                Round = $round; KilledAfterMs = $delay; ExitCode = $process.ExitCode; WritesReported = $completed
                KilledMidWrite = $leftovers.Count -gt 0; Seed = $loaded.Seed; Epochs = $loaded.EpochsTrained
                Size = (Get-Item -LiteralPath $path).Length
                Files = @(Get-ChildItem -LiteralPath $folder -Force | Where-Object Name -notlike '.large.psrnn.*.tmp').Name
            }
            $loaded.Dispose()
        }
        $rounds | Format-Table | Out-String | Write-Host
    }

    It 'was killed by SIGKILL each time (exit code 137)' {
        $rounds.ExitCode | Should -Be @(137, 137, 137)
    }

    It 'left at the path a complete model that loads (zip CRCs and SHA-256 checksums verified)' {
        foreach ($round in $rounds) {
            $round.Files | Should -Be @('large.psrnn')
            $round.Size | Should -BeGreaterThan 16MB
            $round.Seed | Should -BeIn @(1, 2)
        }
    }

    It 'kept the previous file (seed 1) unless the child reported a complete write of its own' {
        foreach ($round in $rounds | Where-Object WritesReported -gt 0) { $round.Seed | Should -Be 2 }
        # A kill between the rename and the "wrote" line may leave the new file unreported, never a partial one.
        foreach ($round in $rounds | Where-Object Seed -eq 1) { $round.Size | Should -Be $previousSize }
    }

    It 'was killed in the middle of a write at least once (a temporary file was left beside the target)' {
        @($rounds | Where-Object KilledMidWrite).Count | Should -BeGreaterThan 0
    }

    It 'cleans the killed writers'' temporary files up at the next successful export' {
        Export-RnnModel -Model $previous -Path $path -Force
        Get-ChildItem -LiteralPath $folder -Force | Select-Object -ExpandProperty Name | Should -Be @('large.psrnn')
        (Get-Item -LiteralPath $path).Length | Should -Be $previousSize
    }
}

Describe 'Resuming is exact' {
    It '6 epochs in one run equal 3 + Export + Import + 3: <Case>' -TestCases @(
        @{ Case = 'Fused RNN, SGD, Sequential'; Model = @{ Implementation = 'Fused' }; Training = @{ Sampling = 'Sequential' } }
        @{ Case = 'Scratch RNN, SGD, Random'; Model = @{ Implementation = 'Scratch' }; Training = @{ Sampling = 'Random' } }
        @{ Case = 'Fused RNN, Adam with weight decay'; Model = @{ Implementation = 'Fused' }; Training = @{ Optimizer = 'Adam'; LearningRate = 0.01; WeightDecay = 0.001 } }
        @{ Case = 'Fused RNN, 2 layers'; Model = @{ Implementation = 'Fused'; NumLayers = 2 }; Training = @{} }
    ) {
        $new = { $text | New-RnnModel -HiddenSize 16 -Seed 31 -Threads 1 -Device Cpu @Model }
        $train = @{ BatchSize = 4; NumSteps = 8; MaxTokens = 700 } + $Training

        $straight = & $new
        $six = @($text | Invoke-RnnTraining -Model $straight -Epochs 6 @train)

        $first = & $new
        $half = @($text | Invoke-RnnTraining -Model $first -Epochs 3 @train)
        $file = Join-Path $TestDrive "half-$($Case.GetHashCode()).psrnn"
        Export-RnnModel -Model $first -Path $file
        $second = Import-RnnModel -LiteralPath $file
        $rest = @($text | Invoke-RnnTraining -Model $second -Epochs 3 @train)

        ($half + $rest).Epoch | Should -Be @(1..6)
        ($half + $rest).Perplexity | Should -Be $six.Perplexity
        $second.History.Perplexity | Should -Be $six.Perplexity
        Get-Perplexity $second | Should -Be (Get-Perplexity $straight)
    }
}

Describe 'Divergence' {
    BeforeAll {
        $model = New-TestModel -Text $text -HiddenSize 16 -Implementation Scratch -Seed 41
        $train = @{ BatchSize = 4; NumSteps = 8 }
        $null = $text | Invoke-RnnTraining -Model $model -Epochs 1 @train
        $before = Get-Perplexity $model
        $folder = New-Item -ItemType Directory (Join-Path $TestDrive 'divergence')
        $checkpoint = Join-Path $folder 'diverged.psrnn'
        $records = [System.Collections.Generic.List[object]]::new()
        $err = $null
        try {
            $text | Invoke-RnnTraining -Model $model -Epochs 3 @train -LearningRate 1e38 -GradientClip 1e30 -CheckpointPath $checkpoint -ErrorAction Stop |
                ForEach-Object { $records.Add($_) }
        } catch { $err = $_ }
    }

    It 'stops training with PSRnn.TrainingDiverged (InvalidResult) and advice to lower -LearningRate' {
        $err | Should -Not -BeNullOrEmpty
        $err.FullyQualifiedErrorId | Should -Be 'PSRnn.TrainingDiverged,PSRnn.Commands.InvokeRnnTrainingCommand'
        $err.CategoryInfo.Category | Should -Be 'InvalidResult'
        $err.Exception.Message | Should -Match 'loss became (NaN|-?Infinity|∞)'
        $err.Exception.Message | Should -Match 'Lower -LearningRate'
    }

    It 'keeps the weights of the last complete epoch: Measure-Perplexity equals the value before the call' {
        $records.Count | Should -Be 0
        $model.EpochsTrained | Should -Be 1
        Get-Perplexity $model | Should -Be $before
    }

    It 'writes no checkpoint for the diverged epoch' {
        Test-Path -LiteralPath $checkpoint | Should -BeFalse
        Get-ChildItem -LiteralPath $folder -Force | Should -BeNullOrEmpty
    }

    It 'trains on normally afterwards' {
        $next = $text | Invoke-RnnTraining -Model $model -Epochs 1 @train
        $next.Epoch | Should -Be 2
        [double]::IsFinite($next.Perplexity) | Should -BeTrue
        $next.Perplexity | Should -BeLessThan $model.VocabularySize
    }
}

Describe 'Ctrl+C stops every long command, not only training' {
    BeforeAll {
        $model = New-TestModel -Text $text -HiddenSize 256 -Seed 2
        $long = (New-TestText -Length 2000000 -Seed 12) -join ' '
    }

    It '<Name> stops when asked and leaves the model usable' -ForEach @(
        @{ Name = 'Get-RnnPrediction of 10 million tokens'; Script = 'Get-RnnPrediction -Model $Model -Prefix "the" -Length 10000000' }
        @{ Name = 'Measure-Perplexity of a 2 MB text'; Script = '$Long | Measure-Perplexity -Model $Model' }
        @{ Name = 'Get-HiddenState of a 2 MB text'; Script = 'Get-HiddenState -Model $Model -Text $Long' }
    ) {
        $shell = [powershell]::Create()
        try {
            [void]$shell.AddScript("param(`$Module, `$Model, `$Long) Import-Module `$Module; $Script")
            [void]$shell.AddParameters(@{ Module = $env:PSRNN_TEST_MODULE; Model = $model; Long = $long })
            $run = $shell.BeginInvoke()
            Start-Sleep -Milliseconds 1500
            $shell.InvocationStateInfo.State | Should -Be 'Running' -Because 'the command takes far longer than this wait'
            # A bound on waiting, not a speed figure: a command that ignored Stop() would run for hours.
            $stop = $shell.BeginStop($null, $null)
            $stop.AsyncWaitHandle.WaitOne([TimeSpan]::FromSeconds(60)) | Should -BeTrue -Because 'Stop() returns once the command has stopped'
            $shell.InvocationStateInfo.State | Should -Be 'Stopped'
            $shell.Streams.Error.Count | Should -Be 0
        } finally { $shell.Dispose() }
        (Get-RnnPrediction -Model $model -Prefix 'the' -Length 5).Tokens.Count | Should -Be 5
    }
}

Describe 'A checkpoint that cannot be written mid-run' {
    BeforeAll {
        $model = New-TestModel -Text $text -HiddenSize 16 -Seed 8
        $folder = New-Item -ItemType Directory (Join-Path $TestDrive 'vanishing')
        $checkpoint = Join-Path $folder 'c.psrnn'
        $afterFirst = Join-Path $TestDrive 'after-first.psrnn'
        $records = [System.Collections.Generic.List[object]]::new()
        $err = $null
        # After epoch 1 the checkpoint's folder disappears, as a full or unmounted disk fails the write of epoch 2's.
        try {
            $text | Invoke-RnnTraining -Model $model -Epochs 3 -BatchSize 4 -NumSteps 8 -CheckpointPath $checkpoint -ErrorAction Stop | ForEach-Object {
                $records.Add($_)
                Copy-Item -LiteralPath $checkpoint -Destination $afterFirst
                Remove-Item -LiteralPath $folder -Recurse
            }
        } catch { $err = $_ }
    }

    It 'ends with PSRnn.WriteFailed, saying the epoch was undone' {
        $err.FullyQualifiedErrorId | Should -Be 'PSRnn.WriteFailed,PSRnn.Commands.InvokeRnnTrainingCommand'
        $err.Exception.Message | Should -Match 'does not exist.*Epoch 2 was undone'
    }

    It 'leaves no record, no History entry and no weights that the last checkpoint lacks' {
        $records.Epoch | Should -Be @(1)
        $model.EpochsTrained | Should -Be 1
        $saved = Import-RnnModel -LiteralPath $afterFirst
        Get-Perplexity $model | Should -Be (Get-Perplexity $saved)
    }
}
