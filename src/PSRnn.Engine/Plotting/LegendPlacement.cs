namespace PSRnn.Engine.Plotting;

/// <summary>Where a plot's legend goes: in a corner of the axes that no curve crosses, or outside on the right.</summary>
public enum LegendPosition { UpperRight, UpperLeft, LowerLeft, LowerRight, Outside }

/// <summary>
/// A legend's place, and the room to add above (upper corners) or below (lower corners) the curves for
/// it, as a fraction of the y axis' range; 0 when a corner was free as the curves lie.
/// </summary>
public sealed record LegendFit(LegendPosition Position, double Headroom);

public static class LegendPlacement
{
    /// <summary>The most room added to the y axis (a quarter of its range) to keep a legend off the curves.</summary>
    public const double MaxHeadroom = 0.25;

    /// <summary>
    /// The first corner, in <see cref="LegendPosition"/>'s order of preference, where a legend of
    /// <paramref name="legendWidth"/> × <paramref name="legendHeight"/> pixels with <paramref name="margin"/>
    /// from the axes' edges covers none of <paramref name="curves"/> (pixel points, y down, in an axes area
    /// of <paramref name="areaWidth"/> × <paramref name="areaHeight"/>; the segments between points count too).
    /// Failing that, the corner that needs the least room added to the y axis, up to <see cref="MaxHeadroom"/>;
    /// Outside when even that does not fit.
    /// </summary>
    public static LegendFit Choose(double areaWidth, double areaHeight, double legendWidth, double legendHeight, double margin,
                                   IEnumerable<IReadOnlyList<(double X, double Y)>> curves)
    {
        // The margin from the axes' edges, and as much again between the box (and its shadow) and the curves.
        var (w, h) = (legendWidth + 2 * margin, legendHeight + 2 * margin);
        if (w > areaWidth || h > areaHeight) return new LegendFit(LegendPosition.Outside, 0);
        var points = Sampled(curves).ToList();
        var fits = new List<LegendFit>();
        foreach (var position in new[] { LegendPosition.UpperRight, LegendPosition.UpperLeft, LegendPosition.LowerLeft, LegendPosition.LowerRight })
        {
            var left = position is LegendPosition.UpperRight or LegendPosition.LowerRight ? areaWidth - w : 0;
            var below = points.Where(p => p.X >= left && p.X <= left + w).Select(p => p.Y).ToList();
            var upper = position is LegendPosition.UpperRight or LegendPosition.UpperLeft;
            // Growing the range by a fraction f moves a point at y to (y + f·H)/(1 + f) (room on top) or y/(1 + f) (room below).
            var headroom = below.Count == 0 ? 0
                : upper ? Math.Max(0, (h - below.Min()) / (areaHeight - h))
                : Math.Max(0, below.Max() / (areaHeight - h) - 1);
            fits.Add(new LegendFit(position, headroom));
        }
        var free = fits.FirstOrDefault(f => f.Headroom == 0);
        if (free is not null) return free;
        var least = fits.MinBy(f => f.Headroom)!;
        return least.Headroom <= MaxHeadroom ? least : new LegendFit(LegendPosition.Outside, 0);
    }

    /// <summary>Every point and eight more along each segment, so that a short run's few points cannot straddle a box unseen.</summary>
    private static IEnumerable<(double X, double Y)> Sampled(IEnumerable<IReadOnlyList<(double X, double Y)>> curves)
    {
        foreach (var curve in curves)
        {
            for (var i = 0; i < curve.Count; i++)
            {
                var (from, to) = (curve[Math.Max(i - 1, 0)], curve[i]);
                for (var s = 1; s <= 8; s++) yield return (from.X + (to.X - from.X) * s / 8, from.Y + (to.Y - from.Y) * s / 8);
            }
        }
    }
}
