using ScottPlot;

namespace PSRnn.Engine.Plotting;

/// <summary>Draws training curves (perplexity against epoch, one colour per group) to PNG or SVG.</summary>
public static class CurvePlot
{
    public static PlotFormat FormatOf(string path) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".png" => PlotFormat.Png,
        ".svg" => PlotFormat.Svg,
        var other => throw new ArgumentException(
            $"A plot is written as .png or .svg, chosen by the file extension; '{other}' is neither. Give a path ending in .png or .svg.", nameof(path)),
    };

    /// <summary>Renders the series and writes the file atomically (temporary file, then rename).</summary>
    public static void Save(IReadOnlyList<PlotSeries> series, string path, int width, int height, string title, string yLabel, bool logScale)
    {
        if (series.Count == 0) throw new ArgumentException("There is nothing to plot: no series were given.", nameof(series));
        var format = FormatOf(path);
        using var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        foreach (var curve in series)
        {
            var ys = curve.Values.Select(v => logScale ? Math.Log10(v) : v).ToArray();
            // Validation in the group's colour, lighter: Skia's SVG backend cannot draw dashes.
            var colour = palette.GetColor(curve.Group);
            var line = plot.Add.Scatter(curve.Epochs.ToArray(), ys, curve.IsValidation ? colour.WithAlpha(0.45) : colour);
            line.LegendText = curve.Label;
            line.MarkerSize = curve.Epochs.Count > 40 ? 0 : 4;
            line.LineWidth = curve.IsValidation ? 3 : 2;
        }
        if (logScale)
        {
            // Ticks at powers of ten and their multiples, labelled with the real values.
            plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
            {
                MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
                LabelFormatter = y => Math.Pow(10, y).ToString("G3"),
            };
        }
        plot.Title(title);
        plot.XLabel("Epoch");
        plot.YLabel(logScale ? yLabel + " (log scale)" : yLabel);
        plot.ShowLegend(Alignment.UpperRight);

        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var temporary = Path.Combine(folder, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp{Path.GetExtension(path)}");
        try
        {
            if (format == PlotFormat.Png) plot.SavePng(temporary, width, height);
            else plot.SaveSvg(temporary, width, height);
            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
    }
}
