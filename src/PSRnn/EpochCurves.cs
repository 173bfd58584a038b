using System.Management.Automation;
using PSRnn.Engine.Plotting;

namespace PSRnn;

/// <summary>Turns pipeline records (typed epoch records or CSV rows) into plot series.</summary>
internal static class EpochCurves
{
    public static List<PlotSeries> From(IReadOnlyList<PSObject> records, string property, string[] groupBy, out string? problem)
    {
        problem = null;
        var validation = "Validation" + property;
        var series = new List<PlotSeries>();
        // One property reads best as Name=Value; several as their values, in the order the title names them.
        var groups = records.GroupBy(r => groupBy.Length == 1
            ? $"{groupBy[0]}={Value(r, groupBy[0])}"
            : string.Join("/", groupBy.Select(g => Value(r, g)))).ToList();
        for (var g = 0; g < groups.Count; g++)
        {
            var label = groups[g].Key.Length > 0 ? groups[g].Key : property;
            foreach (var run in Runs(groups[g].ToList()))
            {
                var epochs = new List<double>();
                var train = new List<double>();
                var held = new List<double>();
                foreach (var record in run)
                {
                    if (!TryNumber(record, "Epoch", out var epoch) || !TryNumber(record, property, out var value))
                    {
                        problem = $"Each record needs numeric Epoch and {property} properties (as Invoke-RnnTraining writes); one has Epoch='{Value(record, "Epoch")}', {property}='{Value(record, property)}'.";
                        return series;
                    }
                    epochs.Add(epoch);
                    train.Add(value);
                    if (TryNumber(record, validation, out var v)) held.Add(v);
                }
                series.Add(new PlotSeries(label, epochs, train, Group: g));
                if (held.Count == epochs.Count) series.Add(new PlotSeries(label + " (validation)", epochs, held, IsValidation: true, Group: g));
            }
        }
        return series;
    }

    /// <summary>Several runs in one group (a sweep without -GroupBy) are told apart where the epoch stops rising.</summary>
    private static IEnumerable<List<PSObject>> Runs(List<PSObject> records)
    {
        var run = new List<PSObject>();
        double previous = double.NegativeInfinity;
        foreach (var record in records)
        {
            var epoch = TryNumber(record, "Epoch", out var e) ? e : double.NaN;
            if (run.Count > 0 && !(epoch > previous))
            {
                yield return run;
                run = new List<PSObject>();
            }
            run.Add(record);
            previous = epoch;
        }
        if (run.Count > 0) yield return run;
    }

    private static object? Value(PSObject record, string name) => record.Properties[name]?.Value;

    private static bool TryNumber(PSObject record, string name, out double number)
    {
        number = double.NaN;
        var value = Value(record, name);
        if (value is null || value is string { Length: 0 }) return false;
        return LanguagePrimitives.TryConvertTo(value, System.Globalization.CultureInfo.InvariantCulture, out number) && double.IsFinite(number);
    }
}
