# Export-RnnPlot: epoch records in, a PNG or SVG of the requested size out.

BeforeAll {
    Import-Module $env:PSRNN_TEST_MODULE -Force
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $text = New-TestText -Length 1500 -Seed 4
    $runs = foreach ($reset in 'EveryBatch', 'EveryEpoch') {
        $model = New-TestModel -Text $text -HiddenSize 8
        $text | Invoke-RnnTraining -Model $model -Epochs 3 -BatchSize 4 -NumSteps 8 -StateReset $reset -ValidationFraction 0.1
    }

    function Get-PngSize([string] $path) {
        $bytes = [System.IO.File]::ReadAllBytes($path)
        $signature = [byte[]](0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A)
        if (-not [System.Linq.Enumerable]::SequenceEqual($signature, [byte[]]$bytes[0..7])) { throw "$path is not a PNG" }
        # IHDR is the first chunk: width and height are big-endian 32-bit integers at offsets 16 and 20.
        $be = { param($at) ([int]$bytes[$at] -shl 24) -bor ([int]$bytes[$at + 1] -shl 16) -bor ([int]$bytes[$at + 2] -shl 8) -bor $bytes[$at + 3] }
        [pscustomobject]@{ Chunk = [System.Text.Encoding]::ASCII.GetString($bytes, 12, 4); Width = & $be 16; Height = & $be 20 }
    }
}

Describe 'Export-RnnPlot' {
    It 'writes a valid PNG of the requested size' {
        $path = Join-Path $TestDrive 'curves.png'
        $runs | Export-RnnPlot -Path $path -GroupBy StateReset -Width 640 -Height 360
        $size = Get-PngSize $path
        $size.Chunk | Should -Be 'IHDR'
        ($size.Width, $size.Height) | Should -Be @(640, 360)
    }

    It 'writes a valid SVG of the requested size, with a legend entry per curve' {
        $path = Join-Path $TestDrive 'curves.svg'
        $runs | Export-RnnPlot -Path $path -GroupBy StateReset -Width 500 -Height 300 -LogScale
        $svg = [xml](Get-Content -Raw -LiteralPath $path)
        $svg.DocumentElement.LocalName | Should -Be 'svg'
        ($svg.svg.width, $svg.svg.height) | Should -Be @('500', '300')
        $content = Get-Content -Raw -LiteralPath $path
        $content | Should -Match 'StateReset=EveryBatch'
        $content | Should -Match 'EveryEpoch \(validation\)'
    }

    It 'plots records that went through Export-Csv and Import-Csv' {
        $csv = Join-Path $TestDrive 'runs.csv'
        $runs | Export-Csv -LiteralPath $csv
        $png = Join-Path $TestDrive 'from-csv.png'
        Import-Csv -LiteralPath $csv | Export-RnnPlot -Path $png -GroupBy StateReset -PassThru | Should -BeOfType ([System.IO.FileInfo])
        (Get-PngSize $png).Width | Should -Be 800
    }

    It 'refuses <Case>' -ForEach @(
        @{ Case = 'an extension it cannot write'; Id = 'UnsupportedPlotFormat'; File = 'curves.jpg'; Records = 'runs' }
        @{ Case = 'records without Epoch and Perplexity'; Id = 'InvalidPlotInput'; File = 'bad.png'; Records = 'strings' }
    ) {
        $path = Join-Path $TestDrive $File
        $records = if ($Records -eq 'runs') { $runs } else { 'not', 'records' }
        $err = { $records | Export-RnnPlot -Path $path -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -Match "^PSRnn\.($Id),"
        Test-Path -LiteralPath $path | Should -BeFalse
    }

    It 'keeps an existing file with -NoClobber' {
        $path = Join-Path $TestDrive 'keep.png'
        Set-Content -LiteralPath $path -Value 'old'
        { $runs | Export-RnnPlot -Path $path -NoClobber -ErrorAction Stop } | Should -Throw -ErrorId 'PSRnn.FileExists,PSRnn.Commands.ExportRnnPlotCommand'
        Get-Content -LiteralPath $path | Should -Be 'old'
    }
}
