namespace PSRnn.Engine.Plotting;

/// <summary>One curve: y against epoch. Validation curves are drawn dashed in their group's colour (lighter in SVG).</summary>
public sealed record PlotSeries(string Label, IReadOnlyList<double> Epochs, IReadOnlyList<double> Values, bool IsValidation = false, int Group = 0);

public enum PlotFormat { Png, Svg }
