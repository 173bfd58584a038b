using PSRnn.Engine.IO;
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

    /// <summary>Ticks at 1, 2 and 5 times powers of ten, labelled with the real values, over the data's range.</summary>
    private static ScottPlot.TickGenerators.NumericManual LogTicks(IReadOnlyList<PlotSeries> series)
    {
        var values = series.SelectMany(s => s.Values).Where(v => v > 0).ToArray();
        var (low, high) = (Math.Floor(Math.Log10(values.Min())), Math.Ceiling(Math.Log10(values.Max())));
        var ticks = new ScottPlot.TickGenerators.NumericManual();
        for (var power = low; power <= high; power++)
        {
            foreach (var step in new[] { 1.0, 2.0, 5.0 })
            {
                var value = step * Math.Pow(10, power);
                ticks.AddMajor(Math.Log10(value), value.ToString("G3", System.Globalization.CultureInfo.InvariantCulture));
            }
            for (var minor = 3; minor <= 9; minor++)
                if (minor != 5) ticks.AddMinor(Math.Log10(minor * Math.Pow(10, power)));
        }
        return ticks;
    }

    /// <summary>Renders the series and writes the file atomically (<see cref="AtomicFile"/>); returns the path written.</summary>
    public static string Save(IReadOnlyList<PlotSeries> series, string path, int width, int height, string title, string yLabel, bool logScale)
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
        if (logScale) plot.Axes.Left.TickGenerator = LogTicks(series);
        plot.Title(title);
        plot.XLabel("Epoch");
        plot.YLabel(logScale ? yLabel + " (log scale)" : yLabel);
        // Beside the plot, not over the curves: a sweep has many of them.
        plot.ShowLegend(Edge.Right);

        return AtomicFile.Write(path, FileRole.Plot, temporary =>
        {
            if (format == PlotFormat.Png) plot.SavePng(temporary, width, height);
            else plot.SaveSvg(temporary, width, height);
        });
    }
}
