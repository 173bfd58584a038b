using PSRnn.Engine.IO;
using ScottPlot;

namespace PSRnn.Engine.Plotting;

/// <summary>What a plot's layout came to: its colours per group, its ticks and where its legend went.</summary>
public sealed record PlotLayout(IReadOnlyList<string> Colours, IReadOnlyList<AxisTick> EpochTicks, IReadOnlyList<AxisTick> ValueTicks,
                                LegendPosition Legend);

/// <summary>
/// Draws training curves (a value against epoch) to PNG or SVG for reports: one colour-blind-safe colour
/// per group, training solid and validation dashed in the same colour, one legend entry per group (plus
/// the two line styles), the legend inside the axes where a corner is free of curves (or can be made free
/// with a little room on the y axis), whole-number epoch
/// ticks, and log-axis labels that suit the range.
/// </summary>
public static class CurvePlot
{
    private const float LegendMargin = 10;

    public static PlotFormat FormatOf(string path) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".png" => PlotFormat.Png,
        ".svg" => PlotFormat.Svg,
        var other => throw new ArgumentException(
            $"A plot is written as .png or .svg, chosen by the file extension; '{other}' is neither. Give a path ending in .png or .svg.", nameof(path)),
    };

    /// <summary>The layout <see cref="Save"/> gives these series at this size, without writing a file.</summary>
    public static PlotLayout Layout(IReadOnlyList<PlotSeries> series, int width, int height, bool logScale, string title = "", string yLabel = "Perplexity")
    {
        using var plot = Build(series, width, height, title, yLabel, logScale, PlotFormat.Png, out var layout);
        return layout;
    }

    /// <summary>Renders the series and writes the file atomically (<see cref="AtomicFile"/>); returns the path written.</summary>
    public static string Save(IReadOnlyList<PlotSeries> series, string path, int width, int height, string title, string yLabel, bool logScale)
    {
        var format = FormatOf(path);
        using var plot = Build(series, width, height, title, yLabel, logScale, format, out _);
        return AtomicFile.Write(path, FileRole.Plot, temporary =>
        {
            if (format == PlotFormat.Png) plot.SavePng(temporary, width, height);
            else plot.SaveSvg(temporary, width, height);
        });
    }

    private static Plot Build(IReadOnlyList<PlotSeries> series, int width, int height, string title, string yLabel, bool logScale,
                              PlotFormat format, out PlotLayout layout)
    {
        if (series.Count == 0) throw new ArgumentException("There is nothing to plot: no series were given.", nameof(series));
        var groups = series.Select(s => s.Group).Distinct().Order().ToList();
        var colours = Palette.For(groups.Count);
        var colourOf = groups.Select((g, i) => (g, Color.FromHex(colours[i]))).ToDictionary(p => p.g, p => p.Item2);
        var plot = new Plot();
        try
        {
            var curves = new List<(double[] X, double[] Y)>();
            foreach (var curve in series)
            {
                var xs = curve.Epochs.ToArray();
                var ys = curve.Values.Select(v => logScale ? Math.Log10(v) : v).ToArray();
                curves.Add((xs, ys));
                var line = plot.Add.Scatter(xs, ys, colourOf[curve.Group]);
                line.LineWidth = 2;
                line.MarkerSize = xs.Length > 40 ? 0 : 5;
                if (curve.IsValidation) StyleValidation(line, format);
            }
            AddLegendItems(plot, series, colourOf, format);
            plot.Title(title);
            plot.XLabel("Epoch");
            plot.YLabel(logScale ? yLabel + " (log scale)" : yLabel);

            plot.Axes.AutoScale();
            var limits = plot.Axes.GetLimits();
            var epochTicks = AxisTicks.Epochs(Math.Max(limits.Left, series.Min(s => s.Epochs.Min())), limits.Right, Math.Max(3, width / 90));
            plot.Axes.Bottom.TickGenerator = Manual(epochTicks, t => t.Value);

            var valueTicks = LabelValues(plot, logScale);
            var position = PlaceLegend(plot, curves, width, height);
            // Again: room made for the legend widens the y range the labels cover.
            valueTicks = LabelValues(plot, logScale);
            layout = new PlotLayout(colours, epochTicks, valueTicks, position);
            return plot;
        }
        catch
        {
            plot.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Validation curves are dashed in their group's colour. Skia's SVG backend draws no dashes (it drops
    /// the path effect with a console warning), so in SVG they are drawn lighter instead.
    /// </summary>
    private static void StyleValidation(ScottPlot.Plottables.Scatter line, PlotFormat format)
    {
        if (format == PlotFormat.Png) line.LinePattern = LinePattern.Dashed;
        else line.Color = line.Color.WithAlpha(0.45);
    }

    /// <summary>One entry per group in its colour, then what solid and dashed (or light) lines mean when validation is drawn.</summary>
    private static void AddLegendItems(Plot plot, IReadOnlyList<PlotSeries> series, Dictionary<int, Color> colourOf, PlotFormat format)
    {
        foreach (var group in series.Where(s => !s.IsValidation).GroupBy(s => s.Group).OrderBy(g => g.Key))
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = group.First().Label, LineColor = colourOf[group.Key], LineWidth = 2 });
        if (!series.Any(s => s.IsValidation)) return;
        var grey = Color.FromHex("#555555");
        plot.Legend.ManualItems.Add(new LegendItem { LabelText = "training", LineColor = grey, LineWidth = 2 });
        var validation = new LegendItem { LabelText = "validation", LineColor = grey, LineWidth = 2 };
        if (format == PlotFormat.Png) validation.LinePattern = LinePattern.Dashed;
        else validation.LineColor = grey.WithAlpha(0.45);
        plot.Legend.ManualItems.Add(validation);
    }

    /// <summary>
    /// Renders once to learn the legend's size and the axes' pixels, then puts the legend where <see cref="LegendPlacement"/>
    /// says, widening the y axis when it makes room for it there.
    /// </summary>
    private static LegendPosition PlaceLegend(Plot plot, List<(double[] X, double[] Y)> curves, int width, int height)
    {
        plot.Legend.Margin = new PixelPadding(LegendMargin);
        plot.Legend.SymbolWidth = 28; // long enough to show a dash
        plot.ShowLegend(Alignment.UpperRight);
        plot.RenderInMemory(width, height);
        var area = plot.LastRender.DataRect;
        var legend = plot.Legend.LastRenderSize;
        var pixels = curves.Select(c => (IReadOnlyList<(double X, double Y)>)c.X.Zip(c.Y, (x, y) =>
        {
            var pixel = plot.GetPixel(new Coordinates(x, y));
            return ((double)pixel.X - area.Left, (double)pixel.Y - area.Top);
        }).ToList());
        var fit = LegendPlacement.Choose(area.Width, area.Height, legend.Width, legend.Height, LegendMargin, pixels);
        var position = fit.Position;
        if (fit.Headroom > 0)
        {
            var (bottom, top) = (plot.Axes.GetLimits().Bottom, plot.Axes.GetLimits().Top);
            var room = fit.Headroom * (top - bottom);
            if (position is LegendPosition.UpperLeft or LegendPosition.UpperRight) plot.Axes.SetLimitsY(bottom, top + room);
            else plot.Axes.SetLimitsY(bottom - room, top);
        }
        if (position == LegendPosition.Outside) plot.ShowLegend(Edge.Right);
        else plot.ShowLegend(position switch
        {
            LegendPosition.UpperLeft => Alignment.UpperLeft,
            LegendPosition.LowerLeft => Alignment.LowerLeft,
            LegendPosition.LowerRight => Alignment.LowerRight,
            _ => Alignment.UpperRight,
        });
        return position;
    }

    /// <summary>Log-axis ticks for the current y range (none on a linear axis, which keeps ScottPlot's own).</summary>
    private static IReadOnlyList<AxisTick> LabelValues(Plot plot, bool logScale)
    {
        if (!logScale) return Array.Empty<AxisTick>();
        var limits = plot.Axes.GetLimits();
        var ticks = AxisTicks.Log(Math.Pow(10, limits.Bottom), Math.Pow(10, limits.Top));
        plot.Axes.Left.TickGenerator = Manual(ticks, t => Math.Log10(t.Value));
        return ticks;
    }

    private static ScottPlot.TickGenerators.NumericManual Manual(IReadOnlyList<AxisTick> ticks, Func<AxisTick, double> position)
    {
        var generator = new ScottPlot.TickGenerators.NumericManual();
        foreach (var tick in ticks)
        {
            if (tick.IsMajor) generator.AddMajor(position(tick), tick.Label);
            else generator.AddMinor(position(tick));
        }
        return generator;
    }
}
