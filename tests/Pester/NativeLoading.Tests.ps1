# Import-Module must fail with the loader's real reason when libtorch cannot load, not with
# TorchSharp's "doesn't contain a reference to libtorch" text. Each case imports a copy of the
# module (big natives linked, not copied) in a child pwsh, since a process loads libtorch only once.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $module = $env:PSRNN_TEST_MODULE

    function New-ModuleCopy([string] $name) {
        $copy = Join-Path $TestDrive $name 'PSRnn'
        New-Item -ItemType Directory $copy -Force | Out-Null
        Get-ChildItem $module -File | ForEach-Object { New-Item -ItemType SymbolicLink -Path (Join-Path $copy $_.Name) -Target $_.FullName | Out-Null }
        $copy
    }

    function Import-InChild([string] $path) {
        $script = "try { Import-Module '$path' -ErrorAction Stop; 'IMPORTED' } catch { 'FAILED: ' + `$_.Exception.Message }"
        (Invoke-Pwsh -Command $script) -join "`n"
    }
}

Describe 'Loading libtorch on import' -Skip:(-not $IsLinux) {
    It 'imports the built module and can compute' {
        $out = Invoke-Pwsh -Command "Import-Module '$module'; (New-RnnModel -Vocabulary a, b -HiddenSize 3 -Seed 1).ParameterCount"
        # Fused RNN, vocabulary 3 (<unk>, a, b), 3 hidden: 3x3 input + 3x3 recurrent + 2x3 biases + 3x3 output + 3 bias
        $out | Should -Be '36'
    }

    It 'names the missing library when one is gone' {
        $copy = New-ModuleCopy 'missing'
        Remove-Item (Join-Path $copy 'libtorch.so')
        $out = Import-InChild $copy
        $out | Should -Match 'FAILED: PSRnn could not load the native library .*libtorch\.so.*missing'
        $out | Should -Match 'build\.ps1'
    }

    It "gives the dynamic loader's reason for a broken library" {
        $copy = New-ModuleCopy 'broken'
        Remove-Item (Join-Path $copy 'libLibTorchSharp.so')
        Set-Content (Join-Path $copy 'libLibTorchSharp.so') 'not a shared library'
        $out = Import-InChild $copy
        $out | Should -Match 'libLibTorchSharp\.so'
        $out | Should -Match 'file too short|invalid ELF header'
        $out | Should -Not -Match "doesn't contain a reference"
    }

    It 'names GLIBCXX_3.4.32 when the unpatched TorchSharp library meets an older libstdc++' {
        $packages = if ($env:NUGET_PACKAGES) { $env:NUGET_PACKAGES } else { Join-Path $HOME '.nuget/packages' }
        $shipped = Join-Path $packages 'torchsharp/0.107.0/runtimes/linux-x64/native/libLibTorchSharp.so'
        $libstdcxx = Get-ChildItem /lib/x86_64-linux-gnu/libstdc++.so.6, /usr/lib/x86_64-linux-gnu/libstdc++.so.6 -ErrorAction Ignore | Select-Object -First 1
        $hostHasIt = $libstdcxx -and (Select-String -Path $libstdcxx.FullName -Pattern 'GLIBCXX_3\.4\.32' -SimpleMatch -Quiet)
        if (-not (Test-Path $shipped) -or $hostHasIt) {
            Set-ItResult -Skipped -Because 'the NuGet copy of TorchSharp is absent or this libstdc++ already has GLIBCXX_3.4.32'
            return
        }
        $copy = New-ModuleCopy 'unpatched'
        Remove-Item (Join-Path $copy 'libLibTorchSharp.so')
        Copy-Item $shipped (Join-Path $copy 'libLibTorchSharp.so')
        Import-InChild $copy | Should -Match "GLIBCXX_3\.4\.32' not found"
    }
}

# oneMKL takes its fast paths on a non-Intel CPU only when its vendor check is answered (MklVendorGate).
# Both sides run in child processes, since a process decides once, when libtorch loads.
Describe 'oneMKL vendor gate' -Skip:(-not $IsLinux -or [Runtime.InteropServices.RuntimeInformation]::OSArchitecture -ne 'X64') {
    BeforeAll {
        $isIntel = (Get-Content /proc/cpuinfo -TotalCount 30 | Select-String '^vendor_id\s*:\s*GenuineIntel') -as [bool]

        # One child: the path it took, New-RnnModel's -Verbose line, a seeded 96x512x512 GEMM written to
        # a file, and the perplexities of a seeded run of a fused RNN and a scratch GRU. At rate 0.5: at
        # rate 1 the fused RNN's second epoch on this one repeated line turns GEMM rounding of 2e-8 into
        # 1e-4 (either path, any summation order), so the check would measure that chaos, not the gate.
        function Invoke-GateProbe([string] $switch, [string] $gemmPath) {
            $script = @"
Import-Module '$module'
`$line = New-RnnModel -Vocabulary a -HiddenSize 2 -Seed 1 -Verbose 4>&1 | Where-Object { `$_ -is [Management.Automation.VerboseRecord] } | Select-Object -Last 1
[TorchSharp.torch]::set_num_threads(1)
`$null = [TorchSharp.torch]::manual_seed(7)
`$product = [TorchSharp.torch]::randn([long[]](96, 512)).matmul([TorchSharp.torch]::randn([long[]](512, 512)))
`$floats = `$product.data[float]().ToArray()
`$bytes = [byte[]]::new(`$floats.Length * 4); [Buffer]::BlockCopy(`$floats, 0, `$bytes, 0, `$bytes.Length)
[IO.File]::WriteAllBytes('$gemmPath', `$bytes)
`$text = 1..40 | ForEach-Object { 'the time traveller held in his hand a glittering metallic framework' }
`$runs = foreach (`$kind in @('Fused', 'Rnn'), @('Scratch', 'Gru')) {
    `$model = `$text | New-RnnModel -Implementation `$kind[0] -CellType `$kind[1] -HiddenSize 96 -Seed 3
    `$text | Invoke-RnnTraining -Model `$model -Epochs 2 -BatchSize 8 -NumSteps 12 -LearningRate 0.5 -GradientClip 1 | ForEach-Object Perplexity
}
@{ Path = [PSRnn.Engine.Native.MklVendorGate]::Path.ToString(); Verbose = `$line.Message; Perplexities = @(`$runs) } | ConvertTo-Json -Compress
"@
            $saved = $env:PSRNN_MKL_VENDOR_SHIM
            try {
                if ($switch) { $env:PSRNN_MKL_VENDOR_SHIM = $switch } else { Remove-Item Env:PSRNN_MKL_VENDOR_SHIM -ErrorAction Ignore }
                $out = Invoke-Pwsh -Command $script
            } finally { $env:PSRNN_MKL_VENDOR_SHIM = $saved }
            $out | Select-Object -Last 1 | ConvertFrom-Json
        }

        function Read-Floats([string] $path) {
            $bytes = [IO.File]::ReadAllBytes($path)
            $floats = [float[]]::new($bytes.Length / 4); [Buffer]::BlockCopy($bytes, 0, $floats, 0, $bytes.Length)
            $floats
        }

        $on = Invoke-GateProbe '' (Join-Path $TestDrive 'on.bin')
        $off = Invoke-GateProbe '0' (Join-Path $TestDrive 'off.bin')
    }

    It 'answers the vendor check on a non-Intel CPU, and -Verbose on New-RnnModel says so' {
        if ($isIntel) { $on.Path | Should -Be 'IntelCpu'; return }
        $on.Path | Should -Be 'Answered'
        $on.Verbose | Should -Match 'vendor check answered by libpsrnn_mkl_vendor\.so'
        $on.Verbose | Should -Match 'PSRNN_MKL_VENDOR_SHIM=0'
    }

    It 'leaves the check alone when PSRNN_MKL_VENDOR_SHIM=0' {
        if ($isIntel) { $off.Path | Should -Be 'IntelCpu'; return }
        $off.Path | Should -Be 'TurnedOff'
        $off.Verbose | Should -Match 'turned off by PSRNN_MKL_VENDOR_SHIM'
    }

    It "computes a GEMM equal to the default path's to float tolerance" {
        $a = Read-Floats (Join-Path $TestDrive 'on.bin')
        $b = Read-Floats (Join-Path $TestDrive 'off.bin')
        $a.Count | Should -Be (96 * 512)
        $worst = 0.0
        for ($i = 0; $i -lt $a.Count; $i++) {
            # Entries are sums of 512 products of N(0, 1) values: scale the error by the entry's typical size.
            $worst = [math]::Max($worst, [math]::Abs($a[$i] - $b[$i]) / [math]::Sqrt(512))
        }
        $worst | Should -BeLessThan 1e-5
        ($a | Measure-Object -Sum).Sum | Should -Not -Be 0
    }

    It 'gives the same seeded training perplexities to 1e-4 relative' {
        $on.Perplexities.Count | Should -Be 4
        for ($i = 0; $i -lt 4; $i++) {
            [math]::Abs($on.Perplexities[$i] - $off.Perplexities[$i]) / $off.Perplexities[$i] | Should -BeLessThan 1e-4
        }
    }
}
