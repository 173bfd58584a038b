# The second bad-input catalogue: the classes an independent probe found beyond BadInput.Tests.ps1.
# Special files (FIFOs, device nodes, dangling links, locked files, read errors), integer and float
# extremes, explosions that stay finite, disposed models, non-finite data. Each case ends with its
# documented error record and leaves every file and the model as they were (Assert-Refusal).

BeforeAll {
    Import-Module $env:PSRNN_TEST_MODULE -Force
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Add-Type -AssemblyName System.IO.Compression, System.IO.Compression.FileSystem
    $text = New-TestText -Length 1500 -Seed 9
    $model = New-TestModel -Text $text -HiddenSize 16
    $null = $text | Invoke-RnnTraining -Model $model -Epochs 1 -BatchSize 4 -NumSteps 8
    $probeText = $text[0..3]
    $goodModel = Join-Path $TestDrive 'good.psrnn'
    Export-RnnModel -Model $model -Path $goodModel
    $textFile = Join-Path $TestDrive 'text.txt'
    Set-Content -LiteralPath $textFile -Value $text

    # Special files. A FIFO blocks whoever opens it until a writer comes; a device node stands for
    # /dev/null (made here with mknod, so a regression could only replace this copy).
    $onUnix = $IsLinux -or $IsMacOS
    $fifo = Join-Path $TestDrive 'pipe'
    $fifoPng = Join-Path $TestDrive 'pipe.png'
    if ($onUnix) { mkfifo $fifo $fifoPng }
    $device = Join-Path $TestDrive 'null-device'
    $hasDevice = $IsLinux -and ((id -u) -eq '0') -and $(mknod $device c 1 3 2>$null; $LASTEXITCODE -eq 0)
    $dangling = Join-Path $TestDrive 'dangling.txt'
    if ($onUnix) { $null = New-Item -ItemType SymbolicLink -Path $dangling -Target (Join-Path $TestDrive 'gone.txt') }
    $loop = Join-Path $TestDrive 'loop-a'
    if ($onUnix) {
        $null = New-Item -ItemType SymbolicLink -Path $loop -Target (Join-Path $TestDrive 'loop-b')
        $null = New-Item -ItemType SymbolicLink -Path (Join-Path $TestDrive 'loop-b') -Target $loop
    }
    $lockedFile = Join-Path $TestDrive 'locked.txt'
    Set-Content -LiteralPath $lockedFile -Value 'the time traveller'

    # A manifest that asks for 100,000 hidden units (about 40 GB of weights): it must not reach libtorch.
    $crafted = Join-Path $TestDrive 'crafted.psrnn'
    Copy-Item -LiteralPath $goodModel -Destination $crafted
    $zip = [System.IO.Compression.ZipFile]::Open($crafted, 'Update')
    try {
        $entry = $zip.GetEntry('manifest.json')
        $reader = [System.IO.StreamReader]::new($entry.Open()); $json = $reader.ReadToEnd(); $reader.Dispose()
        $entry.Delete()
        $writer = [System.IO.StreamWriter]::new($zip.CreateEntry('manifest.json').Open())
        $writer.Write(($json -replace '"hiddenSize": 16', '"hiddenSize": 100000')); $writer.Dispose()
    } finally { $zip.Dispose() }

    # 4,096 hidden units: a trace of 2 million tokens would keep about 90 GiB of states.
    $wide = New-TestModel -Text $text -HiddenSize 4096
    $disposed = New-TestModel -Text $text -HiddenSize 16
    $disposed.Dispose()
}

Describe 'The faults catalogue' {
    It '<Case> -> <Id> (<Category>)' -TestCases @(
        # --- Special files where a text file or a model file is read
        @{ Case = 'New-RnnModel -Path to a FIFO (never blocks)'; Id = 'PSRnn.NotRegularFile'; Category = 'InvalidArgument'; Advice = 'named pipe \(FIFO\), not a regular file.*save what it holds to a regular file'; NeedsUnix = $true
            Action = { New-RnnModel -Path $fifo -Threads 1 } }
        @{ Case = 'Invoke-RnnTraining -LiteralPath to a FIFO'; Id = 'PSRnn.NotRegularFile'; Category = 'InvalidArgument'; Advice = 'named pipe'; NeedsUnix = $true
            Action = { Invoke-RnnTraining -Model $model -LiteralPath $fifo -Epochs 1 } }
        @{ Case = 'a FIFO piped in as a FileInfo'; Id = 'PSRnn.NotRegularFile'; Category = 'InvalidArgument'; Advice = 'named pipe'; NeedsUnix = $true
            Action = { Get-Item -LiteralPath $fifo | Measure-Perplexity -Model $model } }
        @{ Case = 'Import-RnnModel of a FIFO'; Id = 'PSRnn.NotRegularFile'; Category = 'InvalidArgument'; Advice = 'named pipe'; NeedsUnix = $true
            Action = { Import-RnnModel -LiteralPath $fifo } }
        @{ Case = 'Get-RnnCorpus -Path to a device node'; Id = 'PSRnn.NotRegularFile'; Category = 'InvalidArgument'; Advice = 'character device'; NeedsDevice = $true
            Action = { Get-RnnCorpus -LiteralPath $device } }
        @{ Case = 'Measure-Perplexity -LiteralPath to a dangling symbolic link'; Id = 'PSRnn.FileNotFound'; Category = 'ObjectNotFound'; Advice = 'symbolic link to .*gone\.txt.*which does not exist'; NeedsUnix = $true
            Action = { Measure-Perplexity -Model $model -LiteralPath $dangling } }
        @{ Case = 'Import-RnnModel of a dangling symbolic link'; Id = 'PSRnn.FileNotFound'; Category = 'ObjectNotFound'; Advice = 'symbolic link.*existing model file'; NeedsUnix = $true
            Action = { Import-RnnModel -LiteralPath $dangling } }
        @{ Case = 'Measure-Perplexity of a file another process holds locked'; Id = 'PSRnn.FileInUse'; Category = 'ResourceBusy'; Advice = 'locked by another process.*try again'
            Action = { $lock = [System.IO.File]::Open($lockedFile, 'Open', 'Read', 'None'); try { Measure-Perplexity -Model $model -LiteralPath $lockedFile } finally { $lock.Dispose() } } }
        @{ Case = 'Measure-Perplexity of a file whose read fails (EIO: /proc/self/mem)'; Id = 'PSRnn.ReadFailed'; Category = 'ReadError'; Advice = 'Could not read .*/proc/self/mem'; NeedsLinux = $true
            Action = { Measure-Perplexity -Model $model -LiteralPath /proc/self/mem } }

        @{ Case = 'Measure-Perplexity -LiteralPath to a loop of symbolic links'; Id = 'PSRnn.ReadFailed'; Category = 'ReadError'; Advice = 'Too many levels of symbolic links'; NeedsLinux = $true
            Action = { Measure-Perplexity -Model $model -LiteralPath $loop } }

        # --- Paths that name no file
        @{ Case = 'Import-RnnModel of a path with a NUL character'; Id = 'PSRnn.InvalidPath'; Category = 'InvalidArgument'; Advice = 'not a valid path: it contains a NUL character'
            Action = { Import-RnnModel -LiteralPath (Join-Path $TestDrive "a`0b.psrnn") } }
        @{ Case = 'Measure-Perplexity -LiteralPath with a NUL character'; Id = 'PSRnn.InvalidPath'; Category = 'InvalidArgument'; Advice = 'NUL character'
            Action = { Measure-Perplexity -Model $model -LiteralPath (Join-Path $TestDrive "a`0b.txt") } }
        @{ Case = 'Export-RnnModel to a path with a NUL character'; Id = 'PSRnn.InvalidPath'; Category = 'InvalidArgument'; Advice = 'NUL character'
            Action = { Export-RnnModel -Model $model -Path (Join-Path $TestDrive "a`0b.psrnn") } }
        @{ Case = 'Import-RnnModel of an Env: path'; Id = 'PSRnn.InvalidPath'; Category = 'InvalidArgument'; Advice = 'Environment provider, not a file'
            Action = { Import-RnnModel -LiteralPath Env:PATH } }
        @{ Case = 'Export-RnnModel to a Variable: path'; Id = 'PSRnn.InvalidPath'; Category = 'InvalidArgument'; Advice = 'Variable provider, not a file'
            Action = { Export-RnnModel -Model $model -Path Variable:saved } }
        @{ Case = 'Invoke-RnnTraining -Path of the Function: drive'; Id = 'PSRnn.InvalidPath'; Category = 'InvalidArgument'; Advice = 'Function provider'
            Action = { Invoke-RnnTraining -Model $model -Path Function:prompt -Epochs 1 } }
        @{ Case = 'Export-RnnModel onto a loop of symbolic links'; Id = 'PSRnn.WriteFailed'; Category = 'WriteError'; Advice = 'Too many levels of symbolic links.*Point the link at a file'; NeedsLinux = $true
            Action = { Export-RnnModel -Model $model -Path $loop -Force } }

        # --- Special files where a file is written: they stay what they are
        @{ Case = 'Export-RnnModel -Force onto a FIFO'; Id = 'PSRnn.NotRegularFile'; Category = 'InvalidArgument'; Advice = 'named pipe.*writes only regular files'; NeedsUnix = $true
            Action = { Export-RnnModel -Model $model -Path $fifo -Force } }
        @{ Case = 'Export-RnnModel -Force onto a device node (as /dev/null would be)'; Id = 'PSRnn.NotRegularFile'; Category = 'InvalidArgument'; Advice = 'character device.*leaves that one as it is'; NeedsDevice = $true
            Action = { Export-RnnModel -Model $model -Path $device -Force } }
        @{ Case = 'Invoke-RnnTraining -CheckpointPath onto a FIFO (refused before training)'; Id = 'PSRnn.NotRegularFile'; Category = 'InvalidArgument'; Advice = 'named pipe'; NeedsUnix = $true
            Action = { $text | Invoke-RnnTraining -Model $model -Epochs 1 -BatchSize 4 -NumSteps 8 -CheckpointPath $fifo } }
        @{ Case = 'Export-RnnPlot onto a FIFO'; Id = 'PSRnn.NotRegularFile'; Category = 'InvalidArgument'; Advice = 'named pipe'; NeedsUnix = $true
            Action = { $model.History | Export-RnnPlot -Path $fifoPng } }

        # --- Integer and float extremes
        @{ Case = 'Invoke-RnnTraining -BatchSize 46341 -NumSteps 46341 (a product past Int32)'; Id = 'PSRnn.CorpusTooShort'; Category = 'InvalidData'; Advice = 'batch size 46341 with 46341 steps needs at least 2.147.534.623|2,147,534,623'
            Action = { $text | Invoke-RnnTraining -Model $model -Epochs 1 -BatchSize 46341 -NumSteps 46341 } }
        @{ Case = 'Invoke-RnnTraining -MaxTokens below one batch'; Id = 'PSRnn.CorpusTooShort'; Category = 'InvalidData'; Advice = 'Raise -MaxTokens'
            Action = { $text | Invoke-RnnTraining -Model $model -Epochs 1 -BatchSize 4 -NumSteps 8 -MaxTokens 20 } }
        @{ Case = 'New-RnnModel -HiddenSize 100000 (about 40 GB of weights)'; Id = 'PSRnn.InsufficientMemory'; Category = 'ResourceUnavailable'; Advice = 'needs about .*GiB of memory.*Lower -HiddenSize'
            Action = { $text | New-RnnModel -HiddenSize 100000 -Threads 1 } }
        @{ Case = 'New-RnnModel -NumLayers ([int]::MaxValue)'; Id = 'PSRnn.InsufficientMemory'; Category = 'ResourceUnavailable'; Advice = 'Lower -HiddenSize or -NumLayers'
            Action = { $text | New-RnnModel -HiddenSize 8 -NumLayers ([int]::MaxValue) -Threads 1 } }
        @{ Case = 'New-RnnModel -HiddenSize and -NumLayers at [int]::MaxValue (a size past Int64)'; Id = 'PSRnn.InsufficientMemory'; Category = 'ResourceUnavailable'; Advice = 'more memory than any machine has'
            Action = { $text | New-RnnModel -HiddenSize ([int]::MaxValue) -NumLayers ([int]::MaxValue) -Threads 1 } }
        @{ Case = 'Import-RnnModel of a manifest asking for 100,000 hidden units'; Id = 'PSRnn.InsufficientMemory'; Category = 'ResourceUnavailable'; Advice = 'Lower -HiddenSize'
            Action = { Import-RnnModel -LiteralPath $crafted } }
        @{ Case = 'Get-RnnPrediction -Length ([int]::MaxValue)'; Id = 'PSRnn.InsufficientMemory'; Category = 'ResourceUnavailable'; Advice = 'Generating 2.147.483.647 tokens|2,147,483,647 tokens.*Lower -Length'
            Action = { Get-RnnPrediction -Model $model -Prefix 'the' -Length ([int]::MaxValue) } }
        @{ Case = 'Invoke-RnnTraining -LearningRate 1e9 -GradientClip 1e12 (an explosion that stays finite)'; Id = 'PSRnn.TrainingDiverged'; Category = 'InvalidResult'; Advice = 'above the limit.*were restored.*Lower -LearningRate'
            Action = { $text | Invoke-RnnTraining -Model $model -Epochs 2 -BatchSize 4 -NumSteps 8 -LearningRate 1e9 -GradientClip 1e12 } }

        @{ Case = 'Invoke-RnnTraining -WeightDecay 1e308 (beyond float32, which libtorch computes in)'; Id = 'PSRnn.InvalidHyperparameter'; Category = 'InvalidArgument'; Advice = 'WeightDecay is 1E\+308.*no larger than 3.4E\+38'
            Action = { $text | Invoke-RnnTraining -Model $model -Epochs 1 -BatchSize 4 -NumSteps 8 -WeightDecay 1e308 } }
        @{ Case = 'Invoke-RnnTraining -LearningRate 1e39'; Id = 'PSRnn.InvalidHyperparameter'; Category = 'InvalidArgument'; Advice = 'LearningRate is 1E\+39.*float32'
            Action = { $text | Invoke-RnnTraining -Model $model -Epochs 1 -BatchSize 4 -NumSteps 8 -LearningRate 1e39 } }
        @{ Case = 'Get-HiddenState of a text whose trace cannot fit in memory'; Id = 'PSRnn.InsufficientMemory'; Category = 'ResourceUnavailable'; Advice = 'A trace of .* tokens.*Give a shorter -Text'
            Action = { Get-HiddenState -Model $wide -Text ('the time ' * 250000) } }
        @{ Case = 'New-RnnModel of a text whose only word is <unk>'; Id = 'PSRnn.EmptyText'; Category = 'InvalidData'; Advice = 'only token is <unk>'
            Action = { '<unk> <unk>' | New-RnnModel -Tokenization Word -Preprocessing None -Threads 1 } }

        # --- Non-finite data
        @{ Case = 'Get-HiddenState -InitialState of NaNs'; Id = 'PSRnn.InvalidInitialState'; Category = 'InvalidArgument'; Advice = 'holds NaN at index 0.*finite numbers'
            Action = { Get-HiddenState -Model $model -Text 'the' -InitialState ([float[]](@([float]::NaN) * 16)) } }
        @{ Case = 'Get-HiddenState -InitialState with an infinity'; Id = 'PSRnn.InvalidInitialState'; Category = 'InvalidArgument'; Advice = 'holds .* at index 5'
            Action = { Get-HiddenState -Model $model -Text 'the' -InitialState ([float[]](0, 0, 0, 0, 0, [float]::PositiveInfinity, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)) } }

        # --- Disposed models, to every cmdlet that takes one
        @{ Case = 'Invoke-RnnTraining of a disposed model'; Id = 'PSRnn.ModelDisposed'; Category = 'InvalidOperation'; Advice = 'was disposed.*training cannot use it.*New-RnnModel'
            Action = { $text | Invoke-RnnTraining -Model $disposed -Epochs 1 -BatchSize 4 -NumSteps 8 } }
        @{ Case = 'Measure-Perplexity of a disposed model'; Id = 'PSRnn.ModelDisposed'; Category = 'InvalidOperation'; Advice = 'was disposed.*Import-RnnModel'
            Action = { $text | Measure-Perplexity -Model $disposed } }
        @{ Case = 'Get-HiddenState of a disposed model'; Id = 'PSRnn.ModelDisposed'; Category = 'InvalidOperation'; Advice = 'was disposed'
            Action = { Get-HiddenState -Model $disposed -Text 'the' } }
        @{ Case = 'Get-RnnPrediction of a disposed model'; Id = 'PSRnn.ModelDisposed'; Category = 'InvalidOperation'; Advice = 'was disposed'
            Action = { Get-RnnPrediction -Model $disposed -Prefix 'the' } }
        @{ Case = 'Export-RnnModel -Force of a disposed model over a good model file (which stays good)'; Id = 'PSRnn.ModelDisposed'; Category = 'InvalidOperation'; Advice = 'was disposed.*export cannot use it'
            Action = { Export-RnnModel -Model $disposed -Path $goodModel -Force } }
        @{ Case = 'a disposed model piped into Export-RnnModel'; Id = 'PSRnn.ModelDisposed'; Category = 'InvalidOperation'; Advice = 'was disposed'
            Action = { $disposed | Export-RnnModel -Path (Join-Path $TestDrive 'never.psrnn') } }
    ) {
        if ($NeedsUnix -and -not $onUnix) { Set-ItResult -Skipped -Because 'FIFOs and symbolic links are made with Unix tools here'; return }
        if ($NeedsLinux -and -not $IsLinux) { Set-ItResult -Skipped -Because '/proc/self/mem is Linux''s'; return }
        if ($NeedsDevice -and -not $hasDevice) { Set-ItResult -Skipped -Because 'making a device node needs root on Linux'; return }
        Assert-Refusal $Action -Id $Id -Category $Category -Advice $Advice -Model $model -ProbeText $probeText
    }

    It 'the good model file is still good after the refused export of a disposed model' {
        (Import-RnnModel -LiteralPath $goodModel).EpochsTrained | Should -Be 1
    }

    It 'an extreme temperature samples without NaN: a subnormal one is greedy, a huge one still picks tokens' {
        $greedy = (Get-RnnPrediction -Model $model -Prefix 'the' -Length 20).Text
        (Get-RnnPrediction -Model $model -Prefix 'the' -Length 20 -Temperature 4.9e-324 -Seed 3).Text | Should -Be $greedy
        (Get-RnnPrediction -Model $model -Prefix 'the' -Length 20 -Temperature 1e308 -Seed 3).Tokens.Count | Should -Be 20
    }

    It 'a file name of 230 bytes can be exported, checkpointed and plotted (the temporary name beside it fits too)' {
        $stem = Join-Path $TestDrive ('m' * 224)
        (Export-RnnModel -Model $model -Path "$stem.psrnn" -PassThru).Name.Length | Should -Be 230
        $records = @($text | Invoke-RnnTraining -Model (New-TestModel -Text $text -HiddenSize 8) -Epochs 1 -BatchSize 4 -NumSteps 8 -CheckpointPath "$stem.ckpt")
        (Import-RnnModel -LiteralPath "$stem.ckpt").EpochsTrained | Should -Be 1
        ($records | Export-RnnPlot -Path "$stem.png" -PassThru).Name.Length | Should -Be 228
    }
}
