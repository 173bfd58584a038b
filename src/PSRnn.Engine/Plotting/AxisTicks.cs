using System.Globalization;

namespace PSRnn.Engine.Plotting;

/// <summary>A labelled (major) or unlabelled (minor) tick at a value in data units.</summary>
public sealed record AxisTick(double Value, string Label, bool IsMajor = true);

/// <summary>Tick positions for curves against epoch: whole epochs along x, readable labels on a log y axis.</summary>
public static class AxisTicks
{
    /// <summary>
    /// Whole-number epochs between <paramref name="low"/> and <paramref name="high"/>: multiples of the
    /// smallest step of 1, 2 or 5 times a power of ten that gives at most <paramref name="maxTicks"/> labels.
    /// </summary>
    public static IReadOnlyList<AxisTick> Epochs(double low, double high, int maxTicks = 10)
    {
        low = Math.Ceiling(low);
        for (var power = 1.0; ; power *= 10)
        {
            foreach (var multiplier in new[] { 1.0, 2, 5 })
            {
                var step = multiplier * power;
                var first = Math.Ceiling(low / step) * step + 0.0; // + 0.0 turns -0 into 0
                if (Math.Floor((high - first) / step) + 1 > Math.Max(maxTicks, 2)) continue;
                var ticks = new List<AxisTick>();
                for (var value = first; value <= high + 1e-9; value += step)
                    ticks.Add(new AxisTick(value, value.ToString("0", CultureInfo.InvariantCulture)));
                return ticks;
            }
        }
    }

    /// <summary>
    /// Ticks for a log axis spanning <paramref name="low"/> to <paramref name="high"/> (positive values):
    /// under half a decade, evenly spaced round values (1.3, 1.4, ...); under a decade and a half, 1 to 9
    /// times each power of ten; under 3.5 decades 1, 2 and 5 (the rest minor); beyond, powers of ten.
    /// </summary>
    public static IReadOnlyList<AxisTick> Log(double low, double high)
    {
        if (!(low > 0) || !(high > low)) throw new ArgumentOutOfRangeException(nameof(low), low, "A log axis needs 0 < low < high.");
        var decades = Math.Log10(high / low);
        if (decades < 0.5) return Linear(low, high);
        var labelled = decades < 1.5 ? new[] { 1, 2, 3, 4, 5, 6, 7, 8, 9 } : decades < 3.5 ? new[] { 1, 2, 5 } : new[] { 1 };
        var ticks = new List<AxisTick>();
        for (var power = Math.Floor(Math.Log10(low)); power <= Math.Ceiling(Math.Log10(high)); power++)
        {
            for (var digit = 1; digit <= 9; digit++)
            {
                var value = digit * Math.Pow(10, power);
                if (value < low * (1 - 1e-9) || value > high * (1 + 1e-9)) continue;
                var major = labelled.Contains(digit);
                ticks.Add(new AxisTick(value, major ? Label(value) : "", major));
            }
        }
        return ticks;
    }

    private static IReadOnlyList<AxisTick> Linear(double low, double high)
    {
        var step = NiceStep((high - low) / 8, new[] { 1.0, 2, 2.5, 5 });
        var ticks = new List<AxisTick>();
        for (var i = Math.Ceiling(low / step); i * step <= high * (1 + 1e-9); i++)
            ticks.Add(new AxisTick(i * step, Label(i * step)));
        return ticks;
    }

    /// <summary>The smallest multiplier × 10^k not below <paramref name="rough"/>.</summary>
    private static double NiceStep(double rough, double[] multipliers)
    {
        var power = Math.Pow(10, Math.Floor(Math.Log10(rough)));
        foreach (var m in multipliers.Append(10))
            if (m * power >= rough * (1 - 1e-9)) return m * power;
        return 10 * power;
    }

    private static string Label(double value) => Math.Round(value, 10).ToString("G4", CultureInfo.InvariantCulture);
}
