namespace PSRnn.Engine.Plotting;

/// <summary>Where a plot's legend goes: in a corner of the axes that no curve crosses, or outside on the right.</summary>
public enum LegendPosition { UpperRight, UpperLeft, LowerLeft, LowerRight, Outside }

public static class LegendPlacement
{
    /// <summary>
    /// The first corner, in <see cref="LegendPosition"/>'s order of preference, where a legend of
    /// <paramref name="legendWidth"/> × <paramref name="legendHeight"/> pixels with <paramref name="margin"/>
    /// from the axes' edges covers none of <paramref name="curves"/> (pixel points, y down, in an axes area
    /// of <paramref name="areaWidth"/> × <paramref name="areaHeight"/>; the segments between points count too);
    /// Outside when every corner would hide part of a curve.
    /// </summary>
    public static LegendPosition Choose(double areaWidth, double areaHeight, double legendWidth, double legendHeight, double margin,
                                        IEnumerable<IReadOnlyList<(double X, double Y)>> curves)
    {
        var (w, h) = (legendWidth + margin, legendHeight + margin);
        if (w > areaWidth || h > areaHeight) return LegendPosition.Outside;
        var boxes = new Dictionary<LegendPosition, (double Left, double Top)>
        {
            [LegendPosition.UpperRight] = (areaWidth - w, 0),
            [LegendPosition.UpperLeft] = (0, 0),
            [LegendPosition.LowerLeft] = (0, areaHeight - h),
            [LegendPosition.LowerRight] = (areaWidth - w, areaHeight - h),
        };
        var free = boxes.Keys.ToHashSet();
        foreach (var curve in curves)
        {
            for (var i = 0; i < curve.Count && free.Count > 0; i++)
            {
                // Sample each segment, so that a short run's few points cannot straddle the box unseen.
                var (from, to) = (curve[Math.Max(i - 1, 0)], curve[i]);
                for (var s = 0; s <= 8; s++)
                {
                    var (x, y) = (from.X + (to.X - from.X) * s / 8, from.Y + (to.Y - from.Y) * s / 8);
                    free.RemoveWhere(p => x >= boxes[p].Left && x <= boxes[p].Left + w && y >= boxes[p].Top && y <= boxes[p].Top + h);
                }
            }
        }
        return boxes.Keys.Where(free.Contains).DefaultIfEmpty(LegendPosition.Outside).First();
    }
}
