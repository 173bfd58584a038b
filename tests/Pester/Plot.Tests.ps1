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
        $content | Should -Match 'StateReset=EveryEpoch'
        $content | Should -Match '>validation<|validation'
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

Describe 'Export-RnnPlot layout for reports' {
    BeforeAll {
        function New-Series([string] $label, [double[]] $values, [int] $group, [switch] $validation) {
            [PSRnn.Engine.Plotting.PlotSeries]::new($label, [double[]](1..$values.Count), $values, [bool]$validation, $group)
        }
        function New-Curves([double[][]] $points) {
            # Pixel points of one curve, as LegendPlacement takes them.
            $curve = [System.Collections.Generic.List[System.ValueTuple[double, double]]]::new()
            foreach ($p in $points) { $curve.Add([System.ValueTuple[double, double]]::new($p[0], $p[1])) }
            $curves = [System.Collections.Generic.List[System.Collections.Generic.IReadOnlyList[System.ValueTuple[double, double]]]]::new()
            $curves.Add($curve)
            , $curves
        }
        function Get-Layout([object[]] $series, [switch] $log) {
            [PSRnn.Engine.Plotting.CurvePlot]::Layout([PSRnn.Engine.Plotting.PlotSeries[]]$series, 800, 500, [bool]$log, 'title', 'Perplexity')
        }
    }

    It 'labels whole-number epochs only, for a run of <Epochs> epochs' -ForEach @(@{ Epochs = 3 }, @{ Epochs = 7 }, @{ Epochs = 500 }) {
        $values = [double[]](1..$Epochs | ForEach-Object { 20 / $_ + 1 })
        $layout = Get-Layout @(New-Series 'run' $values 0) -log
        $layout.EpochTicks.Count | Should -BeGreaterOrEqual 3
        foreach ($tick in $layout.EpochTicks) {
            $tick.Value | Should -Be ([Math]::Round($tick.Value))
            $tick.Label | Should -Match '^\d+$'
        }
        if ($Epochs -le 7) { $layout.EpochTicks.Value | Should -Be (1..$Epochs) }
    }

    It 'draws the short run''s epochs as whole numbers in the file itself' {
        $path = Join-Path $TestDrive 'three.svg'
        # Perplexities 400, 300, 200: whole-number value labels too, so any fraction would be an epoch.
        1..3 | ForEach-Object { [pscustomobject]@{ Epoch = $_; Perplexity = 100 * (5 - $_) } } | Export-RnnPlot -Path $path
        $labels = ([xml](Get-Content -Raw -LiteralPath $path)).SelectNodes('//*[local-name()="text"]') | ForEach-Object { $_.InnerText.Trim() }
        foreach ($epoch in '1', '2', '3') { $labels | Should -Contain $epoch }
        $labels | Where-Object { $_ -match '^\d+\.\d+$' } | Should -BeNullOrEmpty -Because 'epochs are whole numbers (was 1.2, 1.4, ...)'
    }

    It 'labels a log axis under a decade with at least four values in order (<Low> to <High>)' -ForEach @(
        @{ Low = 1.3; High = 1.9 }, @{ Low = 1.2; High = 9 }, @{ Low = 2; High = 14 }
    ) {
        $ticks = @([PSRnn.Engine.Plotting.AxisTicks]::Log($Low, $High) | Where-Object IsMajor)
        $ticks.Count | Should -BeGreaterOrEqual 4
        for ($i = 1; $i -lt $ticks.Count; $i++) { $ticks[$i].Value | Should -BeGreaterThan $ticks[$i - 1].Value }
        foreach ($tick in $ticks) { [double]$tick.Label | Should -Be ([Math]::Round($tick.Value, 4)) }
    }

    It 'keeps 1, 2 and 5 for ranges over two decades and labels only powers of ten beyond' {
        @([PSRnn.Engine.Plotting.AxisTicks]::Log(1.1, 300) | Where-Object IsMajor).Label | Should -Be @('2', '5', '10', '20', '50', '100', '200')
        @([PSRnn.Engine.Plotting.AxisTicks]::Log(1, 1e5) | Where-Object IsMajor).Label | Should -Be @('1', '10', '100', '1000', '1E+04', '1E+05')
    }

    It 'gives <Groups> groups <Groups> distinct colour-blind-safe colours, the same that the plot uses' -ForEach @(@{ Groups = 2 }, @{ Groups = 8 }, @{ Groups = 9 }) {
        $colours = [PSRnn.Engine.Plotting.Palette]::For($Groups)
        @($colours | Sort-Object -Unique).Count | Should -Be $Groups
        $series = foreach ($g in 0..($Groups - 1)) { New-Series "g$g" @(5, 4, 3) $g }
        (Get-Layout $series).Colours | Should -Be $colours
        if ($Groups -le 8) { $colours | Should -BeIn @('#0072B2', '#E69F00', '#009E73', '#D55E00', '#CC79A7', '#56B4E9', '#000000', '#F0E442') }
    }

    It 'puts the legend inside the axes where a corner is free' {
        $falling = New-Series 'falling' @(10, 5, 3, 2.5, 2.2, 2.1) 0
        $held = New-Series 'falling' @(10, 6, 4, 3.5, 3.3, 3.2) 0 -validation
        (Get-Layout @($falling, $held) -log).Legend | Should -Not -Be 'Outside'
    }

    It 'puts the legend in the first free corner, as the curves lie' {
        $fit = [PSRnn.Engine.Plotting.LegendPlacement]::Choose(800, 500, 200, 100, 10, (New-Curves (0..10 | ForEach-Object { , @(($_ * 80), 400) })))
        ($fit.Position, $fit.Headroom) | Should -Be @('UpperRight', 0)
    }

    It 'makes room above the curves for it when no corner is free, up to a quarter of the axis' {
        # Curves near the top and the bottom: the box (100 + 2 x 10 px high) needs (120 - 60) / (500 - 120) of the range added on top.
        $curves = New-Curves (0..10 | ForEach-Object { , @(($_ * 80), 60) })
        $curves.Add((New-Curves (0..10 | ForEach-Object { , @(($_ * 80), 440) }))[0])
        $fit = [PSRnn.Engine.Plotting.LegendPlacement]::Choose(800, 500, 200, 100, 10, $curves)
        $fit.Position | Should -Be 'UpperRight'
        $fit.Headroom | Should -BeGreaterThan 0.157
        $fit.Headroom | Should -BeLessThan 0.159
    }

    It 'puts the legend outside when every corner would need more room than that' {
        $fit = [PSRnn.Engine.Plotting.LegendPlacement]::Choose(800, 500, 200, 100, 10, (New-Curves @(@(5, 5), @(795, 5), @(795, 495), @(5, 495))))
        $fit.Position | Should -Be 'Outside'
    }

    It 'sees a segment that crosses a corner between two points' {
        ([PSRnn.Engine.Plotting.LegendPlacement]::Choose(800, 500, 200, 100, 10, (New-Curves @(@(500, 0), @(800, 120))))).Position | Should -Be 'UpperLeft'
    }
}
