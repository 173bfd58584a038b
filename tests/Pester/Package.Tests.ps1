# build.ps1 Package's .nupkg installs with Install-PSResource from a local file repository, and the
# installed module imports and trains. The install runs in a child pwsh whose HOME is a TestDrive
# folder, so the repository registration and the installed module never touch the real user profile.

BeforeDiscovery {
    $packages = $env:PSRNN_TEST_PACKAGES
    $HasPackage = $packages -and (Get-ChildItem -LiteralPath $packages -Filter 'PSRnn.*.nupkg' -ErrorAction Ignore)
}

Describe 'The PSRnn package (skipped unless build.ps1 Test or Package made one)' -Skip:(-not $HasPackage) {
    BeforeAll { . (Join-Path $PSScriptRoot 'TestHelpers.ps1') }

    It 'installs from a local repository with Install-PSResource, then imports and trains' {
        $home_ = Join-Path $TestDrive 'home'
        New-Item -ItemType Directory $home_ | Out-Null
        $script = @'
$ErrorActionPreference = 'Stop'
Register-PSResourceRepository -Name PSRnnLocal -Uri $env:PSRNN_TEST_PACKAGES -Trusted
Install-PSResource -Name PSRnn -Repository PSRnnLocal -Scope CurrentUser -TrustRepository -Quiet
Import-Module PSRnn
$module = Get-Module PSRnn
$text = 'the time traveller said the machine was ready ' * 40
$model = $text | New-RnnModel -HiddenSize 8 -Seed 1 -Threads 1
$epochs = $text | Invoke-RnnTraining -Model $model -Epochs 2 -BatchSize 4 -NumSteps 8
"{0}|{1}|{2}" -f $module.ModuleBase, $epochs.Count, $epochs[-1].Perplexity
'@
        $savedHome = $env:HOME
        try {
            $env:HOME = $home_
            $out = Invoke-Pwsh -Command $script 2>&1
        } finally { $env:HOME = $savedHome }
        $LASTEXITCODE | Should -Be 0 -Because ($out -join "`n")
        $base, $count, $perplexity = ($out | Select-Object -Last 1) -split '\|'
        $base | Should -BeLike "$home_*"
        $count | Should -Be 2
        [double]$perplexity | Should -BeGreaterThan 1
    }
}
