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
